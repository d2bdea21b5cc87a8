//! 资金监管 (money sitting unpaid, by unit and by item) and 督查考核与通报 (the assessment of a
//! period and the bulletin, printable and in Excel).

use sanfu_store::supervision::{Assessment, FundsSummary};

use crate::pages::desk::prelude::*;

#[derive(Template)]
#[template(path = "sv_funds.html")]
pub(crate) struct FundsPage {
    nav: Nav,
    f: FundsSummary,
}

pub async fn funds(State(st): State<AppState>, d: Desk) -> PageResult {
    let f = st.store.funds_summary(&d.staff).await?;
    Ok(render(&FundsPage { nav: nav(&st, &d, "supervision").await?, f }))
}

#[derive(Template)]
#[template(path = "sv_assessment.html")]
pub(crate) struct AssessmentPage {
    nav: Nav,
    flash: Flash,
    a: Option<Assessment>,
    from: String,
    to: String,
    query: String,
    city: String,
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn assessment(State(st): State<AppState>, d: Desk, Query(q): Query<PeriodQuery>) -> PageResult {
    let nav = nav(&st, &d, "supervision").await?;
    let city = crate::pages::city();
    let (a, flash, from, to) = match crate::routes::supervision::period(&st, q.from.as_deref(), q.to.as_deref()) {
        Ok((from, to)) => match st.store.assessment(&d.staff, from, to).await {
            Ok(a) => (Some(a), Flash::default(), from.to_string(), to.to_string()),
            Err(e) => (None, Flash { ok: None, err: Some(ApiError::from(e).message) }, from.to_string(), to.to_string()),
        },
        Err(e) => (None, Flash { ok: None, err: Some(e.message) }, String::new(), String::new()),
    };
    let query = serde_urlencoded::to_string([("from", &from), ("to", &to)]).unwrap_or_default();
    Ok(render(&AssessmentPage { nav, flash, a, from, to, query, city }))
}
