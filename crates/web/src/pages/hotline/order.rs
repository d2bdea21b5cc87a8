//! One order: its details, deadlines, timeline, and the buttons the rule table allows.

use crate::pages::hotline::prelude::*;
use crate::pages::desk::item::{AssignmentRow, ItemParts, Step, assignment_rows, kernel_detail, parts};
use crate::pages::hotline::handling_units;

#[derive(Template)]
#[template(path = "order.html")]
pub(crate) struct OrderPage {
    nav: Nav,
    flash: Flash,
    o: OrderView,
    created: String,
    deadlines: Vec<DeadlineRow>,
    assignments: Vec<AssignmentRow>,
    timeline: Vec<Step>,
    can: Can,
    units: Vec<Unit>,
    streets: Vec<Unit>,
    pending: Option<String>,
    photos: Vec<sanfu_store::hotline::photos::PhotoInfo>,
    related: Vec<sanfu_store::hotline::knowledge::Entry>,
    similar: Vec<sanfu_store::hotline::similar::SimilarOrder>,
    /// For the centre, on a closed order: what the reply board would show, or shows.
    publish: Option<PublishBox>,
    /// Linked items and the cards shown to its units.
    parts: ItemParts,
    /// For the dispatcher of an order not yet handed on: where it should go, and why.
    help: Option<DispatchHelp>,
    min_answer: usize,
}

/// 智能派单 on the order's page: the model's (or a rule's) suggestion, and the unit the dispatch
/// form starts with — the suggestion when it is sure enough, else the category's usual unit.
pub struct DispatchHelp {
    pub suggestion: Option<sanfu_store::hotline::suggest::Suggestion>,
    pub unit_name: String,
    pub why: String,
}

impl DispatchHelp {
    /// A confidence as the page shows it: never 100%, a suggestion is never certain.
    pub fn pct(x: &f32) -> String {
        format!("{}%", ((x * 100.0).round() as i64).min(99))
    }
}

/// Below this the suggestion is shown but the form starts from the category's unit.
const PREFILL_CONFIDENCE: f32 = 0.5;

async fn dispatch_help(st: &AppState, d: &Desk, o: &OrderView) -> Result<DispatchHelp, PageError> {
    let suggestion = st.store.suggest(&format!("{}\n{}", o.subject, o.content), &d.staff).await?;
    let category = st.store.category(&o.category.id).await?;
    let default_unit = match category.as_ref().and_then(|c| c.default_unit_id.clone()) {
        Some(u) => st.store.unit(&u).await?,
        None => None,
    };
    let (unit_name, why) = match (&suggestion, default_unit) {
        (Some(s), _) if s.source == "rule" || s.confidence >= PREFILL_CONFIDENCE => (s.unit_name.clone(), "按智能派单建议预填".to_string()),
        (_, Some(u)) => (u.name, format!("按分类“{}”的默认承办单位预填", o.category.name)),
        (Some(s), None) => (s.unit_name.clone(), "按智能派单建议预填（置信度较低，请核实）".to_string()),
        (None, None) => (String::new(), String::new()),
    };
    Ok(DispatchHelp { suggestion, unit_name, why })
}

pub struct PublishBox {
    pub consent: bool,
    pub published: bool,
    pub subject: String,
    pub content: String,
    pub answer: String,
}

pub struct DeadlineRow {
    pub label: &'static str,
    pub due: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub met: String,
    pub provisional: bool,
}

/// The actions this user may take on this order now: the server checks again when they do.
#[derive(Default)]
pub struct Can {
    dispatch: bool,
    close_directly: bool,
    merge: bool,
    withdraw: bool,
    sign: bool,
    forward: bool,
    note: bool,
    answer: bool,
    approve_answer: bool,
    extension: bool,
    ret: bool,
    judge_return: bool,
    review: bool,
    callback: bool,
    decide_extension: bool,
    escalate: bool,
}

impl Can {
    fn any(&self) -> bool {
        self.dispatch || self.close_directly || self.merge || self.withdraw || self.sign || self.forward || self.note
            || self.answer || self.approve_answer || self.extension || self.ret || self.judge_return || self.review || self.callback
            || self.decide_extension || self.escalate
    }
}

