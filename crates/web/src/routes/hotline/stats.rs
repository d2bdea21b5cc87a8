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
use crate::export::{Cell, Format_, Table, csv_response, parse_format, xlsx_response};
use crate::extract::Authed;

#[derive(Deserialize)]
pub struct StatsQuery {
    unit_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    table: Option<String>,
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
    let first = today.with_day(1).unwrap_or(today);
    let from = date(q.from.as_deref(), first, "开始日期")?;
    let to = date(q.to.as_deref(), today, "结束日期")?;
    let unit = match q.unit_id.as_deref().filter(|s| !s.is_empty()) {
        Some(u) => Some(st.store.unit(u).await?.ok_or_else(|| ApiError::unprocessable("unknown_unit", format!("单位“{u}”不存在")))?.id),
        None => None,
    };
    if unit.is_none() && !a.staff.sees_all() {
        return Err(ApiError::forbidden("stats_forbidden", "请选择本单位（或分管单位）"));
    }
    st.store.may_see_unit(&a.staff, unit.as_deref()).await?;
    let rep = st.store.report(unit.as_deref(), from, to).await?;
    let name = format!(
        "{}统计_{}至{}",
        rep.unit.as_ref().map(|u| u.name.as_str()).unwrap_or("全市"),
        rep.period.from,
        rep.period.to
    );
    match format {
        Format_::Json => Ok(axum::Json(json!(rep)).into_response()),
        Format_::Xlsx => xlsx_response(&name, &report_tables(&rep)),
        Format_::Csv => {
            let tables = report_tables(&rep);
            let idx = match q.table.as_deref().unwrap_or("summary") {
                "summary" => 0,
                "channel" => 1,
                "type" => 2,
                "category" => 3,
                other => return Err(ApiError::unprocessable("invalid_table", format!("没有“{other}”这张表，可选 summary、channel、type、category"))),
            };
            csv_response(&name, &tables[idx])
        }
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
    let month = q.month.unwrap_or_else(|| today.format("%Y-%m").to_string());
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
                    Cell::Int(r.rank as i64),
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
    match format {
        Format_::Json => Ok(axum::Json(json!({ "month": month, "ranking": rows })).into_response()),
        Format_::Csv => csv_response(&name, &table),
        Format_::Xlsx => xlsx_response(&name, &[table]),
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
}

/// The order list as a file, masked for the reader exactly as on screen.
pub async fn orders(State(st): State<AppState>, a: Authed, Query(q): Query<ExportQuery>) -> ApiResult<Response> {
    let format = parse_format(q.format.as_deref().or(Some("xlsx")))?;
    let mut filter =
        ListFilter {
            state: q.state,
            unit_id: q.unit_id,
            order_type: q.order_type,
            phone: q.phone,
            q: q.q,
            category_id: q.category_id,
            from: q.from,
            to: q.to,
            page: None,
            per_page: Some(200),
        };
    let mut rows = Vec::new();
    let mut page = 1;
    loop {
        filter.page = Some(page);
        let p = st.store.list_orders(&a.staff, &filter).await?;
        let n = p.items.len();
        for s in p.items {
            let o = st.store.order_for(&s.id, &a.staff).await?;
            rows.push(vec![
                Cell::Text(o.number.clone()),
                Cell::Text(o.created_at.with_timezone(&st.store.offset()).format("%Y-%m-%d %H:%M").to_string()),
                Cell::Text(o.channel_label.into()),
                Cell::Text(o.order_type_label.into()),
                Cell::Text(o.urgency_label.into()),
                Cell::Text(o.category.name.clone()),
                Cell::Text(o.subject.clone()),
                Cell::Text(o.address.clone().unwrap_or_default()),
                Cell::Text(o.citizen.name.clone().unwrap_or_else(|| if o.confidential { "（保密）".into() } else { String::new() })),
                Cell::Text(o.citizen.phone.clone().unwrap_or_else(|| if o.confidential { "（保密）".into() } else { String::new() })),
                Cell::Text(o.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
                Cell::Text(o.state_label.into()),
                Cell::Text(o.satisfaction.map(|s| s.label().to_string()).unwrap_or_default()),
            ]);
        }
        if n < 200 || rows.len() >= 50_000 {
            break;
        }
        page += 1;
    }
    let table = Table {
        title: "工单".into(),
        headers: ["工单编号", "受理时间", "渠道", "类型", "紧急程度", "分类", "标题", "地址", "诉求人", "联系电话", "承办单位", "状态", "评价"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
    };
    match format {
        Format_::Json => Err(ApiError::unprocessable("invalid_format", "工单导出请选择 csv 或 xlsx；列表请用 /api/orders")),
        Format_::Csv => csv_response("工单导出", &table),
        Format_::Xlsx => xlsx_response("工单导出", &[table]),
    }
}
