//! 督查督办's routes: the ledger, 立项, one item, its timeline, every action.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use sanfu_domain::kernel::ReportCycle;
use sanfu_domain::supervision::Action;
use sanfu_domain::supervision::Settings;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use sanfu_store::supervision::{Assessment, FundInput, LedgerFilter, LedgerRow, SupervisionInput, TASK_EXAMPLE, TASK_HEADERS, TaskImport};

use sanfu_store::kernel::attachments::Attachment;

use crate::export::{self, Cell, Format_, Table};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json};
use crate::routes::fields::{flag, long, optional};

type JsonOut = axum::Json<Value>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/supervision", get(list).post(create))
        .route("/api/supervision/funds", get(funds_summary))
        .route("/api/supervision/assessment", get(assessment))
        .route("/api/supervision/import", post(import_tasks))
        .route("/api/supervision/import-template", get(import_template))
        .route("/api/admin/supervision-settings", get(settings).put(set_settings))
        .route("/api/supervision/{key}", get(get_one))
        .route("/api/supervision/{key}/funds", get(item_funds).post(add_fund))
        .route("/api/supervision/{key}/events", get(events))
        .route("/api/supervision/{key}/{action}", post(act))
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    source: Option<String>,
    unit: Option<String>,
    leader: Option<String>,
    card: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
    /// json (default), csv or xlsx: the whole filtered ledger as a file.
    format: Option<String>,
}

/// `GET /api/supervision`: the 督办台账, filtered; `format=xlsx|csv` downloads all of it.
pub async fn list(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<ListQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let filter = LedgerFilter { state: q.state, source: q.source, unit: q.unit, leader: q.leader, card: q.card, q: q.q };
    if format == Format_::Json {
        let page = st.store.supervision_ledger(&a.staff, &filter, q.page.unwrap_or(1), q.per_page.unwrap_or(20).min(200)).await?;
        return Ok(axum::Json(json!(page)).into_response());
    }
    // Page by page: every item the filters find, never a silent cut.
    let mut items = Vec::new();
    for page in 1.. {
        let p = st.store.supervision_ledger(&a.staff, &filter, page, 10_000).await?;
        let n = p.items.len();
        items.extend(p.items);
        if n < 10_000 || items.len() as i64 >= p.total {
            break;
        }
    }
    let table = ledger_table(&items);
    let name = format!("督办台账-{}", chrono::Utc::now().with_timezone(&st.store.offset()).format("%Y%m%d"));
    export::ledger(&st, &a, raw.as_deref(), format, &name, &[table]).await
}

/// The ledger as a sheet: what the office prints and files.
pub(crate) fn ledger_table(rows: &[LedgerRow]) -> Table {
    let off = sanfu_calendar::china_offset();
    let day = |t: Option<DateTime<Utc>>| t.map(|t| t.with_timezone(&off).format("%Y-%m-%d").to_string()).unwrap_or_default();
    let colour = |c: &str| match c {
        "red" => "红",
        "yellow" => "黄",
        "closed" => "—",
        _ => "绿",
    };
    Table {
        title: "督办台账".into(),
        headers: ["编号", "事项名称", "来源", "来源文号", "责任领导", "牵头单位", "配合单位", "状态", "办结时限", "逾期未报", "黄牌", "红牌", "预警"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.item.number.clone()),
                    Cell::Text(r.item.title.clone()),
                    Cell::Text(r.source_label.into()),
                    Cell::Text(r.source_ref.clone().unwrap_or_default()),
                    Cell::Text(r.leader.clone().unwrap_or_default()),
                    Cell::Text(r.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
                    Cell::Text(r.co_units.join("、")),
                    Cell::Text(r.item.state_label.into()),
                    Cell::Text(day(r.item.due_at)),
                    Cell::Int(i64::from(r.missed_reports)),
                    Cell::Int(i64::from(r.yellow_cards)),
                    Cell::Int(i64::from(r.red_cards)),
                    Cell::Text(colour(r.colour).into()),
                ]
            })
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct PeriodQuery {
    /// YYYY-MM-DD; both default to the last whole month.
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// The period asked for, or else the last whole month: a bulletin reports on a month that
/// has ended (this month's first days would show every unit spotless).
pub(crate) fn period(st: &AppState, from: Option<&str>, to: Option<&str>) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let off = st.store.offset();
    let (this, _) = sanfu_store::supervision::month_of(chrono::Utc::now(), off);
    let last_day = this.pred_opt().unwrap_or(this);
    let (f, t) = (last_day.with_day(1).unwrap_or(last_day), last_day);
    let day = |v: Option<&str>, d: NaiveDate, what: &str| match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ApiError::unprocessable("invalid_date", format!("{what}“{s}”无效，应为 YYYY-MM-DD"))),
        None => Ok(d),
    };
    Ok((day(from, f, "开始日期")?, day(to, t, "结束日期")?))
}

