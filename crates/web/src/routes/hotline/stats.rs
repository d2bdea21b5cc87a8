//! Statistics, the monthly ranking, and the order list, as JSON, CSV or Excel.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Utc};
use sanfu_store::hotline::orders::ListFilter;
use sanfu_store::hotline::stats::{Counts, Rates, Report};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::export::{Cell, Format_, Table, csv_with, heading, parse_format, xlsx_with};
use crate::extract::Authed;

#[derive(Deserialize)]
pub struct StatsQuery {
    unit_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    table: Option<String>,
}

/// The last complete month before `today`: figures default to it, so that the 2nd of a month
/// does not rank units on one or two orders.
pub(crate) fn last_month(today: NaiveDate) -> (i32, u32) {
    if today.month() == 1 { (today.year() - 1, 12) } else { (today.year(), today.month() - 1) }
}

/// The first and last day of a month.
pub(crate) fn month_days(y: i32, m: u32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default();
    let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) }.unwrap_or(first);
    (first, next.pred_opt().unwrap_or(first))
}

/// The unit a statistics request is about: none for the whole city, which is also what the
/// city's top unit means (so the mayor and the centre read the same 受理量 for a period).
pub(crate) async fn stats_unit(st: &AppState, key: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(k) = key.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    let u = st.store.resolve_unit(k).await?.ok_or_else(|| ApiError::unprocessable("unknown_unit", format!("单位“{k}”不存在")))?;
    Ok(if u.parent_id.is_none() && u.kind == sanfu_domain::UnitKind::Government { None } else { Some(u.id) })
}

fn date(v: Option<&str>, default: NaiveDate, name: &str) -> Result<NaiveDate, ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| ApiError::unprocessable("invalid_date", format!("{name}“{s}”应为 YYYY-MM-DD"))),
    }
}

fn rate_rows(c: &Counts, r: &Rates) -> Vec<Vec<Cell>> {
    let t = |s: &str| Cell::Text(s.to_string());
    vec![
        vec![t("受理量"), Cell::Int(c.volume), t("期间登记的工单数")],
        vec![t("派单量"), Cell::Int(c.dispatched), t("已派至承办单位的工单数")],
        vec![t("按时签收率"), Cell::Rate(r.on_time_signing), t("时限内签收 ÷ 已签收")],
        vec![t("按时答复率"), Cell::Rate(r.on_time_answer), t("时限内答复 ÷ 已答复")],
        vec![t("按时办结率"), Cell::Rate(r.on_time_closing), t("时限内办结 ÷ 已办结")],
        vec![t("响应率"), Cell::Rate(r.response), t("时限内签收 ÷ 应签收（已签收或已超签收时限）")],
        vec![t("解决率"), Cell::Rate(r.resolution), t("未经重办即办结 ÷ 已办结")],
        vec![t("满意率"), Cell::Rate(r.satisfaction), t("满意与基本满意 ÷ 参评")],
        vec![t("退单率"), Cell::Rate(r.returns), t("退单获准 ÷ 接收派单")],
        vec![t("重复来电率"), Cell::Rate(r.repeats), t("30日内同一来电人同类诉求 ÷ 受理量")],
        vec![t("平均办理时长（工作小时）"), Cell::Num(r.avg_handling_hours), t("首次派单至答复的工作时间")],
    ]
}

fn report_tables(rep: &Report) -> Vec<Table> {
    let headers = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    let list = |title: &str, first: &str, v: &[sanfu_store::hotline::stats::Breakdown]| Table {
        title: title.into(),
        headers: headers(first, "数量"),
        rows: v.iter().map(|b| vec![Cell::Text(b.label.clone()), Cell::Int(b.count)]).collect(),
    };
    vec![
        Table {
            title: "汇总".into(),
            headers: vec!["指标".into(), "数值".into(), "口径".into()],
            rows: rate_rows(&rep.counts, &rep.rates),
        },
        list("按渠道", "渠道", &rep.by_channel),
        list("按类型", "类型", &rep.by_type),
        list("按分类", "分类", &rep.by_category),
    ]
}

