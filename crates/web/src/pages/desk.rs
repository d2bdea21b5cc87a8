//! The staff desk: login, 我的待办, 受理, the order page with its actions and timeline, order
//! search, statistics and ranking, the leaders' dashboard, administration.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, Utc};
use sanfu_domain::hotline::{OrderType, State as OrderState, Urgency};
use sanfu_domain::{Role, UnitKind};
use sanfu_store::catalog::Category;
use sanfu_store::events::Event;
use sanfu_store::desk::InboxItem;
use sanfu_store::kernel::items::ItemSummary;
use sanfu_store::kernel::inbox::QueueCount;
use sanfu_store::hotline::orders::{ListFilter, OrderInput, OrderSummary, OrderView};
use sanfu_store::org::{Scope, Unit};
use sanfu_store::hotline::stats::{RankRow, Report};
use sanfu_store::Store;
use serde::Deserialize;

use super::charts::{self, Bar, Stack};
use super::{Desk, Flash, Form, FormToken, Opt, PageError, PageResult, back, enc, fmt_time, opts, pct, render};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Authed, ClientIp, SESSION_COOKIE};
use crate::routes::hotline::orders::{ActionBody, build_action};

/// What every staff page shows around its content.
pub struct Nav {
    pub name: String,
    pub unit: String,
    pub role: &'static str,
    pub csrf: String,
    pub active: &'static str,
    pub inbox_total: i64,
    pub hotline: bool,
    pub dashboard: bool,
    pub ranking: bool,
    pub admin: bool,
}

pub(super) async fn nav(st: &AppState, d: &Desk, active: &'static str) -> Result<Nav, PageError> {
    let inbox = st.store.inbox(&d.staff, 1, 1).await?;
    Ok(Nav {
        name: d.staff.name.clone(),
        unit: d.staff.unit_name.clone(),
        role: d.staff.primary_role().label(),
        csrf: d.csrf.clone(),
        active,
        inbox_total: inbox.total,
        hotline: d.staff.is_hotline(),
        dashboard: d.sees_dashboard(),
        ranking: d.staff.sees_ranking(),
        admin: d.is_admin(),
    })
}

pub(super) fn off(st: &AppState) -> FixedOffset {
    st.store.calendar().offset()
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    ok: Option<String>,
    err: Option<String>,
}

impl FlashQuery {
    pub(super) fn flash(&self) -> Flash {
        Flash { ok: self.ok.clone(), err: self.err.clone() }
    }
}

/// One list row ready to show.
pub struct Row {
    /// Where the number links to: the kind's page of the item.
    pub href: String,
    pub number: String,
    pub subject: String,
    pub state: &'static str,
    pub order_type: &'static str,
    pub urgent: bool,
    pub unit: String,
    pub created: String,
    pub due: String,
    pub due_label: &'static str,
    pub level: &'static str,
    pub level_label: &'static str,
    pub queue: &'static str,
    /// For a search: the text around the words found.
    pub snippet: Vec<sanfu_store::search::Piece>,
}

pub fn level_label(level: &str) -> &'static str {
    match level {
        "green" => "正常",
        "yellow" => "临期",
        "red" => "超期",
        "met" => "按时完成",
        "late" => "超期完成",
        _ => "",
    }
}

fn row(o: &OrderSummary, queue: &'static str, off: FixedOffset) -> Row {
    let (due, due_label, level) = match &o.next_due {
        Some(d) => (fmt_time(d.due_at, off), d.label, d.level),
        None => (String::new(), "", ""),
    };
    Row {
        href: format!("/orders/{}", o.number),
        number: o.number.clone(),
        subject: o.subject.clone(),
        state: o.state_label,
        order_type: o.order_type_label,
        urgent: o.urgency == Urgency::Urgent,
        unit: o.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        created: fmt_time(o.created_at, off),
        due,
        due_label,
        level,
        level_label: level_label(level),
        queue,
        snippet: o.snippet.clone().unwrap_or_default(),
    }
}

