//! Publication on the public reply board (问政): only what the hotline centre has approved, of
//! an order the citizen agreed to publish, with personal data masked. The order keeps the
//! original; the board shows the approved copy, and searches it alone, so that nothing the
//! citizen typed reaches the public unreviewed.

use chrono::{DateTime, Utc};
use sanfu_domain::privacy::mask_text;
use sanfu_domain::validate::{self, MAX_CONTENT_CHARS, MAX_SUBJECT_CHARS};
use sanfu_domain::hotline::State;
use sanfu_domain::{Actor, DomainError};
use serde::Serialize;
use serde_json::json;

use crate::db::{Store, StoreError, from_ms, now_ms};
use crate::events::{self, NewEvent};

/// What the board shows of one order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Publication {
    pub subject: String,
    pub content: String,
    pub answer: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

/// The order as publication reads it.
pub(crate) struct Source {
    pub id: String,
    pub number: String,
    pub state: State,
    pub confidential: bool,
    pub consent: bool,
    pub title: String,
    pub content: String,
    pub answer: Option<String>,
}

/// The texts the centre approves; each defaults to the order's own, masked.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PublishInput {
    pub subject: Option<String>,
    pub content: Option<String>,
    pub answer: Option<String>,
}

impl Store {
    pub async fn publication(&self, work_id: &str) -> Result<Option<Publication>, StoreError> {
        let row: Option<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT subject, content, answer, published_at, published_by FROM publications WHERE work_id = $1 AND withdrawn_at IS NULL",
        )
        .bind(work_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(subject, content, answer, at, by)| Publication { subject, content, answer, published_at: from_ms(at), published_by: by }))
    }

    /// The texts the board would show if published now: the order's own, masked.
    pub async fn publication_draft(&self, key: &str) -> Result<PublishInput, StoreError> {
        let s = self.publish_source(key).await?.ok_or_else(|| DomainError::not_found("order_not_found", format!("工单“{key}”不存在")))?;
        Ok(PublishInput {
            subject: Some(mask_text(&s.title).into_owned()),
            content: Some(mask_text(&s.content).into_owned()),
            answer: s.answer.as_deref().map(|a| mask_text(a).into_owned()),
        })
    }

    /// 公开: the hotline centre approves what the board shows of a closed order whose citizen
    /// agreed. Publishing again replaces the texts. Whatever is approved is masked once more.
    pub async fn publish(&self, key: &str, input: &PublishInput, actor: &Actor) -> Result<Publication, StoreError> {
        let staff = actor.staff().filter(|s| s.is_hotline()).ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "只有热线中心可以审核公开"))?;
        let s = self.publish_source(key).await?.ok_or_else(|| DomainError::not_found("order_not_found", format!("工单“{key}”不存在")))?;
        if s.state != State::Closed || s.answer.is_none() {
            return Err(DomainError::conflict("invalid_state", "只有已办结并有答复的工单可以公开").into());
        }
        if s.confidential || !s.consent {
            return Err(DomainError::conflict("no_consent", "诉求人未同意公开（或要求保密），不能公开").into());
        }
        let text = |v: &Option<String>, default: &str, field: &'static str, label: &str, max: usize| -> Result<String, StoreError> {
            let v = v.as_deref().map(str::trim).filter(|x| !x.is_empty()).unwrap_or(default);
            Ok(mask_text(&validate::text(field, label, v, max)?).into_owned())
        };
        let subject = text(&input.subject, &s.title, "subject", "公开标题", MAX_SUBJECT_CHARS)?;
        let content = text(&input.content, &s.content, "content", "公开诉求内容", MAX_CONTENT_CHARS)?;
        let answer = text(&input.answer, s.answer.as_deref().unwrap_or_default(), "answer", "公开答复", MAX_CONTENT_CHARS)?;
        let seg = self.segmenter().await?;
        let index = Store::index_row(&seg, &s.id, "publication", &format!("{subject}\n{content}\n{answer}"));
        let now = now_ms();
        let by = staff.name.clone();
        in_tx!(self, tx => {
            sqlx::query("DELETE FROM publications WHERE work_id = $1").bind(&s.id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO publications (work_id, subject, content, answer, published_at, published_by, withdrawn_at)
                         VALUES ($1, $2, $3, $4, $5, $6, NULL)")
                .bind(&s.id).bind(&subject).bind(&content).bind(&answer).bind(now).bind(&by)
                .execute(&mut *tx).await?;
            Store::index_in(&mut tx, &index).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &s.id, entity_kind: "work_order", action: "publish", actor,
                from_state: None, to_state: None,
                details: json!({ "number": s.number, "subject": subject, "content": content, "answer": answer }),
                at: Some(now),
            }).await?;
            Ok(())
        })?;
        Ok(Publication { subject, content, answer, published_at: from_ms(now), published_by: by })
    }

    /// 撤下: take an order off the board (the centre), with a reason.
    pub async fn unpublish(&self, key: &str, reason: &str, actor: &Actor) -> Result<(), StoreError> {
        actor.staff().filter(|s| s.is_hotline()).ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "只有热线中心可以撤下公开内容"))?;
        let reason = validate::text("reason", "撤下理由", reason, 500)?;
        let s = self.publish_source(key).await?.ok_or_else(|| DomainError::not_found("order_not_found", format!("工单“{key}”不存在")))?;
        if self.publication(&s.id).await?.is_none() {
            return Err(DomainError::conflict("not_published", "该工单没有公开").into());
        }
        let now = now_ms();
        let empty = crate::search::IndexRow { doc_id: s.id.clone(), kind: "publication", terms: String::new() };
        in_tx!(self, tx => {
            sqlx::query("UPDATE publications SET withdrawn_at = $1 WHERE work_id = $2 AND withdrawn_at IS NULL")
                .bind(now).bind(&s.id).execute(&mut *tx).await?;
            Store::index_in(&mut tx, &empty).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &s.id, entity_kind: "work_order", action: "unpublish", actor,
                from_state: None, to_state: None, details: json!({ "reason": reason }), at: Some(now),
            }).await?;
            Ok(())
        })
    }
}
