//! A supervision item's page, and its forms posting to `/supervision/{key}/do/{action}`.

use crate::pages::desk::item::{AssignmentRow, DueRow, ItemParts, Step, assignment_rows, parts, steps};
use crate::pages::desk::prelude::*;
use crate::routes::supervision::{SupervisionActionBody, MilestoneBody};
use sanfu_store::supervision::{FundInput, ItemFunds, SupervisionView};

#[derive(Template)]
#[template(path = "supervision.html")]
pub(crate) struct SupervisionPage {
    nav: Nav,
    flash: Flash,
    s: SupervisionView,
    created: String,
    dues: Vec<DueRow>,
    assignments: Vec<AssignmentRow>,
    timeline: Vec<Step>,
    units: Vec<Unit>,
    can: Vec<&'static str>,
    parts: ItemParts,
    extension: Option<String>,
    funds: ItemFunds,
    /// The lead unit or the office: they keep the item's books.
    keeps_books: bool,
    /// The co-units' reports the lead unit's next report will carry ("unit: text").
    co_reports: Vec<String>,
    today: String,
}

impl SupervisionPage {
    fn may(&self, action: &str) -> bool {
        self.can.contains(&action)
    }
}

pub async fn item(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let s = st.store.supervision_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("supervision");
    let events = st.store.supervision_events(&key, &d.staff).await?;
    let timeline = steps(&events, spec.as_deref(), off, |e| {
                let dd = &e.details;
                if e.action == "funds" {
                    return format!("{} {} 万元（{}，{}）", dd["label"].as_str().unwrap_or(""), dd["amount_wan"].as_str().unwrap_or(""),
                        dd["party"].as_str().unwrap_or(""), dd["on_date"].as_str().unwrap_or(""));
                }
                let mut parts: Vec<String> = Vec::new();
                if let (Some(f), Some(u)) = (dd["form"].as_str(), dd["unit_name"].as_str()) {
                    parts.push(format!("{f}（{u}）"));
                }
                parts.extend(["text", "evidence", "reason", "note", "comment"].iter().filter_map(|k| dd[*k].as_str().map(String::from)));
                if let Some(q) = dd["co_reports"].as_array() {
                    parts.push(format!("附配合单位反馈 {} 份", q.len()));
                }
                if let Some(a) = dd["attachments"].as_array() {
                    let names: Vec<&str> = a.iter().filter_map(|x| x["name"].as_str()).collect();
                    parts.push(format!("附件：{}", names.join("、")));
                }
                parts.join("；")
    });
    // Reports: those made, and each unit's next one; the later ones follow the cycle.
    let mut next_shown: Vec<String> = Vec::new();
    let dues = s
        .item
        .dues
        .iter()
        .filter(|x| {
            if x.name != "report" || x.met_at.is_some() {
                return true;
            }
            let unit = x.unit.as_ref().map(|u| u.id.clone()).unwrap_or_default();
            if next_shown.contains(&unit) {
                false
            } else {
                next_shown.push(unit);
                true
            }
        })
        .map(|x| DueRow::of(x, off))
        .collect();
    let can = s.item.allowed_actions.clone();
    let units = if can.contains(&"assign") || can.contains(&"remind") {
        st.store.units().await?.into_iter().filter(|u| u.kind.can_handle()).collect()
    } else {
        Vec::new()
    };
    let extension = s.extension.as_ref().map(|e| format!("申请延至 {}：{}", fmt_time(e.new_due, off), e.reason));
    let funds = st.store.item_funds(&key, &d.staff).await?;
    let lead = s.item.assignments.iter().any(|a| a.active && a.role == sanfu_domain::kernel::AssignmentRole::Lead && a.unit.id == d.staff.unit_id);
    let keeps_books = d.staff.has(Role::OfficeStaff) || (lead && d.staff.acts_for_unit());
    // What the lead unit's next report will carry: the co-units' reports since its last one.
    let mut co_reports: Vec<String> = Vec::new();
    if lead {
        let names = st.store.units().await?;
        for e in events.iter().filter(|e| e.action == "report") {
            let unit = e.details["unit_id"].as_str().unwrap_or_default();
            if unit == d.staff.unit_id {
                co_reports.clear();
            } else {
                let name = names.iter().find(|u| u.id == unit).map(|u| u.name.clone()).unwrap_or_default();
                co_reports.push(format!("{name}：{}", e.details["text"].as_str().unwrap_or_default()));
            }
        }
    }
    let p = SupervisionPage {
        co_reports,
        funds,
        keeps_books,
        today: Utc::now().with_timezone(&off).format("%Y-%m-%d").to_string(),
        extension,
        parts: parts(&st, &d, &s.item.number, &s.item.links, &s.item.cards, &s.item.assignments).await?,
        nav: nav(&st, &d, "desk").await?,
        flash: q.flash(),
        created: fmt_time(s.item.created_at, off),
        // Supervision's words for the parts: 牵头 and 配合.
        assignments: assignment_rows(&s.item.assignments, off)
            .into_iter()
            .map(|mut a| {
                a.role = match a.role {
                    "主办" => "牵头",
                    "协办" => "配合",
                    other => other,
                };
                a
            })
            .collect(),
        dues,
        timeline,
        units,
        can,
        s,
    };
    Ok(render(&p))
}

