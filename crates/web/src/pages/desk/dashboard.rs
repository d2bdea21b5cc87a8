//! 领导驾驶舱: the figures a leader reads at a glance.

use crate::pages::desk::prelude::*;
use crate::pages::hotline::stats::{RankView, rank_view, today};

#[derive(Template)]
#[template(path = "dashboard.html")]
pub(crate) struct DashboardPage {
    nav: Nav,
    /// How fresh the figures are, when they come from a replica.
    freshness: Option<String>,
    /// What waits on the reader, queue by queue (the dashboard is a leader's home page).
    waiting: Vec<sanfu_store::kernel::inbox::QueueCount>,
    kpis: Vec<Kpi>,
    /// When the open work (在办, 临期, 超期) was counted.
    open_at: String,
    /// When the 30 days' volumes, categories and places were read (the ranking, of the last
    /// complete month, is kept on the same term but its time is not shown).
    recent_at: String,
    trend: String,
    open_chart: String,
    rates: Vec<RankView>,
    categories: String,
    places: String,
    month: String,
    topics: Vec<sanfu_store::hotline::topics::HotTopic>,
    /// The week's topics are still being clustered (none kept yet, and more than the page
    /// waits for): the rest of the page is shown, and the topics on a later view.
    topics_pending: bool,
    /// The same of the month's topic.
    month_pending: bool,
    topic_of_month: Option<sanfu_store::hotline::topics::HotTopic>,
    /// Every kind of work the office runs, open and late.
    kinds: Vec<sanfu_store::kernel::figures::KindFigures>,
    /// Each kind's cards; money arrived and not paid out, in the leader's portfolio; meetings'
    /// decisions by how their items stand (done, green, yellow, red), and the meetings of the
    /// next two weeks; documents in hand, overdue, waiting for a signature, being read, issued
    /// this year; 政务信息 this month; 党建's rectification lists and projects.
    office: std::sync::Arc<sanfu_store::dashboard::OfficeFigures>,
    /// When they were read.
    office_at: String,
    meetings_at: Vec<String>,
    adoption: String,
}

pub struct Kpi {
    pub label: &'static str,
    pub value: String,
    pub color: &'static str,
}

pub async fn dashboard(State(st): State<AppState>, d: Desk) -> PageResult {
    d.require(d.sees_dashboard(), "查看领导驾驶舱")?;
    let today = today(&st);
    let scope = Store::scope_of(&d.staff).into_units();
    let units = scope.as_deref();
    let month_start = today.with_day(1).unwrap_or(today);
    // The 三率 of the last complete month: the month under way ranks units on a handful of orders.
    let (ry, rm) = crate::routes::hotline::stats::last_month(today);
    // Independent reads, asked at once in two batches (no more than the SQLite pool's
    // eight connections): the page waits for the slowest of each, not for the sum.
    let store = &st.store;
    // The open work of every kind, counted for the whole city at most ten seconds ago; the
    // figures from the roll-ups and the ranking likewise read at most ten seconds ago.
    let work = store.open_work().await?;
    let (recent, open, ranking, week_topics, month_topics) = tokio::try_join!(
        store.recent_figures(today, units),
        store.open_by_unit(&work, "work_order", units),
        store.ranking_kept(ry, rm),
        store.hot_topics_kept(7, 8, &d.staff),
        store.hot_topics_kept(30, 1, &d.staff),
    )?;
    // The figures of the other kinds, kept on the same term; the reader's own queues counted.
    let (office, queues) = tokio::try_join!(store.office_figures(&d.staff), store.queue_counts(&d.staff))?;
    let kinds = store.open_by_kind(&work, &office.cards, units);
    let in_scope = |id: &str| units.is_none_or(|u| u.iter().any(|x| x == id));
    let rates: Vec<RankView> = ranking.iter().filter(|r| r.ranked && in_scope(&r.unit.id)).take(12).map(rank_view).collect();
    let red: i64 = open.iter().map(|o| o.red).sum();
    let yellow: i64 = open.iter().map(|o| o.yellow).sum();
    let total_open: i64 = open.iter().map(|o| o.red + o.yellow + o.green).sum();
    let (days, cats, places) = (&recent.days, &recent.categories, &recent.places);
    let today_n = days.last().map(|x| x.count).unwrap_or(0);
    let month_n: i64 = days.iter().filter(|x| x.day >= month_start).map(|x| x.count).sum();
    let kpi = |label, value: i64, color| Kpi { label, value: value.to_string(), color };
    let kpis = vec![
        kpi("今日受理", today_n, ""),
        kpi("本月受理", month_n, ""),
        kpi("在办工单", total_open, ""),
        kpi("临期（黄牌）", yellow, "#b7791f"),
        kpi("超期（红牌）", red, "#c62828"),
    ];
    let trend = charts::line(&days.iter().map(|x| (x.day.format("%m-%d").to_string(), x.count as f64)).collect::<Vec<_>>());
    let stacks: Vec<Stack> = open
        .iter()
        .take(12)
        .map(|o| Stack { label: o.unit_name.clone(), parts: vec![(o.red as f64, "#c62828"), (o.yellow as f64, "#e0a800"), (o.green as f64, "#43a047")] })
        .collect();
    let off = st.store.offset();
    let nav = nav_of(&d, "dashboard", &queues);
    let waiting = queues.into_iter().filter(|c| c.count > 0).collect();
    let p = DashboardPage {
        waiting,
        meetings_at: office.meetings.iter().map(|m| fmt_time(m.starts_at, off)).collect(),
        adoption: office.info.adoption_rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "—".into()),
        kinds,
        office_at: office.at.with_timezone(&off).format("%H:%M:%S").to_string(),
        office,
        nav,
        freshness: super::freshness(&st).await,
        open_at: work.at.with_timezone(&off).format("%H:%M:%S").to_string(),
        recent_at: recent.at.with_timezone(&off).format("%H:%M:%S").to_string(),
        kpis,
        trend,
        open_chart: charts::stacked(&stacks),
        rates,
        categories: charts::hbar(&cats.iter().map(|c| Bar { label: c.label.clone(), value: c.count as f64, text: c.count.to_string() }).collect::<Vec<_>>(), "#b8262c"),
        places: charts::hbar(&places.iter().map(|c| Bar { label: c.label.clone(), value: c.count as f64, text: c.count.to_string() }).collect::<Vec<_>>(), "#1f5fbf"),
        month: format!("{ry:04}-{rm:02}"),
        topics_pending: week_topics.is_none(),
        topics: week_topics.unwrap_or_default(),
        month_pending: month_topics.is_none(),
        topic_of_month: month_topics.and_then(|t| t.into_iter().next()),
    };
    Ok(render(&p))
}
