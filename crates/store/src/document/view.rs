//! What a page shows of a document — its parts, where it is and who holds it now, the
//! countersigners' answers, the circulation, the versions — and the registers (收文登记簿,
//! 发文登记簿) and a leader's 传阅 list.

use chrono::{DateTime, Datelike, Utc};
use sanfu_domain::document::incoming::{self as inc, Incoming};
use sanfu_domain::document::outgoing::{self as out, Outgoing};
use sanfu_domain::document::{DocType, Urgency};
use sanfu_domain::kernel::{AssignmentRole, Kind};
use sanfu_domain::{Actor, DomainError, Principal, Staff};
use serde::{Deserialize, Serialize};

use super::{DOC_COLS, DocRow, not_found};
use crate::db::{Store, StoreError, from_ms, in_clause};
use crate::events;
use crate::kernel::attachments::AttachmentInfo;
use crate::kernel::items::{Core, ItemDetail, ItemSummary, UnitName, Viewer};
use crate::meeting::PersonName;
use crate::meeting::topic::{OpinionView, co_answers};
use crate::org::Scope;

/// A leader a document was circulated to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReaderView {
    pub user: PersonName,
    pub sent_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    /// Sent and not yet read to the end (阅毕): they hold it.
    pub holds: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    #[serde(flatten)]
    pub item: ItemDetail,
    /// `incoming` (收文) or `outgoing` (发文).
    pub direction: &'static str,
    pub direction_label: &'static str,
    pub doc_type: String,
    pub doc_type_label: &'static str,
    pub urgency: String,
    pub urgency_label: &'static str,
    /// 来文机关 (incoming) or 发文机关 (outgoing).
    pub organ: String,
    /// 来文字号.
    pub source_number: Option<String>,
    /// 成文日期 (incoming) or 签发日期 (outgoing).
    pub doc_date: Option<DateTime<Utc>>,
    pub pages: Option<i64>,
    /// 机关代字 and, once numbered, the 发文字号.
    pub code: Option<String>,
    pub doc_number: Option<String>,
    pub main_to: String,
    pub cc: String,
    /// 正文 (outgoing) or 内容摘要 (incoming).
    pub body: String,
    pub attachment_titles: Vec<String>,
    /// 拟办意见, 批办意见 and the 批示 it made.
    pub proposal: Option<String>,
    pub instruction: Option<String>,
    pub instruction_number: Option<String>,
    /// The leader asked to instruct (incoming) or to sign (outgoing).
    pub leader: Option<PersonName>,
    pub signed_by: Option<PersonName>,
    pub signed_at: Option<DateTime<Utc>>,
    pub copies: Option<i64>,
    pub issued_at: Option<DateTime<Utc>>,
    /// Each countersigning unit's answer.
    pub countersigns: Vec<OpinionView>,
    pub missing: Vec<UnitName>,
    pub readers: Vec<ReaderView>,
    /// Who holds it now: the party whose step it waits for, and every leader still reading it.
    pub holders: Vec<String>,
    pub versions: i64,
    pub attachments: Vec<AttachmentInfo>,
    /// The printable page (GB/T 9704), for outgoing documents.
    pub pdf_url: Option<String>,
}

/// A row of a register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub direction: String,
    pub doc_type_label: &'static str,
    pub urgency_label: &'static str,
    pub organ: String,
    pub source_number: Option<String>,
    pub doc_number: Option<String>,
    pub doc_date: Option<DateTime<Utc>>,
    pub main_to: String,
    pub signed_by: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub readers: u32,
    pub readers_done: u32,
}

/// Which documents a register lists.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct DocumentFilter {
    /// `incoming` or `outgoing`; both by default.
    pub direction: Option<String>,
    pub state: Option<String>,
    /// 机关代字 (outgoing).
    pub code: Option<String>,
    /// The year registered (incoming) or drafted (outgoing).
    pub year: Option<i32>,
}

