//! Printable 公文: a document's parts laid out as GB/T 9704-2012 prescribes (A4, 版心 156 × 225
//! mm, 22 lines of 28 characters of 3号 仿宋, the red 发文机关标志 and separator, page numbers
//! “— n —” on alternating sides, the 版记 at the foot of the last page), typeset by typst inside
//! the binary into a PDF that embeds the subset fonts.
//!
//! The fonts are the machine's, found by family name in a few folders: by default FandolFang
//! and FandolKai (Debian's `texlive-lang-chinese`) for 仿宋 and 楷体, Noto CJK
//! (`fonts-noto-cjk`) for 黑体, 宋体 and 小标宋. An office with licensed 方正 fonts names them
//! instead ([`FontConfig`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

const TEMPLATE: &str = include_str!("gbt9704.typ");

/// The families a document is set in, and the folders searched for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FontConfig {
    /// 仿宋: the body.
    pub fang: String,
    /// 楷体: second-level headings, the 签发人's name.
    pub kai: String,
    /// 黑体: first-level headings, 紧急程度.
    pub hei: String,
    /// 宋体: page numbers.
    pub song: String,
    /// 小标宋: the 发文机关标志 and the title.
    pub biaosong: String,
    /// The weight 小标宋 is set in: `bold` for Noto Serif CJK, `regular` for a real 小标宋.
    pub biaosong_weight: String,
    /// Folders searched (with their subfolders) for font files.
    pub dirs: Vec<String>,
}

impl Default for FontConfig {
    fn default() -> Self {
        FontConfig {
            fang: "FandolFang".into(),
            kai: "FandolKai".into(),
            hei: "Noto Sans CJK SC".into(),
            song: "Noto Serif CJK SC".into(),
            biaosong: "Noto Serif CJK SC".into(),
            biaosong_weight: "bold".into(),
            dirs: vec![
                "/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol".into(),
                "/usr/share/fonts/opentype/noto".into(),
                "/usr/share/fonts".into(),
                "/usr/local/share/fonts".into(),
            ],
        }
    }
}

