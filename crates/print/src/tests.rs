//! The layout read back from the PDF by poppler's tools (Debian's `poppler-utils`): the fonts are
//! embedded, and a body line holds 28 characters.

use super::*;

fn sample(draft: bool) -> Document {
    specimen(draft)
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
    assert_eq!(pages, 3, "the specimen runs to three pages");

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
    assert!(full >= 15 && first >= 5, "lines checked: {full} full, {first} first");
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