/// A document circulated to a leader.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CirculationRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub organ: String,
    pub source_number: Option<String>,
    pub sent_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// ` AND …`: the documents `staff` may read (of `work_items w`): all for the office; a unit's
/// those handed to it; a leader's those of the portfolio or naming them. Binds go to `binds`,
/// numbered after `taken` placeholders bound otherwise.
fn scope_sql(staff: &Staff, taken: usize, binds: &mut Vec<String>) -> String {
    match Store::scope_of(staff) {
        Scope::All => String::new(),
        Scope::Units(units) => {
            let (clause, _) = in_clause(taken + binds.len() + 1, units.len());
            let mut cond = format!("w.id IN (SELECT a.work_id FROM assignments a WHERE a.kind IN ('incoming', 'outgoing') AND a.unit_id IN {clause})");
            binds.extend(units);
            if staff.has(sanfu_domain::Role::Leader) {
                binds.push(staff.user_id.clone());
                cond = format!("({cond} OR w.id IN (SELECT p.work_id FROM item_people p WHERE p.user_id = ${} AND p.kind IN ('incoming', 'outgoing')))", taken + binds.len());
            }
            format!(" AND {cond}")
        }
    }
}

fn direction_label(d: &str) -> &'static str {
    if d == Outgoing::NAME { "发文" } else { "收文" }
}

impl Store {
    /// The document's kernel parts if `staff` may read it: the office, the units it was handed
    /// to, the leaders of the portfolio or named on it (to instruct, sign or read it).
    pub(crate) async fn visible_document(&self, key: &str, staff: &Staff) -> Result<Core, StoreError> {
        let core = self.visible_core(key, staff).await.map_err(|e| match e {
            StoreError::Domain(d) if d.code == "item_not_found" => not_found(key),
            other => other,
        })?;
        if core.kind != Incoming::NAME && core.kind != Outgoing::NAME {
            return Err(not_found(key));
        }
        Ok(core)
    }

