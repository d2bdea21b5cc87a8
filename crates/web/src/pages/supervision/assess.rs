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

#[derive(Template)]
#[template(path = "sv_settings.html")]
pub(crate) struct SettingsPage {
    nav: Nav,
    flash: Flash,
    s: sanfu_domain::supervision::Settings,
}

fn may_set(d: &Desk) -> bool {
    d.staff.has(Role::OfficeStaff) || d.is_admin()
}

/// `GET /supervision/settings`: every number of supervision the office may change.
pub async fn settings(State(st): State<AppState>, d: Desk, Query(q): Query<FlashQuery>) -> PageResult {
    d.require(may_set(&d), "修改督查督办设置")?;
    let s = st.store.supervision_settings().await?;
    Ok(render(&SettingsPage { nav: nav(&st, &d, "supervision").await?, flash: q.flash(), s }))
}

/// `POST /supervision/settings`.
pub async fn save_settings(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    d.require(may_set(&d), "修改督查督办设置")?;
    let mut s = st.store.supervision_settings().await?;
    let bad = |what: &str| Err::<i64, String>(format!("“{what}”应为整数"));
    let num = |name: &str, what: &str| match form.text(name) {
        Some(v) => v.trim().parse::<i64>().or_else(|_| bad(what)),
        None => bad(what),
    };
    let read = (|| -> Result<(), String> {
        let u = |v: i64| u32::try_from(v).map_err(|_| "数值不能为负".to_string());
        s.sign_days = u(num("sign_days", "签收期限")?)?;
        s.objection_days = u(num("objection_days", "异议期限")?)?;
        s.warn_percent = u(num("warn_percent", "预警比例")?)?;
        s.remind_after_misses = u(num("remind_after_misses", "催办单")?)?;
        s.notice_after_misses = u(num("notice_after_misses", "督办通知单")?)?;
        s.unpaid_days = u(num("unpaid_days", "资金滞留期限")?)?;
        s.yellow_card = form.checked("yellow_card");
        s.red_card = form.checked("red_card");
        let i = |v: i64| i32::try_from(v).map_err(|_| "数值过大".to_string());
        s.scores.base = i(num("base", "基础分")?)?;
        s.scores.late_report = -i(num("late_report", "逾期反馈扣分")?)?.abs();
        s.scores.remind = -i(num("remind", "催办扣分")?)?.abs();
        s.scores.notice = -i(num("notice", "督办通知扣分")?)?.abs();
        s.scores.yellow_card = -i(num("yellow_card_points", "黄牌扣分")?)?.abs();
        s.scores.red_card = -i(num("red_card_points", "红牌扣分")?)?.abs();
        s.scores.overdue = -i(num("overdue", "超期扣分")?)?.abs();
        s.scores.closed_on_time = i(num("closed_on_time", "按期办结加分")?)?.abs();
        s.scores.yellows_for_letter = u(num("yellows_for_letter", "督办函")?)?;
        s.scores.black_below = i(num("black_below", "黑榜分数线")?)?;
        Ok(())
    })();
    if let Err(m) = read {
        return Ok(back("/supervision/settings", None, Some(&m)));
    }
    Ok(match st.store.set_supervision_settings(s, &d.actor).await {
        Ok(_) => back("/supervision/settings", Some("设置已保存，自下一次检查起生效"), None),
        Err(e) => back("/supervision/settings", None, Some(&ApiError::from(e).message)),
    })
}
