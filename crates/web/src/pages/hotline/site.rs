//! The public site, without login: submit a request, follow it with number and query code, rate
//! the answer or withdraw, and the reply board (问政) of answered, non-confidential orders.

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use sanfu_store::hotline::photos::Photo;
use sanfu_store::search::{Piece, snippet};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::FixedOffset;
use sanfu_domain::validate::{self, MAX_SHORT_TEXT_CHARS};
use sanfu_domain::hotline::Action;
use sanfu_domain::{Actor, Principal};
use sanfu_store::hotline::open311::PublicFilter;
use sanfu_store::hotline::orders::{OrderInput, PublicView};
use serde::Deserialize;

use crate::pages::hotline::CategoryOption;
use crate::pages::{Form, FormToken, Opt, PageError, PageResult, fmt_time, opts, render};
use sanfu_domain::hotline::OrderType;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ClientIp;
use crate::routes::hotline::orders::satisfaction;

pub(crate) fn off(st: &AppState) -> FixedOffset {
    st.store.offset()
}

#[derive(Template)]
#[template(path = "public_home.html")]
pub(crate) struct HomePage {
    csrf: String,
    categories: Vec<CategoryOption>,
    error: Option<String>,
    v: SubmitValues,
    types: Vec<Opt>,
    done: Option<Submitted>,
    /// This rendering's one-time key: the same form never files twice.
    once: String,
    /// A question to answer, after several submissions from one address within the hour.
    challenge: Option<Challenge>,
}

/// What a citizen is told after submitting: the number, the code, and when to expect the answer.
pub struct Submitted {
    pub number: String,
    pub code: String,
    pub kind: &'static str,
    /// The answer's time limit of this type of request, as configured (「10个工作日」).
    pub limit: String,
}

/// The answer's time limit the office has set for a type of request (its normal urgency).
async fn promise(st: &AppState, type_label: &str) -> Result<String, PageError> {
    let Some(t) = OrderType::ALL.iter().find(|t| t.label() == type_label) else { return Ok(String::new()) };
    Ok(st.store.limits_for(*t, sanfu_domain::hotline::Urgency::Normal).await?.answer.label())
}

pub struct Challenge {
    pub question: String,
    pub token: String,
}

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

