//! Any item read through its kind's description; links between items; warning cards; and the
//! whole load → act → write of kinds whose rules are all in their table.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sanfu_domain::kernel::{
    self, Card, DueKey, DueState, Item, ItemView, Kind, KindState, LinkKind, parties_with,
};
use sanfu_domain::{Actor, DomainError, Principal, Staff};
use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;

use crate::db::{Store, StoreError, from_ms, in_clause, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::write;
use crate::org::Scope;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitName {
    pub id: String,
    pub name: String,
}

/// Whom a reader is, for masking.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    /// The hotline centre sees names and full numbers.
    pub full: bool,
}

impl Viewer {
    pub fn of(staff: &Staff) -> Self {
        Viewer { full: staff.is_hotline() }
    }
    /// Citizens' text as this reader may see it: phone, ID card and bank card numbers and
    /// e-mail addresses inside it masked for everyone but the hotline centre.
    pub fn text(&self, s: &str) -> String {
        if self.full { s.to_string() } else { sanfu_domain::privacy::mask_text(s).into_owned() }
    }
    pub fn pieces(&self, pieces: Vec<crate::search::Piece>) -> Vec<crate::search::Piece> {
        if self.full {
            return pieces;
        }
        // A number may be split across marked and unmarked pieces: mask the whole, and if
        // anything was masked show it unmarked.
        let whole: String = pieces.iter().map(|p| p.text.as_str()).collect();
        match sanfu_domain::privacy::mask_text(&whole) {
            std::borrow::Cow::Borrowed(_) => pieces,
            std::borrow::Cow::Owned(m) => vec![crate::search::Piece { text: m, hit: false }],
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// The document kind under which the kernel indexes any item's title for search.
pub(crate) const ITEM_DOC: &str = "item";

/// One line of any list of items, whatever their kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemSummary {
    pub id: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub number: String,
    pub title: String,
    pub state: String,
    pub state_label: &'static str,
    pub lead_unit: Option<UnitName>,
    pub created_at: DateTime<Utc>,
    /// The due date the item is paced by in its state, and its colour now.
    pub due_at: Option<DateTime<Utc>>,
    pub due_label: Option<&'static str>,
    pub level: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    pub unit: UnitName,
    #[schema(value_type = String)]
    pub role: kernel::AssignmentRole,
    pub role_label: &'static str,
    pub active: bool,
    pub assigned_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
}

/// An item's assignments as shown, with the units' names.
pub(crate) fn assignment_views(list: &[kernel::Assignment], names: &BTreeMap<String, String>) -> Vec<AssignmentView> {
    list.iter()
        .map(|a| AssignmentView {
            unit: UnitName { id: a.unit_id.clone(), name: names.get(&a.unit_id).cloned().unwrap_or_default() },
            role: a.role,
            role_label: a.role.label(),
            active: a.active,
            assigned_at: a.assigned_at,
            signed_at: a.signed_at,
        })
        .collect()
}

/// A due date as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DueView {
    pub name: String,
    pub label: &'static str,
    /// The unit that owes it (none: the item as a whole).
    pub unit: Option<UnitName>,
    /// Its place in a series of reports (0: a one-off).
    pub seq: u32,
    pub due_at: DateTime<Utc>,
    pub warn_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    pub provisional: bool,
    /// green, yellow, red, met or late.
    pub level: &'static str,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    #[schema(value_type = String)]
    pub kind: LinkKind,
    /// How the link reads from this item.
    pub label: &'static str,
    /// `to`: this item points at the other; `from`: the other points at this one.
    pub direction: &'static str,
    pub item: ItemSummary,
}

/// Any item, as a member of staff sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    pub id: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub number: String,
    pub title: String,
    pub state: String,
    pub state_label: &'static str,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub lead_unit: Option<UnitName>,
    pub assignments: Vec<AssignmentView>,
    pub dues: Vec<DueView>,
    /// What the reader may do now, by the kind's rule table.
    pub allowed_actions: Vec<&'static str>,
    pub links: Vec<LinkView>,
    pub cards: Vec<Card>,
}

/// The kernel's columns of one item, and its parts.
#[derive(Debug, Clone)]
pub(crate) struct Core {
    pub id: String,
    pub kind: String,
    pub number: String,
    pub state: String,
    pub version: i64,
    pub title: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub assignments: Vec<kernel::Assignment>,
    pub dues: BTreeMap<DueKey, DueState>,
}

