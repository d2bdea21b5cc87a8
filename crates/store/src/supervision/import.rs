//! 政府工作报告重点任务分解 from a spreadsheet: one task a row, checked whole first with every
//! row's problem named in Chinese (unknown unit, bad date, …), and then opened and handed out
//! (立项 and 交办) in one transaction, or not at all.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sanfu_domain::kernel::{ReportCycle, UnitRef};
use sanfu_domain::supervision::{Action, Source};
use sanfu_domain::{Actor, DomainError, Role, validate};
use serde::Serialize;

use crate::db::{Store, StoreError};
use crate::org_import::RowError;

/// The template's columns, in order.
pub const TASK_HEADERS: [&str; 8] = ["任务名称", "督办要求", "牵头单位", "配合单位", "完成时限", "节点", "报送周期", "责任领导"];

/// What an import did, or would do.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TaskImport {
    /// The tasks read (and, unless a preview or in error, opened and handed out).
    pub tasks: Vec<TaskPreview>,
    /// Every row's problem; when not empty, nothing was written.
    pub errors: Vec<RowError>,
    pub dry_run: bool,
    /// The numbers given, when written.
    pub numbers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskPreview {
    pub line: usize,
    pub title: String,
    pub lead_unit: String,
    pub co_units: Vec<String>,
    pub deadline: NaiveDate,
    pub milestones: Vec<(String, NaiveDate)>,
    pub cycle: String,
}

struct Task {
    preview: TaskPreview,
    requirements: String,
    lead: UnitRef,
    co: Vec<UnitRef>,
    deadline: DateTime<Utc>,
    milestones: Vec<(String, DateTime<Utc>)>,
    cycle: ReportCycle,
    leader: Option<String>,
}

/// A date as offices type it: 2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日, or the day
/// number Excel stores for a date cell.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if let Ok(serial) = t.parse::<f64>() {
        if (20_000.0..80_000.0).contains(&serial) {
            return NaiveDate::from_ymd_opt(1899, 12, 30).map(|d| d + Duration::days(serial.floor() as i64));
        }
        return None;
    }
    let norm: String = t.replace(['年', '月', '/', '.'], "-").trim_end_matches('日').to_string();
    let norm = norm.split_whitespace().next().unwrap_or_default().to_string();
    NaiveDate::parse_from_str(&norm, "%Y-%m-%d").ok()
}