pub async fn stats(State(st): State<AppState>, a: Authed, Query(q): Query<StatsQuery>) -> ApiResult<Response> {
    let format = parse_format(q.format.as_deref())?;
    let today = Utc::now().with_timezone(&st.store.offset()).date_naive();
    let (y, m) = last_month(today);
    let (first, last) = month_days(y, m);
    let from = date(q.from.as_deref(), first, "开始日期")?;
    let to = date(q.to.as_deref(), last, "结束日期")?;
    let unit = stats_unit(&st, q.unit_id.as_deref()).await?;
    if unit.is_none() && !st.store.sees_whole_city(&a.staff).await? {
        return Err(ApiError::forbidden("stats_forbidden", "请选择本单位（或分管单位）"));
    }
    st.store.may_see_unit(&a.staff, unit.as_deref()).await?;
    let rep = st.store.report(unit.as_deref(), from, to).await?;
    let who = rep.unit.as_ref().map(|u| u.name.as_str()).unwrap_or("全市");
    let name = format!("{who}统计_{}至{}", rep.period.from, rep.period.to);
    if format == Format_::Json {
        return Ok(axum::Json(json!(rep)).into_response());
    }
    let tables = report_tables(&rep);
    // One table when one is asked for (汇总 or 分类 …), the whole workbook otherwise.
    let idx = match q.table.as_deref() {
        None if format == Format_::Xlsx => None,
        None | Some("summary") => Some(0),
        Some("channel") => Some(1),
        Some("type") => Some(2),
        Some("category") => Some(3),
        Some(other) => return Err(ApiError::unprocessable("invalid_table", format!("没有“{other}”这张表，可选 summary、channel、type、category"))),
    };
    let chosen: Vec<Table> = match idx {
        Some(i) => tables.into_iter().skip(i).take(1).collect(),
        None => tables,
    };
    let what = chosen.iter().map(|t| t.title.as_str()).collect::<Vec<_>>().join("、");
    let title = format!("{}12345热线统计（{who}，{what}）", crate::city::city());
    let rows = chosen.iter().map(|t| t.rows.len()).sum();
    let h = heading(&st, &a, "stats", title, format!("{} 至 {}", rep.period.from, rep.period.to), format!("单位：{who}"), rows, false).await?;
    let name = format!("{name}_{what}");
    match format {
        Format_::Csv => csv_with(&name, &chosen[0], &h),
        _ => xlsx_with(&name, &chosen, Some(&h)),
    }
}

#[derive(Deserialize)]
pub struct RankQuery {
    month: Option<String>,
    format: Option<String>,
}

pub(crate) const RANKING_REFUSED: &str = "单位排名仅供热线中心、办公室和市领导查看";

pub async fn ranking(State(st): State<AppState>, a: Authed, Query(q): Query<RankQuery>) -> ApiResult<Response> {
    if !a.staff.sees_ranking() {
        return Err(ApiError::forbidden("stats_forbidden", RANKING_REFUSED));
    }
    let format = parse_format(q.format.as_deref())?;
    let today = Utc::now().with_timezone(&st.store.offset()).date_naive();
    let (ly, lm) = last_month(today);
    let month = q.month.unwrap_or_else(|| format!("{ly:04}-{lm:02}"));
    let (y, m) = month
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .ok_or_else(|| ApiError::unprocessable("invalid_month", format!("月份“{month}”应为 YYYY-MM")))?;
    let rows = st.store.ranking(y, m).await?;
    let table = Table {
        title: format!("{month}单位排名"),
        headers: ["名次", "单位", "综合得分", "受理量", "响应率", "解决率", "满意率", "按时办结率", "退单率", "重复来电率"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    if r.ranked { Cell::Int(r.rank as i64) } else { Cell::Text("样本不足".into()) },
                    Cell::Text(r.unit.name.clone()),
                    Cell::Rate(r.score),
                    Cell::Int(r.counts.volume),
                    Cell::Rate(r.rates.response),
                    Cell::Rate(r.rates.resolution),
                    Cell::Rate(r.rates.satisfaction),
                    Cell::Rate(r.rates.on_time_closing),
                    Cell::Rate(r.rates.returns),
                    Cell::Rate(r.rates.repeats),
                ]
            })
            .collect(),
    };
    let name = format!("{month}承办单位排名");
    let min = st.store.desk_settings().await?.ranking_min_orders;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "month": month, "min_orders": min, "ranking": rows })).into_response());
    }
    let (first, last) = month_days(y, m);
    let current = today <= last && today >= first;
    let period = if current { format!("{first} 至 {today}（截至今日）") } else { format!("{first} 至 {last}") };
    let title = format!("{}12345热线承办单位月度排名（{month}）", crate::city::city());
    let h = heading(&st, &a, "ranking", title, period, format!("受理量不足 {min} 件的单位列为“样本不足”，不参与排名"), table.rows.len(), false).await?;
    match format {
        Format_::Csv => csv_with(&name, &table, &h),
        _ => xlsx_with(&name, &[table], Some(&h)),
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
    state: Option<String>,
    unit_id: Option<String>,
    order_type: Option<String>,
    phone: Option<String>,
    q: Option<String>,
    category_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// The hotline centre only: citizens' numbers whole (recorded as such in the audit trail).
    full_phone: Option<bool>,
}