/// `POST /supervision/{key}/do/{action}`: the same actions as the API, from the page's forms.
pub async fn act(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, ff: crate::pages::FormFiles) -> PageResult {
    let crate::pages::FormFiles { form, files } = ff;
    d.check(&form)?;
    let here = format!("/supervision/{key}");
    let when = |name: &str| form.text(name).and_then(|v| local_time(&st, &v));
    let body = SupervisionActionBody {
        lead_unit_id: form.text("lead_unit_id"),
        co_unit_ids: form.text("co_unit_ids").map(|s| s.split([',', '，', ' ']).filter(|x| !x.is_empty()).map(String::from).collect()).unwrap_or_default(),
        deadline: when("deadline"),
        cycle: form.text("cycle"),
        milestones: match (form.text("milestone_what"), when("milestone_due")) {
            (Some(w), Some(at)) if !w.trim().is_empty() => vec![MilestoneBody { what: Some(w), due_at: Some(at) }],
            _ => Vec::new(),
        },
        reason: form.text("reason"),
        approve: form.text("approve").map(|v| v == "true"),
        pass: form.text("pass").map(|v| v == "true"),
        comment: form.text("comment"),
        text: form.text("text"),
        milestone: form.text("milestone").and_then(|v| v.trim().parse().ok()),
        unit_id: form.text("unit_id"),
        note: form.text("note"),
        new_due: when("new_due"),
        evidence: form.text("evidence"),
        attachments: Vec::new(),
    };
    let attached = sanfu_store::kernel::attachments::Attachment::check_all(files).map_err(ApiError::from);
    let result = match (crate::routes::supervision::build(&st, &action, body).await, attached) {
        (Ok(a), Ok(files)) => st.store.act_supervision_with(&key, &d.actor, &a, None, &files).await.map_err(ApiError::from),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    Ok(match result {
        Ok(s) => {
            let label = st.store.kind_spec("supervision").map(|k| k.event_label(&action.replace('-', "_"))).unwrap_or("操作");
            back(&here, Some(&format!("{label}已完成，督办事项现为“{}”", s.item.state_label)), None)
        }
        Err(e) => back(&here, None, Some(&e.message)),
    })
}

/// `POST /supervision/{key}/funds`: a budget, an arrival or a payment, from the item's page.
pub async fn add_fund(State(st): State<AppState>, d: Desk, Path(key): Path<String>, form: Form) -> PageResult {
    d.check(&form)?;
    let here = format!("/supervision/{key}");
    let input = FundInput { entry: form.text("entry"), on_date: form.text("on_date"), amount: form.text("amount"), party: form.text("party"), note: form.text("note") };
    Ok(match st.store.add_fund(&key, &input, &d.actor).await {
        Ok(e) => back(&here, Some(&format!("已登记{} {} 万元", e.entry_label, e.amount_wan)), None),
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}

/// A `datetime-local` or date field, read in the calendar's zone (a bare date is the end of
/// that working day's hours, 17:30 unless set otherwise).
pub(crate) fn local_time(st: &AppState, v: &str) -> Option<chrono::DateTime<Utc>> {
    let v = v.trim();
    let naive = chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map(|d| d.and_hms_opt(17, 30, 0).unwrap_or_default()))
        .ok()?;
    use chrono::TimeZone;
    off(st).from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
}
