//! 领导批示's routes: give one, list them (a leader's own), read one, and its actions.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use sanfu_domain::instruction::Action;
use sanfu_store::instruction::InstructionInput;
use serde::Deserialize;
use serde_json::{Value, json};

use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::export::{self, Cell, Format_, Table};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json};
use crate::routes::fields::{long, short};

type JsonOut = axum::Json<Value>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/instructions", get(list).post(create))
        .route("/api/instructions/{key}", get(get_one))
        .route("/api/instructions/{key}/{action}", post(act))
}

#[derive(Deserialize)]
pub struct ListQuery {
    mine: Option<bool>,
    /// json (default), csv or xlsx: the 批示台账 as a file.
    format: Option<String>,
}

pub async fn list(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<ListQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let rows = st.store.list_instructions(&a.staff, q.mine.unwrap_or(false)).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "items": rows })).into_response());
    }
    let off = st.store.offset();
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.with_timezone(&off).format("%Y-%m-%d").to_string()).unwrap_or_default();
    let table = Table {
        title: "批示台账".into(),
        headers: ["编号", "批示内容", "批示领导", "主办单位", "承办单位数", "已反馈", "状态", "批示日期", "反馈时限"].iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.item.number.clone()),
                    Cell::Text(r.item.title.clone()),
                    Cell::Text(r.leader.clone()),
                    Cell::Text(r.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
                    Cell::Int(i64::from(r.units)),
                    Cell::Int(i64::from(r.answered)),
                    Cell::Text(r.item.state_label.into()),
                    Cell::Text(day(Some(r.item.created_at))),
                    Cell::Text(day(r.item.due_at)),
                ]
            })
            .collect(),
    };
    let name = format!("批示台账-{}", chrono::Utc::now().with_timezone(&off).format("%Y%m%d"));
    export::ledger(&st, &a, raw.as_deref(), format, &name, &[table]).await
}

pub async fn create(State(st): State<AppState>, a: Authed, Json(input): Json<InstructionInput>) -> ApiResult<(StatusCode, JsonOut)> {
    let item = st.store.create_instruction(&input, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": item }))))
}

pub async fn get_one(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.instruction_for(&key, &a.staff).await? })))
}

/// Every field an instruction's actions take.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct InstructionActionBody {
    pub text: Option<String>,
    pub unit_id: Option<String>,
    pub note: Option<String>,
    pub reason: Option<String>,
}

pub(crate) async fn build(st: &AppState, action: &str, b: InstructionActionBody) -> Result<Action, ApiError> {
    Ok(match action {
        "answer" => Action::Answer { text: long("text", "办理情况", &b.text)? },
        "remind" => {
            let unit = b.unit_id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("unknown_unit", "请选择催办的单位"))?;
            Action::Remind { unit_id: st.store.unit_ref(unit).await?.id, note: b.note.unwrap_or_default() }
        }
        "withdraw" => Action::Withdraw { reason: short("reason", "撤回理由", &b.reason)? },
        other => return Err(ApiError::not_found("unknown_action", format!("批示没有“{other}”这项操作"))),
    })
}

/// `POST /api/instructions/{key}/{action}`: answer, remind, withdraw, supervise (转督办).
pub async fn act(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<InstructionActionBody>) -> ApiResult<(StatusCode, JsonOut)> {
    if action == "supervise" {
        let number = st.store.supervise_instruction(&key, &a.actor).await?;
        return Ok((StatusCode::CREATED, axum::Json(json!({ "supervision": number }))));
    }
    let act = build(&st, &action, b).await?;
    let item = st.store.act_instruction(&key, &a.actor, &act).await?;
    Ok((StatusCode::OK, axum::Json(json!({ "item": item }))))
}