/// `GET /api/supervision/assessment?from&to[&format=xlsx]`: 督查考核 and the bulletin's lists.
pub async fn assessment(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<PeriodQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let (from, to) = period(&st, q.from.as_deref(), q.to.as_deref())?;
    let r = st.store.assessment(&a.staff, from, to).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!(r)).into_response());
    }
    let tables = assessment_tables(&r);
    let name = format!("督查通报-{from}至{to}");
    export::ledger(&st, &a, raw.as_deref(), format, &name, &tables).await
}

pub(crate) fn assessment_tables(r: &Assessment) -> Vec<Table> {
    let units = Table {
        title: format!("考核{}至{}", r.from, r.to),
        headers: ["名次", "单位", "承办事项", "按时反馈", "逾期反馈", "催办", "督办通知", "黄牌", "红牌", "按期办结", "超期", "得分", "督办函", "通报"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: r
            .units
            .iter()
            .map(|u| {
                let n = |v: u32| Cell::Int(i64::from(v));
                let t = &u.tally;
                vec![
                    n(u.rank),
                    Cell::Text(u.unit.clone()),
                    n(t.items),
                    n(t.reports_on_time),
                    n(t.reports_late),
                    n(t.reminders),
                    n(t.notices),
                    n(t.yellow_cards),
                    n(t.red_cards),
                    n(t.closed_on_time),
                    n(t.overdue),
                    Cell::Int(i64::from(u.score)),
                    Cell::Text(if u.letter { "应发" } else { "" }.into()),
                    Cell::Text(if u.black_listed { "黑榜" } else if u.praised { "表扬" } else { "" }.into()),
                ]
            })
            .collect(),
    };
    let lists = Table {
        title: "督查通报".into(),
        headers: vec!["类别".into(), "单位".into()],
        rows: [("通报表扬", &r.praised), ("红榜", &r.red_list), ("黑榜", &r.black_list)]
            .iter()
            .flat_map(|(k, v)| v.iter().map(move |u| vec![Cell::Text(k.to_string()), Cell::Text(u.clone())]))
            .collect(),
    };
    vec![units, lists]
}

#[derive(Deserialize)]
pub struct ImportQuery {
    dry_run: Option<bool>,
}

/// `POST /api/supervision/import[?dry_run=true]` with the task list (.xlsx or CSV) as the body.
pub async fn import_tasks(State(st): State<AppState>, a: Authed, Query(q): Query<ImportQuery>, body: axum::body::Bytes) -> ApiResult<(StatusCode, JsonOut)> {
    let rows = sanfu_store::admin::read_table(&body)?;
    let r = st.store.import_tasks(&rows, q.dry_run.unwrap_or(false), &a.actor).await?;
    Ok(import_answer(r))
}

pub(crate) fn import_answer(r: TaskImport) -> (StatusCode, JsonOut) {
    let (status, code, message) = if !r.errors.is_empty() {
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_rows", format!("文件有 {} 行存在问题，未导入任何任务", r.errors.len()))
    } else if r.dry_run {
        (StatusCode::OK, "ok", format!("检查通过：可导入 {} 项任务", r.tasks.len()))
    } else {
        (StatusCode::OK, "ok", format!("已导入并交办 {} 项任务", r.numbers.len()))
    };
    (status, axum::Json(json!({ "code": code, "message": message, "result": r })))
}

/// `GET /api/supervision/import-template`: the task list's template (.xlsx).
pub async fn import_template(_a: Authed) -> ApiResult<Response> {
    let t = Table {
        title: "重点任务".into(),
        headers: TASK_HEADERS.iter().map(|s| s.to_string()).collect(),
        rows: TASK_EXAMPLE.iter().map(|r| r.iter().map(|c| Cell::Text(c.to_string())).collect()).collect(),
    };
    export::xlsx_response("重点任务导入模板", &[t])
}

pub async fn create(State(st): State<AppState>, a: Authed, Json(input): Json<SupervisionInput>) -> ApiResult<(StatusCode, JsonOut)> {
    let item = st.store.create_supervision(&input, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": item }))))
}

pub async fn get_one(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let item = st.store.supervision_for(&key, &a.staff).await?;
    Ok(axum::Json(json!({ "item": item })))
}

pub async fn events(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let e = st.store.supervision_events(&key, &a.staff).await?;
    Ok(axum::Json(json!({ "events": e })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MilestoneBody {
    pub what: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Every field any action takes; each action reads the ones it needs.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SupervisionActionBody {
    pub lead_unit_id: Option<String>,
    #[serde(default)]
    pub co_unit_ids: Vec<String>,
    pub deadline: Option<DateTime<Utc>>,
    /// 一次性, 每周, 每旬, 每月, 每月N日前 (or once, weekly, ten_days, monthly, month_day:N).
    pub cycle: Option<String>,
    #[serde(default)]
    pub milestones: Vec<MilestoneBody>,
    pub reason: Option<String>,
    pub approve: Option<bool>,
    pub pass: Option<bool>,
    pub comment: Option<String>,
    pub text: Option<String>,
    pub milestone: Option<u32>,
    pub unit_id: Option<String>,
    pub note: Option<String>,
    pub new_due: Option<DateTime<Utc>>,
    pub evidence: Option<String>,
    /// Files for a report, a closure, an objection or an extension request (at most five, 10 MB
    /// each): PDF, OFD, Word, Excel, images, text or zip.
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AttachmentBody {
    pub name: String,
    /// The file's bytes in standard base64.
    pub content_base64: String,
}

/// The files of an action's body, decoded and checked.
pub(crate) fn files(list: &[AttachmentBody]) -> Result<Vec<Attachment>, ApiError> {
    use base64::Engine;
    let mut raw = Vec::new();
    for a in list {
        let data = base64::engine::general_purpose::STANDARD
            .decode(a.content_base64.trim())
            .map_err(|_| ApiError::unprocessable("invalid_attachment", format!("附件“{}”的内容不是有效的 base64", a.name)))?;
        raw.push((a.name.clone(), data));
    }
    Ok(Attachment::check_all(raw)?)
}

fn when(v: Option<DateTime<Utc>>, field: &str, label: &str) -> Result<DateTime<Utc>, ApiError> {
    v.ok_or_else(|| ApiError::unprocessable("missing_field", format!("请填写{label}（{field}）")))
}

pub(crate) async fn build(st: &AppState, action: &str, b: SupervisionActionBody) -> Result<Action, ApiError> {
    Ok(match action {
        "assign" => {
            let lead = b.lead_unit_id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("unknown_unit", "请选择牵头单位"))?;
            let lead = st.store.unit_ref(lead).await?;
            let mut co = Vec::new();
            for c in &b.co_unit_ids {
                co.push(st.store.unit_ref(c).await?);
            }
            let cycle = ReportCycle::parse(b.cycle.as_deref().unwrap_or("once"))?;
            let mut milestones = Vec::new();
            for m in b.milestones {
                milestones.push((long("what", "节点内容", &m.what)?, when(m.due_at, "due_at", "节点时限")?));
            }
            Action::Assign { lead, co, deadline: when(b.deadline, "deadline", "办结时限")?, cycle, milestones }
        }
        "sign" => Action::Sign,
        "object" => Action::Object { reason: long("reason", "异议理由", &b.reason)? },
        "decide-objection" => Action::DecideObjection { approve: flag(b.approve, "approve")?, comment: optional(&b.comment)? },
        "report" => Action::Report { text: long("text", "进展情况", &b.text)?, milestone: b.milestone },
        "remind" => {
            let unit = b.unit_id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("unknown_unit", "请选择催办的单位"))?;
            Action::Remind { unit_id: st.store.unit_ref(unit).await?.id, note: b.note.unwrap_or_default() }
        }
        "extension" => Action::RequestExtension { new_due: when(b.new_due, "new_due", "延期后的时限")?, reason: long("reason", "延期理由", &b.reason)? },
        "decide-extension" => Action::DecideExtension { approve: flag(b.approve, "approve")?, comment: optional(&b.comment)? },
        "closure" => Action::RequestClosure { evidence: long("evidence", "办结情况", &b.evidence)? },
        "review" => Action::Review { pass: flag(b.pass, "pass")?, comment: optional(&b.comment)? },
        "reopen" => Action::Reopen { reason: long("reason", "重新督办理由", &b.reason)?, deadline: when(b.deadline, "deadline", "新的办结时限")? },
        "cancel" => Action::Cancel { reason: long("reason", "撤销理由", &b.reason)? },
        other => return Err(ApiError::not_found("unknown_action", format!("督办事项没有“{other}”这项操作"))),
    })
}

/// `POST /api/supervision/{key}/{action}`: assign, sign, object, decide-objection, report,
/// remind, extension, decide-extension, closure, review, reopen, cancel.
pub async fn act(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(mut b): Json<SupervisionActionBody>) -> ApiResult<JsonOut> {
    let attached = files(&std::mem::take(&mut b.attachments))?;
    let act = build(&st, &action, b).await?;
    let item = st.store.act_supervision_with(&key, &a.actor, &act, None, &attached).await?;
    Ok(axum::Json(json!({ "item": item })))
}

/// `GET /api/supervision/funds`: money sitting unpaid, by unit and by item.
pub async fn funds_summary(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!(st.store.funds_summary(&a.staff).await?)))
}

pub async fn item_funds(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "funds": st.store.item_funds(&key, &a.staff).await? })))
}

pub async fn add_fund(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Json(b): Json<FundInput>) -> ApiResult<(StatusCode, JsonOut)> {
    let e = st.store.add_fund(&key, &b, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "entry": e }))))
}

pub async fn settings(State(st): State<AppState>, _a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.supervision_settings().await? })))
}

pub async fn set_settings(State(st): State<AppState>, a: Authed, Json(b): Json<Settings>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.set_supervision_settings(b, &a.actor).await? })))
}