    /// One document for whoever may read it.
    pub async fn document_for(&self, key: &str, staff: &Staff) -> Result<DocumentView, StoreError> {
        let core = self.visible_document(key, staff).await?;
        let mut conn = self.pool().acquire().await?;
        let row = DocRow::load(&mut conn, &core.id).await?.ok_or_else(|| not_found(key))?;
        let people = crate::kernel::write::load_people(&mut conn, &core.id).await?;
        let readers: Vec<(String, i64, Option<i64>, Option<String>)> =
            sqlx::query_as("SELECT user_id, sent_at, read_at, comment FROM document_readers WHERE work_id = $1 ORDER BY sent_at, user_id")
                .bind(&core.id)
                .fetch_all(&mut *conn)
                .await?;
        let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM document_versions WHERE work_id = $1").bind(&core.id).fetch_one(&mut *conn).await?;
        let instruction_number: Option<String> = match &row.instruction_id {
            Some(i) => sqlx::query_scalar("SELECT number FROM work_items WHERE id = $1").bind(i).fetch_optional(&mut *conn).await?,
            None => None,
        };
        drop(conn);
        let names = self.unit_names().await?;
        let users = self.user_names().await?;
        let unit_name = |id: &str| UnitName { id: id.to_string(), name: names.get(id).cloned().unwrap_or_default() };
        let person = |id: &str| PersonName { id: id.to_string(), name: users.get(id).cloned().unwrap_or_default() };
        let viewer = Viewer::of(staff);
        let outgoing = core.kind == Outgoing::NAME;
        let events = crate::kernel::items::for_reader(events::list(self.pool(), &core.id).await?, staff);

        // The countersigners as named (while drafting) or as handed the draft (after).
        let co: Vec<String> = core.assignments.iter().filter(|a| a.active && a.role == AssignmentRole::Co).map(|a| a.unit_id.clone()).collect();
        let named: Vec<String> = row.countersigners.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
        let countersigns = if outgoing {
            let units = if core.state == out::State::Drafting.as_str() || co.is_empty() { named.clone() } else { co.clone() };
            co_answers(&core.assignments, &events, &units, "countersign", viewer, unit_name)
        } else {
            Vec::new()
        };
        let missing: Vec<UnitName> = if outgoing && core.state == out::State::Countersigning.as_str() {
            core.assignments.iter().filter(|a| a.active && a.role == AssignmentRole::Co && a.outcome.is_none()).map(|a| unit_name(&a.unit_id)).collect()
        } else {
            Vec::new()
        };
        let readers: Vec<ReaderView> = readers
            .into_iter()
            .map(|(u, sent, read, comment)| ReaderView { user: person(&u), sent_at: from_ms(sent), read_at: read.map(from_ms), comment, holds: read.is_none() })
            .collect();
        let leader = sanfu_domain::kernel::person_in(&people, sanfu_domain::kernel::Party::ChargeLeader).map(person);
        let lead = core.assignments.iter().find(|a| a.active && a.role == AssignmentRole::Lead).map(|a| unit_name(&a.unit_id).name);
        let mut holders: Vec<String> = Vec::new();
        let office = "文电科".to_string();
        if outgoing {
            match out::State::parse(&core.state) {
                Some(out::State::Drafting) => holders.extend(lead.clone()),
                Some(out::State::UnitReview) => holders.push(format!("{}负责人", lead.clone().unwrap_or_default())),
                Some(out::State::Countersigning) => holders.extend(missing.iter().map(|u| u.name.clone())),
                Some(out::State::Signing) => holders.extend(leader.as_ref().map(|l| l.name.clone())),
                Some(out::State::OfficeReview | out::State::Rechecking | out::State::Numbering | out::State::Printing | out::State::Distributing) => holders.push(office),
                _ => {}
            }
        } else {
            match inc::State::parse(&core.state) {
                Some(inc::State::Registered | inc::State::Proposing | inc::State::Replied | inc::State::Concluded) => holders.push(office),
                Some(inc::State::Instructing) => holders.extend(leader.as_ref().map(|l| l.name.clone())),
                Some(inc::State::Handling) => holders.extend(lead.clone()),
                _ => {}
            }
            holders.extend(readers.iter().filter(|r| r.holds).map(|r| format!("{}（传阅中）", r.user.name)));
        }
        let doc_type = DocType::parse(&row.doc_type);
        let urgency = Urgency::parse(&row.urgency);
        let actor = Actor { principal: Principal::Staff(staff.clone()), ip: String::new() };
        let id = core.id.clone();
        let number = core.number.clone();
        let item = self.detail(core, &actor, viewer).await?;
        Ok(DocumentView {
            direction: if outgoing { Outgoing::NAME } else { Incoming::NAME },
            direction_label: direction_label(if outgoing { Outgoing::NAME } else { Incoming::NAME }),
            doc_type: row.doc_type.clone(),
            doc_type_label: doc_type.map(|d| d.label()).unwrap_or_default(),
            urgency: row.urgency.clone(),
            urgency_label: urgency.map(|u| u.label()).unwrap_or_default(),
            organ: row.organ.clone(),
            source_number: row.source_number.clone(),
            doc_date: row.date(),
            pages: row.pages,
            code: row.code.clone(),
            doc_number: row.doc_number.clone(),
            main_to: row.main_to.clone(),
            cc: row.cc.clone(),
            body: viewer.text(&row.body),
            attachment_titles: DocRow::list(&row.attachment_titles),
            proposal: row.proposal.as_deref().map(|t| viewer.text(t)),
            instruction: row.instruction.as_deref().map(|t| viewer.text(t)),
            instruction_number,
            leader,
            signed_by: row.signed_by.as_deref().map(person),
            signed_at: row.signed_at.map(from_ms),
            copies: row.copies,
            issued_at: row.issued_at.map(from_ms),
            countersigns,
            missing,
            readers,
            holders,
            versions,
            attachments: self.attachments_of(&id).await?,
            pdf_url: outgoing.then(|| format!("/api/documents/{number}/pdf")),
            item,
        })
    }