impl FontConfig {
    fn families(&self) -> [(&'static str, &str); 5] {
        [("仿宋", &self.fang), ("楷体", &self.kai), ("黑体", &self.hei), ("宋体", &self.song), ("小标宋", &self.biaosong)]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// A family the configuration names is on none of the folders.
    #[error("找不到{role}字体“{family}”：请安装 texlive-lang-chinese 与 fonts-noto-cjk，或在公文设置中改为本机已有的字体")]
    MissingFont { role: &'static str, family: String },
    #[error("字体设置不正确：{0}")]
    BadConfig(String),
    /// Typst refused the document (a bug of ours: the data never reaches it as markup).
    #[error("公文排版失败：{0}")]
    Typeset(String),
}

/// Which layout: a 文件 with the red 版头, or a 纪要.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    #[default]
    File,
    Minutes,
}

/// A document's parts, as plain text: nothing here is read as markup.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Document {
    pub form: Form,
    /// Watermarked 草稿 across every page.
    pub draft: bool,
    /// 特急 / 加急, or none.
    pub urgency: Option<String>,
    /// 发文机关标志, e.g. 江州市人民政府办公室文件.
    pub mark: String,
    /// 发文字号 (`江政办发〔2026〕12号`), or a placeholder while unnumbered.
    pub number: String,
    /// 上行文 (报告, 请示): the 标志 lower, the 签发人 beside the number.
    pub upward: bool,
    pub signer: String,
    pub title: String,
    /// 主送机关, without the colon.
    pub main_to: String,
    /// 正文 in paragraphs (blank lines and line breaks separate them).
    pub body: String,
    /// 附件 names, in order.
    pub attachments: Vec<String>,
    /// 发文机关署名.
    pub signature: String,
    /// 成文日期, e.g. 2026年12月4日.
    pub date: String,
    /// Labelled lines after the body (a 纪要's 出席, 请假, 列席).
    pub notes: Vec<(String, String)>,
    /// 抄送机关, without the prefix.
    pub cc: Vec<String>,
    /// 印发机关.
    pub printer: String,
    /// 印发日期, e.g. 2026年12月4日.
    pub print_date: String,
}

/// The heading level of a paragraph by its opening (GB/T 9704 §7.3.3): `一、` 黑体, `（一）`
/// 楷体, `1.` and `（1）` 仿宋; the heading is its text up to the first 。 (or the whole line).
fn runs(para: &str) -> Vec<serde_json::Value> {
    let chinese = |c: char| "一二三四五六七八九十".contains(c);
    let font = if para.chars().take_while(|c| chinese(*c)).count() > 0 && para.chars().find(|c| !chinese(*c)) == Some('、') {
        Some("hei")
    } else if para.starts_with('（') && para.chars().nth(1).is_some_and(chinese) {
        Some("kai")
    } else {
        None
    };
    match font {
        Some(f) => {
            let cut = para.find('。').map(|i| i + '。'.len_utf8()).unwrap_or(para.len());
            let mut v = vec![serde_json::json!({"f": f, "t": &para[..cut]})];
            if cut < para.len() {
                v.push(serde_json::json!({"f": "fang", "t": &para[cut..]}));
            }
            v
        }
        None => vec![serde_json::json!({"f": "fang", "t": para})],
    }
}

impl Document {
    fn data(&self, fonts: &FontConfig) -> serde_json::Value {
        let paras: Vec<Vec<serde_json::Value>> =
            self.body.lines().map(str::trim).filter(|l| !l.is_empty()).map(runs).collect();
        // The 标志 fills at most the 版心's width, and stays under 22 mm high.
        let n = self.mark.chars().count().max(1) as f64;
        let mark_size = (440.0 / n).min(52.0);
        let cc = if self.cc.is_empty() { String::new() } else { format!("抄送：{}。", self.cc.join("，")) };
        serde_json::json!({
            "form": self.form,
            "draft": self.draft,
            "urgency": self.urgency,
            "mark": self.mark,
            "mark_size": mark_size,
            "number": self.number,
            "upward": self.upward,
            "signer": self.signer,
            "title": self.title,
            "main_to": self.main_to,
            "paras": paras,
            "attachments": self.attachments,
            "signature": self.signature,
            "date": self.date,
            "notes": self.notes.iter().map(|(l, t)| serde_json::json!({"label": l, "text": t})).collect::<Vec<_>>(),
            "cc": cc,
            "printer": self.printer,
            "print_date": format!("{}印发", self.print_date),
            // 28 characters of 16 pt in 156 mm (442.2 pt): each a little narrower than its size.
            "tracking": -0.25,
            "fonts": {
                "fang": fonts.fang, "kai": fonts.kai, "hei": fonts.hei, "song": fonts.song,
                "biaosong": fonts.biaosong, "biaosong_weight": fonts.biaosong_weight,
            },
        })
    }
}

/// The fonts found on the machine, loaded once: render as many documents as you like.
pub struct Printer {
    config: FontConfig,
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn font_files(dir: &Path, out: &mut Vec<PathBuf>, depth: u32) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() && depth < 6 {
            font_files(&path, out, depth + 1);
        } else if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "otf" | "ttf" | "ttc" | "otc"))
        {
            out.push(path);
        }
    }
}

impl Printer {
    /// Find the configured families in the configured folders. Every family must be there: a
    /// document set in a fallback font would not be the office's document.
    pub fn load(config: &FontConfig) -> Result<Printer, PrintError> {
        for (role, family) in config.families() {
            if family.trim().is_empty() {
                return Err(PrintError::BadConfig(format!("{role}字体名称为空")));
            }
        }
        let wanted: Vec<String> = config.families().iter().map(|(_, f)| f.to_lowercase()).collect();
        let mut files = Vec::new();
        for d in &config.dirs {
            font_files(Path::new(d), &mut files, 0);
        }
        files.sort();
        files.dedup();
        // A family as its fonts name it, or with a style word after it ("FandolFang R").
        let matches = |family: &str, want: &str| family == want || family.strip_prefix(want).is_some_and(|rest| rest.starts_with(' ') && rest.len() <= 12);
        let mut fonts: Vec<Font> = Vec::new();
        for f in files {
            let Ok(data) = std::fs::read(&f) else { continue };
            let bytes = Bytes::new(data);
            for font in Font::iter(bytes) {
                let family = font.info().family.to_lowercase();
                if wanted.iter().any(|w| matches(&family, w)) && !fonts.iter().any(|g| g.info() == font.info()) {
                    fonts.push(font);
                }
            }
        }
        // The configuration with each family as typst will look it up.
        let mut resolved = config.clone();
        for (slot, role) in [(&mut resolved.fang, "仿宋"), (&mut resolved.kai, "楷体"), (&mut resolved.hei, "黑体"), (&mut resolved.song, "宋体"), (&mut resolved.biaosong, "小标宋")] {
            let want = slot.to_lowercase();
            let found = fonts.iter().map(|f| &f.info().family).find(|f| f.to_lowercase() == want).or_else(|| fonts.iter().map(|f| &f.info().family).find(|f| matches(&f.to_lowercase(), &want)));
            match found {
                Some(f) => *slot = f.clone(),
                None => return Err(PrintError::MissingFont { role, family: slot.clone() }),
            }
        }
        let book = FontBook::from_fonts(fonts.iter());
        Ok(Printer { config: resolved, library: LazyHash::new(Library::default()), book: LazyHash::new(book), fonts })
    }

