//! The layout read back from the PDF by poppler's tools (Debian's `poppler-utils`): the fonts are
//! embedded, and a body line holds 28 characters.

use super::*;

pub(crate) fn sample(draft: bool) -> Document {
    let para = "为深入贯彻落实党中央、国务院关于优化营商环境的决策部署，进一步提升政务服务效能，切实解决企业和群众办事难、办事慢、多头跑、来回跑等问题，经市政府同意，现就有关事项通知如下。";
    let mut body = String::new();
    body.push_str(para);
    body.push('\n');
    for (i, h) in ["一、总体要求", "二、重点任务", "三、保障措施"].iter().enumerate() {
        body.push_str(&format!("{h}\n"));
        body.push_str(&format!("（{}）加强组织领导。各地各部门要高度重视政务服务改革工作，主要负责同志亲自抓，分管负责同志具体抓，确保各项任务落到实处。\n", ["一", "二", "三"][i]));
        for _ in 0..3 {
            body.push_str(para);
            body.push('\n');
        }
    }
    Document {
        form: Form::File,
        draft,
        urgency: Some("特急".into()),
        mark: "江州市人民政府办公室文件".into(),
        number: "江政办发〔2026〕12号".into(),
        upward: false,
        signer: String::new(),
        title: "江州市人民政府办公室关于进一步优化政务服务提升行政效能的通知".into(),
        main_to: "各区人民政府，市政府各部门，各直属机构".into(),
        body,
        attachments: vec!["江州市政务服务事项清单".into(), "江州市政务服务改革任务分工".into()],
        signature: "江州市人民政府办公室".into(),
        date: "2026年12月4日".into(),
        notes: vec![],
        cc: vec!["市委各部门".into(), "市人大常委会办公室".into(), "市政协办公室".into()],
        printer: "江州市人民政府办公室".into(),
        print_date: "2026年12月4日".into(),
    }
}

fn tool(cmd: &str, args: &[&str]) -> String {
    match std::process::Command::new(cmd).args(args).output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => panic!("{cmd}: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!("{cmd} (poppler-utils) is needed to read the PDF back: {e}"),
    }
}

/// The PDF read back: A4, the fonts embedded as subsets, every full line of the body 28
/// characters (the first of a paragraph 26 after its two-character indent).
#[test]
fn document_pdf_embeds_its_fonts_and_sets_28_characters_a_line() {
    let printer = Printer::load(&FontConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let doc = sample(false);
    let pdf = printer.render(&doc).unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("sanfu-print-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("doc.pdf");
    std::fs::write(&path, &pdf).unwrap_or_else(|e| panic!("{e}"));
    let path = path.to_string_lossy().into_owned();

    let info = tool("pdfinfo", &[&path]);
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
    let pages: u32 = info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|n| n.trim().parse().unwrap_or(0)).unwrap_or(0);
    assert!(pages >= 3, "a document of this length runs to three pages or more: {pages}");

    let fonts = tool("pdffonts", &[&path]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    for family in ["FandolFang", "FandolKai", "NotoSerifCJKsc-Bold", "NotoSansCJKsc"] {
        let row = rows.iter().find(|r| r.contains(family)).unwrap_or_else(|| panic!("{family} not in the PDF:\n{fonts}"));
        // name type encoding emb sub uni: embedded, as a subset.
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(&cols[cols.len() - 5..cols.len() - 2], &["yes", "yes", "yes"], "{row}");
    }

    let text = tool("pdftotext", &["-layout", &path, "-"]);
    let paras: Vec<String> = doc.body.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
    let (mut full, mut first) = (0, 0);
    for line in text.lines() {
        let line: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if line.chars().count() < 10 {
            continue;
        }
        let Some(p) = paras.iter().find(|p| p.contains(&line)) else { continue };
        if p.ends_with(&line) {
            continue; // a paragraph's last line is as long as it is
        }
        let n = line.chars().count();
        if p.starts_with(&line) {
            assert_eq!(n, 26, "a paragraph's first line, after its indent: {line}");
            first += 1;
        } else {
            assert_eq!(n, 28, "a full line of the body: {line}");
            full += 1;
        }
    }
    assert!(full >= 20 && first >= 5, "lines checked: {full} full, {first} first");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn document_draft_is_watermarked_and_a_missing_font_is_named() {
    let printer = Printer::load(&FontConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let pdf = printer.render(&sample(true)).unwrap_or_else(|e| panic!("{e}"));
    assert!(pdf.starts_with(b"%PDF"));
    let config = FontConfig { fang: "方正仿宋_GBK".into(), ..FontConfig::default() };
    match Printer::load(&config) {
        Err(e) => assert!(e.to_string().contains("找不到仿宋字体“方正仿宋_GBK”"), "{e}"),
        Ok(_) => panic!("a font the machine lacks was found"),
    }
}