    /// A register as `staff` may read it, newest first: 收文登记簿 or 发文登记簿 (or both).
    pub async fn list_documents(&self, staff: &Staff, f: &DocumentFilter) -> Result<Vec<DocumentRow>, StoreError> {
        let mut sql = format!("SELECT w.id, {DOC_COLS} FROM work_items w JOIN documents d ON d.id = w.id WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let bind = |v: String, binds: &mut Vec<String>| {
            binds.push(v);
            format!("${}", binds.len())
        };
        let direction = match f.direction.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(d @ ("incoming" | "outgoing")) => Some(d),
            Some("收文") => Some("incoming"),
            Some("发文") => Some("outgoing"),
            Some(d) => return Err(DomainError::invalid("invalid_direction", format!("“{d}”不是收文（incoming）或发文（outgoing）")).into()),
            None => None,
        };
        match direction {
            Some(d) => sql.push_str(&format!(" AND w.kind = {}", bind(d.to_string(), &mut binds))),
            None => sql.push_str(" AND w.kind IN ('incoming', 'outgoing')"),
        }
        if let Some(s) = f.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let known = inc::State::parse(s).map(|x| x.as_str()).or_else(|| out::State::parse(s).map(|x| x.as_str()));
            let st = known.ok_or_else(|| DomainError::invalid("invalid_state", format!("公文状态“{s}”不存在")))?;
            sql.push_str(&format!(" AND w.state = {}", bind(st.to_string(), &mut binds)));
        }
        if let Some(c) = f.code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            sql.push_str(&format!(" AND d.code = {}", bind(c.to_string(), &mut binds)));
        }
        if let Some(y) = f.year {
            if !(2000..=2100).contains(&y) {
                return Err(DomainError::invalid("invalid_year", "年度不正确").into());
            }
            let off = self.offset();
            let start = chrono::NaiveDate::from_ymd_opt(y, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d - chrono::Duration::seconds(i64::from(off.local_minus_utc())));
            let end = chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d - chrono::Duration::seconds(i64::from(off.local_minus_utc())));
            if let (Some(s), Some(e)) = (start, end) {
                sql.push_str(&format!(" AND w.created_at >= {} AND w.created_at < {}", s.and_utc().timestamp_millis(), e.and_utc().timestamp_millis()));
            }
        }
        sql.push_str(&scope_sql(staff, 0, &mut binds));
        sql.push_str(" ORDER BY w.created_at DESC, w.id DESC LIMIT 1000");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        use sqlx::Row;
        let rows = q.fetch_all(self.pool()).await?;
        let mut docs: Vec<(String, DocRow)> = Vec::new();
        for r in &rows {
            let id: String = r.try_get(0)?;
            docs.push((
                id,
                DocRow {
                    direction: r.try_get(1)?,
                    doc_type: r.try_get(2)?,
                    urgency: r.try_get(3)?,
                    organ: r.try_get(5)?,
                    source_number: r.try_get(6)?,
                    doc_date: r.try_get(7)?,
                    code: r.try_get(9)?,
                    doc_number: r.try_get(10)?,
                    main_to: r.try_get(11)?,
                    signed_by: r.try_get(18)?,
                    issued_at: r.try_get(22)?,
                    ..Default::default()
                },
            ));
        }
        let ids: Vec<String> = docs.iter().map(|d| d.0.clone()).collect();
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let counts = self.reader_counts(&ids).await?;
        let users = self.user_names().await?;
        Ok(summaries
            .into_iter()
            .filter_map(|s| {
                let (_, d) = docs.iter().find(|d| d.0 == s.id)?;
                let c = counts.iter().find(|c| c.0 == s.id);
                Some(DocumentRow {
                    direction: d.direction.clone(),
                    doc_type_label: DocType::parse(&d.doc_type).map(|t| t.label()).unwrap_or_default(),
                    urgency_label: Urgency::parse(&d.urgency).map(|t| t.label()).unwrap_or_default(),
                    organ: d.organ.clone(),
                    source_number: d.source_number.clone(),
                    doc_number: d.doc_number.clone(),
                    doc_date: d.date(),
                    main_to: d.main_to.clone(),
                    signed_by: d.signed_by.as_ref().and_then(|u| users.get(u)).cloned(),
                    issued_at: d.issued_at.map(from_ms),
                    readers: c.map(|c| c.1 as u32).unwrap_or(0),
                    readers_done: c.map(|c| c.2 as u32).unwrap_or(0),
                    item: s,
                })
            })
            .collect())
    }

    async fn reader_counts(&self, ids: &[String]) -> Result<Vec<(String, i64, i64)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (clause, _) = in_clause(1, ids.len());
        let mut q = sqlx::query_as::<_, (String, i64, i64)>(sqlx::AssertSqlSafe(format!(
            "SELECT work_id, COUNT(*), SUM(CASE WHEN read_at IS NULL THEN 0 ELSE 1 END) FROM document_readers WHERE work_id IN {clause} GROUP BY work_id"
        )));
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// 传阅: the documents circulated to `staff`, those still to read first.
    pub async fn circulation(&self, staff: &Staff) -> Result<Vec<CirculationRow>, StoreError> {
        let rows: Vec<(String, i64, Option<i64>, String, Option<String>)> = sqlx::query_as(
            "SELECT r.work_id, r.sent_at, r.read_at, d.organ, d.source_number FROM document_readers r JOIN documents d ON d.id = r.work_id
             WHERE r.user_id = $1 ORDER BY CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END, r.sent_at DESC LIMIT 500",
        )
        .bind(&staff.user_id)
        .fetch_all(self.pool())
        .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, sent, read, organ, source_number)| {
                let item = summaries.iter().find(|s| s.id == id)?.clone();
                Some(CirculationRow { item, organ, source_number, sent_at: from_ms(sent), read_at: read.map(from_ms) })
            })
            .collect())
    }

    /// The dashboard's figures, of the documents `staff` may read: incoming in hand and
    /// overdue, outgoing waiting to be signed, circulation copies not yet read (a leader's
    /// own), issued this year.
    pub async fn document_figures(&self, staff: &Staff, now: DateTime<Utc>) -> Result<DocumentFigures, StoreError> {
        let year = now.with_timezone(&self.offset()).year();
        let mut binds: Vec<String> = Vec::new();
        let scope = scope_sql(staff, 2, &mut binds);
        let sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN w.kind = 'incoming' AND w.state IN ('registered', 'proposing', 'instructing', 'handling', 'replied') THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN w.kind = 'incoming' AND w.state = 'handling' AND w.due_at < $1 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN w.kind = 'outgoing' AND w.state = 'signing' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN w.kind = 'outgoing' AND d.doc_number LIKE $2 THEN 1 ELSE 0 END), 0)
             FROM work_items w JOIN documents d ON d.id = w.id WHERE w.kind IN ('incoming', 'outgoing'){scope}"
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(now.timestamp_millis()).bind(format!("%〔{year}〕%"));
        for b in &binds {
            q = q.bind(b);
        }
        let (open, overdue, to_sign, issued) = q.fetch_one(self.pool()).await?;
        let circulating: i64 = if matches!(Store::scope_of(staff), Scope::All) {
            sqlx::query_scalar("SELECT COUNT(*) FROM document_readers WHERE read_at IS NULL").fetch_one(self.pool()).await?
        } else {
            sqlx::query_scalar("SELECT COUNT(*) FROM document_readers WHERE user_id = $1 AND read_at IS NULL").bind(&staff.user_id).fetch_one(self.pool()).await?
        };
        Ok(DocumentFigures { incoming_open: open, incoming_overdue: overdue, outgoing_to_sign: to_sign, circulating, issued_this_year: issued })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentFigures {
    pub incoming_open: i64,
    pub incoming_overdue: i64,
    pub outgoing_to_sign: i64,
    /// Circulation copies not yet read.
    pub circulating: i64,
    pub issued_this_year: i64,
}
