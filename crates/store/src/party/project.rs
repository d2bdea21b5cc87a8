//! "我为群众办实事" projects in the store: declared by a unit (or by the office for it),
//! approved, pushed forward with progress reports, done and struck off — kernel items — and a
//! public list where citizens see every approved project's progress and rate the finished ones.

use chrono::{DateTime, NaiveDate, Utc};
use sanfu_domain::kernel::Kind;
use sanfu_domain::party::project::{self, Action, Class, Project, State};
use sanfu_domain::{Actor, DomainError, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{day_ms, staff_of};
use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::attachments::{Attachment, AttachmentInfo, attach_in};
use crate::kernel::items::{ITEM_DOC, ItemDetail, ItemSummary, Viewer, load_core};
use crate::kernel::write;

fn not_found(key: &str) -> StoreError {
    DomainError::not_found("item_not_found", format!("实事项目“{key}”不存在")).into()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProjectInput {
    pub title: Option<String>,
    /// `now` 立刻办, `by_date` 限期办, `phased` 分期办 (or the Chinese).
    pub class: Option<String>,
    /// What it does for whom.
    pub summary: Option<String>,
    /// The office only: the responsible unit (a unit declares its own).
    pub unit: Option<String>,
    /// 完成时限 (YYYY-MM-DD).
    pub deadline: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProjectActionInput {
    pub text: Option<String>,
    pub percent: Option<u32>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ratings {
    pub count: i64,
    /// Mean stars (1–5), to one decimal.
    pub average: Option<f64>,
    pub comments: Vec<RatingView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingView {
    pub stars: i64,
    pub comment: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    #[serde(flatten)]
    pub item: ItemDetail,
    pub class: String,
    pub class_label: &'static str,
    pub summary: String,
    pub progress: i64,
    pub progress_text: String,
    pub ratings: Ratings,
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub class_label: &'static str,
    pub progress: i64,
    pub progress_text: String,
    pub rating_count: i64,
    pub rating_average: Option<f64>,
}

/// A project as citizens see it: no internal ids, no names of staff.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicProject {
    pub number: String,
    pub title: String,
    pub class_label: &'static str,
    pub summary: String,
    pub unit_name: String,
    pub state_label: &'static str,
    pub finished: bool,
    pub deadline: Option<DateTime<Utc>>,
    pub progress: i64,
    pub progress_text: String,
    pub rating_count: i64,
    pub rating_average: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RatingInput {
    /// 1 (不满意) to 5 (非常满意).
    pub stars: Option<i64>,
    pub comment: Option<String>,
}

fn class_of(s: Option<&str>) -> Result<Class, DomainError> {
    let s = s.map(str::trim).unwrap_or_default();
    Class::parse(s).ok_or_else(|| DomainError::invalid("invalid_class", "请选择办理类型（立刻办、限期办、分期办）"))
}

impl Store {
    /// 申报: a unit declares a project (the office may declare one for a unit).
    pub async fn declare_project(&self, input: &ProjectInput, actor: &Actor) -> Result<ProjectView, StoreError> {
        self.declare_project_at(input, actor, Utc::now()).await
    }

    pub(crate) async fn declare_project_at(&self, input: &ProjectInput, actor: &Actor, now: DateTime<Utc>) -> Result<ProjectView, StoreError> {
        let staff = staff_of(actor)?;
        let unit = if staff.has(Role::OfficeStaff) {
            self.unit_ref(input.unit.as_deref().unwrap_or_default()).await?
        } else if staff.acts_for_unit() {
            self.unit_ref(&staff.unit_id).await?
        } else {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有责任单位或督查科可以申报实事项目").into());
        };
        let title = validate::text("title", "项目名称", input.title.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let class = class_of(input.class.as_deref())?;
        let summary = validate::text("summary", "项目内容", input.summary.as_deref().unwrap_or_default(), validate::MAX_SHORT_TEXT_CHARS)?;
        let d = input.deadline.as_deref().map(str::trim).unwrap_or_default();
        let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| DomainError::invalid("invalid_deadline", "请填写完成时限（如 2027-06-30）"))?;
        let cal = self.calendar();
        let deadline = cal.add_working_days(from_ms(day_ms(self, day) + 12 * 3_600_000), 0);
        let item = project::declare(&unit.id, deadline, now)?;
        let spec = self.spec_of(Project::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &new_id(), ITEM_DOC, &format!("{title}\n{summary}"));
        let id = index.doc_id.clone();
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &series, &format).await?;
            write::insert(&mut tx, &spec, &id, &number, &title, &item, now).await?;
            sqlx::query("INSERT INTO projects (id, class, summary, progress, progress_text) VALUES ($1, $2, $3, 0, '')")
                .bind(&id).bind(class.as_str()).bind(&summary).execute(&mut *tx).await?;
            Store::index_in(&mut tx, &index).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: Project::NAME, action: "create", actor,
                from_state: None, to_state: Some(State::Declared.as_str()),
                details: json!({ "number": number, "title": title, "class": class.label(), "unit": unit.name, "deadline": deadline.at }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.project_for(&id, staff).await
    }

    /// One step of a project.
    pub async fn act_project(&self, key: &str, action: &str, input: &ProjectActionInput, files: &[Attachment], actor: &Actor) -> Result<ProjectView, StoreError> {
        self.act_project_at(key, action, input, files, actor, Utc::now()).await
    }

    pub(crate) async fn act_project_at(&self, key: &str, action: &str, input: &ProjectActionInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<ProjectView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_of_kind(key, staff, Project::NAME, || not_found(key)).await?.id;
        let text = || input.text.clone().unwrap_or_default();
        let act = match action {
            "approve" => Action::Approve { comment: input.comment.clone().unwrap_or_default() },
            "reject" => Action::Reject { reason: input.reason.clone().unwrap_or_default() },
            "progress" => Action::Progress { percent: input.percent.unwrap_or(0), text: text() },
            "report" => Action::Report { text: text() },
            "send_back" => Action::SendBack { reason: input.reason.clone().unwrap_or_default() },
            "close" => Action::Close { comment: input.comment.clone().unwrap_or_default() },
            other => return Err(DomainError::invalid("unknown_action", format!("实事项目没有“{other}”这项操作")).into()),
        };
        let cal = self.calendar();
        let spec = self.spec_of(Project::NAME)?;
        let files = files.to_vec();
        on_fresh_load!(Project::NOUN, in_tx!(self, tx => {
            let core = load_core(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let old = core.item::<State>()?;
            let (new, mut details) = project::apply(&old, actor, &act, now, &cal, 80)?;
            if let Some(p) = details["percent"].as_i64() {
                sqlx::query("UPDATE projects SET progress = $1, progress_text = $2 WHERE id = $3")
                    .bind(p).bind(details["text"].as_str().unwrap_or_default()).bind(&core.id).execute(&mut *tx).await?;
            }
            if !files.is_empty() {
                let stored = attach_in(&mut tx, &core.id, &files, actor, now).await?;
                details["attachments"] = json!(stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>());
            }
            write::record(&mut tx, &spec, &core.id, core.version, (&old, &[]), (&new, &[]), act.name(), details, actor, now).await?;
            Ok(())
        }))?;
        self.project_for(&id, staff).await
    }

    async fn ratings_of(&self, id: &str, with_comments: bool) -> Result<Ratings, StoreError> {
        let rows: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT stars, comment, at FROM project_ratings WHERE project_id = $1 ORDER BY at DESC").bind(id).fetch_all(self.pool()).await?;
        let count = rows.len() as i64;
        let average = (count > 0).then(|| (rows.iter().map(|r| r.0).sum::<i64>() as f64 / count as f64 * 10.0).round() / 10.0);
        let comments = if with_comments {
            rows.into_iter()
                .filter(|r| !r.1.is_empty())
                .take(50)
                .map(|(stars, comment, at)| RatingView { stars, comment: sanfu_domain::privacy::mask_text(&comment).into_owned(), at: from_ms(at) })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Ratings { count, average, comments })
    }

    pub async fn project_for(&self, key: &str, staff: &Staff) -> Result<ProjectView, StoreError> {
        let core = self.visible_of_kind(key, staff, Project::NAME, || not_found(key)).await?;
        let (class, summary, progress, progress_text): (String, String, i64, String) =
            sqlx::query_as("SELECT class, summary, progress, progress_text FROM projects WHERE id = $1").bind(&core.id).fetch_one(self.pool()).await?;
        let id = core.id.clone();
        let actor = Actor { principal: sanfu_domain::Principal::Staff(staff.clone()), ip: String::new() };
        let viewer = Viewer::of(staff);
        let item = self.detail(core, &actor, viewer).await?;
        Ok(ProjectView {
            class_label: Class::parse(&class).map(|c| c.label()).unwrap_or_default(),
            class,
            summary: viewer.text(&summary),
            progress,
            progress_text: viewer.text(&progress_text),
            ratings: self.ratings_of(&id, true).await?,
            attachments: self.attachments_of(&id).await?,
            item,
        })
    }

    /// The projects `staff` may read (the office: all; a unit: its own), newest first.
    pub async fn list_projects(&self, staff: &Staff) -> Result<Vec<ProjectRow>, StoreError> {
        let mut binds = Vec::new();
        let scope = super::super::info::unit_scope(staff, 0, &mut binds);
        let sql = format!(
            "SELECT w.id, p.class, p.progress, p.progress_text FROM work_items w JOIN projects p ON p.id = w.id WHERE w.kind = 'project'{scope} ORDER BY w.created_at DESC LIMIT 1000"
        );
        let mut q = sqlx::query_as::<_, (String, String, i64, String)>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let mut out = Vec::new();
        for s in summaries {
            let Some(r) = rows.iter().find(|r| r.0 == s.id) else { continue };
            let ratings = self.ratings_of(&s.id, false).await?;
            out.push(ProjectRow {
                class_label: Class::parse(&r.1).map(|c| c.label()).unwrap_or_default(),
                progress: r.2,
                progress_text: r.3.clone(),
                rating_count: ratings.count,
                rating_average: ratings.average,
                item: s,
            });
        }
        Ok(out)
    }

    /// Every approved project as citizens see it: those under way first, then the finished.
    pub async fn public_projects(&self) -> Result<Vec<PublicProject>, StoreError> {
        let rows: Vec<(String, String, String, String, Option<String>, String, i64, String, Option<i64>)> = sqlx::query_as(
            "SELECT w.id, w.number, w.title, w.state, w.lead_unit_id, p.class, p.progress, p.summary,
                    (SELECT d.due_at FROM deadlines d WHERE d.work_id = w.id AND d.kind = 'finish')
             FROM work_items w JOIN projects p ON p.id = w.id
             WHERE w.kind = 'project' AND w.state IN ('doing', 'reported', 'closed')
             ORDER BY CASE WHEN w.state = 'closed' THEN 1 ELSE 0 END, w.created_at DESC LIMIT 500",
        )
        .fetch_all(self.pool())
        .await?;
        let texts: Vec<(String, String)> = sqlx::query_as("SELECT id, progress_text FROM projects").fetch_all(self.pool()).await?;
        let names = self.unit_names().await?;
        let spec = self.spec_of(Project::NAME)?;
        let mut out = Vec::new();
        for (id, number, title, state, unit, class, progress, summary, due) in rows {
            let ratings = self.ratings_of(&id, false).await?;
            let finished = state == State::Closed.as_str();
            out.push(PublicProject {
                number,
                title: sanfu_domain::privacy::mask_text(&title).into_owned(),
                class_label: Class::parse(&class).map(|c| c.label()).unwrap_or_default(),
                summary: sanfu_domain::privacy::mask_text(&summary).into_owned(),
                unit_name: unit.and_then(|u| names.get(&u).cloned()).unwrap_or_default(),
                state_label: spec.state_label(&state),
                finished,
                deadline: due.map(from_ms),
                progress: if finished || state == State::Reported.as_str() { 100 } else { progress },
                progress_text: sanfu_domain::privacy::mask_text(&texts.iter().find(|t| t.0 == id).map(|t| t.1.clone()).unwrap_or_default()).into_owned(),
                rating_count: ratings.count,
                rating_average: ratings.average,
            });
        }
        Ok(out)
    }

    /// 评单: a citizen rates a finished project, once from one address.
    pub async fn rate_project(&self, number: &str, input: &RatingInput, ip: &str) -> Result<PublicProject, StoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT id, state FROM work_items WHERE number = $1 AND kind = 'project'").bind(number.trim()).fetch_optional(self.pool()).await?;
        let (id, state) = row.ok_or_else(|| not_found(number))?;
        if state != State::Closed.as_str() {
            return Err(DomainError::conflict("not_finished", "项目完成销号后才能评价").into());
        }
        let stars = input.stars.filter(|s| (1..=5).contains(s)).ok_or_else(|| DomainError::invalid("invalid_stars", "请选择 1 至 5 星"))?;
        let comment = validate::optional_text("comment", "评价意见", input.comment.as_deref(), 500)?.unwrap_or_default();
        let now = Utc::now();
        let rid = new_id();
        in_tx!(self, tx => {
            let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM project_ratings WHERE project_id = $1 AND ip = $2").bind(&id).bind(ip).fetch_one(&mut *tx).await?;
            if seen > 0 {
                return Err(DomainError::conflict("already_rated", "您已评价过该项目，感谢参与").into());
            }
            sqlx::query("INSERT INTO project_ratings (id, project_id, stars, comment, ip, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&rid).bind(&id).bind(stars).bind(&comment).bind(ip).bind(to_ms(now)).execute(&mut *tx).await?;
            let actor = Actor { principal: sanfu_domain::Principal::Citizen, ip: ip.to_string() };
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: Project::NAME, action: "rate", actor: &actor, from_state: None, to_state: None,
                details: json!({ "stars": stars, "comment": comment }), at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.public_projects().await?.into_iter().find(|p| p.number == number.trim()).ok_or_else(|| not_found(number))
    }
}

/// The dashboard's party figures: the rectification lists and the projects.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartyFigures {
    pub rectifying: i64,
    pub rectification_overdue: i64,
    pub to_strike_off: i64,
    pub struck_off: i64,
    pub projects_doing: i64,
    pub projects_overdue: i64,
    pub projects_done: i64,
    pub rating_average: Option<f64>,
}

impl Store {
    /// Of the units `staff` reads (a leader's portfolio).
    pub async fn party_figures(&self, staff: &Staff, now: DateTime<Utc>) -> Result<PartyFigures, StoreError> {
        let mut binds = Vec::new();
        let scope = super::super::info::unit_scope(staff, 1, &mut binds);
        let sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'rectification' AND state = 'rectifying' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'rectification' AND state = 'rectifying' AND due_at < $1 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'rectification' AND state = 'reported' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'rectification' AND state = 'closed' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'project' AND state IN ('doing', 'reported') THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'project' AND state = 'doing' AND due_at < $1 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'project' AND state = 'closed' THEN 1 ELSE 0 END), 0)
             FROM work_items w WHERE kind IN ('rectification', 'project'){scope}"
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(now.timestamp_millis());
        for b in &binds {
            q = q.bind(b);
        }
        let (rectifying, r_late, reported, closed, doing, p_late, done) = q.fetch_one(self.pool()).await?;
        let (n, sum): (i64, Option<i64>) = sqlx::query_as("SELECT COUNT(*), CAST(SUM(stars) AS BIGINT) FROM project_ratings").fetch_one(self.pool()).await?;
        Ok(PartyFigures {
            rectifying,
            rectification_overdue: r_late,
            to_strike_off: reported,
            struck_off: closed,
            projects_doing: doing,
            projects_overdue: p_late,
            projects_done: done,
            rating_average: (n > 0).then(|| (sum.unwrap_or(0) as f64 / n as f64 * 10.0).round() / 10.0),
        })
    }
}
