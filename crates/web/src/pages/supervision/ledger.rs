//! 督办台账 (the ledger with its filters, coloured rows and Excel export), 立项 from it, and
//! the task list's import (upload, preview with every row's problem, then import).

use sanfu_domain::supervision::{Source, State as SvState};
use sanfu_store::supervision::{LedgerFilter, LedgerRow, SupervisionInput, TaskImport};

use crate::pages::desk::prelude::*;

#[derive(Template)]
#[template(path = "sv_ledger.html")]
pub(crate) struct LedgerPage {
    nav: Nav,
    flash: Flash,
    rows: Vec<LedgerLine>,
    total: i64,
    page: u32,
    pages: u32,
    query: String,
    states: Vec<Opt>,
    sources: Vec<Opt>,
    cards: Vec<Opt>,
    unit: String,
    leader: String,
    q: String,
    units: Vec<Unit>,
    leaders: Vec<(String, String)>,
    office: bool,
}

pub(crate) struct LedgerLine {
    number: String,
    title: String,
    source: &'static str,
    leader: String,
    lead: String,
    co: String,
    state: &'static str,
    due: String,
    missed: u32,
    yellow: u32,
    red: u32,
    colour: &'static str,
}

#[derive(Deserialize, Default)]
pub struct LedgerQuery {
    state: Option<String>,
    source: Option<String>,
    unit: Option<String>,
    leader: Option<String>,
    card: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    ok: Option<String>,
    err: Option<String>,
}

const PER_PAGE: u32 = 30;

pub async fn ledger(State(st): State<AppState>, d: Desk, Query(q): Query<LedgerQuery>) -> PageResult {
    let filter = LedgerFilter {
        state: q.state.clone(),
        source: q.source.clone(),
        unit: q.unit.clone(),
        leader: q.leader.clone(),
        card: q.card.clone(),
        q: q.q.clone(),
    };
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total, flash) = match st.store.supervision_ledger(&d.staff, &filter, page, PER_PAGE).await {
        Ok(p) => (p.items, p.total, FlashQuery { ok: q.ok.clone(), err: q.err.clone() }.flash()),
        Err(e) => (Vec::new(), 0, Flash { ok: None, err: Some(ApiError::from(e).message) }),
    };
    let off = off(&st);
    let pairs: Vec<(&str, String)> = [("state", &q.state), ("source", &q.source), ("unit", &q.unit), ("leader", &q.leader), ("card", &q.card), ("q", &q.q)]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| (k, v.to_string())))
        .collect();
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let leaders: Vec<(String, String)> = st.store.leaders().await?;
    let p = LedgerPage {
        nav: nav(&st, &d, "supervision").await?,
        flash,
        rows: rows.iter().map(|r| line(r, off)).collect(),
        total,
        page,
        pages: ((total.max(1) as u32).div_ceil(PER_PAGE)).max(1),
        query,
        states: opts(SvState::ALL.iter().map(|s| (s.as_str(), s.label())), q.state.as_deref().unwrap_or("")),
        sources: opts(Source::ALL.iter().map(|s| (s.as_str(), s.label())), q.source.as_deref().unwrap_or("")),
        cards: opts([("any", "有警告牌"), ("yellow", "黄牌"), ("red", "红牌")], q.card.as_deref().unwrap_or("")),
        unit: q.unit.clone().unwrap_or_default(),
        leader: q.leader.clone().unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        units: st.store.units().await?.into_iter().filter(|u| u.kind.can_handle()).collect(),
        leaders,
        office: d.staff.has(Role::OfficeStaff),
    };
    Ok(render(&p))
}

fn line(r: &LedgerRow, off: FixedOffset) -> LedgerLine {
    LedgerLine {
        number: r.item.number.clone(),
        title: r.item.title.clone(),
        source: r.source_label,
        leader: r.leader.clone().unwrap_or_default(),
        lead: r.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        co: r.co_units.join("、"),
        state: r.item.state_label,
        due: r.item.due_at.map(|t| t.with_timezone(&off).format("%Y-%m-%d").to_string()).unwrap_or_default(),
        missed: r.missed_reports,
        yellow: r.yellow_cards,
        red: r.red_cards,
        colour: r.colour,
    }
}

/// `POST /supervision/new`: 立项 from the ledger's form (the office).
pub async fn create(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let input = SupervisionInput {
        title: form.text("title"),
        requirements: form.text("requirements"),
        source: form.text("source"),
        source_ref: form.text("source_ref"),
        leader: form.text("leader"),
    };
    Ok(match st.store.create_supervision(&input, &d.actor).await {
        Ok(v) => back(&format!("/supervision/{}", v.item.number), Some(&format!("已立项：{}，请交办", v.item.number)), None),
        Err(e) => back("/supervision", None, Some(&ApiError::from(e).message)),
    })
}

#[derive(Template)]
#[template(path = "sv_import.html")]
pub(crate) struct ImportPage {
    nav: Nav,
    flash: Flash,
    report: Option<TaskImport>,
}

pub async fn import_page(State(st): State<AppState>, d: Desk, Query(q): Query<FlashQuery>) -> PageResult {
    d.require(d.staff.has(Role::OfficeStaff), "导入重点任务")?;
    Ok(render(&ImportPage { nav: nav(&st, &d, "supervision").await?, flash: q.flash(), report: None }))
}

/// `POST /supervision/import`: the uploaded file checked (预览) or imported (导入).
pub async fn import(State(st): State<AppState>, d: Desk, ff: crate::pages::FormFiles) -> PageResult {
    d.check(&ff.form)?;
    d.require(d.staff.has(Role::OfficeStaff), "导入重点任务")?;
    let mode = ff.form.text("mode").unwrap_or_default();
    let Some((_, file)) = ff.files.into_iter().next() else {
        return Ok(back("/supervision/import", None, Some("请选择要上传的任务表")));
    };
    let rows = sanfu_store::admin::read_table(&file).map_err(|e| PageError::from(ApiError::from(e)))?;
    let report = match st.store.import_tasks(&rows, mode != "import", &d.actor).await {
        Ok(r) => r,
        Err(e) => return Ok(back("/supervision/import", None, Some(&ApiError::from(e).message))),
    };
    if report.errors.is_empty() && !report.dry_run {
        return Ok(back("/supervision?source=work_report_task", Some(&format!("已导入并交办 {} 项任务", report.numbers.len())), None));
    }
    let flash = if report.errors.is_empty() {
        Flash { ok: Some(format!("检查通过：可导入 {} 项任务。确认无误后请选择同一文件点击“导入并交办”。", report.tasks.len())), err: None }
    } else {
        Flash { ok: None, err: Some(format!("文件有 {} 行存在问题，未导入任何任务，请修改后重新上传", report.errors.len())) }
    };
    Ok(render(&ImportPage { nav: nav(&st, &d, "supervision").await?, flash, report: Some(report) }))
}
