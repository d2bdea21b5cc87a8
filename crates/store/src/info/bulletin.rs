//! The office's bulletins in the store: an issue compiled from adopted items (chosen, ordered
//! and edited, the printed text kept per issue), signed off by the section's head, numbered
//! (第N期, per bulletin and year, taken only when issued) and issued to the leaders, who read
//! it; printed in the 纪要-like form of an internal publication and exported.

use chrono::{DateTime, Datelike, Utc};
use sanfu_domain::info::Series;
use sanfu_domain::info::bulletin::{self, Action, Bulletin, Snapshot, State};
use sanfu_domain::kernel::{Kind, Party};
use sanfu_domain::{Actor, DomainError, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::staff_of;
use crate::db::{Store, StoreError, from_ms, to_ms};
use crate::kernel::items::{ITEM_DOC, ItemDetail, ItemSummary, Viewer, load_core};
use crate::kernel::write;
use crate::meeting::PersonName;

fn not_found(key: &str) -> StoreError {
    DomainError::not_found("item_not_found", format!("刊物“{key}”不存在")).into()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BulletinInput {
    /// `daily` 每日要情, `info` 江州政务信息, `special` 信息专报 (or the Chinese).
    pub series: Option<String>,
    /// 编者按 (optional).
    pub note: Option<String>,
}

/// One item chosen for an issue, with the text as it is to be printed (defaults: the item's
/// title and its edited, else submitted, text).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ComposeLine {
    /// The submission's number.
    pub info: String,
    pub headline: Option<String>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BulletinActionInput {
    /// `compose`: the items in order.
    #[serde(default)]
    pub items: Vec<ComposeLine>,
    pub note: Option<String>,
    pub comment: Option<String>,
    pub reason: Option<String>,
    /// `issue`: the leaders (user names or ids); every city leader if none.
    #[serde(default)]
    pub readers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulletinLine {
    pub position: i64,
    pub info_number: String,
    pub unit_name: String,
    pub headline: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulletinReader {
    pub user: PersonName,
    pub read: bool,
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulletinView {
    #[serde(flatten)]
    pub item: ItemDetail,
    pub series: String,
    /// The bulletin's printed name (《江州政务信息》 for the city of 江州市).
    pub series_label: String,
    pub year: i64,
    pub issue_no: Option<i64>,
    /// 2026年第3期 once issued.
    pub issue_label: Option<String>,
    pub note: String,
    pub lines: Vec<BulletinLine>,
    pub signed_by: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub readers: Vec<BulletinReader>,
    pub instructions: Vec<ItemSummary>,
    pub pdf_url: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulletinRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub series_label: String,
    pub issue_label: Option<String>,
    pub lines: i64,
    pub issued_at: Option<DateTime<Utc>>,
}

fn series_of(s: Option<&str>) -> Result<Series, DomainError> {
    let s = s.map(str::trim).unwrap_or_default();
    Series::parse(s).ok_or_else(|| DomainError::invalid("invalid_series", format!("刊物“{s}”不存在（每日要情、江州政务信息、信息专报）")))
}

fn issue_label(year: i64, no: Option<i64>) -> Option<String> {
    no.map(|n| format!("{year}年第{n}期"))
}

impl Store {
    /// A new issue of a bulletin, being compiled by the section.
    pub async fn create_bulletin(&self, input: &BulletinInput, actor: &Actor) -> Result<BulletinView, StoreError> {
        let staff = staff_of(actor)?;
        if !staff.has(Role::OfficeStaff) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有信息科可以编辑刊物").into());
        }
        let series = series_of(input.series.as_deref())?;
        let note = validate::optional_text("note", "编者按", input.note.as_deref(), validate::MAX_SHORT_TEXT_CHARS)?.unwrap_or_default();
        let now = Utc::now();
        let year = i64::from(now.with_timezone(&self.offset()).year());
        let city = self.city_name().await?.unwrap_or_default();
        let title = format!("《{}》{year}年（编辑中）", series.name(&city));
        let snap = bulletin::open(now);
        let spec = self.spec_of(Bulletin::NAME)?;
        let s = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &crate::db::new_id(), ITEM_DOC, &title);
        let id = index.doc_id.clone();
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &s, &format).await?;
            write::insert(&mut tx, &spec, &id, &number, &title, &snap, now).await?;
            sqlx::query("INSERT INTO bulletins (id, series, year, editor_note) VALUES ($1, $2, $3, $4)")
                .bind(&id).bind(series.as_str()).bind(year).bind(&note).execute(&mut *tx).await?;
            Store::index_in(&mut tx, &index).await?;
            crate::events::append(&mut tx, crate::events::NewEvent {
                entity_id: &id, entity_kind: Bulletin::NAME, action: "create", actor,
                from_state: None, to_state: Some(State::Compiling.as_str()),
                details: json!({ "number": number, "series": series.label() }), at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.bulletin_for(&id, staff).await
    }

    /// One step of an issue.
    pub async fn act_bulletin(&self, key: &str, action: &str, input: &BulletinActionInput, actor: &Actor) -> Result<BulletinView, StoreError> {
        self.act_bulletin_at(key, action, input, actor, Utc::now()).await
    }

    pub(crate) async fn act_bulletin_at(&self, key: &str, action: &str, input: &BulletinActionInput, actor: &Actor, now: DateTime<Utc>) -> Result<BulletinView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_of_kind(key, staff, Bulletin::NAME, || not_found(key)).await?.id;
        // The lines of a compose, checked before the transaction: adopted items the reader may see.
        let mut lines: Vec<(String, String, String)> = Vec::new();
        if action == "compose" {
            for (i, l) in input.items.iter().enumerate() {
                let c = self.visible_of_kind(l.info.trim(), staff, sanfu_domain::info::item::InfoItem::NAME, || super::not_found(&l.info)).await?;
                if c.state != sanfu_domain::info::item::State::Adopted.as_str() {
                    return Err(DomainError::invalid("not_adopted", format!("信息 {} 尚未采用，不能编入刊物", c.number)).into());
                }
                if lines.iter().any(|x| x.0 == c.id) {
                    return Err(DomainError::invalid("duplicate_item", format!("信息 {} 重复编入", c.number)).into());
                }
                let (body, edited): (String, Option<String>) = sqlx::query_as("SELECT body, edited_body FROM info_items WHERE id = $1").bind(&c.id).fetch_one(self.pool()).await?;
                let headline = validate::text("headline", &format!("第 {} 条的标题", i + 1), l.headline.as_deref().filter(|h| !h.trim().is_empty()).unwrap_or(&c.title), validate::MAX_SUBJECT_CHARS)?;
                let text = validate::text("body", &format!("第 {} 条的正文", i + 1), l.body.as_deref().filter(|h| !h.trim().is_empty()).unwrap_or(edited.as_deref().unwrap_or(&body)), validate::MAX_CONTENT_CHARS)?;
                lines.push((c.id, headline, text));
            }
        }
        let act = match action {
            "compose" => Action::Compose { items: lines.len() },
            "submit" => Action::Submit,
            "send_back" => Action::SendBack { reason: input.reason.clone().unwrap_or_default() },
            "sign" => Action::Sign { comment: input.comment.clone().unwrap_or_default() },
            "issue" => {
                let mut readers = Vec::new();
                if input.readers.iter().all(|r| r.trim().is_empty()) {
                    for (u, _) in self.leaders().await? {
                        readers.push(self.leader_by(&u, "呈阅领导").await?.0);
                    }
                } else {
                    for r in input.readers.iter().filter(|r| !r.trim().is_empty()) {
                        readers.push(self.leader_by(r, "呈阅领导").await?.0);
                    }
                }
                Action::Issue { readers }
            }
            "read" => Action::Read { comment: input.comment.clone().unwrap_or_default() },
            other => return Err(DomainError::invalid("unknown_action", format!("刊物没有“{other}”这项操作")).into()),
        };
        let spec = self.spec_of(Bulletin::NAME)?;
        let off = self.offset();
        let city = self.city_name().await?.unwrap_or_default();
        let seg = self.segmenter().await?;
        on_fresh_load!(Bulletin::NOUN, in_tx!(self, tx => {
            let core = load_core(&mut tx, &id).await?.filter(|c| c.kind == Bulletin::NAME).ok_or_else(|| not_found(key))?;
            let snap = Snapshot { item: core.item()?, people: write::load_people(&mut tx, &core.id).await? };
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bulletin_items WHERE bulletin_id = $1").bind(&core.id).fetch_one(&mut *tx).await?;
            let (next, mut details) = bulletin::apply(&snap, actor, &act, count as usize, now)?;
            match &act {
                Action::Compose { .. } => {
                    sqlx::query("DELETE FROM bulletin_items WHERE bulletin_id = $1").bind(&core.id).execute(&mut *tx).await?;
                    for (i, (info, headline, body)) in lines.iter().enumerate() {
                        sqlx::query("INSERT INTO bulletin_items (bulletin_id, info_id, position, headline, body) VALUES ($1, $2, $3, $4, $5)")
                            .bind(&core.id).bind(info).bind(i as i64 + 1).bind(headline).bind(body).execute(&mut *tx).await?;
                    }
                    if let Some(n) = input.note.as_deref() {
                        let n = validate::optional_text("note", "编者按", Some(n), validate::MAX_SHORT_TEXT_CHARS)?.unwrap_or_default();
                        sqlx::query("UPDATE bulletins SET editor_note = $1 WHERE id = $2").bind(n).bind(&core.id).execute(&mut *tx).await?;
                    }
                }
                Action::Sign { .. } => {
                    sqlx::query("UPDATE bulletins SET signed_by = $1 WHERE id = $2").bind(&staff.user_id).bind(&core.id).execute(&mut *tx).await?;
                }
                Action::Issue { .. } => {
                    let (series, year): (String, i64) = sqlx::query_as("SELECT series, year FROM bulletins WHERE id = $1").bind(&core.id).fetch_one(&mut *tx).await?;
                    let mut s = self.series(&spec, &series, now);
                    s.kind = "bulletin_issue";
                    let n: i64 = self.number_in(&mut tx, &s, "{n}").await?.parse().map_err(|_| StoreError::Other("bad issue number".into()))?;
                    let label = Series::parse(&series).map(|s| s.name(&city)).unwrap_or_default();
                    let title = format!("《{label}》{}年第{n}期", now.with_timezone(&off).year());
                    sqlx::query("UPDATE bulletins SET issue_no = $1, year = $2, issued_at = $3 WHERE id = $4")
                        .bind(n).bind(i64::from(now.with_timezone(&off).year())).bind(to_ms(now)).bind(&core.id).execute(&mut *tx).await?;
                    sqlx::query("UPDATE work_items SET title = $1 WHERE id = $2").bind(&title).bind(&core.id).execute(&mut *tx).await?;
                    details["issue_no"] = json!(n);
                    details["title"] = json!(title);
                    let _ = year;
                }
                _ => {}
            }
            // Found by its title and its items' headlines, as it now stands.
            if matches!(act, Action::Compose { .. } | Action::Issue { .. }) {
                let title: String = sqlx::query_scalar("SELECT title FROM work_items WHERE id = $1").bind(&core.id).fetch_one(&mut *tx).await?;
                let heads: Vec<String> = sqlx::query_scalar("SELECT headline FROM bulletin_items WHERE bulletin_id = $1 ORDER BY position").bind(&core.id).fetch_all(&mut *tx).await?;
                Store::index_in(&mut tx, &Store::index_row(&seg, &core.id, ITEM_DOC, &format!("{title}\n{}", heads.join("\n")))).await?;
            }
            write::record(&mut tx, &spec, &core.id, core.version, (&snap, &snap.people[..]), (&next, &next.people[..]), act.name(), details, actor, now).await?;
            Ok(())
        }))?;
        self.bulletin_for(&id, staff).await
    }

    pub async fn bulletin_for(&self, key: &str, staff: &Staff) -> Result<BulletinView, StoreError> {
        let core = self.visible_of_kind(key, staff, Bulletin::NAME, || not_found(key)).await?;
        let (series, year, issue_no, note, signed_by, issued_at): (String, i64, Option<i64>, String, Option<String>, Option<i64>) =
            sqlx::query_as("SELECT series, year, issue_no, editor_note, signed_by, issued_at FROM bulletins WHERE id = $1").bind(&core.id).fetch_one(self.pool()).await?;
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT b.position, w.number, w.lead_unit_id, b.headline, b.body FROM bulletin_items b JOIN work_items w ON w.id = b.info_id
             WHERE b.bulletin_id = $1 ORDER BY b.position",
        )
        .bind(&core.id)
        .fetch_all(self.pool())
        .await?;
        let people: Vec<(String, Option<String>, i64)> =
            sqlx::query_as("SELECT user_id, outcome, at FROM item_people WHERE work_id = $1 AND party = $2 ORDER BY user_id").bind(&core.id).bind(Party::Reader.as_str()).fetch_all(self.pool()).await?;
        let names = self.unit_names().await?;
        let users = self.user_names().await?;
        let viewer = Viewer::of(staff);
        let actor = Actor { principal: sanfu_domain::Principal::Staff(staff.clone()), ip: String::new() };
        let id = core.id.clone();
        let number = core.number.clone();
        let instructions = self.instructions_on(&id, viewer).await?;
        let item = self.detail(core, &actor, viewer).await?;
        let city = self.city_name().await?.unwrap_or_default();
        Ok(BulletinView {
            series_label: Series::parse(&series).map(|s| s.name(&city)).unwrap_or_default(),
            series,
            year,
            issue_no,
            issue_label: issue_label(year, issue_no),
            note,
            lines: rows
                .into_iter()
                .map(|(position, info_number, unit, headline, body)| BulletinLine {
                    position,
                    info_number,
                    unit_name: names.get(&unit).cloned().unwrap_or_default(),
                    headline: viewer.text(&headline),
                    body: viewer.text(&body),
                })
                .collect(),
            signed_by: signed_by.and_then(|u| users.get(&u).cloned()),
            issued_at: issued_at.map(from_ms),
            readers: people
                .into_iter()
                .map(|(u, outcome, at)| BulletinReader { user: PersonName { name: users.get(&u).cloned().unwrap_or_default(), id: u }, read: outcome.is_some(), at: outcome.is_some().then(|| from_ms(at)) })
                .collect(),
            instructions,
            pdf_url: format!("/api/bulletins/{number}/pdf"),
            item,
        })
    }

    /// The issues `staff` may read, newest first: all for the office, those sent to a leader.
    pub async fn list_bulletins(&self, staff: &Staff, series: Option<&str>) -> Result<Vec<BulletinRow>, StoreError> {
        let mut binds: Vec<String> = Vec::new();
        let mut sql = "SELECT w.id, b.series, b.year, b.issue_no, b.issued_at, (SELECT COUNT(*) FROM bulletin_items i WHERE i.bulletin_id = w.id)
                       FROM work_items w JOIN bulletins b ON b.id = w.id WHERE w.kind = 'bulletin'"
            .to_string();
        if let Some(s) = series.map(str::trim).filter(|s| !s.is_empty()) {
            binds.push(series_of(Some(s))?.as_str().into());
            sql.push_str(&format!(" AND b.series = ${}", binds.len()));
        }
        if !staff.has(Role::OfficeStaff) && !staff.has(Role::Admin) {
            binds.push(staff.user_id.clone());
            sql.push_str(&format!(" AND w.id IN (SELECT p.work_id FROM item_people p WHERE p.user_id = ${} AND p.kind = 'bulletin')", binds.len()));
        }
        sql.push_str(" ORDER BY w.created_at DESC LIMIT 500");
        let mut q = sqlx::query_as::<_, (String, String, i64, Option<i64>, Option<i64>, i64)>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let city = self.city_name().await?.unwrap_or_default();
        Ok(summaries
            .into_iter()
            .filter_map(|s| {
                let r = rows.iter().find(|r| r.0 == s.id)?;
                Some(BulletinRow {
                    series_label: Series::parse(&r.1).map(|x| x.name(&city)).unwrap_or_default(),
                    issue_label: issue_label(r.2, r.3),
                    lines: r.5,
                    issued_at: r.4.map(from_ms),
                    item: s,
                })
            })
            .collect())
    }

    /// The issue printed: the bulletin's red title, its 期号 and the office that edits it, the
    /// items under their headlines. (file name, PDF)
    pub async fn bulletin_pdf(&self, key: &str, staff: &Staff) -> Result<(String, Vec<u8>), StoreError> {
        let b = self.bulletin_for(key, staff).await?;
        let city = self.city_name().await?.unwrap_or_default();
        let off = self.offset();
        let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        let mut body = String::new();
        if !b.note.trim().is_empty() {
            body.push_str(&format!("编者按：{}\n", b.note.trim()));
        }
        for (i, l) in b.lines.iter().enumerate() {
            let n = numerals.get(i).map(|s| s.to_string()).unwrap_or_else(|| format!("{}", i + 1));
            body.push_str(&format!("{n}、{}\n{}\n（{}）\n", l.headline, l.body, l.unit_name));
        }
        let mark = b.series_label.clone();
        let doc = sanfu_print::Document {
            form: sanfu_print::Form::Minutes,
            draft: b.issue_no.is_none(),
            urgency: None,
            mark,
            number: b.issue_label.clone().unwrap_or_else(|| "（待编期）".into()),
            upward: false,
            signer: String::new(),
            title: String::new(),
            main_to: String::new(),
            body,
            attachments: Vec::new(),
            signature: String::new(),
            date: String::new(),
            notes: vec![("签发".into(), b.signed_by.clone().unwrap_or_default())],
            cc: Vec::new(),
            printer: format!("{city}人民政府办公室信息科"),
            print_date: crate::document::print::chinese_date(b.issued_at.unwrap_or_else(Utc::now), off),
        };
        let name = format!("{}{}.pdf", b.series_label, b.issue_label.clone().unwrap_or_else(|| format!("（草稿 {}）", b.item.number)));
        Ok((name, self.render(doc).await?))
    }
}