impl Core {
    /// The kernel's parts as an item in a state of `S` (without a pending extension: the kinds
    /// that have one keep it in their own table).
    pub(crate) fn item<S: kernel::KindState>(&self) -> Result<Item<S>, StoreError> {
        let state = S::from_code(&self.state).ok_or_else(|| StoreError::Other(format!("{} {}: bad state {}", self.kind, self.id, self.state)))?;
        Ok(Item {
            state,
            created_at: from_ms(self.created_at),
            assignments: self.assignments.clone(),
            dues: self.dues.clone(),
            pending_extension: None,
            closed_at: self.closed_at.map(from_ms),
        })
    }
}

type CoreRow = (String, String, String, String, i64, String, i64, i64, Option<i64>);

/// The columns of `work_items w` a list row is made from.
pub(crate) const SUMMARY_COLS: &str = "w.id, w.kind, w.number, w.title, w.state, w.lead_unit_id, w.created_at, w.due_at, w.warn_at";
pub(crate) type SummaryRow = (String, String, String, String, String, Option<String>, i64, Option<i64>, Option<i64>);

/// An item by id or number, with its parts.
pub(crate) async fn load_core(conn: &mut AnyConnection, key: &str) -> Result<Option<Core>, StoreError> {
    let row: Option<CoreRow> = sqlx::query_as(
        "SELECT id, kind, number, state, version, title, created_at, updated_at, closed_at FROM work_items WHERE id = $1 OR number = $1",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, kind, number, state, version, title, created_at, updated_at, closed_at)) = row else { return Ok(None) };
    let (assignments, dues) = write::load_parts(conn, &id).await?;
    Ok(Some(Core { id, kind, number, state, version, title, created_at, updated_at, closed_at, assignments, dues }))
}

fn level_at(due: Option<i64>, warn: Option<i64>, now: i64) -> Option<&'static str> {
    let due = due?;
    Some(if now > due {
        "red"
    } else if warn.is_some_and(|w| now >= w) {
        "yellow"
    } else {
        "green"
    })
}

/// Events as `staff` may read them: the address a request came from is personal data (the
/// citizen's, and staff's), shown to the hotline centre and administrators only; citizens'
/// personal data inside the details is masked for everyone but the centre.
pub(crate) fn for_reader(mut list: Vec<events::Event>, staff: &Staff) -> Vec<events::Event> {
    if !(staff.is_hotline() || staff.has(sanfu_domain::Role::Admin)) {
        for e in &mut list {
            e.ip = String::new();
        }
    }
    if !Viewer::of(staff).full {
        for e in &mut list {
            sanfu_domain::privacy::mask_json(&mut e.details);
        }
    }
    list
}

fn refused() -> StoreError {
    DomainError::forbidden("item_forbidden", "无权查看该事项（事项不属于本单位或不存在）").into()
}

