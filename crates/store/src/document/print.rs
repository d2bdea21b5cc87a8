//! The printable page: an outgoing document, and a meeting's minutes in the 纪要 form, laid
//! out by [`sanfu_print`] (GB/T 9704-2012). An outgoing document before 编号 prints as a draft,
//! watermarked 草稿, its number a blank to fill.

use chrono::{DateTime, Utc};
use sanfu_domain::document::DocType;
use sanfu_domain::document::outgoing::{Outgoing, State};
use sanfu_domain::kernel::Kind;
use sanfu_domain::{DomainError, Staff};
use sanfu_print::{Document, Form};

use super::{DocRow, not_found};
use crate::db::{Store, StoreError, from_ms};

/// 2026年12月4日: the 成文日期 and 印发日期 as GB/T 9704 writes them, in Arabic numerals.
pub(crate) fn chinese_date(t: DateTime<Utc>, off: chrono::FixedOffset) -> String {
    t.with_timezone(&off).format("%Y年%-m月%-d日").to_string()
}

impl Store {
    /// The document as GB/T 9704 lays it out: (file name, PDF).
    pub async fn document_pdf(&self, key: &str, staff: &Staff) -> Result<(String, Vec<u8>), StoreError> {
        let core = self.visible_document(key, staff).await?;
        if core.kind != Outgoing::NAME {
            return Err(DomainError::invalid("pdf_not_available", "收文以来文原件为准，请查看其附件；只有发文可以生成版式文件").into());
        }
        let mut conn = self.pool().acquire().await?;
        let row = DocRow::load(&mut conn, &core.id).await?.ok_or_else(|| not_found(key))?;
        drop(conn);
        let settings = self.document_settings().await?;
        let code = settings.code(row.code.as_deref().unwrap_or_default()).cloned();
        let users = self.user_names().await?;
        let off = self.offset();
        let state = State::parse(&core.state);
        let numbered = row.doc_number.is_some();
        let doc_type = DocType::parse(&row.doc_type).unwrap_or(DocType::Notice);
        let today = Utc::now();
        let doc = Document {
            form: Form::File,
            draft: !numbered || state == Some(State::Withdrawn),
            urgency: match row.urgency.as_str() {
                "urgent" => Some("加急".into()),
                "extra_urgent" => Some("特急".into()),
                _ => None,
            },
            mark: code.as_ref().map(|c| c.mark.clone()).unwrap_or_else(|| row.organ.clone()),
            number: row.doc_number.clone().unwrap_or_else(|| format!("{}〔{}〕　号", row.code.clone().unwrap_or_default(), today.with_timezone(&off).format("%Y"))),
            upward: doc_type.upward(),
            signer: row.signed_by.as_ref().and_then(|u| users.get(u)).cloned().unwrap_or_default(),
            title: core.title.clone(),
            main_to: row.main_to.clone(),
            body: row.body.clone(),
            attachments: DocRow::list(&row.attachment_titles),
            signature: row.organ.clone(),
            date: chinese_date(row.signed_at.map(from_ms).unwrap_or(today), off),
            notes: Vec::new(),
            cc: row.cc.split('、').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
            printer: code.as_ref().map(|c| c.organ.clone()).unwrap_or_else(|| row.organ.clone()),
            print_date: chinese_date(row.numbered_at.map(from_ms).unwrap_or(today), off),
        };
        let name = format!("{}.pdf", row.doc_number.clone().unwrap_or_else(|| format!("{}（草稿）", core.number)));
        Ok((name, self.render(doc).await?))
    }

    /// A meeting's minutes in the 纪要 form: (file name, PDF).
    pub async fn minutes_pdf(&self, key: &str, staff: &Staff) -> Result<(String, Vec<u8>), StoreError> {
        let m = self.meeting_for(key, staff).await?;
        let city = self.city_name().await?.unwrap_or_default();
        let off = self.offset();
        let Some(summary) = m.minutes.summary.clone() else {
            return Err(DomainError::conflict("minutes_missing", "会议纪要尚未起草").into());
        };
        let mut body = String::new();
        body.push_str(&format!(
            "{}，{}在{}主持召开{}，研究了以下事项。现纪要如下：\n",
            chinese_date(m.starts_at, off),
            m.chair.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            m.place,
            m.item.number
        ));
        body.push_str(&summary);
        body.push('\n');
        let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"];
        for (i, a) in m.agenda.iter().enumerate() {
            body.push_str(&format!("{}、{}\n", numerals.get(i).copied().unwrap_or("十六"), a.topic.title));
            if let Some(o) = a.outcome_label {
                body.push_str(&format!("会议{}该议题。{}\n", o, a.outcome_note.clone().unwrap_or_default()));
            }
            for d in &a.decisions {
                let co: Vec<String> = d.co_units.iter().map(|u| u.name.clone()).collect();
                body.push_str(&format!(
                    "（{}）{}由{}牵头{}，{}前完成。\n",
                    numerals.get(d.seq.saturating_sub(1) as usize).copied().unwrap_or("十六"),
                    d.text.trim_end_matches('。'),
                    d.lead_unit.name,
                    if co.is_empty() { String::new() } else { format!("，{}配合", co.join("、")) },
                    chinese_date(d.deadline, off)
                ));
            }
        }
        let names = |pred: &dyn Fn(&crate::meeting::view::AttendeeView) -> bool| {
            m.attendees.iter().filter(|a| pred(a)).map(|a| a.name.clone()).collect::<Vec<_>>().join("、")
        };
        let mut notes = Vec::new();
        let present = names(&|a| a.role != "observer" && a.role != "reporting" && a.reply.as_deref() != Some("leave"));
        let leave = names(&|a| a.reply.as_deref() == Some("leave"));
        let observers = names(&|a| a.role == "observer" || a.role == "reporting");
        for (label, v) in [("出席", present), ("请假", leave), ("列席", observers)] {
            if !v.is_empty() {
                notes.push((label.to_string(), v));
            }
        }
        let issued = m.minutes.issued_at;
        let doc = Document {
            form: Form::Minutes,
            draft: m.minutes.number.is_none(),
            urgency: None,
            mark: format!("{city}人民政府{}纪要", m.meeting_type_label.trim_start_matches("政府")),
            number: m.minutes.number.clone().map(|n| n.trim_start_matches(&format!("{city}人民政府")).to_string()).unwrap_or_else(|| "（待编号）".into()),
            upward: false,
            signer: String::new(),
            title: String::new(),
            main_to: String::new(),
            body,
            attachments: Vec::new(),
            signature: String::new(),
            date: String::new(),
            notes,
            cc: Vec::new(),
            printer: format!("{city}人民政府办公室"),
            print_date: chinese_date(issued.unwrap_or_else(Utc::now), off),
        };
        let name = format!("{}.pdf", m.minutes.number.clone().unwrap_or_else(|| format!("{}纪要（草稿）", m.item.number)));
        Ok((name, self.render(doc).await?))
    }

    pub(crate) async fn render(&self, doc: Document) -> Result<Vec<u8>, StoreError> {
        let printer = self.printer().await?;
        tokio::task::spawn_blocking(move || printer.render(&doc))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?
            .map_err(|e| StoreError::Other(e.to_string()))
    }
}