pub(crate) fn step(e: &Event, off: FixedOffset) -> Step {
    let d = &e.details;
    let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
    let name = |k: &str| d[k]["name"].as_str().unwrap_or_default().to_string();
    let yes = |k: &str| d[k].as_bool() == Some(true);
    let detail = match e.action.as_str() {
        "register" => format!("{}　{}", s("channel_label"), s("subject")).trim().to_string(),
        "dispatch" => {
            let mut t = format!("主办：{}", name("lead_unit"));
            if let Some(co) = d["co_units"].as_array().filter(|a| !a.is_empty()) {
                let names: Vec<&str> = co.iter().filter_map(|c| c["name"].as_str()).collect();
                t.push_str(&format!("；协办：{}", names.join("、")));
            }
            format!("{t}{}", opt_note(&s("note")))
        }
        "forward" => format!("转派至{}{}", name("to_unit"), opt_note(&s("note"))),
        "note" => s("text"),
        "return" | "request_return" => format!("理由：{}", s("reason")),
        "judge_return" => format!("{}{}", if yes("approve") { "同意退单" } else { "不同意退单" }, opt_comment(&s("comment"))),
        "answer" if yes("for_review") => format!("{}（待本单位负责人审核）", s("text")),
        "answer" => s("text"),
        "approve_answer" => format!("{}{}", if yes("approve") { "审核通过，答复报热线中心" } else { "退回修改" }, opt_comment(&s("comment"))),
        "review" => format!("{}{}", if yes("pass") { "审核通过" } else { "退回重办" }, opt_comment(&s("comment"))),
        "callback" => format!("评价：{}{}", satisfaction_label(&s("satisfaction")), opt_comment(&s("comment"))),
        "request_extension" => format!("申请延期 {} 个工作日：{}", d["days"].as_u64().unwrap_or(0), s("reason")),
        "decide_extension" => format!("{}{}", if yes("approve") { "同意延期" } else { "不同意延期" }, opt_comment(&s("comment"))),
        "close_directly" => s("answer"),
        "merge" => format!("并入主工单 {}", s("master_number")),
        "duplicate_merged" => format!("重复件 {} 并入本单", s("duplicate_number")),
        "withdraw" => format!("理由：{}", s("reason")),
        "escalate" => format!("督办理由：{}", s("reason")),
        "publish" => format!("在问政平台公开：{}", s("subject")),
        "unpublish" => format!("理由：{}", s("reason")),
        _ => kernel_detail(e).unwrap_or_default(),
    };
    Step {
        when: fmt_time(e.at, off),
        who: if e.actor_role == "system" { "系统".into() } else { e.actor_name.clone() },
        what: sanfu_domain::hotline::event_label(&e.action).to_string(),
        detail,
        warn: e.action == "warning",
    }
}

/// The dispatcher's instructions to the unit (派单意见), after what was done.
pub(crate) fn opt_note(n: &str) -> String {
    if n.trim().is_empty() { String::new() } else { format!("；派单意见：{}", n.trim()) }
}

pub(crate) fn opt_comment(c: &str) -> String {
    if c.is_empty() { String::new() } else { format!("（{c}）") }
}

pub(crate) fn satisfaction_label(s: &str) -> &'static str {
    sanfu_domain::hotline::Satisfaction::parse(s).map(|x| x.label()).unwrap_or("")
}

pub async fn order(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let o = st.store.order_for(&key, &d.staff).await.map_err(|e| {
        let e = ApiError::from(e);
        if e.status == StatusCode::FORBIDDEN {
            PageError::new(StatusCode::FORBIDDEN, "无权查看此工单", "此工单未交办给您的单位，您无权查看。如需了解，请联系 12345 热线中心。")
        } else {
            e.into()
        }
    })?;
    let events = st.store.order_events(&key, &d.staff).await?;
    let off = off(&st);
    let staff = &d.staff;
    let my_unit = st.store.unit(&staff.unit_id).await?;
    let district = my_unit.as_ref().is_some_and(|u| matches!(u.kind, UnitKind::District | UnitKind::Zone));
    let open = !o.state.is_terminal();
    let red = o.deadlines.iter().any(|x| x.level == "red");
    // The buttons are the rule table's (who, from which state), with each action's own further
    // conditions on top: they cannot offer what the domain refuses, nor hide what it allows.
    let may = |a: &str| o.allowed_actions.contains(&a);
    let can = Can {
        dispatch: may("dispatch"),
        close_directly: may("close_directly"),
        merge: may("merge"),
        withdraw: may("withdraw"),
        sign: may("sign"),
        forward: may("forward") && district,
        note: may("note"),
        answer: may("answer"),
        approve_answer: may("approve_answer"),
        extension: may("request_extension") && o.pending_extension.is_none(),
        ret: may("request_return"),
        judge_return: may("judge_return"),
        review: may("review"),
        callback: may("callback"),
        decide_extension: may("decide_extension") && o.pending_extension.is_some(),
        escalate: may("escalate") && !o.escalated && (red || o.repeat_of.is_some()),
    };
    let streets = if can.forward {
        st.store.units().await?.into_iter().filter(|u| u.parent_id.as_deref() == Some(staff.unit_id.as_str())).collect()
    } else {
        Vec::new()
    };
    let pending = o.pending_extension.as_ref().map(|p| format!("申请延期 {} 个工作日：{}", p.days, p.reason));
    let related =
        if can.close_directly { st.store.related_entries(&format!("{}\n{}", o.subject, o.content), false, 3).await? } else { Vec::new() };
    // Look-alikes of an order not yet dispatched (a citizen's own submission, say): merge here.
    let similar = if can.merge && matches!(o.state, OrderState::Registered | OrderState::Returned) {
        let phone = o.citizen.phone.as_deref().filter(|_| !o.citizen.masked);
        st.store.similar_orders(Some(&o.subject), &o.content, phone, o.address.as_deref(), Some(&o.id), &d.staff).await?
    } else {
        Vec::new()
    };
    let publish = if d.staff.is_hotline() && o.state == sanfu_domain::hotline::State::Closed && o.answer.is_some() && !o.confidential {
        Some(match &o.publication {
            Some(p) => PublishBox { consent: o.publish_consent, published: true, subject: p.subject.clone(), content: p.content.clone(), answer: p.answer.clone() },
            None => {
                let draft = st.store.publication_draft(&o.id).await?;
                PublishBox {
                    consent: o.publish_consent,
                    published: false,
                    subject: draft.subject.unwrap_or_default(),
                    content: draft.content.unwrap_or_default(),
                    answer: draft.answer.unwrap_or_default(),
                }
            }
        })
    } else {
        None
    };
    let help = if can.dispatch { Some(dispatch_help(&st, &d, &o).await?) } else { None };
    let p = OrderPage {
        min_answer: sanfu_domain::hotline::MIN_ANSWER_CHARS,
        help,
        parts: parts(&st, &d, &o.number, &o.links, &o.cards, &o.assignments).await?,
        publish,
        nav: nav(&st, &d, "orders").await?,
        flash: q.flash(),
        created: fmt_time(o.created_at, off),
        deadlines: o
            .deadlines
            .iter()
            .map(|x| {
                // A deadline of a step the order no longer goes through is not running; the
                // return window is a window, not work owed: once past it has closed, not failed.
                let stopped = !open && x.met_at.is_none();
                let window_closed = x.kind == sanfu_domain::hotline::DeadlineKind::Return && x.met_at.is_none() && x.level == "red";
                let level = if stopped || window_closed { "" } else { x.level };
                (x, level, if window_closed { "已截止" } else { "已结束" })
            })
            .map(|(x, level, ended)| DeadlineRow {
                label: x.label,
                due: fmt_time(x.due_at, off),
                level,
                level_label: if level.is_empty() { ended } else { level_label(level) },
                met: x.met_at.map(|m| fmt_time(m, off)).unwrap_or_default(),
                provisional: x.provisional,
            })
            .collect(),
        assignments: assignment_rows(&o.assignments, off),
        timeline: events.iter().map(|e| step(e, off)).collect(),
        units: if can.dispatch { handling_units(&st.store).await? } else { Vec::new() },
        streets,
        pending,
        photos: st.store.photos(&key, &d.staff).await?,
        related,
        similar,
        can,
        o,
    };
    Ok(render(&p))
}