pub(crate) fn challenge_mac(secret: &str, once: &str, answer: &str, expires: i64) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [secret, once, answer, &expires.to_string()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// A sum of two digits written in Chinese, signed for this form: nothing to store, nothing
/// fetched from elsewhere.
pub(crate) fn new_challenge(secret: &str, once: &str) -> Challenge {
    use rand::Rng;
    let (a, b) = (rand::rng().random_range(1..10usize), rand::rng().random_range(1..10usize));
    let expires = sanfu_store::now_ms() + 30 * 60 * 1000;
    Challenge {
        question: format!("为确认是本人提交，请计算：{}加{}等于几？（填写阿拉伯数字）", DIGITS[a], DIGITS[b]),
        token: format!("{expires}.{}", challenge_mac(secret, once, &(a + b).to_string(), expires)),
    }
}

pub(crate) fn challenge_passed(secret: &str, once: &str, token: &str, answer: &str) -> bool {
    let Some((expires, mac)) = token.split_once('.') else { return false };
    let Ok(expires) = expires.parse::<i64>() else { return false };
    expires > sanfu_store::now_ms() && challenge_mac(secret, once, answer.trim(), expires) == mac
}

/// Whether this address has submitted enough this hour to be asked a question.
pub(crate) async fn needs_challenge(st: &AppState, ip: &str) -> Result<bool, PageError> {
    let after = st.store.public_limits().await?.challenge_after;
    Ok(st.store.throttle_peek(&format!("submit-ip:{ip}"), 3_600_000).await? >= after)
}

#[derive(Default)]
pub struct SubmitValues {
    order_type: String,
    category: String,
    subject: String,
    content: String,
    address: String,
    name: String,
    phone: String,
    confidential: bool,
    publish_consent: bool,
}

pub(crate) async fn home_page(
    st: &AppState,
    tok: &FormToken,
    ip: &str,
    v: SubmitValues,
    error: Option<String>,
    done: Option<Submitted>,
) -> Result<HomePage, PageError> {
    let cats = st.store.categories().await?;
    let categories = cats
        .iter()
        .filter(|c| c.parent_id.is_some())
        .map(|c| CategoryOption {
            code: c.code.clone(),
            label: match cats.iter().find(|p| Some(&p.id) == c.parent_id.as_ref()) {
                Some(p) => format!("{} › {}", p.name, c.name),
                None => c.name.clone(),
            },
            unit_name: String::new(),
        })
        .collect();
    let types = opts(OrderType::ALL.iter().map(|t| (t.as_str(), t.label())), &v.order_type);
    let once = crate::pages::random_token();
    let challenge = if needs_challenge(st, ip).await? { Some(new_challenge(&st.store.form_secret().await?, &once)) } else { None };
    Ok(HomePage { csrf: tok.token.clone(), categories, error, v, types, done, once, challenge })
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    done: Option<String>,
    code: Option<String>,
    dup: Option<String>,
}

/// 我要反映. After a submission the browser comes back here (post/redirect/get) with the new
/// number and its code, checked before they are shown; a refresh files nothing.
pub async fn home(State(st): State<AppState>, ClientIp(ip): ClientIp, tok: FormToken, Query(q): Query<HomeQuery>) -> PageResult {
    let v = SubmitValues { order_type: "complaint".into(), ..Default::default() };
    let done = match (q.done, q.code) {
        (Some(n), Some(c)) => match st.store.public_view(&n, &c).await {
            Ok(o) => Some(Submitted { limit: promise(&st, o.order_type_label).await?, number: n, code: c, kind: o.order_type_label }),
            Err(_) => None,
        },
        _ => None,
    };
    let error = q.dup.map(|n| format!("这份表单已经提交过（工单编号 {}），没有重复受理。如需补充情况，请凭编号和查询码查询后联系 12345。", n.chars().take(20).collect::<String>()));
    Ok(tok.attach(render(&home_page(&st, &tok, &ip, v, error, done).await?)))
}

pub(crate) fn citizen(ip: String) -> Actor {
    Actor { principal: Principal::Citizen, ip }
}

/// The submission form: multipart with up to three photos, or plain form fields.
pub struct Submission {
    form: Form,
    photos: Vec<Photo>,
}

/// Up to three photos of 5 MB each, with the text fields.
pub const SUBMIT_LIMIT: usize = 16 * 1024 * 1024;
/// The text fields of a submission: each within 64 KiB (the content's 10,000 characters are at
/// most 40 KB), and a handful of them.
const MAX_FIELD_BYTES: usize = 64 * 1024;
const MAX_FIELDS: usize = 32;

impl<S: Send + Sync> FromRequest<S> for Submission {
    type Rejection = PageError;
    async fn from_request(req: Request, s: &S) -> Result<Self, Self::Rejection> {
        let multipart = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            return Ok(Submission { form: Form::from_request(req, s).await?, photos: Vec::new() });
        }
        let bad = |m: &str| PageError::new(StatusCode::BAD_REQUEST, "请求有误", m.to_string());
        let mut mp = Multipart::from_request(req, s).await.map_err(|_| bad("提交的表单格式不正确。"))?;
        let mut fields = Vec::new();
        let mut photos = Vec::new();
        while let Some(field) = mp.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "内容过大", "照片合计不能超过 15 MB。")
            } else {
                bad("提交的表单格式不正确。")
            }
        })? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file) => {
                    let data = field.bytes().await.map_err(|_| bad("照片上传不完整，请重试。"))?;
                    if data.is_empty() {
                        continue; // the photo input left empty
                    }
                    if photos.len() == 3 {
                        return Err(PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "照片过多", "最多上传 3 张照片。"));
                    }
                    photos.push(Photo::check(&file, data.to_vec()).map_err(|e| PageError::from(ApiError::from(e)))?);
                }
                None => {
                    let text = field.text().await.map_err(|_| bad("提交的内容不是有效的文本。"))?;
                    if text.contains('\0') {
                        return Err(PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "请求有误", "提交的内容中含有不允许的空字符（NUL）。"));
                    }
                    if text.len() > MAX_FIELD_BYTES || fields.len() >= MAX_FIELDS {
                        return Err(PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "内容过大", "提交的文字内容过长。"));
                    }
                    fields.push((name, text));
                }
            }
        }
        Ok(Submission { form: Form { fields }, photos })
    }
}

