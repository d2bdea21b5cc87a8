//! 会议's routes: topics (议题) and the topic plan, meetings and their actions, the decision
//! ledger (议定事项台账) with its Excel download, and the meeting section's settings.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use sanfu_domain::meeting::topic::Action;
use sanfu_domain::meeting::{Settings, Stance};
use sanfu_store::meeting::minutes::{DecisionFilter, DecisionRow};
use sanfu_store::meeting::session::{MeetingActionInput, MeetingInput};
use sanfu_store::meeting::topic::{PlanInput, TopicFilter, TopicInput};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::export::{self, Cell, Format_, Table};
use crate::extract::{Authed, Json};
use crate::routes::fields::short;
use crate::routes::supervision::{AttachmentBody, files};

type JsonOut = axum::Json<Value>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/topics", get(list_topics).post(create_topic))
        .route("/api/topic-plans", get(plan).post(add_plan))
        .route("/api/topics/{key}", get(get_topic))
        .route("/api/topics/{key}/{action}", post(act_topic))
        .route("/api/meetings", get(list_meetings).post(create_meeting))
        .route("/api/meetings/decisions", get(decisions))
        .route("/api/meetings/{key}", get(get_meeting))
        .route("/api/meetings/{key}/{action}", post(act_meeting))
        .route("/api/admin/meeting-settings", get(settings).put(set_settings))
}

#[derive(Deserialize)]
pub struct TopicQuery {
    state: Option<String>,
    unit: Option<String>,
    /// Only those of the reader's unit (`true`).
    mine: Option<String>,
    /// json (default), csv or xlsx: the topic ledger (议题台账) as a file.
    format: Option<String>,
}

pub async fn list_topics(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<TopicQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let filter = TopicFilter { state: q.state, unit: q.unit, mine: q.mine.as_deref().is_some_and(|m| m == "true" || m == "1") };
    let rows = st.store.list_topics(&a.staff, &filter).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "items": rows })).into_response());
    }
    let off = st.store.offset();
    let table = Table {
        title: "议题台账".into(),
        headers: ["编号", "议题", "提请会议", "提出单位", "分管领导", "会签意见", "状态", "所列会议", "提出日期"].iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.item.number.clone()),
                    Cell::Text(r.item.title.clone()),
                    Cell::Text(r.meeting_type_label.into()),
                    Cell::Text(r.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
                    Cell::Text(r.leader.clone()),
                    Cell::Text(if r.opinions_asked > 0 { format!("{}/{}", r.opinions_given, r.opinions_asked) } else { "无需会签".into() }),
                    Cell::Text(r.item.state_label.into()),
                    Cell::Text(r.meeting.clone().unwrap_or_default()),
                    Cell::Text(r.item.created_at.with_timezone(&off).format("%Y-%m-%d").to_string()),
                ]
            })
            .collect(),
    };
    let name = format!("议题台账-{}", Utc::now().with_timezone(&off).format("%Y%m%d"));
    export::ledger(&st, &a, raw.as_deref(), format, &name, &[table]).await
}

/// A topic as a unit sends it, with its materials.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TopicBody {
    #[serde(flatten)]
    pub topic: TopicInput,
    /// 汇报材料 and the like (at most five, 10 MB each), base64.
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

pub async fn create_topic(State(st): State<AppState>, a: Authed, Json(b): Json<TopicBody>) -> ApiResult<(StatusCode, JsonOut)> {
    let attached = files(&b.attachments)?;
    let item = st.store.create_topic(&b.topic, &attached, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": item }))))
}

pub async fn get_topic(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.topic_for(&key, &a.staff).await? })))
}

/// Every field a topic's actions take.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TopicActionBody {
    /// `opinion`: `agree`, `agree_with_changes` or `disagree`, and `text`.
    pub stance: Option<String>,
    pub text: Option<String>,
    /// `approve`, `screen`.
    pub comment: Option<String>,
    /// `return`, `hold`, `withdraw`.
    pub reason: Option<String>,
    /// `schedule`: the meeting (number or id) whose agenda it joins.
    pub meeting: Option<String>,
    /// `revise`: a new title, text, or (before proposing) consulted units.
    pub title: Option<String>,
    pub summary: Option<String>,
    #[serde(default)]
    pub consulted: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