/// A photo of an order, for those who may read the order.
pub async fn photo(State(st): State<AppState>, d: Desk, Path((key, id)): Path<(String, String)>) -> PageResult {
    let (content_type, data) = st.store.photo(&key, &id, &d.staff).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        data,
    )
        .into_response())
}

pub async fn act(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, form: Form) -> PageResult {
    d.check(&form)?;
    let here = format!("/orders/{}", enc(&key));
    // 公开 and 撤下 change what the reply board shows, not the order's state.
    if action == "publish" || action == "unpublish" {
        let done = if action == "publish" {
            let input = sanfu_store::hotline::publish::PublishInput { subject: form.text("pub_subject"), content: form.text("pub_content"), answer: form.text("pub_answer") };
            st.store.publish(&key, &input, &d.actor).await.map(|_| "已公开到问政平台")
        } else {
            st.store.unpublish(&key, form.text("reason").as_deref().unwrap_or_default(), &d.actor).await.map(|_| "已从问政平台撤下")
        };
        return Ok(match done {
            Ok(msg) => back(&here, Some(msg), None),
            Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
        });
    }
    let bool_of = |name: &str| form.get(name).map(|v| v == "true");
    let body = ActionBody {
        lead_unit_id: form.text("lead_unit_id"),
        co_unit_ids: form.all("co_unit_ids"),
        answer_due: None,
        unit_id: form.text("unit_id"),
        note: form.text("note"),
        text: form.text("text"),
        reason: form.text("reason"),
        comment: form.text("comment"),
        approve: bool_of("approve"),
        pass: bool_of("pass"),
        satisfaction: form.text("satisfaction"),
        reopen: form.get("reopen").map(|v| v == "on" || v == "true"),
        days: form.text("days").and_then(|s| s.parse().ok()),
        master: form.text("master"),
        answer: match (form.text("answer"), form.text("knowledge_id")) {
            // An entry chosen and no answer written: the entry's text is the answer.
            (None, Some(k)) => st.store.entry(&k).await?.map(|e| e.content),
            (answer, _) => answer,
        },
        knowledge_id: form.text("knowledge_id"),
    };
    let a = authed(&d);
    let result = match build_action(&st.store, &a, &key, &action, body).await {
        Ok(act) => st.store.act(&key, &d.actor, &act).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok(o) => {
            let label = sanfu_domain::hotline::event_label(&action.replace('-', "_"));
            let msg = format!("{label}已完成，工单现为“{}”", o.state_label);
            // A unit that handed the order on may no longer read it: back to the inbox then.
            if st.store.order_for(&key, &d.staff).await.is_ok() { back(&here, Some(&msg), None) } else { back("/desk", Some(&msg), None) }
        }
        Err(e) => back(&here, None, Some(&e.message)),
    })
}