pub async fn submit(State(st): State<AppState>, ClientIp(ip): ClientIp, tok: FormToken, sub: Submission) -> PageResult {
    let Submission { form, photos } = sub;
    tok.check(&form)?;
    let t = |k: &str| form.text(k).unwrap_or_default();
    let v = SubmitValues {
        order_type: t("order_type"),
        category: t("category"),
        subject: t("subject"),
        content: form.get("content").unwrap_or_default().to_string(),
        address: t("address"),
        name: t("name"),
        phone: t("phone"),
        confidential: form.checked("confidential"),
        publish_consent: form.checked("publish_consent"),
    };
    let input = OrderInput {
        channel: Some("web".into()),
        order_type: Some(v.order_type.clone()),
        urgency: None,
        category_id: Some(v.category.clone()).filter(|s| !s.is_empty()),
        subject: Some(v.subject.clone()).filter(|s| !s.is_empty()),
        content: Some(v.content.clone()),
        address: Some(v.address.clone()).filter(|s| !s.is_empty()),
        lat: None,
        lng: None,
        citizen_name: Some(v.name.clone()).filter(|s| !s.is_empty()),
        citizen_phone: Some(v.phone.clone()).filter(|s| !s.is_empty()),
        confidential: v.confidential,
        publish_consent: v.publish_consent,
    };
    let refuse = |st: &AppState, v: SubmitValues, e: ApiError| {
        let (st, tok, ip) = (st.clone(), &tok, ip.clone());
        async move {
            let mut r = render(&home_page(&st, tok, &ip, v, Some(e.message), None).await?);
            *r.status_mut() = e.status;
            Ok::<_, PageError>(r)
        }
    };
    // The same form, sent twice (a double click, the back button, a retry), files once.
    let once = format!("form:{}", form.text("_once").unwrap_or_default());
    if once == "form:" {
        return refuse(&st, v, ApiError::bad_request("form_expired", "表单已过期，请刷新页面后重新填写提交")).await;
    }
    if needs_challenge(&st, &ip).await? {
        let secret = st.store.form_secret().await?;
        let passed = challenge_passed(&secret, &once[5..], &form.text("_challenge").unwrap_or_default(), &form.text("challenge_answer").unwrap_or_default());
        if !passed {
            return refuse(&st, v, ApiError::unprocessable("challenge_failed", "请正确回答验证问题后再提交")).await;
        }
    }
    match st.store.claim_once(&once).await? {
        None => {}
        Some(number) => return Ok(Redirect::to(&format!("/?dup={}", crate::pages::enc(&number.unwrap_or_default()))).into_response()),
    }
    if let Err(e) = crate::routes::hotline::public::admit_submission(&st, &ip, input.citizen_phone.as_deref(), !photos.is_empty()).await {
        st.store.release_once(&once).await?;
        return refuse(&st, v, e).await;
    }
    match st.store.register_once(&input, &photos, &citizen(ip.clone()), chrono::Utc::now(), Some(&once)).await {
        Ok(r) => Ok(Redirect::to(&format!("/?done={}&code={}", crate::pages::enc(&r.order.number), crate::pages::enc(&r.query_code))).into_response()),
        Err(e) => {
            st.store.release_once(&once).await?;
            refuse(&st, v, ApiError::from(e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "public_follow.html")]
pub(crate) struct FollowPage {
    csrf: String,
    number: String,
    code: String,
    error: Option<String>,
    ok: Option<String>,
    o: Option<PublicView>,
    created: String,
    steps: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct FollowQuery {
    number: Option<String>,
    code: Option<String>,
}

pub(crate) async fn follow_page(st: &AppState, tok: &FormToken, number: String, code: String, ok: Option<String>, error: Option<String>) -> Response {
    let off = off(st);
    let mut page = FollowPage { csrf: tok.token.clone(), number: number.clone(), code: code.clone(), error, ok, o: None, created: String::new(), steps: Vec::new() };
    let mut status = axum::http::StatusCode::OK;
    if !number.is_empty() || !code.is_empty() {
        match st.store.public_view(&number, &code).await {
            Ok(o) => {
                page.created = fmt_time(o.created_at, off);
                page.steps = o.timeline.iter().map(|s| (fmt_time(s.at, off), s.description.clone())).collect();
                page.o = Some(o);
            }
            Err(e) => {
                let e = ApiError::from(e);
                status = e.status;
                page.error = Some(e.message);
            }
        }
    }
    let mut r = tok.attach(render(&page));
    *r.status_mut() = status;
    r
}

pub async fn follow(State(st): State<AppState>, tok: FormToken, Query(q): Query<FollowQuery>) -> Response {
    follow_page(&st, &tok, q.number.unwrap_or_default().trim().into(), q.code.unwrap_or_default().trim().into(), None, None).await
}

pub async fn follow_act(State(st): State<AppState>, ClientIp(ip): ClientIp, tok: FormToken, Path(action): Path<String>, form: Form) -> PageResult {
    tok.check(&form)?;
    let number = form.text("number").unwrap_or_default();
    let code = form.text("code").unwrap_or_default();
    let act: Result<Action, ApiError> = match action.as_str() {
        "rate" => satisfaction(&form.text("satisfaction")).and_then(|s| {
            let comment = validate::optional_text("comment", "评价说明", form.get("comment"), MAX_SHORT_TEXT_CHARS)?;
            Ok(Action::Callback { satisfaction: s, comment, reopen: None })
        }),
        "withdraw" => validate::text("reason", "撤单理由", form.get("reason").unwrap_or_default(), MAX_SHORT_TEXT_CHARS)
            .map(|reason| Action::Withdraw { reason })
            .map_err(ApiError::from),
        other => Err(ApiError::not_found("unknown_action", format!("没有“{other}”这个操作"))),
    };
    let result = match act {
        Ok(a) => st.store.citizen_act(&number, &code, &citizen(ip), &a).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok(_) => {
            let msg = if action == "rate" { "感谢您的评价！" } else { "您的诉求已撤回。" };
            follow_page(&st, &tok, number, code, Some(msg.into()), None).await
        }
        Err(e) => {
            let status = e.status;
            let mut r = follow_page(&st, &tok, number, code, None, Some(e.message)).await;
            *r.status_mut() = status;
            r
        }
    })
}

#[derive(Template)]
#[template(path = "public_board.html")]
pub(crate) struct BoardPage {
    q: String,
    items: Vec<BoardItem>,
    page: u32,
    more: bool,
}

/// Replies per page of the board.
const BOARD_PAGE: u32 = 20;

pub struct BoardItem {
    pub number: String,
    pub category: String,
    pub content: Vec<Piece>,
    pub unit: String,
    pub answer: Vec<Piece>,
    pub created: String,
}

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    q: Option<String>,
    page: Option<u32>,
}

/// 问政: answered orders that are not confidential, newest first; a search keeps those whose
/// text, answer, category or unit holds every word.
pub async fn board(State(st): State<AppState>, Query(q): Query<BoardQuery>) -> PageResult {
    let off = off(&st);
    let query = q.q.unwrap_or_default().trim().to_string();
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    // A search ranks by the full-text index and keeps that order; without one, the newest, a
    // page at a time (one more than the page, to know whether another follows).
    let (ranked, all) = if query.is_empty() {
        let f = PublicFilter { closed: Some(true), published_only: true, limit: BOARD_PAGE + 1, offset: (page - 1) * BOARD_PAGE, ..Default::default() };
        (Vec::new(), st.store.public_requests(&f).await?)
    } else {
        let ranked = st.store.search_public(&query).await?;
        let f = PublicFilter { closed: Some(true), published_only: true, limit: 1000, ids: Some(ranked.iter().map(|(id, _)| id.clone()).collect()), ..Default::default() };
        (ranked, st.store.public_requests(&f).await?)
    };
    let mut all: Vec<_> = all.into_iter().filter(|r| r.answer.is_some()).collect();
    if !ranked.is_empty() {
        let rank: std::collections::HashMap<&str, usize> = ranked.iter().enumerate().map(|(i, (_, n))| (n.as_str(), i)).collect();
        all.sort_by_key(|r| rank.get(r.number.as_str()).copied().unwrap_or(usize::MAX));
    }
    let words = st.store.query_words(&query).await?;
    let skip = if query.is_empty() { 0 } else { ((page - 1) * BOARD_PAGE) as usize };
    let more = all.len() > skip + BOARD_PAGE as usize;
    let mut items = Vec::new();
    for r in all.into_iter().skip(skip).take(BOARD_PAGE as usize) {
        let (content, answer) = if query.is_empty() {
            (vec![Piece { text: r.content.clone(), hit: false }], vec![Piece { text: r.answer.clone().unwrap_or_default(), hit: false }])
        } else {
            (snippet(&r.content, &words, 400), snippet(r.answer.as_deref().unwrap_or(""), &words, 400))
        };
        items.push(BoardItem {
            number: r.number,
            category: r.category_name,
            content,
            unit: r.unit_name.unwrap_or_default(),
            answer,
            created: fmt_time(r.created_at, off),
        });
    }
    Ok(render(&BoardPage { q: query, items, page, more }))
}

// ---------------------------------------------------------------- 常见问题

#[derive(Template)]
#[template(path = "public_knowledge.html")]
pub(crate) struct KnowledgePage {
    q: String,
    items: Vec<KnowledgeItem>,
}

pub struct KnowledgeItem {
    pub title: String,
    pub content: Vec<Piece>,
}

/// The public entries of the knowledge base, searchable: what citizens can find out without
/// calling.
pub async fn knowledge(State(st): State<AppState>, Query(q): Query<BoardQuery>) -> PageResult {
    let query = q.q.unwrap_or_default().trim().to_string();
    let entries = st.store.search_entries(&query, None, true, if query.is_empty() { 50 } else { 20 }).await?;
    let words = st.store.query_words(&query).await?;
    let mut items = Vec::new();
    for e in entries {
        let content = if query.is_empty() { vec![Piece { text: e.content.clone(), hit: false }] } else { snippet(&e.content, &words, 400) };
        items.push(KnowledgeItem { title: e.title, content });
    }
    Ok(render(&KnowledgePage { q: query, items }))
}