/// A row of an item of any kind, from the kernel's summary; an order gets its own richer row.
fn item_row(item: &ItemSummary, order: Option<&OrderSummary>, queue: &'static str, off: FixedOffset) -> Row {
    if let Some(o) = order {
        return row(o, queue, off);
    }
    let level = item.level.unwrap_or("");
    Row {
        href: format!("/items/{}", item.number),
        number: item.number.clone(),
        subject: item.title.clone(),
        state: item.state_label,
        order_type: item.kind_label,
        urgent: false,
        unit: item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        created: fmt_time(item.created_at, off),
        due: item.due_at.map(|d| fmt_time(d, off)).unwrap_or_default(),
        due_label: item.due_label.unwrap_or(""),
        level,
        level_label: level_label(level),
        queue,
        snippet: Vec::new(),
    }
}

// ---------------------------------------------------------------- login

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site: never `//elsewhere`, `https://…`, or a path that a browser reads as
/// another site once it has dropped the tabs and line breaks inside it (`/\t/evil.example`).
/// Anything else sends the user to the desk.
pub(crate) fn safe_next(n: Option<&str>) -> String {
    match n {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.len() <= 2000
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p.to_string()
        }
        _ => "/desk".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_only_ever_a_path_of_this_site() {
        assert_eq!(safe_next(Some("/orders/20261125000016?tab=1")), "/orders/20261125000016?tab=1");
        for bad in ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example", "/\n/x", "/ /x", "/\u{3000}/x", ""] {
            assert_eq!(safe_next(Some(bad)), "/desk", "{bad:?}");
        }
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    csrf: String,
    city: String,
    username: String,
    name: String,
    error: Option<String>,
}

/// The first-run page: only while no account exists.
pub async fn setup_page(State(st): State<AppState>, tok: FormToken) -> PageResult {
    if !st.store.needs_setup().await? {
        return Ok(Redirect::to("/login").into_response());
    }
    let page = SetupPage { csrf: tok.token.clone(), city: String::new(), username: "admin".into(), name: String::new(), error: None };
    Ok(tok.attach(render(&page)))
}

/// Create the first administrator and log in as them.
pub async fn setup(State(st): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, tok: FormToken, form: Form) -> PageResult {
    tok.check(&form)?;
    let (city, username, name) = (form.text("city").unwrap_or_default(), form.text("username").unwrap_or_default(), form.text("name").unwrap_or_default());
    let password = form.get("password").unwrap_or_default().to_string();
    if let Err(e) = st.store.init_city(&city, &username, &name, &password).await {
        let e = ApiError::from(e);
        let mut r = render(&SetupPage { csrf: tok.token.clone(), city, username, name, error: Some(e.message) });
        *r.status_mut() = e.status;
        return Ok(r);
    }
    crate::pages::set_city(&city);
    let ua = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let (token, _) = st.store.login(&username, &password, &ip, ua).await?;
    let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
    Ok(([(SET_COOKIE, cookie)], Redirect::to("/admin?ok=%E5%B7%B2%E5%88%9B%E5%BB%BA%E7%AE%A1%E7%90%86%E5%91%98")).into_response())
}

pub async fn login_page(State(st): State<AppState>, tok: FormToken, Query(q): Query<NextQuery>) -> Response {
    // A new installation has nobody to log in: its first page is the set-up.
    if st.store.needs_setup().await.unwrap_or(false) {
        return Redirect::to("/setup").into_response();
    }
    let page = LoginPage { csrf: tok.token.clone(), next: safe_next(q.next.as_deref()), username: String::new(), error: None };
    tok.attach(render(&page))
}

