//! 约稿 in the store: the section asks units for information on a topic by a date; a unit
//! answers by submitting an item for it (in that submission's transaction); a unit that has
//! not answered by the date has missed it.

use chrono::{DateTime, NaiveDate, Utc};
use sanfu_domain::info::request::{self, InfoRequest, State};
use sanfu_domain::kernel::{Kind, UnitRef};
use sanfu_domain::{Actor, DomainError, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyConnection;

use super::staff_of;
use crate::db::{Store, StoreError, to_ms};
use crate::kernel::items::{ITEM_DOC, ItemDetail, ItemSummary, UnitName, Viewer, load_core};
use crate::kernel::write;

fn not_found(key: &str) -> StoreError {
    DomainError::not_found("item_not_found", format!("约稿“{key}”不存在")).into()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RequestInput {
    /// The topic.
    pub title: Option<String>,
    /// What is asked for.
    pub body: Option<String>,
    /// The units asked (ids, codes or names).
    #[serde(default)]
    pub units: Vec<String>,
    /// The last day to submit (YYYY-MM-DD, the end of that working day).
    pub deadline: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestUnit {
    pub unit: UnitName,
    pub standing: String,
    pub standing_label: &'static str,
    /// The submissions it sent for the request.
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    pub item: ItemDetail,
    pub body: String,
    pub units: Vec<RequestUnit>,
    pub missed: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub units: usize,
    pub answered: usize,
    pub missed: usize,
}

impl Store {
    /// 约稿: the section asks units for information by a date.
    pub async fn create_request(&self, input: &RequestInput, actor: &Actor) -> Result<RequestView, StoreError> {
        self.create_request_at(input, actor, Utc::now()).await
    }

    pub(crate) async fn create_request_at(&self, input: &RequestInput, actor: &Actor, now: DateTime<Utc>) -> Result<RequestView, StoreError> {
        let staff = staff_of(actor)?;
        if !staff.has(Role::OfficeStaff) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有信息科可以约稿").into());
        }
        let title = validate::text("title", "约稿主题", input.title.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let body = validate::text("body", "约稿要求", input.body.as_deref().unwrap_or_default(), validate::MAX_SHORT_TEXT_CHARS)?;
        let mut units: Vec<UnitRef> = Vec::new();
        for u in input.units.iter().filter(|u| !u.trim().is_empty()) {
            units.push(self.unit_ref(u).await?);
        }
        let d = input.deadline.as_deref().map(str::trim).unwrap_or_default();
        let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| DomainError::invalid("invalid_deadline", "请填写报送截止日期（如 2026-12-10）"))?;
        let cal = self.calendar();
        // The end of that day's working time (of the next working day, if it is not one).
        let noon = day.and_hms_opt(12, 0, 0).map(|t| t.and_utc() - chrono::Duration::seconds(i64::from(self.offset().local_minus_utc()))).unwrap_or(now);
        let deadline = cal.add_working_days(noon, 0);
        let item = request::open(&units, deadline, now, &cal, 80)?;
        let spec = self.spec_of(InfoRequest::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &crate::db::new_id(), ITEM_DOC, &format!("{title}\n{body}"));
        let id = index.doc_id.clone();
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &series, &format).await?;
            write::insert(&mut tx, &spec, &id, &number, &title, &item, now).await?;
            sqlx::query("INSERT INTO info_requests (id, body) VALUES ($1, $2)").bind(&id).bind(&body).execute(&mut *tx).await?;
            Store::index_in(&mut tx, &index).await?;
            crate::events::append(&mut tx, crate::events::NewEvent {
                entity_id: &id, entity_kind: InfoRequest::NAME, action: "create", actor,
                from_state: None, to_state: Some(State::Open.as_str()),
                details: json!({ "number": number, "title": title, "deadline": deadline.at,
                                 "units": units.iter().map(|u| json!({"id": u.id, "name": u.name})).collect::<Vec<_>>() }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.request_for(&id, staff).await
    }

    /// The unit of `actor` answers request `id` with submission `info`, in the caller's
    /// transaction.
    pub(crate) async fn answer_request_in(&self, tx: &mut AnyConnection, id: &str, info: (&str, &str), actor: &Actor, now: DateTime<Utc>) -> Result<(), StoreError> {
        let staff = staff_of(actor)?;
        let core = load_core(tx, id).await?.ok_or_else(|| not_found(id))?;
        let old = core.item::<State>()?;
        let new = request::answer(&old, actor, &staff.unit_id, now)?;
        let spec = self.spec_of(InfoRequest::NAME)?;
        write::record(tx, &spec, &core.id, core.version, (&old, &[]), (&new, &[]), "answer", json!({ "info": info.1, "unit_id": staff.unit_id }), actor, now).await
    }

    /// 截止: the section closes a request; who has not answered has missed it.
    pub async fn close_request(&self, key: &str, actor: &Actor) -> Result<RequestView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_of_kind(key, staff, InfoRequest::NAME, || not_found(key)).await?.id;
        let spec = self.spec_of(InfoRequest::NAME)?;
        on_fresh_load!(InfoRequest::NOUN, in_tx!(self, tx => {
            let core = load_core(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let old = core.item::<State>()?;
            let now = Utc::now();
            let (new, details) = request::close(&old, actor, now)?;
            write::record(&mut tx, &spec, &core.id, core.version, (&old, &[]), (&new, &[]), "close", details, actor, now).await?;
            Ok(())
        }))?;
        self.request_for(&id, staff).await
    }

    pub async fn request_for(&self, key: &str, staff: &Staff) -> Result<RequestView, StoreError> {
        let core = self.visible_of_kind(key, staff, InfoRequest::NAME, || not_found(key)).await?;
        let body: String = sqlx::query_scalar("SELECT body FROM info_requests WHERE id = $1").bind(&core.id).fetch_one(self.pool()).await?;
        let answers: Vec<(String, String)> =
            sqlx::query_as("SELECT i.unit_id, w.number FROM info_items i JOIN work_items w ON w.id = i.id WHERE i.request_id = $1 ORDER BY w.created_at").bind(&core.id).fetch_all(self.pool()).await?;
        let item = core.item::<State>()?;
        let names = self.unit_names().await?;
        let now = Utc::now();
        let units: Vec<RequestUnit> = item
            .assignments
            .iter()
            .filter(|a| a.active)
            .filter(|a| staff.sees_all() || staff.has(Role::Leader) || a.unit_id == staff.unit_id)
            .map(|a| {
                let s = request::standing(&item, &a.unit_id, now);
                RequestUnit {
                    unit: UnitName { id: a.unit_id.clone(), name: names.get(&a.unit_id).cloned().unwrap_or_default() },
                    standing: s.as_str().into(),
                    standing_label: s.label(),
                    items: answers.iter().filter(|x| x.0 == a.unit_id).map(|x| x.1.clone()).collect(),
                }
            })
            .collect();
        let missed = units.iter().filter(|u| u.standing == "missed").count();
        let actor = Actor { principal: sanfu_domain::Principal::Staff(staff.clone()), ip: String::new() };
        let item = self.detail(core, &actor, Viewer::of(staff)).await?;
        Ok(RequestView { item, body, units, missed })
    }

    /// The requests `staff` may read (the office: all; a unit: those sent to it), newest first.
    pub async fn list_requests(&self, staff: &Staff) -> Result<Vec<RequestRow>, StoreError> {
        let mut binds = Vec::new();
        let scope = match crate::Store::scope_of(staff) {
            crate::org::Scope::All => String::new(),
            crate::org::Scope::Units(units) => {
                let (clause, _) = crate::db::in_clause(1, units.len());
                binds.extend(units);
                format!(" AND w.id IN (SELECT a.work_id FROM assignments a WHERE a.kind = 'info_request' AND a.unit_id IN {clause})")
            }
        };
        let sql = format!("SELECT w.id FROM work_items w WHERE w.kind = 'info_request'{scope} ORDER BY w.created_at DESC LIMIT 500");
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        let ids = q.fetch_all(self.pool()).await?;
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let now = Utc::now();
        let mut out = Vec::new();
        for s in summaries {
            let mut conn = self.pool().acquire().await?;
            let Some(core) = load_core(&mut conn, &s.id).await? else { continue };
            drop(conn);
            let item = core.item::<State>()?;
            let mine: Vec<_> = item.assignments.iter().filter(|a| a.active && (staff.sees_all() || staff.has(Role::Leader) || a.unit_id == staff.unit_id)).collect();
            let st: Vec<request::Answer> = mine.iter().map(|a| request::standing(&item, &a.unit_id, now)).collect();
            out.push(RequestRow {
                units: mine.len(),
                answered: st.iter().filter(|a| matches!(a, request::Answer::Answered | request::Answer::Late)).count(),
                missed: st.iter().filter(|a| **a == request::Answer::Missed).count(),
                item: s,
            });
        }
        Ok(out)
    }
}
