//! 受理: the operator registers an order on the phone.

use crate::pages::hotline::prelude::*;
use crate::pages::hotline::{CategoryOption, category_options, handling_units};

#[derive(Template)]
#[template(path = "order_new.html")]
pub(crate) struct NewOrderPage {
    nav: Nav,
    error: Option<String>,
    v: NewValues,
    categories: Vec<CategoryOption>,
    units: Vec<Unit>,
    channels: Vec<Opt>,
    types: Vec<Opt>,
}

#[derive(Default)]
pub struct NewValues {
    channel: String,
    order_type: String,
    urgent: bool,
    category: String,
    subject: String,
    content: String,
    address: String,
    citizen_name: String,
    citizen_phone: String,
    confidential: bool,
    publish_consent: bool,
    lead_unit: String,
}


pub(crate) async fn new_order_page(st: &AppState, d: &Desk, v: NewValues, error: Option<String>) -> Result<NewOrderPage, PageError> {
    use sanfu_domain::hotline::Channel;
    Ok(NewOrderPage {
        nav: nav(st, d, "new").await?,
        error,
        categories: category_options(&st.store).await?,
        units: handling_units(&st.store).await?,
        channels: opts(Channel::ALL.iter().filter(|c| **c != Channel::Open311).map(|c| (c.as_str(), c.label())), &v.channel),
        types: opts(OrderType::ALL.iter().map(|s| (s.as_str(), s.label())), &v.order_type),
        v,
    })
}

pub async fn new_order(State(st): State<AppState>, d: Desk) -> PageResult {
    d.require(d.staff.is_hotline(), "受理登记")?;
    let v = NewValues { channel: "phone".into(), order_type: "complaint".into(), ..Default::default() };
    Ok(render(&new_order_page(&st, &d, v, None).await?))
}

pub async fn register(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    d.require(d.staff.is_hotline(), "受理登记")?;
    let v = NewValues {
        channel: form.text("channel").unwrap_or_default(),
        order_type: form.text("order_type").unwrap_or_default(),
        urgent: form.checked("urgent"),
        category: form.text("category").unwrap_or_default(),
        subject: form.text("subject").unwrap_or_default(),
        content: form.get("content").unwrap_or_default().to_string(),
        address: form.text("address").unwrap_or_default(),
        citizen_name: form.text("citizen_name").unwrap_or_default(),
        citizen_phone: form.text("citizen_phone").unwrap_or_default(),
        confidential: form.checked("confidential"),
        publish_consent: form.checked("publish_consent"),
        lead_unit: form.text("lead_unit").unwrap_or_default(),
    };
    let input = OrderInput {
        channel: Some(v.channel.clone()),
        order_type: Some(v.order_type.clone()),
        urgency: Some(if v.urgent { "urgent" } else { "normal" }.into()),
        category_id: Some(v.category.clone()).filter(|s| !s.is_empty()),
        subject: Some(v.subject.clone()).filter(|s| !s.is_empty()),
        content: Some(v.content.clone()),
        address: Some(v.address.clone()).filter(|s| !s.is_empty()),
        lat: None,
        lng: None,
        citizen_name: Some(v.citizen_name.clone()).filter(|s| !s.is_empty()),
        citizen_phone: Some(v.citizen_phone.clone()).filter(|s| !s.is_empty()),
        confidential: v.confidential,
        publish_consent: v.publish_consent,
    };
    // An unknown lead unit is refused before anything is written.
    if !v.lead_unit.is_empty() && let Err(e) = st.store.unit_ref(&v.lead_unit).await {
        let e = ApiError::from(e);
        let mut r = render(&new_order_page(&st, &d, v, Some(e.message)).await?);
        *r.status_mut() = e.status;
        return Ok(r);
    }
    let r = match st.store.register(&input, &d.actor).await {
        Ok(r) => r,
        Err(e) => {
            let e = ApiError::from(e);
            let mut r = render(&new_order_page(&st, &d, v, Some(e.message)).await?);
            *r.status_mut() = e.status;
            return Ok(r);
        }
    };
    let number = r.order.number.clone();
    let mut msg = format!("已登记，工单编号 {number}，查询码 {}（请告知来电人）", r.query_code);
    // A question the knowledge base answers: closed at once with the entry's answer.
    if let Some(kid) = form.text("knowledge_id").filter(|s| !s.is_empty()) {
        let closed = match st.store.entry(&kid).await {
            Ok(Some(e)) => {
                let act = sanfu_domain::hotline::Action::CloseDirectly { answer: e.content, knowledge_id: Some(e.id) };
                st.store.act(&number, &d.actor, &act).await.map_err(ApiError::from)
            }
            Ok(None) => Err(ApiError::unprocessable("knowledge_not_found", "知识条目不存在")),
            Err(e) => Err(ApiError::from(e)),
        };
        return Ok(match closed {
            Ok(_) => back(&format!("/orders/{number}"), Some(&format!("{msg}；已按知识库答复直接办结")), None),
            Err(e) => back(&format!("/orders/{number}"), None, Some(&format!("{msg}；直接办结未成功：{}", e.message))),
        });
    }
    // A duplicate the operator recognised: merged under its master at once.
    if let Some(master) = form.text("merge_into").filter(|s| !s.is_empty()) {
        let body = ActionBody { master: Some(master.clone()), ..Default::default() };
        let a = authed(&d);
        let merged = match build_action(&st.store, &a, &number, "merge", body).await {
            Ok(act) => st.store.act(&number, &d.actor, &act).await.map_err(ApiError::from),
            Err(e) => Err(e),
        };
        return Ok(match merged {
            Ok(_) => back(&format!("/orders/{master}"), Some(&format!("{msg}；已作为重复件并入 {master}")), None),
            Err(e) => back(&format!("/orders/{number}"), None, Some(&format!("{msg}；合并未成功：{}", e.message))),
        });
    }
    if !v.lead_unit.is_empty() {
        let body = ActionBody { lead_unit_id: Some(v.lead_unit.clone()), ..Default::default() };
        let a = authed(&d);
        let dispatched = match build_action(&st.store, &a, &number, "dispatch", body).await {
            Ok(act) => st.store.act(&number, &d.actor, &act).await.map_err(ApiError::from),
            Err(e) => Err(e),
        };
        match dispatched {
            Ok(o) => msg.push_str(&format!("；已派单至{}", o.lead_unit.map(|u| u.name).unwrap_or_default())),
            Err(e) => return Ok(back(&format!("/orders/{number}"), None, Some(&format!("{msg}；派单未成功：{}", e.message)))),
        }
    }
    Ok(back(&format!("/orders/{number}"), Some(&msg), None))
}