    pub fn config(&self) -> &FontConfig {
        &self.config
    }

    /// The families loaded, with their files' faces.
    pub fn families(&self) -> Vec<String> {
        let mut v: Vec<String> = self.fonts.iter().map(|f| format!("{} {:?}", f.info().family, f.info().variant.weight)).collect();
        v.dedup();
        v
    }

    /// The document as a PDF.
    pub fn render(&self, doc: &Document) -> Result<Vec<u8>, PrintError> {
        self.render_counted(doc).map(|(pdf, _)| pdf)
    }

    /// The document as a PDF, and how many pages it runs to.
    pub fn render_counted(&self, doc: &Document) -> Result<(Vec<u8>, usize), PrintError> {
        let data = serde_json::to_vec(&doc.data(&self.config)).map_err(|e| PrintError::Typeset(e.to_string()))?;
        let world = DocWorld::new(self, data)?;
        let warned = typst::compile::<typst_layout::PagedDocument>(&world);
        let paged = warned.output.map_err(|errs| PrintError::Typeset(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))?;
        let options = typst_pdf::PdfOptions { ident: typst::foundations::Smart::Custom(doc.number.clone()), ..Default::default() };
        let pdf = typst_pdf::pdf(&paged, &options).map_err(|errs| PrintError::Typeset(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))?;
        Ok((pdf, paged.pages().len()))
    }
}

/// One compilation: the template as the main file, the document's parts as `/data.json`.
struct DocWorld<'a> {
    printer: &'a Printer,
    main: FileId,
    data_id: FileId,
    source: Source,
    data: Bytes,
}

fn file_id(path: &str) -> Result<FileId, PrintError> {
    let vpath = VirtualPath::new(path).map_err(|e| PrintError::Typeset(format!("{e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl<'a> DocWorld<'a> {
    fn new(printer: &'a Printer, data: Vec<u8>) -> Result<Self, PrintError> {
        let main = file_id("/main.typ")?;
        Ok(DocWorld { printer, main, data_id: file_id("/data.json")?, source: Source::new(main, TEMPLATE.to_string()), data: Bytes::new(data) })
    }
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.printer.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.printer.book
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main { Ok(self.source.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id { Ok(self.data.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.printer.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

/// A three-page notice with headings at each level, attachments and a 版记: what the tests
/// read back and the benchmark renders.
pub fn specimen(draft: bool) -> Document {
    let para = "为深入贯彻落实党中央、国务院关于优化营商环境的决策部署，进一步提升政务服务效能，切实解决企业和群众办事难、办事慢、多头跑、来回跑等问题，经市政府同意，现就有关事项通知如下。";
    let mut body = String::new();
    body.push_str(para);
    body.push('\n');
    for (i, h) in ["一、总体要求", "二、重点任务", "三、保障措施"].iter().enumerate() {
        body.push_str(&format!("{h}\n"));
        body.push_str(&format!("（{}）加强组织领导。各地各部门要高度重视政务服务改革工作，主要负责同志亲自抓，分管负责同志具体抓，确保各项任务落到实处。\n", ["一", "二", "三"][i]));
        for _ in 0..2 {
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

#[cfg(test)]
mod tests;