pub async fn login(State(st): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, tok: FormToken, form: Form) -> PageResult {
    tok.check(&form)?;
    let username = form.text("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default().to_string();
    let next = safe_next(form.get("next"));
    let ua = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    match st.store.login(&username, &password, &ip, ua).await {
        Ok((token, _)) => {
            let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
            Ok(([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(e) => {
            let e = ApiError::from(e);
            let page = LoginPage { csrf: tok.token.clone(), next, username, error: Some(e.message) };
            let mut r = render(&page);
            *r.status_mut() = e.status;
            Ok(r)
        }
    }
}

pub async fn logout(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    st.store.logout(&d.session_id, &d.actor).await?;
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(([(SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

// ---------------------------------------------------------------- 我的待办

#[derive(Template)]
#[template(path = "desk.html")]
struct InboxPage {
    nav: Nav,
    flash: Flash,
    counts: Vec<QueueCount>,
    total: i64,
    done: bool,
    rows: Vec<Row>,
    page: u32,
    pages: u32,
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    tab: Option<String>,
    page: Option<u32>,
    #[serde(flatten)]
    flash: FlashQuery,
}

pub async fn inbox(State(st): State<AppState>, d: Desk, Query(q): Query<InboxQuery>) -> PageResult {
    let off = off(&st);
    let page = q.page.unwrap_or(1).max(1);
    let per_page = 20;
    let inbox = st.store.inbox(&d.staff, page, per_page).await?;
    let done = q.tab.as_deref() == Some("done");
    let (rows, total) = if done {
        let p = st.store.done(&d.staff, page, per_page).await?;
        (p.items.iter().map(|i| item_row(&i.item, i.order.as_ref(), "", off)).collect(), p.total)
    } else {
        let rows = inbox.items.iter().map(|i: &InboxItem| item_row(&i.item, i.order.as_ref(), i.waiting_for, off)).collect();
        (rows, inbox.total)
    };
    let pages = ((total.max(1) as u32) + per_page - 1) / per_page;
    let p = InboxPage { nav: nav(&st, &d, "desk").await?, flash: q.flash.flash(), counts: inbox.counts, total: inbox.total, done, rows, page, pages };
    Ok(render(&p))
}

// ---------------------------------------------------------------- order search

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    nav: Nav,
    rows: Vec<Row>,
    total: i64,
    page: u32,
    pages: u32,
    unit: String,
    phone: String,
    states: Vec<Opt>,
    types: Vec<Opt>,
    units: Vec<Unit>,
    query: String,
    q: String,
    category: String,
    from: String,
    to: String,
    categories: Vec<CategoryOption>,
}

#[derive(Deserialize, Default)]
pub struct OrdersQuery {
    state: Option<String>,
    order_type: Option<String>,
    unit: Option<String>,
    phone: Option<String>,
    q: Option<String>,
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u32>,
}

pub async fn orders(State(st): State<AppState>, d: Desk, Query(q): Query<OrdersQuery>) -> PageResult {
    let f = ListFilter {
        state: q.state.clone(),
        unit_id: q.unit.clone(),
        order_type: q.order_type.clone(),
        phone: q.phone.clone(),
        q: q.q.clone(),
        category_id: q.category.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        page: q.page,
        per_page: Some(20),
    };
    let result = st.store.list_orders(&d.staff, &f).await?;
    let off = off(&st);
    let query = [
        ("state", &q.state),
        ("order_type", &q.order_type),
        ("unit_id", &q.unit),
        ("phone", &q.phone),
        ("q", &q.q),
        ("category_id", &q.category),
        ("from", &q.from),
        ("to", &q.to),
    ]
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|v| format!("{k}={}", enc(v))))
        .collect::<Vec<_>>()
        .join("&");
    let p = OrdersPage {
        nav: nav(&st, &d, "orders").await?,
        rows: result.items.iter().map(|o| row(o, "", off)).collect(),
        total: result.total,
        page: result.page,
        pages: ((result.total.max(1) as u32) + 19) / 20,
        unit: q.unit.unwrap_or_default(),
        phone: q.phone.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        category: q.category.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        categories: category_options(&st.store).await?,
        states: opts(OrderState::ALL.iter().map(|s| (s.as_str(), s.label())), q.state.as_deref().unwrap_or("")),
        types: opts(OrderType::ALL.iter().map(|s| (s.as_str(), s.label())), q.order_type.as_deref().unwrap_or("")),
        units: handling_units(&st.store).await?,
        query,
    };
    Ok(render(&p))
}

async fn handling_units(store: &Store) -> Result<Vec<Unit>, PageError> {
    Ok(store.units().await?.into_iter().filter(|u| u.kind.can_handle()).collect())
}

// ---------------------------------------------------------------- 受理

#[derive(Template)]
#[template(path = "order_new.html")]
struct NewOrderPage {
    nav: Nav,
    error: Option<String>,
    v: NewValues,
    categories: Vec<CategoryOption>,
    units: Vec<Unit>,
    channels: Vec<Opt>,
    types: Vec<Opt>,
}

pub struct CategoryOption {
    pub code: String,
    pub label: String,
    pub unit_code: String,
}

#[derive(Default)]
pub struct NewValues {
    channel: String,
    order_type: String,
    urgent: bool,
    category: String,
    subject: String,
    content: String,
    address: String,
    citizen_name: String,
    citizen_phone: String,
    confidential: bool,
    publish_consent: bool,
    lead_unit: String,
}

pub(super) async fn category_options(store: &Store) -> Result<Vec<CategoryOption>, PageError> {
    let cats: Vec<Category> = store.categories().await?;
    let units = store.units().await?;
    let name_of = |id: &Option<String>| id.as_ref().and_then(|i| cats.iter().find(|c| &c.id == i)).map(|c| c.name.clone());
    Ok(cats
        .iter()
        .filter(|c| c.parent_id.is_some() || !cats.iter().any(|x| x.parent_id.as_deref() == Some(c.id.as_str())))
        .map(|c| CategoryOption {
            code: c.code.clone(),
            label: match name_of(&c.parent_id) {
                Some(p) => format!("{p} › {}", c.name),
                None => c.name.clone(),
            },
            unit_code: c
                .default_unit_id
                .as_ref()
                .and_then(|u| units.iter().find(|x| &x.id == u))
                .map(|u| u.code.clone())
                .unwrap_or_default(),
        })
        .collect())
}

async fn new_order_page(st: &AppState, d: &Desk, v: NewValues, error: Option<String>) -> Result<NewOrderPage, PageError> {
    use sanfu_domain::hotline::Channel;
    Ok(NewOrderPage {
        nav: nav(st, d, "new").await?,
        error,
        categories: category_options(&st.store).await?,
        units: handling_units(&st.store).await?,
        channels: opts(Channel::ALL.iter().filter(|c| **c != Channel::Open311).map(|c| (c.as_str(), c.label())), &v.channel),
        types: opts(OrderType::ALL.iter().map(|s| (s.as_str(), s.label())), &v.order_type),
        v,
    })
}

pub async fn new_order(State(st): State<AppState>, d: Desk) -> PageResult {
    d.require(d.staff.is_hotline(), "受理登记")?;
    let v = NewValues { channel: "phone".into(), order_type: "complaint".into(), ..Default::default() };
    Ok(render(&new_order_page(&st, &d, v, None).await?))
}

pub(super) fn authed(d: &Desk) -> Authed {
    Authed { staff: d.staff.clone(), session_id: d.session_id.clone(), actor: d.actor.clone() }
}

pub async fn register(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    d.require(d.staff.is_hotline(), "受理登记")?;
    let v = NewValues {
        channel: form.text("channel").unwrap_or_default(),
        order_type: form.text("order_type").unwrap_or_default(),
        urgent: form.checked("urgent"),
        category: form.text("category").unwrap_or_default(),
        subject: form.text("subject").unwrap_or_default(),
        content: form.get("content").unwrap_or_default().to_string(),
        address: form.text("address").unwrap_or_default(),
        citizen_name: form.text("citizen_name").unwrap_or_default(),
        citizen_phone: form.text("citizen_phone").unwrap_or_default(),
        confidential: form.checked("confidential"),
        publish_consent: form.checked("publish_consent"),
        lead_unit: form.text("lead_unit").unwrap_or_default(),
    };
    let input = OrderInput {
        channel: Some(v.channel.clone()),
        order_type: Some(v.order_type.clone()),
        urgency: Some(if v.urgent { "urgent" } else { "normal" }.into()),
        category_id: Some(v.category.clone()).filter(|s| !s.is_empty()),
        subject: Some(v.subject.clone()).filter(|s| !s.is_empty()),
        content: Some(v.content.clone()),
        address: Some(v.address.clone()).filter(|s| !s.is_empty()),
        lat: None,
        lng: None,
        citizen_name: Some(v.citizen_name.clone()).filter(|s| !s.is_empty()),
        citizen_phone: Some(v.citizen_phone.clone()).filter(|s| !s.is_empty()),
        confidential: v.confidential,
        publish_consent: v.publish_consent,
    };
    // An unknown lead unit is refused before anything is written.
    if !v.lead_unit.is_empty() {
        if let Err(e) = st.store.unit_ref(&v.lead_unit).await {
            let e = ApiError::from(e);
            let mut r = render(&new_order_page(&st, &d, v, Some(e.message)).await?);
            *r.status_mut() = e.status;
            return Ok(r);
        }
    }
    let r = match st.store.register(&input, &d.actor).await {
        Ok(r) => r,
        Err(e) => {
            let e = ApiError::from(e);
            let mut r = render(&new_order_page(&st, &d, v, Some(e.message)).await?);
            *r.status_mut() = e.status;
            return Ok(r);
        }
    };
    let number = r.order.number.clone();
    let mut msg = format!("已登记，工单编号 {number}，查询码 {}（请告知来电人）", r.query_code);
    // A question the knowledge base answers: closed at once with the entry's answer.
    if let Some(kid) = form.text("knowledge_id").filter(|s| !s.is_empty()) {
        let closed = match st.store.entry(&kid).await {
            Ok(Some(e)) => {
                let act = sanfu_domain::hotline::Action::CloseDirectly { answer: e.content, knowledge_id: Some(e.id) };
                st.store.act(&number, &d.actor, &act).await.map_err(ApiError::from)
            }
            Ok(None) => Err(ApiError::unprocessable("knowledge_not_found", "知识条目不存在")),
            Err(e) => Err(ApiError::from(e)),
        };
        return Ok(match closed {
            Ok(_) => back(&format!("/orders/{number}"), Some(&format!("{msg}；已按知识库答复直接办结")), None),
            Err(e) => back(&format!("/orders/{number}"), None, Some(&format!("{msg}；直接办结未成功：{}", e.message))),
        });
    }
    // A duplicate the operator recognised: merged under its master at once.
    if let Some(master) = form.text("merge_into").filter(|s| !s.is_empty()) {
        let body = ActionBody { master: Some(master.clone()), ..Default::default() };
        let a = authed(&d);
        let merged = match build_action(&st.store, &a, &number, "merge", body).await {
            Ok(act) => st.store.act(&number, &d.actor, &act).await.map_err(ApiError::from),
            Err(e) => Err(e),
        };
        return Ok(match merged {
            Ok(_) => back(&format!("/orders/{master}"), Some(&format!("{msg}；已作为重复件并入 {master}")), None),
            Err(e) => back(&format!("/orders/{number}"), None, Some(&format!("{msg}；合并未成功：{}", e.message))),
        });
    }
    if !v.lead_unit.is_empty() {
        let body = ActionBody { lead_unit_id: Some(v.lead_unit.clone()), ..Default::default() };
        let a = authed(&d);
        let dispatched = match build_action(&st.store, &a, &number, "dispatch", body).await {
            Ok(act) => st.store.act(&number, &d.actor, &act).await.map_err(ApiError::from),
            Err(e) => Err(e),
        };
        match dispatched {
            Ok(o) => msg.push_str(&format!("；已派单至{}", o.lead_unit.map(|u| u.name).unwrap_or_default())),
            Err(e) => return Ok(back(&format!("/orders/{number}"), None, Some(&format!("{msg}；派单未成功：{}", e.message)))),
        }
    }
    Ok(back(&format!("/orders/{number}"), Some(&msg), None))
}

// ---------------------------------------------------------------- the order page

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
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

pub struct AssignmentRow {
    pub unit: String,
    pub role: &'static str,
    pub active: bool,
    pub assigned: String,
    pub signed: String,
}

pub struct Step {
    pub when: String,
    pub who: String,
    pub what: String,
    pub detail: String,
    pub warn: bool,
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
            || self.answer || self.extension || self.ret || self.judge_return || self.review || self.callback
            || self.decide_extension || self.escalate
    }
}

fn action_label(a: &str) -> &'static str {
    match a {
        "register" => "受理登记",
        "dispatch" => "派单",
        "forward" => "二级派单",
        "sign" => "签收",
        "note" => "办理情况",
        "return" | "request_return" => "申请退单",
        "judge_return" => "退单审核",
        "answer" => "答复",
        "review" => "答复审核",
        "callback" => "回访",
        "request_extension" | "extension" => "申请延期",
        "decide_extension" => "延期审批",
        "close_directly" => "直接办结",
        "merge" => "合并",
        "duplicate_merged" => "并入重复件",
        "withdraw" => "撤单",
        "escalate" => "督办",
        "publish" => "公开",
        "unpublish" => "撤下公开",
        "warning" => "时限预警",
        "close" => "办结",
        _ => "操作",
    }
}

fn step(e: &Event, off: FixedOffset) -> Step {
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
        "answer" => s("text"),
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
        "warning" => format!(
            "{}{}",
            s("label"),
            if s("level") == "red" { "已超期（红牌）" } else { "即将到期（黄牌）" }
        ),
        _ => String::new(),
    };
    Step {
        when: fmt_time(e.at, off),
        who: if e.actor_role == "system" { "系统".into() } else { e.actor_name.clone() },
        what: action_label(&e.action).to_string(),
        detail,
        warn: e.action == "warning",
    }
}

/// The dispatcher's instructions to the unit (派单意见), after what was done.
fn opt_note(n: &str) -> String {
    if n.trim().is_empty() { String::new() } else { format!("；派单意见：{}", n.trim()) }
}

fn opt_comment(c: &str) -> String {
    if c.is_empty() { String::new() } else { format!("（{c}）") }
}

fn satisfaction_label(s: &str) -> &'static str {
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
    let open = !matches!(o.state, OrderState::Closed | OrderState::Merged | OrderState::Withdrawn);
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
        st.store.similar_orders(&o.content, phone, o.address.as_deref(), Some(&o.id), &d.staff).await?
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
    let p = OrderPage {
        publish,
        nav: nav(&st, &d, "orders").await?,
        flash: q.flash(),
        created: fmt_time(o.created_at, off),
        deadlines: o
            .deadlines
            .iter()
            .map(|x| {
                // A deadline of a step the order no longer goes through is not running.
                let stopped = !open && x.met_at.is_none();
                (x, if stopped { "" } else { x.level })
            })
            .map(|(x, level)| DeadlineRow {
                label: x.label,
                due: fmt_time(x.due_at, off),
                level,
                level_label: if level.is_empty() { "已结束" } else { level_label(level) },
                met: x.met_at.map(|m| fmt_time(m, off)).unwrap_or_default(),
                provisional: x.provisional,
            })
            .collect(),
        assignments: o
            .assignments
            .iter()
            .map(|a| AssignmentRow {
                unit: a.unit.name.clone(),
                role: a.role_label,
                active: a.active,
                assigned: fmt_time(a.assigned_at, off),
                signed: a.signed_at.map(|s| fmt_time(s, off)).unwrap_or_default(),
            })
            .collect(),
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
            let label = action_label(&action.replace('-', "_"));
            let msg = format!("{label}已完成，工单现为“{}”", o.state_label);
            // A unit that handed the order on may no longer read it: back to the inbox then.
            if st.store.order_for(&key, &d.staff).await.is_ok() { back(&here, Some(&msg), None) } else { back("/desk", Some(&msg), None) }
        }
        Err(e) => back(&here, None, Some(&e.message)),
    })
}

// ---------------------------------------------------------------- statistics

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    nav: Nav,
    r: Report,
    unit: String,
    from: String,
    to: String,
    units: Vec<Unit>,
    rates: Vec<(&'static str, String)>,
    chart: String,
    query: String,
}

#[derive(Deserialize, Default)]
pub struct StatsQuery {
    unit: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn today(st: &AppState) -> NaiveDate {
    Utc::now().with_timezone(&off(st)).date_naive()
}

pub async fn stats(State(st): State<AppState>, d: Desk, Query(q): Query<StatsQuery>) -> PageResult {
    let today = today(&st);
    let parse = |s: &Option<String>, default: NaiveDate| -> Result<NaiveDate, PageError> {
        match s.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "日期有误", format!("日期“{s}”格式应为 YYYY-MM-DD"))),
        }
    };
    let from = parse(&q.from, today - Duration::days(29))?;
    let to = parse(&q.to, today)?;
    // By default: the city for the centre and the office, a leader's first portfolio unit, a
    // unit its own figures.
    let unit = match q.unit.as_deref().filter(|s| !s.is_empty()) {
        Some(u) => Some(u.to_string()),
        None if d.staff.sees_all() => None,
        None if d.staff.has(Role::Leader) => d.staff.portfolio.first().cloned(),
        None => Some(d.staff.unit_id.clone()),
    };
    st.store.may_see_unit(&d.staff, unit.as_deref()).await?;
    let r = st.store.report(unit.as_deref(), from, to).await?;
    let rates = vec![
        ("按时签收率", pct(r.rates.on_time_signing)),
        ("按时答复率", pct(r.rates.on_time_answer)),
        ("按时办结率", pct(r.rates.on_time_closing)),
        ("响应率", pct(r.rates.response)),
        ("解决率", pct(r.rates.resolution)),
        ("满意率", pct(r.rates.satisfaction)),
        ("退单率", pct(r.rates.returns)),
        ("重复来电率", pct(r.rates.repeats)),
    ];
    let bars: Vec<Bar> = r.by_category.iter().take(12).map(|b| Bar { label: b.label.clone(), value: b.count as f64, text: b.count.to_string() }).collect();
    let chart = charts::hbar(&bars, "#b8262c");
    let unit_code = r.unit.as_ref().map(|u| u.code.clone()).unwrap_or_default();
    let query = format!("unit_id={}&from={from}&to={to}", enc(&unit_code));
    let p = StatsPage {
        nav: nav(&st, &d, "stats").await?,
        unit: unit_code,
        from: from.to_string(),
        to: to.to_string(),
        units: st.store.units().await?,
        rates,
        chart,
        query,
        r,
    };
    Ok(render(&p))
}