impl Store {
    /// List rows of these items, in this order.
    pub async fn item_summaries(&self, ids: &[String], viewer: Viewer) -> Result<Vec<ItemSummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (clause, _) = in_clause(1, ids.len());
        let sql = format!("SELECT {SUMMARY_COLS} FROM work_items w WHERE w.id IN {clause}");
        let mut q = sqlx::query_as::<_, SummaryRow>(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(id);
        }
        let mut by_id: BTreeMap<String, ItemSummary> =
            self.summaries_of(q.fetch_all(self.pool()).await?, viewer).await?.into_iter().map(|s| (s.id.clone(), s)).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// List rows from rows of [`SUMMARY_COLS`], in their order (items of unknown kinds left out).
    pub(crate) async fn summaries_of(&self, rows: Vec<SummaryRow>, viewer: Viewer) -> Result<Vec<ItemSummary>, StoreError> {
        let names = self.unit_names().await?;
        let now = to_ms(Utc::now());
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, number, title, state, lead, created, due, warn)| {
                let spec = self.kind_spec(&kind)?;
                let open = !spec.is_terminal(&state);
                Some(ItemSummary {
                    due_label: spec.pace(&state).filter(|_| open).map(|n| spec.due_label(n)),
                    id,
                    kind: spec.name,
                    kind_label: spec.label,
                    number,
                    title: viewer.text(&title),
                    state_label: spec.state_label(&state),
                    state,
                    lead_unit: lead.map(|u| UnitName { name: names.get(&u).cloned().unwrap_or_default(), id: u }),
                    created_at: from_ms(created),
                    due_at: due.filter(|_| open).map(from_ms),
                    level: if open { level_at(due, warn, now) } else { None },
                })
            })
            .collect())
    }

    /// Whether `staff` may read this item: the centre and the office read all; a unit reads
    /// items that are or were handed to it; a leader, those of the portfolio's units and those
    /// naming them (a topic they are in charge of, a meeting they sit in).
    pub(crate) async fn may_read_item(&self, staff: &Staff, id: &str) -> Result<bool, StoreError> {
        let Scope::Units(units) = Store::scope_of(staff) else { return Ok(true) };
        let (clause, _) = in_clause(2, units.len());
        let sql = format!("SELECT COUNT(*) FROM assignments WHERE work_id = $1 AND unit_id IN {clause}");
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(id);
        for u in &units {
            q = q.bind(u);
        }
        if q.fetch_one(self.pool()).await? > 0 {
            return Ok(true);
        }
        // Not the portfolio's: a leader still reads what names them.
        if !staff.has(sanfu_domain::Role::Leader) {
            return Ok(false);
        }
        let named: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM item_people WHERE work_id = $1 AND user_id = $2")
            .bind(id)
            .bind(&staff.user_id)
            .fetch_one(self.pool())
            .await?;
        Ok(named > 0)
    }

    pub(crate) async fn visible_core(&self, key: &str, staff: &Staff) -> Result<Core, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let Some(core) = load_core(&mut conn, key).await? else {
            if staff.sees_all() {
                return Err(DomainError::not_found("item_not_found", format!("事项“{key}”不存在")).into());
            }
            return Err(refused());
        };
        drop(conn);
        if !self.may_read_item(staff, &core.id).await? {
            return Err(refused());
        }
        Ok(core)
    }

    /// [`Store::visible_core`] of an item that must be of `kind`; one of another kind is
    /// `not_found` to the kind's own routes.
    pub(crate) async fn visible_of_kind(&self, key: &str, staff: &Staff, kind: &str, not_found: impl FnOnce() -> StoreError) -> Result<Core, StoreError> {
        let core = self.visible_core(key, staff).await?;
        if core.kind != kind {
            return Err(not_found());
        }
        Ok(core)
    }

    /// An item's events as `staff` may read them (see [`for_reader`]).
    pub async fn item_events(&self, key: &str, staff: &Staff) -> Result<Vec<events::Event>, StoreError> {
        let core = self.visible_core(key, staff).await?;
        Ok(for_reader(events::list(self.pool(), &core.id).await?, staff))
    }

    /// Any item for a member of staff; one they may not read is "not found" to them.
    pub async fn item_for(&self, key: &str, staff: &Staff) -> Result<ItemDetail, StoreError> {
        let core = self.visible_core(key, staff).await?;
        let actor = Actor { principal: Principal::Staff(staff.clone()), ip: String::new() };
        self.detail(core, &actor, Viewer::of(staff)).await
    }

    pub(crate) async fn detail(&self, c: Core, actor: &Actor, viewer: Viewer) -> Result<ItemDetail, StoreError> {
        let spec = self.spec_of(&c.kind)?;
        let names = self.unit_names().await?;
        let name_of = |id: &str| UnitName { id: id.to_string(), name: names.get(id).cloned().unwrap_or_default() };
        let now = Utc::now();
        let lead = c.assignments.iter().find(|a| a.active && a.role == kernel::AssignmentRole::Lead).map(|a| name_of(&a.unit_id));
        // Only a kind whose table names people has any to read.
        let people = if spec.personal {
            let mut conn = self.pool().acquire().await?;
            write::load_people(&mut conn, &c.id).await?
        } else {
            Vec::new()
        };
        let allowed = spec.allowed_actions(&parties_with(&c.assignments, &people, actor), &c.state);
        Ok(ItemDetail {
            links: self.links_of(&c.id, viewer).await?,
            cards: self.cards_of_item(&c.id).await?,
            kind: spec.name,
            kind_label: spec.label,
            number: c.number,
            title: viewer.text(&c.title),
            state_label: spec.state_label(&c.state),
            state: c.state,
            version: c.version,
            created_at: from_ms(c.created_at),
            updated_at: from_ms(c.updated_at),
            closed_at: c.closed_at.map(from_ms),
            lead_unit: lead,
            assignments: assignment_views(&c.assignments, &names),
            dues: c
                .dues
                .iter()
                .map(|(k, d)| DueView {
                    name: k.name.clone(),
                    label: spec.due_label(&k.name),
                    unit: (!k.unit_id.is_empty()).then(|| name_of(&k.unit_id)),
                    seq: k.seq,
                    due_at: d.due.at,
                    warn_at: d.warn_at,
                    met_at: d.met_at,
                    provisional: d.due.provisional,
                    level: kernel::due_view_level(d, now),
                })
                .collect(),
            allowed_actions: allowed,
            id: c.id,
        })
    }

    /// A new item of a kind whose rules are all in its table, numbered in the kind's series
    /// under `code`, with its event. The kind's own module decides who may create one.
    pub async fn create_item<K: Kind>(
        &self,
        actor: &Actor,
        code: &str,
        title: &str,
        item: &Item<K::State>,
        details: serde_json::Value,
    ) -> Result<ItemDetail, StoreError> {
        let spec = self.spec_of(K::NAME)?;
        let title = sanfu_domain::validate::text("title", "标题", title, sanfu_domain::validate::MAX_SUBJECT_CHARS)?;
        let now = item.created_at;
        let series = self.series(&spec, code, now);
        let format = self.number_format(&spec, code).await?;
        let ahead = self.number_ahead(&series, &format).await?;
        let id = new_id();
        let index = Store::index_row(&*self.segmenter().await?, &id, ITEM_DOC, &title);
        in_tx!(self, tx => {
            Store::index_in(&mut tx, &index).await?;
            let number = match &ahead {
                Some(a) => a.take(self, &mut tx, &series, &format).await?,
                None => self.number_in(&mut tx, &series, &format).await?,
            };
            write::insert(&mut tx, &spec, &id, &number, &title, item, now).await?;
            let mut details = details.clone();
            details["number"] = json!(number);
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: spec.name, action: "create", actor,
                from_state: None, to_state: Some(item.state_code()), details, at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        let mut conn = self.pool().acquire().await?;
        let core = load_core(&mut conn, &id).await?.ok_or_else(|| StoreError::Other("item vanished".into()))?;
        drop(conn);
        self.detail(core, actor, actor.staff().map(Viewer::of).unwrap_or(Viewer { full: false })).await
    }

    /// One action on an item of a kind whose rules are all in its table: loaded, judged and
    /// written in one transaction, its version checked, started again if somebody was first.
    pub async fn act_on_item<K: Kind>(
        &self,
        key: &str,
        actor: &Actor,
        action: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<ItemDetail, StoreError> {
        if let Some(staff) = actor.staff() {
            self.visible_core(key, staff).await?;
        }
        let spec = self.spec_of(K::NAME)?;
        let id = on_fresh_load!(K::NOUN, in_tx!(self, tx => {
            let Some(c) = load_core(&mut tx, key).await? else {
                return Err(DomainError::not_found("item_not_found", format!("事项“{key}”不存在")).into());
            };
            if c.kind != K::NAME {
                return Err(DomainError::not_found("item_not_found", format!("{}“{key}”不存在", K::LABEL)).into());
            }
            let old: Item<K::State> = c.item()?;
            let now = at.unwrap_or_else(Utc::now);
            let new = kernel::step::<K>(&old, actor, action, now)?;
            write::update(&mut tx, &spec, &c.id, c.version, &old, &new, now).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &c.id, entity_kind: spec.name, action, actor,
                from_state: Some(old.state.code()), to_state: Some(new.state.code()),
                details: json!({ "label": spec.action_label(action) }), at: Some(to_ms(now)),
            }).await?;
            Ok(c.id)
        }))?;
        let mut conn = self.pool().acquire().await?;
        let core = load_core(&mut conn, &id).await?.ok_or_else(|| StoreError::Other("item vanished".into()))?;
        drop(conn);
        self.detail(core, actor, actor.staff().map(Viewer::of).unwrap_or(Viewer { full: false })).await
    }
}