impl Store {
    /// Check the rows (the first is the header) and, unless `dry_run` or any row is wrong,
    /// open and hand out every task in one transaction.
    pub async fn import_tasks(&self, rows: &[Vec<String>], dry_run: bool, actor: &Actor) -> Result<TaskImport, StoreError> {
        if !actor.staff().is_some_and(|s| s.has(Role::OfficeStaff)) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有督查科可以导入重点任务").into());
        }
        let mut report = TaskImport { dry_run, ..Default::default() };
        let header: Vec<String> = rows.first().cloned().unwrap_or_default().iter().map(|h| h.trim().to_string()).collect();
        let col = |name: &str| header.iter().position(|h| h == name);
        let (Some(c_title), Some(c_lead), Some(c_deadline)) = (col("任务名称"), col("牵头单位"), col("完成时限")) else {
            return Err(DomainError::invalid("invalid_template", format!("表头应为：{}（第一行）", TASK_HEADERS.join("、"))).into());
        };
        let (c_req, c_co, c_ms, c_cycle, c_leader) = (col("督办要求"), col("配合单位"), col("节点"), col("报送周期"), col("责任领导"));
        let today = self.calendar().local_date(Utc::now());
        let off = self.offset();
        // The end of the office's day (17:30) on a date.
        let end_of = |d: NaiveDate| {
            off.from_local_datetime(&d.and_hms_opt(17, 30, 0).unwrap_or_default()).single().map(|t| t.with_timezone(&Utc)).unwrap_or_default()
        };
        let mut tasks = Vec::new();
        let mut titles: Vec<String> = Vec::new();
        for (i, row) in rows.iter().enumerate().skip(1) {
            let line = i + 1;
            let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(|v| v.trim().to_string()).unwrap_or_default();
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut problems: Vec<String> = Vec::new();
            let title = cell(Some(c_title));
            if title.is_empty() {
                problems.push("任务名称为空".into());
            } else if title.chars().count() > validate::MAX_SUBJECT_CHARS {
                problems.push(format!("任务名称超过 {} 个字", validate::MAX_SUBJECT_CHARS));
            } else if titles.contains(&title) {
                problems.push(format!("任务“{title}”在表中重复"));
            }
            titles.push(title.clone());
            let lead_name = cell(Some(c_lead));
            let lead = match self.unit(&lead_name).await? {
                Some(u) if !lead_name.is_empty() => Some(UnitRef { id: u.id, name: u.name, kind: u.kind, parent_id: u.parent_id }),
                _ => {
                    problems.push(if lead_name.is_empty() { "牵头单位为空".into() } else { format!("牵头单位“{lead_name}”不存在") });
                    None
                }
            };
            let mut co = Vec::new();
            for name in cell(c_co).split(['、', '，', ',', ';', '；']).map(str::trim).filter(|s| !s.is_empty()) {
                match self.unit(name).await? {
                    Some(u) if lead.as_ref().is_some_and(|l| l.id == u.id) => problems.push(format!("“{name}”既是牵头单位又是配合单位")),
                    Some(u) => co.push(UnitRef { id: u.id, name: u.name, kind: u.kind, parent_id: u.parent_id }),
                    None => problems.push(format!("配合单位“{name}”不存在")),
                }
            }
            let d = cell(Some(c_deadline));
            let deadline = match parse_day(&d) {
                Some(day) if day <= today => {
                    problems.push(format!("完成时限“{d}”已过"));
                    None
                }
                Some(day) => Some(day),
                None => {
                    problems.push(if d.is_empty() { "完成时限为空".into() } else { format!("完成时限“{d}”不是有效日期（如 2026-12-31）") });
                    None
                }
            };
            let mut milestones = Vec::new();
            for part in cell(c_ms).split(['；', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
                let (date, what) = part.split_once([' ', '　', '：', ':']).unwrap_or((part, ""));
                match parse_day(date) {
                    Some(_) if what.trim().is_empty() => problems.push(format!("节点“{part}”缺少内容（如“2026-06-30 完成选址”）")),
                    Some(day) if deadline.is_some_and(|dl| day > dl) => problems.push(format!("节点“{part}”晚于完成时限")),
                    Some(day) if day <= today => problems.push(format!("节点“{part}”的日期已过")),
                    Some(day) => milestones.push((what.trim().to_string(), day)),
                    None => problems.push(format!("节点“{part}”的日期无效（如“2026-06-30 完成选址”）")),
                }
            }
            let c = cell(c_cycle);
            let cycle = match ReportCycle::parse(if c.is_empty() { "每月" } else { &c }) {
                Ok(c) => Some(c),
                Err(_) => {
                    problems.push(format!("报送周期“{c}”无效：可填 一次性、每周、每旬、每月、每月N日前"));
                    None
                }
            };
            let leader_name = cell(c_leader);
            let leader = if leader_name.is_empty() {
                None
            } else {
                let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE (username = $1 OR name = $1) AND active = 1 AND roles LIKE '%leader%'")
                    .bind(&leader_name)
                    .fetch_optional(self.pool())
                    .await?;
                if id.is_none() {
                    problems.push(format!("责任领导“{leader_name}”不存在"));
                }
                id
            };
            let requirements = {
                let r = cell(c_req);
                if r.is_empty() { format!("按期完成“{title}”，按{}报送进展。", cycle.map(|c| c.label()).unwrap_or_default()) } else { r }
            };
            if !problems.is_empty() {
                report.errors.push(RowError { line, message: problems.join("；") });
                continue;
            }
            let (Some(lead), Some(deadline), Some(cycle)) = (lead, deadline, cycle) else { continue };
            tasks.push(Task {
                preview: TaskPreview {
                    line,
                    title: title.clone(),
                    lead_unit: lead.name.clone(),
                    co_units: co.iter().map(|c| c.name.clone()).collect(),
                    deadline,
                    milestones: milestones.clone(),
                    cycle: cycle.label(),
                },
                requirements,
                lead,
                co,
                deadline: end_of(deadline),
                milestones: milestones.into_iter().map(|(w, d)| (w, end_of(d))).collect(),
                cycle,
                leader,
            });
        }
        if tasks.is_empty() && report.errors.is_empty() {
            report.errors.push(RowError { line: 2, message: "表中没有任务".into() });
        }
        report.tasks = tasks.iter().map(|t| t.preview.clone()).collect();
        if dry_run || !report.errors.is_empty() {
            return Ok(report);
        }
        let mut prepared = Vec::new();
        for t in &tasks {
            let new = self
                .prepare_supervision(t.preview.title.clone(), t.requirements.clone(), Source::WorkReportTask, Some("政府工作报告".into()), t.leader.clone())
                .await?;
            prepared.push(new);
        }
        let cal = self.calendar();
        let settings = self.supervision_settings().await?;
        let now = Utc::now();
        let numbers = in_tx!(self, tx => {
            let mut numbers = Vec::new();
            for (t, new) in tasks.iter().zip(&prepared) {
                let (id, number) = self.open_supervision_in(&mut tx, new, actor, now).await?;
                let assign = Action::Assign { lead: t.lead.clone(), co: t.co.clone(), deadline: t.deadline, cycle: t.cycle, milestones: t.milestones.clone() };
                self.act_supervision_in(&mut tx, &id, &number, actor, &assign, now, &cal, &settings, &[]).await?;
                numbers.push(number);
            }
            Ok(numbers)
        })?;
        report.numbers = numbers;
        Ok(report)
    }
}

/// The template as an .xlsx workbook's rows (the web layer writes the file).
pub const TASK_EXAMPLE: &[[&str; 8]] = &[
    ["新建改建城市道路 120 公里", "年底前完成，每月 5 日前报送进展", "市住房和城乡建设局", "市城市管理局、市交通运输局", "2026-12-31", "2026-06-30 完成 60 公里；2026-09-30 完成 100 公里", "每月5日前", "周海涛"],
];