#[derive(Template)]
#[template(path = "ranking.html")]
struct RankingPage {
    nav: Nav,
    month: String,
    rows: Vec<RankView>,
    chart: String,
}

pub struct RankView {
    pub rank: usize,
    pub unit: String,
    pub score: String,
    pub volume: i64,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
    pub on_time_answer: String,
    pub returns: String,
}

fn rank_view(r: &RankRow) -> RankView {
    RankView {
        rank: r.rank,
        unit: r.unit.name.clone(),
        score: pct(r.score),
        volume: r.counts.volume,
        response: pct(r.rates.response),
        resolution: pct(r.rates.resolution),
        satisfaction: pct(r.rates.satisfaction),
        on_time_answer: pct(r.rates.on_time_answer),
        returns: pct(r.rates.returns),
    }
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
}

pub async fn ranking(State(st): State<AppState>, d: Desk, Query(q): Query<MonthQuery>) -> PageResult {
    if !d.staff.sees_ranking() {
        return Err(PageError::new(StatusCode::FORBIDDEN, "无权访问", crate::routes::hotline::stats::RANKING_REFUSED));
    }
    let today = today(&st);
    let (y, m) = match q.month.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .map(|d| (d.year(), d.month()))
            .map_err(|_| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "月份有误", format!("月份“{s}”格式应为 YYYY-MM")))?,
        None => (today.year(), today.month()),
    };
    let rows = st.store.ranking(y, m).await?;
    let bars: Vec<Bar> = rows
        .iter()
        .filter(|r| r.score.is_some())
        .take(15)
        .map(|r| Bar { label: r.unit.name.clone(), value: r.score.unwrap_or(0.0) * 100.0, text: pct(r.score) })
        .collect();
    let p = RankingPage {
        nav: nav(&st, &d, "ranking").await?,
        month: format!("{y:04}-{m:02}"),
        rows: rows.iter().map(rank_view).collect(),
        chart: charts::hbar(&bars, "#1f5fbf"),
    };
    Ok(render(&p))
}

