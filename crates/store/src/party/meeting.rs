//! 组织生活会: the plan (theme, date, the notice about ten days ahead), the preparation
//! (collective study, 谈心谈话, opinions gathered, the 问题清单), the meeting (sign-in, the
//! secretary's self-examination first, each member's criticism and self-criticism, written
//! 党性分析 from the absent), and the rectification list it leaves; the next meeting's page
//! looks back at the last one's list (回头看).

use chrono::{DateTime, Utc};
use sanfu_domain::party::{Scope, Stage, advance, check_notice};
use sanfu_domain::{Actor, DomainError, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rectification::RectificationRow;
use super::{Branch, staff_of};
use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PartyMeetingInput {
    /// The branch (id or name).
    pub branch: Option<String>,
    pub theme: Option<String>,
    pub meeting_at: Option<DateTime<Utc>>,
    /// When the notice went out (now if not said).
    pub notice_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
}

/// A problem on the list (问题清单): the branch's (班子) or a member's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// `branch` or `member`.
    pub scope: String,
    /// The member's name (a member's problem).
    #[serde(default)]
    pub member: String,
    pub text: String,
}

/// One member's part in the meeting.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criticism {
    pub member: String,
    /// 自我批评.
    pub self_criticism: String,
    /// 相互批评: what the others said to them.
    #[serde(default)]
    pub criticism: String,
}

