//! 领导批示's routes: give one, list them (a leader's own), read one, and its actions.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use sanfu_domain::instruction::Action;
use sanfu_store::instruction::InstructionInput;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
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
}

pub async fn list(State(st): State<AppState>, a: Authed, Query(q): Query<ListQuery>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "items": st.store.list_instructions(&a.staff, q.mine.unwrap_or(false)).await? })))
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