// ---------------------------------------------------------------- 领导驾驶舱

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    kpis: Vec<Kpi>,
    trend: String,
    open_chart: String,
    rates: Vec<RankView>,
    categories: String,
    places: String,
    month: String,
    topics: Vec<sanfu_store::hotline::topics::HotTopic>,
    topic_of_month: Option<sanfu_store::hotline::topics::HotTopic>,
}

pub struct Kpi {
    pub label: &'static str,
    pub value: String,
    pub color: &'static str,
}

pub async fn dashboard(State(st): State<AppState>, d: Desk) -> PageResult {
    d.require(d.sees_dashboard(), "查看领导驾驶舱")?;
    let now = Utc::now();
    let today = today(&st);
    let scope: Option<Vec<String>> = match Store::scope_of(&d.staff) {
        Scope::All => None,
        Scope::Units(u) => Some(u),
    };
    let units = scope.as_deref();
    let days = st.store.daily_volume(today, 30, units).await?;
    let open = st.store.open_by_unit("work_order", now, units).await?;
    let month_start = today.with_day(1).unwrap_or(today);
    let thirty = now - Duration::days(30);
    let cats = st.store.busiest_categories(thirty, units, 10).await?;
    let places = st.store.busiest_places(thirty, units, 10).await?;
    let ranking = st.store.ranking(today.year(), today.month()).await?;
    let week_topics = st.store.hot_topics(7, now, 8, &d.staff).await?;
    let month_topics = st.store.hot_topics(30, now, 1, &d.staff).await?;
    let in_scope = |id: &str| units.is_none_or(|u| u.iter().any(|x| x == id));
    let rates: Vec<RankView> = ranking.iter().filter(|r| in_scope(&r.unit.id)).take(12).map(rank_view).collect();
    let red: i64 = open.iter().map(|o| o.red).sum();
    let yellow: i64 = open.iter().map(|o| o.yellow).sum();
    let total_open: i64 = open.iter().map(|o| o.red + o.yellow + o.green).sum();
    let today_n = days.last().map(|x| x.count).unwrap_or(0);
    let month_n: i64 = days.iter().filter(|x| x.day >= month_start).map(|x| x.count).sum();
    let kpi = |label, value: i64, color| Kpi { label, value: value.to_string(), color };
    let kpis = vec![
        kpi("今日受理", today_n, ""),
        kpi("本月受理", month_n, ""),
        kpi("在办工单", total_open, ""),
        kpi("临期（黄牌）", yellow, "#b7791f"),
        kpi("超期（红牌）", red, "#c62828"),
    ];
    let trend = charts::line(&days.iter().map(|x| (x.day.format("%m-%d").to_string(), x.count as f64)).collect::<Vec<_>>());
    let stacks: Vec<Stack> = open
        .iter()
        .take(12)
        .map(|o| Stack { label: o.unit_name.clone(), parts: vec![(o.red as f64, "#c62828"), (o.yellow as f64, "#e0a800"), (o.green as f64, "#43a047")] })
        .collect();
    let p = DashboardPage {
        nav: nav(&st, &d, "dashboard").await?,
        kpis,
        trend,
        open_chart: charts::stacked(&stacks),
        rates,
        categories: charts::hbar(&cats.iter().map(|c| Bar { label: c.label.clone(), value: c.count as f64, text: c.count.to_string() }).collect::<Vec<_>>(), "#b8262c"),
        places: charts::hbar(&places.iter().map(|c| Bar { label: c.label.clone(), value: c.count as f64, text: c.count.to_string() }).collect::<Vec<_>>(), "#1f5fbf"),
        month: format!("{:04}-{:02}", today.year(), today.month()),
        topics: week_topics,
        topic_of_month: month_topics.into_iter().next(),
    };
    Ok(render(&p))
}