/// `POST /api/topics/{key}/{action}`: propose, revise, opinion, submit, approve, screen, return,
/// hold, release, withdraw, schedule.
pub async fn act_topic(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<TopicActionBody>) -> ApiResult<JsonOut> {
    let attached = files(&b.attachments)?;
    let reason = |label: &str| short("reason", label, &b.reason);
    let act = match action.as_str() {
        "schedule" => {
            let meeting = b.meeting.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("missing_field", "请选择会议"))?;
            let view = st.store.schedule_topic(&key, meeting, &a.actor).await?;
            return Ok(axum::Json(json!({ "meeting": view })));
        }
        "revise" => {
            let input = TopicInput { title: b.title.clone(), summary: b.summary.clone(), consulted: b.consulted.clone(), ..Default::default() };
            return Ok(axum::Json(json!({ "item": st.store.revise_topic(&key, &input, &attached, &a.actor).await? })));
        }
        "propose" => Action::Propose,
        "opinion" => {
            let s = b.stance.as_deref().unwrap_or_default();
            let stance = Stance::parse(s).ok_or_else(|| ApiError::unprocessable("invalid_stance", "请选择同意、原则同意（有修改意见）或不同意"))?;
            Action::Opinion { stance, text: b.text.clone().unwrap_or_default() }
        }
        "submit" => Action::Submit,
        "approve" => Action::Approve { comment: b.comment.clone().unwrap_or_default() },
        "screen" => Action::Screen { comment: b.comment.clone().unwrap_or_default() },
        "return" => Action::Return { reason: reason("退回理由")? },
        "hold" => Action::Hold { reason: reason("暂缓理由")? },
        "release" => Action::Release,
        "withdraw" => Action::Withdraw { reason: reason("撤回理由")? },
        other => return Err(ApiError::not_found("unknown_action", format!("议题没有“{other}”这项操作"))),
    };
    Ok(axum::Json(json!({ "item": st.store.act_topic(&key, &a.actor, &act, &attached).await? })))
}

#[derive(Deserialize)]
pub struct PlanQuery {
    year: Option<i32>,
}

pub async fn plan(State(st): State<AppState>, a: Authed, Query(q): Query<PlanQuery>) -> ApiResult<JsonOut> {
    let year = q.year.unwrap_or_else(|| Utc::now().with_timezone(&st.store.offset()).year());
    Ok(axum::Json(json!({ "year": year, "items": st.store.topic_plan(year, &a.staff).await? })))
}

pub async fn add_plan(State(st): State<AppState>, a: Authed, Json(b): Json<PlanInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.add_topic_plan(&b, &a.actor).await? }))))
}

#[derive(Deserialize)]
pub struct CalendarQuery {
    /// The first and last day (YYYY-MM-DD, local) of the calendar; by default the whole year.
    from: Option<String>,
    to: Option<String>,
}

/// The span a calendar query asks for: `[from, to]` days, local, as instants.
pub(crate) fn span(st: &AppState, from: Option<&str>, to: Option<&str>) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let off = st.store.offset();
    let year = Utc::now().with_timezone(&off).year();
    let day = |s: Option<&str>, default: chrono::NaiveDate| -> Result<chrono::NaiveDate, ApiError> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ApiError::unprocessable("invalid_date", format!("日期“{s}”格式不正确，应如 2026-10-15"))),
            None => Ok(default),
        }
    };
    let from = day(from, chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default())?;
    let to = day(to, chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default())?;
    if to < from || (to - from).num_days() > 800 {
        return Err(ApiError::unprocessable("invalid_date", "查询的日期范围不正确（不超过两年）"));
    }
    let at = |d: chrono::NaiveDate| off.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).single().map(|t| t.with_timezone(&Utc)).unwrap_or_default();
    Ok((at(from), at(to + chrono::Duration::days(1))))
}

