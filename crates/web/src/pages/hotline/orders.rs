//! 工单查询: the orders a member of staff may read, filtered, searched, paged.

use crate::pages::hotline::prelude::*;
use crate::pages::hotline::{CategoryOption, category_options, handling_units};

#[derive(Template)]
#[template(path = "orders.html")]
pub(crate) struct OrdersPage {
    nav: Nav,
    rows: Vec<Row>,
    total: i64,
    page: u32,
    pages: u32,
    unit: String,
    phone: String,
    states: Vec<Opt>,
    types: Vec<Opt>,
    units: Vec<Unit>,
    query: String,
    q: String,
    category: String,
    from: String,
    to: String,
    categories: Vec<CategoryOption>,
}

#[derive(Deserialize, Default)]
pub struct OrdersQuery {
    state: Option<String>,
    order_type: Option<String>,
    unit: Option<String>,
    phone: Option<String>,
    q: Option<String>,
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u32>,
}

pub async fn orders(State(st): State<AppState>, d: Desk, Query(q): Query<OrdersQuery>) -> PageResult {
    let f = ListFilter {
        state: q.state.clone(),
        unit_id: q.unit.clone(),
        order_type: q.order_type.clone(),
        phone: q.phone.clone(),
        q: q.q.clone(),
        category_id: q.category.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        page: q.page,
        per_page: Some(20),
    };
    let result = st.store.list_orders(&d.staff, &f).await?;
    let off = off(&st);
    let query = [
        ("state", &q.state),
        ("order_type", &q.order_type),
        ("unit_id", &q.unit),
        ("phone", &q.phone),
        ("q", &q.q),
        ("category_id", &q.category),
        ("from", &q.from),
        ("to", &q.to),
    ]
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|v| format!("{k}={}", enc(v))))
        .collect::<Vec<_>>()
        .join("&");
    let p = OrdersPage {
        nav: nav(&st, &d, "orders").await?,
        rows: result.items.iter().map(|o| row(o, "", off)).collect(),
        total: result.total,
        page: result.page,
        pages: (result.total.max(1) as u32).div_ceil(20),
        unit: q.unit.unwrap_or_default(),
        phone: q.phone.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        category: q.category.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        categories: category_options(&st.store).await?,
        states: opts(OrderState::ALL.iter().map(|s| (s.as_str(), s.label())), q.state.as_deref().unwrap_or("")),
        types: opts(OrderType::ALL.iter().map(|s| (s.as_str(), s.label())), q.order_type.as_deref().unwrap_or("")),
        units: handling_units(&st.store).await?,
        query,
    };
    Ok(render(&p))
}