/// The order list as a file: every order the filters find (no silent cap: above the office's
/// cap, if it set one, a clear refusal), with the content and the answer, real dates, and the
/// citizens' numbers masked unless the hotline centre asks for them whole.
pub async fn orders(State(st): State<AppState>, a: Authed, Query(q): Query<ExportQuery>) -> ApiResult<Response> {
    let format = parse_format(q.format.as_deref().or(Some("xlsx")))?;
    if format == Format_::Json {
        return Err(ApiError::unprocessable("invalid_format", "工单导出请选择 csv 或 xlsx；列表请用 /api/orders"));
    }
    let full = q.full_phone.unwrap_or(false);
    if full && !a.staff.is_hotline() {
        return Err(ApiError::forbidden("not_allowed_for_user", "只有热线中心可以导出完整电话号码"));
    }
    let mut filters = Vec::new();
    for (label, v) in [("状态", &q.state), ("单位", &q.unit_id), ("类型", &q.order_type), ("来电号码", &q.phone), ("关键词", &q.q), ("分类", &q.category_id)] {
        if let Some(v) = v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let v = if label == "来电号码" && !full { sanfu_domain::validate::mask_phone(v) } else { v.to_string() };
            filters.push(format!("{label}={v}"));
        }
    }
    if full {
        filters.push("含完整电话号码".into());
    }
    let period = match (q.from.as_deref().filter(|s| !s.is_empty()), q.to.as_deref().filter(|s| !s.is_empty())) {
        (None, None) => String::new(),
        (f, t) => format!("{} 至 {}", f.unwrap_or("最早"), t.unwrap_or("今日")),
    };
    let filter = ListFilter {
        state: q.state,
        unit_id: q.unit_id,
        order_type: q.order_type,
        phone: q.phone,
        q: q.q,
        category_id: q.category_id,
        from: q.from,
        to: q.to,
        page: None,
        per_page: None,
    };
    let mut cursor = st.store.order_export(&a.staff, &filter, full).await?;
    let total = cursor.total;
    let cap = st.store.desk_settings().await?.export_max_rows;
    if cap > 0 && total > cap {
        return Err(ApiError::unprocessable(
            "export_too_large",
            format!("符合条件的工单有 {total} 件，超过单次导出上限 {cap} 件：请缩小日期范围或增加筛选条件后分批导出"),
        ));
    }
    let off = st.store.offset();
    let headers: Vec<String> = ["工单编号", "受理时间", "渠道", "类型", "紧急程度", "分类", "标题", "诉求内容", "地址", "诉求人", "联系电话", "承办单位", "状态", "答复内容", "评价", "办结时间"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let cells = move |o: sanfu_store::hotline::orders::ExportRow| {
        vec![
            Cell::Text(o.number),
            Cell::Date(Some(o.created_at.with_timezone(&off))),
            Cell::Text(o.channel.into()),
            Cell::Text(o.order_type.into()),
            Cell::Text(o.urgency.into()),
            Cell::Text(o.category),
            Cell::Text(o.subject),
            Cell::Text(o.content),
            Cell::Text(o.address),
            Cell::Text(o.citizen_name),
            Cell::Text(o.citizen_phone),
            Cell::Text(o.unit),
            Cell::Text(o.state.into()),
            Cell::Text(o.answer),
            Cell::Text(o.satisfaction.into()),
            Cell::Date(o.closed_at.map(|c| c.with_timezone(&off))),
        ]
    };
    let title = format!("{}12345热线工单台账", crate::city::city());
    let h = heading(&st, &a, "orders", title, period, filters.join("；"), usize::try_from(total).unwrap_or(0), full).await?;
    if format == Format_::Csv {
        // Streamed: each batch is written out as it is read, so memory does not grow with the file.
        let head = crate::export::csv_head(&h, &headers)?;
        let store = st.store.clone();
        let stream = futures_util::stream::unfold((Some(head), Some(cursor)), move |(head, cursor)| {
            let store = store.clone();
            async move {
                if let Some(b) = head {
                    return Some((Ok::<_, std::io::Error>(axum::body::Bytes::from(b)), (None, cursor)));
                }
                let mut cur = cursor?;
                let batch = match store.next_export_batch(&mut cur).await {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::error!(error = %e, "导出工单时读取数据失败");
                        return Some((Err(std::io::Error::other("导出中断")), (None, None)));
                    }
                };
                if batch.is_empty() {
                    return None;
                }
                let rows: Vec<Vec<Cell>> = batch.into_iter().map(cells).collect();
                match crate::export::csv_rows(&rows) {
                    Ok(bytes) => Some((Ok(axum::body::Bytes::from(bytes)), (None, Some(cur)))),
                    Err(_) => Some((Err(std::io::Error::other("导出中断")), (None, None))),
                }
            }
        });
        return Ok(crate::export::csv_stream("工单导出", axum::body::Body::from_stream(stream)));
    }
    let mut rows = Vec::with_capacity(total.clamp(0, 1_000_000) as usize);
    loop {
        let batch = st.store.next_export_batch(&mut cursor).await?;
        if batch.is_empty() {
            break;
        }
        rows.extend(batch.into_iter().map(cells));
    }
    let table = Table { title: "工单".into(), headers, rows };
    xlsx_with("工单导出", &[table], Some(&h))
}