/// A written 党性分析 from a member who could not attend.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Analysis {
    pub member: String,
    pub text: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preparation {
    /// 会前集中学习.
    #[serde(default)]
    pub study: String,
    /// 谈心谈话 records, one each.
    #[serde(default)]
    pub talks: Vec<String>,
    /// 征求意见: opinions gathered.
    #[serde(default)]
    pub opinions: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attendance {
    pub present: Vec<String>,
    #[serde(default)]
    pub absent: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Records {
    /// The secretary's self-examination (书记带头对照检查), first.
    pub self_exam: String,
    #[serde(default)]
    pub criticisms: Vec<Criticism>,
    #[serde(default)]
    pub analyses: Vec<Analysis>,
}

/// `prepare` (preparation and the problem list) or `hold` (sign-in and the records).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PartyMeetingAction {
    pub preparation: Option<Preparation>,
    pub problems: Option<Vec<Problem>>,
    pub attendance: Option<Attendance>,
    pub records: Option<Records>,
}

/// 回头看: the last meeting's rectification list, as it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub meeting_id: String,
    pub theme: String,
    pub meeting_at: DateTime<Utc>,
    pub total: usize,
    pub closed: usize,
    pub items: Vec<RectificationRow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartyMeetingView {
    pub id: String,
    pub branch: Branch,
    pub theme: String,
    pub meeting_at: DateTime<Utc>,
    pub notice_at: DateTime<Utc>,
    /// Days between notice and meeting, when fewer than the ten the rules ask for.
    pub short_notice_days: Option<i64>,
    pub place: String,
    pub stage: String,
    pub stage_label: &'static str,
    pub preparation: Preparation,
    pub problems: Vec<Problem>,
    pub attendance: Attendance,
    pub records: Records,
    pub rectifications: Vec<RectificationRow>,
    pub review: Option<Review>,
    /// May the reader keep these records (the branch's secretary, the office).
    pub keeps: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartyMeetingRow {
    pub id: String,
    pub branch_name: String,
    pub theme: String,
    pub meeting_at: DateTime<Utc>,
    pub stage_label: &'static str,
    pub rectifications: i64,
    pub rectified: i64,
}

fn not_found(key: &str) -> StoreError {
    DomainError::not_found("meeting_not_found", format!("组织生活会“{key}”不存在")).into()
}

fn check_names(list: &[String], members: &[String], what: &str) -> Result<(), DomainError> {
    for n in list {
        if !members.iter().any(|m| m == n.trim()) {
            return Err(DomainError::invalid("unknown_member", format!("{what}“{n}”不是本支部党员")));
        }
    }
    Ok(())
}

type MeetingRow = (String, String, String, i64, i64, String, String, String, String, String, String);

impl Store {
    /// 计划: a branch plans its 组织生活会 and sends the notice.
    pub async fn create_party_meeting(&self, input: &PartyMeetingInput, actor: &Actor) -> Result<PartyMeetingView, StoreError> {
        self.create_party_meeting_at(input, actor, Utc::now()).await
    }

    pub(crate) async fn create_party_meeting_at(&self, input: &PartyMeetingInput, actor: &Actor, now: DateTime<Utc>) -> Result<PartyMeetingView, StoreError> {
        let staff = staff_of(actor)?;
        let branch = self.branch(input.branch.as_deref().unwrap_or_default()).await?;
        if !Store::keeps(staff, &branch) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有支部书记或办公室可以安排组织生活会").into());
        }
        let theme = validate::text("theme", "会议主题", input.theme.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let place = validate::text("place", "会议地点", input.place.as_deref().unwrap_or_default(), 60)?;
        let at = input.meeting_at.ok_or_else(|| DomainError::invalid("missing_field", "请填写会议时间"))?;
        let notice = input.notice_at.unwrap_or(now);
        let short = check_notice(notice, at)?;
        let id = new_id();
        let t = to_ms(now);
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO party_meetings (id, branch_id, theme, meeting_at, notice_at, place, stage, preparation, problems, attendance, records, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', '[]', '{\"present\":[]}', '{\"self_exam\":\"\"}', $8, $8)")
                .bind(&id).bind(&branch.id).bind(&theme).bind(to_ms(at)).bind(to_ms(notice)).bind(&place).bind(Stage::Planned.as_str()).bind(t)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: "party_meeting", action: "create", actor, from_state: None, to_state: Some(Stage::Planned.as_str()),
                details: json!({ "branch": branch.name, "theme": theme, "meeting_at": at, "notice_at": notice, "short_notice_days": short }), at: Some(t),
            }).await?;
            Ok(())
        })?;
        self.party_meeting_for(&id, staff).await
    }

    /// 会前准备 (`prepare`) or 召开 (`hold`).
    pub async fn act_party_meeting(&self, key: &str, action: &str, input: &PartyMeetingAction, actor: &Actor) -> Result<PartyMeetingView, StoreError> {
        self.act_party_meeting_at(key, action, input, actor, Utc::now()).await
    }

    pub(crate) async fn act_party_meeting_at(&self, key: &str, action: &str, input: &PartyMeetingAction, actor: &Actor, now: DateTime<Utc>) -> Result<PartyMeetingView, StoreError> {
        let staff = staff_of(actor)?;
        let m = self.party_meeting_for(key, staff).await?;
        if !m.keeps {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有支部书记或办公室可以登记组织生活会").into());
        }
        let stage = Stage::parse(&m.stage).unwrap_or(Stage::Planned);
        let (to, details, sets): (Stage, serde_json::Value, Vec<(&str, String)>) = match action {
            "prepare" => {
                let prep = input.preparation.clone().unwrap_or_default();
                let problems = input.problems.clone().unwrap_or_default();
                for p in &problems {
                    let scope = Scope::parse(&p.scope).ok_or_else(|| DomainError::invalid("invalid_scope", "问题须注明是班子（支部）的还是党员个人的"))?;
                    validate::text("problems", "问题", &p.text, validate::MAX_SHORT_TEXT_CHARS)?;
                    if scope == Scope::Member {
                        check_names(std::slice::from_ref(&p.member), &m.branch.members, "问题所属党员")?;
                    }
                }
                if stage != Stage::Planned && stage != Stage::Preparing {
                    return Err(DomainError::conflict("invalid_state", "组织生活会已召开，会前准备不能再修改").into());
                }
                let details = json!({ "talks": prep.talks.len(), "opinions": prep.opinions.len(), "problems": problems.len() });
                (Stage::Preparing, details, vec![("preparation", serde_json::to_string(&prep).unwrap_or_default()), ("problems", serde_json::to_string(&problems).unwrap_or_default())])
            }
            "hold" => {
                let att = input.attendance.clone().unwrap_or_default();
                let rec = input.records.clone().unwrap_or_default();
                advance(stage, Stage::Held, !m.problems.is_empty(), att.present.len())?;
                check_names(&att.present, &m.branch.members, "到会人员")?;
                check_names(&att.absent, &m.branch.members, "缺席人员")?;
                if rec.self_exam.trim().is_empty() {
                    return Err(DomainError::invalid("missing_self_exam", "请先登记支部书记带头作的对照检查").into());
                }
                for c in &rec.criticisms {
                    check_names(std::slice::from_ref(&c.member), &att.present, "作批评与自我批评的到会党员")?;
                    validate::text("criticisms", "自我批评", &c.self_criticism, validate::MAX_SHORT_TEXT_CHARS)?;
                }
                for a in &att.absent {
                    if !rec.analyses.iter().any(|x| &x.member == a && !x.text.trim().is_empty()) {
                        return Err(DomainError::invalid("missing_analysis", format!("缺席党员“{a}”须提交书面党性分析材料")).into());
                    }
                }
                let details = json!({ "present": att.present.len(), "absent": att.absent, "criticisms": rec.criticisms.len() });
                (Stage::Held, details, vec![("attendance", serde_json::to_string(&att).unwrap_or_default()), ("records", serde_json::to_string(&rec).unwrap_or_default())])
            }
            other => return Err(DomainError::invalid("unknown_action", format!("组织生活会没有“{other}”这项操作")).into()),
        };
        let t = to_ms(now);
        let id = m.id.clone();
        in_tx!(self, tx => {
            for (col, v) in &sets {
                let sql = format!("UPDATE party_meetings SET {col} = $1, stage = $2, updated_at = $3 WHERE id = $4");
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(v).bind(to.as_str()).bind(t).bind(&id).execute(&mut *tx).await?;
            }
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: "party_meeting", action, actor, from_state: Some(stage.as_str()), to_state: Some(to.as_str()),
                details: details.clone(), at: Some(t),
            }).await?;
            Ok(())
        })?;
        self.party_meeting_for(&id, staff).await
    }

    pub async fn party_meeting_for(&self, key: &str, staff: &Staff) -> Result<PartyMeetingView, StoreError> {
        let r: Option<MeetingRow> = sqlx::query_as(
            "SELECT id, branch_id, theme, meeting_at, notice_at, place, stage, preparation, problems, attendance, records FROM party_meetings WHERE id = $1",
        )
        .bind(key.trim())
        .fetch_optional(self.pool())
        .await?;
        let r = r.ok_or_else(|| not_found(key))?;
        let branch = self.branch(&r.1).await?;
        if !Store::reads_branch(staff, &branch) {
            return Err(not_found(key));
        }
        let rectifications = self.rectification_rows(staff, Some(&branch.id), Some(&r.0)).await?;
        // The last meeting of the branch before this one, and its list now.
        let prev: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT id, theme, meeting_at FROM party_meetings WHERE branch_id = $1 AND meeting_at < $2 ORDER BY meeting_at DESC LIMIT 1",
        )
        .bind(&branch.id)
        .bind(r.3)
        .fetch_optional(self.pool())
        .await?;
        let review = match prev {
            Some((pid, theme, at)) => {
                let items = self.rectification_rows(staff, Some(&branch.id), Some(&pid)).await?;
                Some(Review { meeting_id: pid, theme, meeting_at: from_ms(at), total: items.len(), closed: items.iter().filter(|i| i.item.state == "closed").count(), items })
            }
            None => None,
        };
        let stage = Stage::parse(&r.6).unwrap_or(Stage::Planned);
        let (at, notice) = (from_ms(r.3), from_ms(r.4));
        Ok(PartyMeetingView {
            keeps: Store::keeps(staff, &branch),
            id: r.0,
            branch,
            theme: r.2,
            meeting_at: at,
            notice_at: notice,
            short_notice_days: check_notice(notice, at).ok().flatten(),
            place: r.5,
            stage: stage.as_str().into(),
            stage_label: stage.label(),
            preparation: serde_json::from_str(&r.7).unwrap_or_default(),
            problems: serde_json::from_str(&r.8).unwrap_or_default(),
            attendance: serde_json::from_str(&r.9).unwrap_or_default(),
            records: serde_json::from_str(&r.10).unwrap_or_default(),
            rectifications,
            review,
        })
    }

    /// The meetings of the branches `staff` may read, newest first.
    pub async fn list_party_meetings(&self, staff: &Staff) -> Result<Vec<PartyMeetingRow>, StoreError> {
        let branches: Vec<Branch> = self.branches().await?.into_iter().filter(|b| Store::reads_branch(staff, b)).collect();
        let rows: Vec<(String, String, String, i64, String)> =
            sqlx::query_as("SELECT id, branch_id, theme, meeting_at, stage FROM party_meetings ORDER BY meeting_at DESC LIMIT 500").fetch_all(self.pool()).await?;
        let counts: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT r.meeting_id, COUNT(*), SUM(CASE WHEN w.state = 'closed' THEN 1 ELSE 0 END) FROM rectification_items r JOIN work_items w ON w.id = r.id
             WHERE r.meeting_id IS NOT NULL GROUP BY r.meeting_id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, b, theme, at, stage)| {
                let branch = branches.iter().find(|x| x.id == b)?;
                let c = counts.iter().find(|c| c.0 == id);
                Some(PartyMeetingRow {
                    branch_name: branch.name.clone(),
                    theme,
                    meeting_at: from_ms(at),
                    stage_label: Stage::parse(&stage).map(|s| s.label()).unwrap_or_default(),
                    rectifications: c.map(|c| c.1).unwrap_or(0),
                    rectified: c.map(|c| c.2).unwrap_or(0),
                    id,
                })
            })
            .collect())
    }
}

/// The members named in `text` lines (`姓名：内容`) — for forms that write one record a line.
pub fn parse_named_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let (n, t) = l.split_once('：').or_else(|| l.split_once(':'))?;
            Some((n.trim().to_string(), t.trim().to_string()))
        })
        .filter(|(n, t)| !n.is_empty() && !t.is_empty())
        .collect()
}

