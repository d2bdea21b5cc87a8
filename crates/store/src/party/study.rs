//! 学习教育台账: a branch's study sessions — date, form (集中学习, 专题研讨, 党课), topic, hours,
//! who attended, notes — and each member's hours in a year.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sanfu_domain::party::{StudyForm, check_hours};
use sanfu_domain::{Actor, DomainError, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{day_ms, split_names, staff_of};
use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StudyInput {
    pub branch: Option<String>,
    /// YYYY-MM-DD.
    pub date: Option<String>,
    /// `collective` 集中学习, `seminar` 专题研讨, `lecture` 党课 (or the Chinese).
    pub form: Option<String>,
    pub topic: Option<String>,
    pub hours: Option<f64>,
    /// Who attended (names, one a line or separated by 、); every member if none.
    #[serde(default)]
    pub attendees: Vec<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StudySession {
    pub id: String,
    pub branch_name: String,
    pub held_at: DateTime<Utc>,
    pub form: String,
    pub form_label: &'static str,
    pub topic: String,
    pub hours: f64,
    pub attendees: Vec<String>,
    pub absent: Vec<String>,
    pub notes: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberHours {
    pub branch_name: String,
    pub member: String,
    pub sessions: i64,
    pub hours: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StudyLedger {
    pub year: i32,
    pub sessions: Vec<StudySession>,
    pub members: Vec<MemberHours>,
}

impl Store {
    /// Record a study session (the branch's secretary or the office).
    pub async fn record_study(&self, input: &StudyInput, actor: &Actor) -> Result<StudySession, StoreError> {
        let staff = staff_of(actor)?;
        let branch = self.branch(input.branch.as_deref().unwrap_or_default()).await?;
        if !Store::keeps(staff, &branch) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有支部书记或办公室可以登记学习记录").into());
        }
        let d = input.date.as_deref().map(str::trim).unwrap_or_default();
        let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| DomainError::invalid("invalid_date", "请填写学习日期（如 2026-12-04）"))?;
        let now = Utc::now();
        if day > now.with_timezone(&self.offset()).date_naive() {
            return Err(DomainError::invalid("invalid_date", "学习日期不能晚于今天").into());
        }
        let form = StudyForm::parse(input.form.as_deref().map(str::trim).unwrap_or_default()).ok_or_else(|| DomainError::invalid("invalid_form", "学习形式须为集中学习、专题研讨或党课"))?;
        let topic = validate::text("topic", "学习内容", input.topic.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let hours = check_hours(input.hours.unwrap_or(0.0))?;
        let notes = validate::optional_text("notes", "学习记录", input.notes.as_deref(), validate::MAX_CONTENT_CHARS)?.unwrap_or_default();
        let mut attendees: Vec<String> = input.attendees.iter().flat_map(|a| split_names(a)).collect();
        if attendees.is_empty() {
            attendees = branch.members.clone();
        }
        if let Some(a) = attendees.iter().find(|a| !branch.members.contains(a)) {
            return Err(DomainError::invalid("unknown_member", format!("“{a}”不是本支部党员")).into());
        }
        attendees.dedup();
        let id = new_id();
        let t = to_ms(now);
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO party_study (id, branch_id, held_at, form, topic, half_hours, attendees, notes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(&id).bind(&branch.id).bind(day_ms(self, day) + 9 * 3_600_000).bind(form.as_str()).bind(&topic).bind((hours * 2.0) as i64)
                .bind(serde_json::to_string(&attendees).unwrap_or_default()).bind(&notes).bind(t)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: "party_study", action: "create", actor, from_state: None, to_state: None,
                details: json!({ "branch": branch.name, "date": d, "form": form.label(), "topic": topic, "hours": hours, "attendees": attendees.len() }), at: Some(t),
            }).await?;
            Ok(())
        })?;
        let ledger = self.study_ledger(staff, day.year(), Some(&branch.id)).await?;
        ledger.sessions.into_iter().find(|s| s.id == id).ok_or_else(|| StoreError::Other("study vanished".into()))
    }

    /// A year's sessions of the branches `staff` may read, and each member's hours.
    pub async fn study_ledger(&self, staff: &Staff, year: i32, branch: Option<&str>) -> Result<StudyLedger, StoreError> {
        if !(2000..=2100).contains(&year) {
            return Err(DomainError::invalid("invalid_year", "年度不正确").into());
        }
        let branches: Vec<super::Branch> = self.branches().await?.into_iter().filter(|b| Store::reads_branch(staff, b)).filter(|b| branch.is_none_or(|x| x == b.id || x == b.name)).collect();
        let start = NaiveDate::from_ymd_opt(year, 1, 1).map(|d| day_ms(self, d)).unwrap_or(0);
        let end = NaiveDate::from_ymd_opt(year + 1, 1, 1).map(|d| day_ms(self, d)).unwrap_or(0);
        let rows: Vec<(String, String, i64, String, String, i64, String, String)> = sqlx::query_as(
            "SELECT id, branch_id, held_at, form, topic, half_hours, attendees, notes FROM party_study WHERE held_at >= $1 AND held_at < $2 ORDER BY held_at DESC",
        )
        .bind(start)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        let mut sessions = Vec::new();
        let mut members: Vec<MemberHours> = Vec::new();
        for b in &branches {
            for m in &b.members {
                members.push(MemberHours { branch_name: b.name.clone(), member: m.clone(), sessions: 0, hours: 0.0 });
            }
        }
        for (id, bid, at, form, topic, half, att, notes) in rows {
            let Some(b) = branches.iter().find(|b| b.id == bid) else { continue };
            let attendees: Vec<String> = serde_json::from_str(&att).unwrap_or_default();
            let hours = half as f64 / 2.0;
            for m in members.iter_mut().filter(|m| m.branch_name == b.name && attendees.contains(&m.member)) {
                m.sessions += 1;
                m.hours += hours;
            }
            sessions.push(StudySession {
                id,
                branch_name: b.name.clone(),
                held_at: from_ms(at),
                form_label: StudyForm::parse(&form).map(|f| f.label()).unwrap_or_default(),
                form,
                topic,
                hours,
                absent: b.members.iter().filter(|m| !attendees.contains(m)).cloned().collect(),
                attendees,
                notes,
            });
        }
        Ok(StudyLedger { year, sessions, members })
    }
}