pub async fn list_meetings(State(st): State<AppState>, a: Authed, Query(q): Query<CalendarQuery>) -> ApiResult<JsonOut> {
    let (from, to) = span(&st, q.from.as_deref(), q.to.as_deref())?;
    Ok(axum::Json(json!({ "items": st.store.list_meetings(&a.staff, from, to).await? })))
}

pub async fn create_meeting(State(st): State<AppState>, a: Authed, Json(b): Json<MeetingInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.create_meeting(&b, &a.actor).await? }))))
}

pub async fn get_meeting(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.meeting_for(&key, &a.staff).await? })))
}

/// A meeting action's body, with files for `materials`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingActionBody {
    #[serde(flatten)]
    pub input: MeetingActionInput,
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

/// `POST /api/meetings/{key}/{action}`: agenda, send_agenda, materials, notify, reply, sign_in,
/// convene, draft_minutes, submit_minutes, review_minutes, sign_minutes, issue, erratum, cancel.
pub async fn act_meeting(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<MeetingActionBody>) -> ApiResult<JsonOut> {
    const ACTIONS: &[&str] = &[
        "agenda", "send_agenda", "materials", "notify", "reply", "sign_in", "convene", "draft_minutes", "submit_minutes", "review_minutes",
        "sign_minutes", "issue", "erratum", "cancel",
    ];
    if !ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::not_found("unknown_action", format!("会议没有“{action}”这项操作")));
    }
    let attached = files(&b.attachments)?;
    Ok(axum::Json(json!({ "item": st.store.act_meeting(&key, &action, &b.input, &attached, &a.actor).await? })))
}

#[derive(Deserialize)]
pub struct DecisionQuery {
    year: Option<i32>,
    meeting_type: Option<String>,
    unit: Option<String>,
    /// json (default), csv or xlsx.
    format: Option<String>,
}

/// The decision ledger as a table: what the Excel download holds.
pub(crate) fn decision_table(rows: &[DecisionRow], off: chrono::FixedOffset) -> Table {
    let day = |t: DateTime<Utc>| t.with_timezone(&off).format("%Y-%m-%d").to_string();
    Table {
        title: "议定事项台账".into(),
        headers: ["会议", "会议日期", "纪要文号", "议题", "议定事项", "牵头单位", "配合单位", "完成时限", "督办事项", "办理状态", "警示"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                let sup = r.supervision.as_ref();
                vec![
                    Cell::Text(r.meeting.clone()),
                    Cell::Text(day(r.meeting_date)),
                    Cell::Text(r.minutes_number.clone().unwrap_or_default()),
                    Cell::Text(r.topic.clone()),
                    Cell::Text(r.text.clone()),
                    Cell::Text(r.lead_unit.name.clone()),
                    Cell::Text(r.co_units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join("、")),
                    Cell::Text(day(r.deadline)),
                    Cell::Text(sup.map(|s| s.number.clone()).unwrap_or_default()),
                    Cell::Text(sup.map(|s| s.state_label.to_string()).unwrap_or_default()),
                    Cell::Text(match sup.and_then(|s| s.card.as_deref()) {
                        Some("red") => "红牌".into(),
                        Some("yellow") => "黄牌".into(),
                        _ => String::new(),
                    }),
                ]
            })
            .collect(),
    }
}

pub async fn decisions(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<DecisionQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let filter = DecisionFilter { year: q.year, meeting_type: q.meeting_type, unit: q.unit };
    let rows = st.store.decision_ledger(&a.staff, &filter).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "items": rows })).into_response());
    }
    let off = st.store.offset();
    let table = decision_table(&rows, off);
    let name = format!("议定事项台账-{}", Utc::now().with_timezone(&off).format("%Y%m%d"));
    export::ledger(&st, &a, raw.as_deref(), format, &name, &[table]).await
}

pub async fn settings(State(st): State<AppState>, _a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.meeting_settings().await? })))
}

pub async fn set_settings(State(st): State<AppState>, a: Authed, Json(b): Json<Settings>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.set_meeting_settings(b, &a.actor).await? })))
}
