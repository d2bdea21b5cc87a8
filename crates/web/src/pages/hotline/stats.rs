//! 统计分析 and the monthly ranking of units (考核排名).

use crate::pages::hotline::prelude::*;

#[derive(Template)]
#[template(path = "stats.html")]
pub(crate) struct StatsPage {
    nav: Nav,
    /// How fresh the figures are, when they come from a replica.
    freshness: Option<String>,
    r: Report,
    unit: String,
    from: String,
    to: String,
    units: Vec<Unit>,
    rates: Vec<(&'static str, String)>,
    chart: String,
    query: String,
    /// The period runs to today: its figures are still moving (截至今日).
    so_far: bool,
}

#[derive(Deserialize, Default)]
pub struct StatsQuery {
    unit: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// `current`: this month up to today.
    period: Option<String>,
}

pub(crate) fn today(st: &AppState) -> NaiveDate {
    Utc::now().with_timezone(&off(st)).date_naive()
}

pub async fn stats(State(st): State<AppState>, d: Desk, Query(q): Query<StatsQuery>) -> PageResult {
    use crate::routes::hotline::stats::{last_month, month_days, stats_unit};
    let today = today(&st);
    let parse = |s: &Option<String>, default: NaiveDate| -> Result<NaiveDate, PageError> {
        match s.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "日期有误", format!("日期“{s}”格式应为 YYYY-MM-DD"))),
        }
    };
    // By default the last complete month; 本月 on request, to today.
    let current = q.period.as_deref() == Some("current");
    let (y, m) = if current { (today.year(), today.month()) } else { last_month(today) };
    let (first, last) = month_days(y, m);
    let from = parse(&q.from, first)?;
    let to = parse(&q.to, if current { today } else { last })?;
    let whole_city = st.store.sees_whole_city(&d.staff).await?;
    // By default: the city for whoever may read it (the centre, the office, the mayor), a
    // leader's first portfolio unit, a unit its own figures.
    let unit = match q.unit.as_deref().filter(|s| !s.is_empty()) {
        Some(u) => stats_unit(&st, Some(u)).await?,
        None if whole_city => None,
        None if d.staff.has(Role::Leader) => d.staff.portfolio.first().cloned(),
        None => Some(d.staff.unit_id.clone()),
    };
    st.store.may_see_unit(&d.staff, unit.as_deref()).await?;
    let r = st.store.report(unit.as_deref(), from, to).await?;
    let rates = vec![
        ("按时签收率", pct(r.rates.on_time_signing)),
        ("按时答复率", pct(r.rates.on_time_answer)),
        ("按时办结率", pct(r.rates.on_time_closing)),
        ("响应率", pct(r.rates.response)),
        ("解决率", pct(r.rates.resolution)),
        ("满意率", pct(r.rates.satisfaction)),
        ("退单率", pct(r.rates.returns)),
        ("重复来电率", pct(r.rates.repeats)),
    ];
    let bars: Vec<Bar> = r.by_category.iter().take(12).map(|b| Bar { label: b.label.clone(), value: b.count as f64, text: b.count.to_string() }).collect();
    let chart = charts::hbar(&bars, "#b8262c");
    let unit_code = r.unit.as_ref().map(|u| u.code.clone()).unwrap_or_default();
    let query = format!("unit_id={}&from={from}&to={to}", enc(&unit_code));
    let p = StatsPage {
        nav: nav(&st, &d, "stats").await?,
        freshness: crate::pages::desk::freshness(&st).await,
        so_far: to >= today,
        unit: r.unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        from: from.to_string(),
        to: to.to_string(),
        units: st.store.units().await?,
        rates,
        chart,
        query,
        r,
    };
    Ok(render(&p))
}

#[derive(Template)]
#[template(path = "ranking.html")]
pub(crate) struct RankingPage {
    nav: Nav,
    /// How fresh the figures are, when they come from a replica.
    freshness: Option<String>,
    month: String,
    rows: Vec<RankView>,
    /// Units with fewer orders than the minimum, listed apart.
    apart: Vec<RankView>,
    min_orders: i64,
    chart: String,
    so_far: bool,
    this_month: String,
}

pub struct RankView {
    pub rank: usize,
    pub unit: String,
    pub score: String,
    pub volume: i64,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
    pub on_time_answer: String,
    pub returns: String,
}

pub(crate) fn rank_view(r: &RankRow) -> RankView {
    RankView {
        rank: r.rank,
        unit: r.unit.name.clone(),
        score: pct(r.score),
        volume: r.counts.volume,
        response: pct(r.rates.response),
        resolution: pct(r.rates.resolution),
        satisfaction: pct(r.rates.satisfaction),
        on_time_answer: pct(r.rates.on_time_answer),
        returns: pct(r.rates.returns),
    }
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
}

pub async fn ranking(State(st): State<AppState>, d: Desk, Query(q): Query<MonthQuery>) -> PageResult {
    if !d.staff.sees_ranking() {
        return Err(PageError::new(StatusCode::FORBIDDEN, "无权访问", crate::routes::hotline::stats::RANKING_REFUSED));
    }
    let today = today(&st);
    let (y, m) = match q.month.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .map(|d| (d.year(), d.month()))
            .map_err(|_| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "月份有误", format!("月份“{s}”格式应为 YYYY-MM")))?,
        None => crate::routes::hotline::stats::last_month(today),
    };
    let rows = st.store.ranking(y, m).await?;
    let min_orders = st.store.desk_settings().await?.ranking_min_orders;
    let bars: Vec<Bar> = rows
        .iter()
        .filter(|r| r.score.is_some() && r.ranked)
        .take(15)
        .map(|r| Bar { label: r.unit.name.clone(), value: r.score.unwrap_or(0.0) * 100.0, text: pct(r.score) })
        .collect();
    let p = RankingPage {
        nav: nav(&st, &d, "ranking").await?,
        freshness: crate::pages::desk::freshness(&st).await,
        month: format!("{y:04}-{m:02}"),
        so_far: (y, m) == (today.year(), today.month()),
        this_month: format!("{:04}-{:02}", today.year(), today.month()),
        min_orders,
        rows: rows.iter().filter(|r| r.ranked).map(rank_view).collect(),
        apart: rows.iter().filter(|r| !r.ranked).map(rank_view).collect(),
        chart: charts::hbar(&bars, "#1f5fbf"),
    };
    Ok(render(&p))
}
