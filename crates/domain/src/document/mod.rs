//! 公文: the documents the office receives and issues, under 《党政机关公文处理工作条例》
//! (中办发〔2012〕14号).
//!
//! Two kinds of work. An **incoming** document (收文) is signed for and registered by the
//! office's 文电科, checked (初审), given the office's proposal (拟办), a leader's instruction
//! (批办, which is also a 批示 of its own), handled by the units named under a deadline on the
//! working-day calendar, circulated to leaders (传阅), answered, concluded and archived
//! ([`incoming`]). An **outgoing** document (发文) is drafted with its versions kept, reviewed
//! by the drafting unit's head, countersigned by several units in parallel (会签), checked by
//! the office (核稿), signed by a leader (签发), rechecked, numbered — the 发文字号 is taken only
//! then, from a series that never skips and never repeats — printed, distributed and archived
//! ([`outgoing`]).
//!
//! Sanfu is not approved for classified material: [`check_unclassified`] refuses it.

pub mod incoming;
pub mod outgoing;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

crate::labelled_enum!(
    /// The 条例's fifteen kinds of 公文 (第八条).
    DocType {
        Resolution = "resolution" / "决议",
        Decision = "decision" / "决定",
        Order = "order" / "命令（令）",
        Communique = "communique" / "公报",
        Announcement = "announcement" / "公告",
        Circular = "circular" / "通告",
        Opinion = "opinion" / "意见",
        Notice = "notice" / "通知",
        Bulletin = "bulletin" / "通报",
        Report = "report" / "报告",
        Request = "request" / "请示",
        Reply = "reply" / "批复",
        Motion = "motion" / "议案",
        Letter = "letter" / "函",
        Minutes = "minutes" / "纪要",
    }
);

impl DocType {
    /// 上行文: addressed to a higher organ; the printed page names its 签发人.
    pub fn upward(self) -> bool {
        matches!(self, DocType::Report | DocType::Request | DocType::Motion)
    }
}

crate::labelled_enum!(
    /// 紧急程度.
    Urgency {
        Normal = "normal" / "平件",
        Urgent = "urgent" / "加急",
        Extra = "extra_urgent" / "特急",
    }
);

/// The 密级 of a document in the 条例's terms; Sanfu takes only documents with none.
const CLASSIFIED: [&str; 3] = ["绝密", "机密", "秘密"];

/// Where classified material goes instead, said in every refusal.
pub const CLASSIFIED_ELSEWHERE: &str = "涉密公文须通过机要渠道（机要交通、涉密网络及经审批的涉密信息系统）流转办理";

/// Refuse classified material: a 密级 other than none, or a header that carries a mark of
/// 秘密, 机密 or 绝密 (版头's first lines: `机密★1年`, `秘密`, `绝密★启用前`…). `secrecy` is the
/// registered 密级 (empty, `无`, `none` or `非密` for none); `texts` are the title, the first
/// lines of the text, attachments' names and the first lines of text attachments.
pub fn check_unclassified(secrecy: Option<&str>, texts: &[&str]) -> Result<(), DomainError> {
    let refuse = |mark: &str| {
        Err(DomainError::invalid(
            "classified_refused",
            format!("本系统未经涉密信息系统审批，不得登记、上传或处理涉密公文（标注“{mark}”）。{CLASSIFIED_ELSEWHERE}；本系统未保存该文件的任何内容。"),
        ))
    };
    if let Some(s) = secrecy.map(str::trim).filter(|s| !s.is_empty()) && !matches!(s, "无" | "none" | "非密" | "不涉密" | "普通") {
        return refuse(s);
    }
    for t in texts {
        for line in t.lines().map(str::trim).filter(|l| !l.is_empty()).take(5) {
            let line: String = line.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}').collect();
            for mark in CLASSIFIED {
                // A mark opens the line (`机密★1年`, `秘密`), or stands with the star anywhere in it.
                if line.starts_with(mark) && (line.chars().count() <= 12 || line[mark.len()..].starts_with(['★', '*', '☆', '|', '｜', ' ']))
                    || line.contains(&format!("{mark}★"))
                    || line.contains(&format!("{mark}*"))
                    || line.contains(&format!("{mark}☆"))
                    || line.contains(&format!("【{mark}】"))
                    || line.contains(&format!("（{mark}）"))
                {
                    return refuse(mark);
                }
            }
        }
    }
    Ok(())
}

/// An issuing code (机关代字) the office numbers documents under, and how its documents print.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct IssuingCode {
    /// `江政办发`.
    pub code: String,
    /// The 发文机关 (署名, 印发机关): 江州市人民政府办公室.
    pub organ: String,
    /// The 发文机关标志: 江州市人民政府办公室文件.
    pub mark: String,
}

/// The document settings the office may change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = DocumentSettings)]
pub struct Settings {
    /// Working days a unit has to handle an incoming document, unless the leader says otherwise.
    pub handle_days: u32,
    /// Working days each countersigning unit has to answer.
    pub countersign_days: u32,
    pub warn_percent: u32,
    /// The codes documents are numbered under; the first is the default.
    pub codes: Vec<IssuingCode>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            handle_days: 10,
            countersign_days: 3,
            warn_percent: 80,
            codes: vec![
                IssuingCode { code: "江政办发".into(), organ: "江州市人民政府办公室".into(), mark: "江州市人民政府办公室文件".into() },
                IssuingCode { code: "江政发".into(), organ: "江州市人民政府".into(), mark: "江州市人民政府文件".into() },
                IssuingCode { code: "江政办函".into(), organ: "江州市人民政府办公室".into(), mark: "江州市人民政府办公室".into() },
                IssuingCode { code: "江政函".into(), organ: "江州市人民政府".into(), mark: "江州市人民政府".into() },
            ],
        }
    }
}

impl Settings {
    pub fn checked(self) -> Result<Self, DomainError> {
        let bad = |m: &str| Err(DomainError::invalid("invalid_document_settings", m.to_string()));
        if !(1..=60).contains(&self.handle_days) {
            return bad("承办时限须为 1 至 60 个工作日");
        }
        if !(1..=30).contains(&self.countersign_days) {
            return bad("会签时限须为 1 至 30 个工作日");
        }
        if !(1..=99).contains(&self.warn_percent) {
            return bad("预警比例须在 1% 至 99% 之间");
        }
        if self.codes.is_empty() {
            return bad("至少设置一个机关代字");
        }
        for (i, c) in self.codes.iter().enumerate() {
            let code = c.code.trim();
            if code.is_empty() || code.chars().count() > 20 || code.contains(':') || code.contains('{') {
                return bad("机关代字不能为空，不超过 20 个字符，且不含冒号或花括号");
            }
            if c.organ.trim().is_empty() || c.mark.trim().is_empty() {
                return bad("请为每个机关代字填写发文机关和发文机关标志");
            }
            if self.codes[..i].iter().any(|d| d.code.trim() == code) {
                return bad("机关代字重复");
            }
        }
        Ok(self)
    }

    pub fn code(&self, code: &str) -> Option<&IssuingCode> {
        self.codes.iter().find(|c| c.code == code.trim())
    }
}
