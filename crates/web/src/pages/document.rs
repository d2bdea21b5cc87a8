//! 公文's pages: the registers (收文登记簿, 发文登记簿) with the forms to register a document
//! and to draft one, a leader's 传阅 list, and a document's page — its flow, who holds it now,
//! the countersigners' answers (会签), the 签发 form for its leader, the circulation, every
//! kept version and the comparison of two, the timeline and its PDF.

use sanfu_domain::document::incoming::State as InState;
use sanfu_domain::document::outgoing::State as OutState;
use sanfu_domain::document::{DocType, Urgency};
use sanfu_domain::meeting::Stance;
use sanfu_store::document::incoming::{DocActionInput, IncomingInput};
use sanfu_store::document::outgoing::{Comparison, OutgoingInput, VersionView, compare};
use sanfu_store::document::view::{CirculationRow, DocumentRow, DocumentView};

use crate::pages::FormFiles;
use crate::pages::desk::item::{Step, steps};
use crate::pages::desk::prelude::*;
use crate::pages::meeting::{attachments, day, handling_units};
use crate::routes::document::filter_of;

#[derive(Template)]
#[template(path = "documents.html")]
pub(crate) struct RegisterPage {
    nav: Nav,
    flash: Flash,
    direction: String,
    rows: Vec<DocumentRow>,
    dates: Vec<String>,
    states: Vec<Opt>,
    state: String,
    year: String,
    circulation: Vec<CirculationRow>,
    circulated: Vec<String>,
    office: bool,
    may_draft: bool,
    units: Vec<Unit>,
    leaders: Vec<(String, String)>,
    codes: Vec<(String, String)>,
    types: Vec<(&'static str, &'static str)>,
    urgencies: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
pub struct RegisterQuery {
    direction: Option<String>,
    state: Option<String>,
    year: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

/// `GET /documents`: 收文登记簿 (by default for the office), 发文登记簿, or a leader's 传阅 list.
pub async fn register(State(st): State<AppState>, d: Desk, Query(q): Query<RegisterQuery>) -> PageResult {
    let office = d.staff.has(Role::OfficeStaff);
    let direction = q.direction.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| {
        if d.staff.has(Role::Leader) { "circulation".into() } else if office { "incoming".into() } else { "outgoing".into() }
    });
    let off = off(&st);
    let (rows, circulation) = if direction == "circulation" {
        (Vec::new(), st.store.circulation(&d.staff).await?)
    } else {
        let f = filter_of(Some(direction.clone()), q.state.clone().filter(|s| !s.is_empty()), None, q.year.clone())?;
        (st.store.list_documents(&d.staff, &f).await?, Vec::new())
    };
    let states: Vec<(&str, &str)> = if direction == "incoming" {
        InState::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
    } else {
        OutState::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
    };
    let settings = st.store.document_settings().await?;
    let p = RegisterPage {
        nav: nav(&st, &d, "documents").await?,
        flash: FlashQuery { ok: q.ok, err: q.err }.flash(),
        dates: rows.iter().map(|r| day(r.item.created_at, off)).collect(),
        circulated: circulation.iter().map(|r| fmt_time(r.sent_at, off)).collect(),
        rows,
        circulation,
        states: opts(states, q.state.as_deref().unwrap_or_default()),
        state: q.state.unwrap_or_default(),
        year: q.year.unwrap_or_default(),
        direction,
        office,
        may_draft: d.staff.acts_for_unit(),
        units: handling_units(st.store.units().await?),
        leaders: st.store.leaders().await?,
        codes: settings.codes.iter().map(|c| (c.code.clone(), format!("{}（{}）", c.code, c.organ))).collect(),
        types: DocType::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        urgencies: Urgency::ALL.iter().map(|u| (u.as_str(), u.label())).collect(),
    };
    Ok(render(&p))
}

/// `POST /documents/new`: 收文登记 (`direction=incoming`) or 发文拟稿 (`direction=outgoing`).
pub async fn create(State(st): State<AppState>, d: Desk, ff: FormFiles) -> PageResult {
    let FormFiles { form, files } = ff;
    d.check(&form)?;
    let incoming = form.text("direction").as_deref() == Some("incoming");
    let back_to = if incoming { "/documents?direction=incoming" } else { "/documents?direction=outgoing" };
    let files = match attachments(files) {
        Ok(f) => f,
        Err(e) => return Ok(back(back_to, None, Some(&e.message))),
    };
    let result = if incoming {
        let input = IncomingInput {
            title: form.text("title"),
            organ: form.text("organ"),
            source_number: form.text("source_number"),
            doc_type: form.text("doc_type"),
            secrecy: form.text("secrecy"),
            urgency: form.text("urgency"),
            doc_date: form.text("doc_date").and_then(|s| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()).and_then(|d| d.and_hms_opt(4, 0, 0)).map(|t| t.and_utc()),
            pages: form.text("pages").and_then(|p| p.trim().parse().ok()),
            summary: form.text("summary"),
            attachment_titles: form.text("attachment_titles"),
        };
        st.store.register_incoming(&input, &files, &d.actor).await
    } else {
        st.store.create_outgoing(&outgoing_input(&form), &files, &d.actor).await
    };
    Ok(match result {
        Ok(v) => back(&format!("/documents/{}", v.item.number), Some(&format!("{} {} 已{}", v.direction_label, v.item.number, if incoming { "签收登记" } else { "起草" })), None),
        Err(e) => back(back_to, None, Some(&ApiError::from(e).message)),
    })
}

fn outgoing_input(form: &Form) -> OutgoingInput {
    OutgoingInput {
        title: form.text("title"),
        body: form.text("body"),
        doc_type: form.text("doc_type"),
        urgency: form.text("urgency"),
        code: form.text("code"),
        main_to: form.text("main_to"),
        cc: form.text("cc"),
        countersigners: form.all("countersigners").into_iter().filter(|s| !s.trim().is_empty()).collect(),
        signer: form.text("signer"),
        attachment_titles: form.text("attachment_titles"),
        note: form.text("note"),
        secrecy: form.text("secrecy"),
    }
}

#[derive(Template)]
#[template(path = "document.html")]
pub(crate) struct DocumentPage {
    nav: Nav,
    flash: Flash,
    doc: DocumentView,
    outgoing: bool,
    timeline: Vec<Step>,
    can: Vec<&'static str>,
    /// The steps that are one button: (action, label, takes a comment).
    buttons: Vec<(&'static str, &'static str, bool)>,
    mine_to_countersign: bool,
    stances: Vec<(&'static str, &'static str)>,
    leaders: Vec<(String, String)>,
    units: Vec<Unit>,
    versions: Vec<VersionView>,
    version_at: Vec<String>,
    comparison: Option<Comparison>,
    countersign_at: Vec<String>,
    reader_at: Vec<(String, String)>,
    flow: Vec<(&'static str, bool, bool)>,
    me_reading: bool,
    signed_at: String,
    deadline: String,
}

impl DocumentPage {
    fn may(&self, action: &str) -> bool {
        self.can.contains(&action)
    }
}

#[derive(Deserialize, Default)]
pub struct DocQuery {
    from: Option<i64>,
    to: Option<i64>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn document(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<DocQuery>) -> PageResult {
    let doc = st.store.document_for(&key, &d.staff).await?;
    let off = off(&st);
    let outgoing = doc.direction == "outgoing";
    let spec = st.store.kind_spec(doc.direction);
    let events = st.store.item_events(&doc.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| {
        let dd = &e.details;
        let mut parts: Vec<String> =
            ["stance_label", "text", "comment", "reason", "doc_number", "instruction", "note"].iter().filter_map(|k| dd[*k].as_str().filter(|s| !s.is_empty()).map(String::from)).collect();
        if let Some(v) = dd["version"].as_i64() {
            parts.push(format!("第 {v} 稿"));
        }
        if let Some(c) = dd["copies"].as_i64() {
            parts.push(format!("{c} 份"));
        }
        parts.join("；")
    });
    let versions = if outgoing { st.store.document_versions(&doc.item.id, &d.staff).await? } else { Vec::new() };
    let comparison = match (q.from, q.to) {
        (Some(a), Some(b)) => Some(compare(&versions, a, b)?),
        _ if versions.len() >= 2 => Some(compare(&versions, versions[1].version, versions[0].version)?),
        _ => None,
    };
    let flow: Vec<(&'static str, bool, bool)> = if outgoing {
        let order = OutState::ALL.iter().filter(|s| **s != OutState::Withdrawn).copied().collect::<Vec<_>>();
        let at = order.iter().position(|s| s.as_str() == doc.item.state);
        order.iter().enumerate().map(|(i, s)| (s.label(), at.is_some_and(|a| i < a), at == Some(i))).collect()
    } else {
        let order = InState::ALL.iter().filter(|s| **s != InState::Rejected).copied().collect::<Vec<_>>();
        let at = order.iter().position(|s| s.as_str() == doc.item.state);
        order.iter().enumerate().map(|(i, s)| (s.label(), at.is_some_and(|a| i < a), at == Some(i))).collect()
    };
    let p = DocumentPage {
        nav: nav(&st, &d, "documents").await?,
        flash: FlashQuery { ok: q.ok, err: q.err }.flash(),
        outgoing,
        timeline,
        can: doc.item.allowed_actions.clone(),
        buttons: [
            ("accept", "初审通过", true),
            ("submit", "送单位负责人审核", false),
            ("recheck", "复核通过", true),
            ("number", "编号", false),
            ("distribute", "核发", false),
            ("archive", "归档", false),
            ("conclude", "办结", true),
        ]
        .into_iter()
        .filter(|b| doc.item.allowed_actions.contains(&b.0))
        .collect(),
        mine_to_countersign: doc.missing.iter().any(|u| u.id == d.staff.unit_id),
        stances: Stance::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        leaders: st.store.leaders().await?,
        units: handling_units(st.store.units().await?),
        version_at: versions.iter().map(|v| fmt_time(v.saved_at, off)).collect(),
        versions,
        comparison,
        countersign_at: doc.countersigns.iter().map(|c| c.at.map(|t| fmt_time(t, off)).unwrap_or_default()).collect(),
        reader_at: doc.readers.iter().map(|r| (fmt_time(r.sent_at, off), r.read_at.map(|t| fmt_time(t, off)).unwrap_or_default())).collect(),
        flow,
        me_reading: doc.readers.iter().any(|r| r.user.id == d.staff.user_id && r.holds),
        signed_at: doc.signed_at.map(|t| fmt_time(t, off)).unwrap_or_default(),
        deadline: doc.item.dues.iter().find(|x| x.met_at.is_none()).map(|x| fmt_time(x.due_at, off)).unwrap_or_default(),
        doc,
    };
    Ok(render(&p))
}

/// `POST /documents/{key}/do/{action}`.
pub async fn act(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, ff: FormFiles) -> PageResult {
    let FormFiles { form, files } = ff;
    d.check(&form)?;
    let here = format!("/documents/{key}");
    let files = match attachments(files) {
        Ok(f) => f,
        Err(e) => return Ok(back(&here, None, Some(&e.message))),
    };
    let input = DocActionInput {
        comment: form.text("comment"),
        reason: form.text("reason"),
        text: form.text("text"),
        leader: form.text("leader"),
        units: form.all("units").into_iter().filter(|s| !s.trim().is_empty()).collect(),
        days: form.text("days").and_then(|v| v.trim().parse().ok()),
        readers: form.all("readers").into_iter().filter(|s| !s.trim().is_empty()).collect(),
        stance: form.text("stance"),
        copies: form.text("copies").and_then(|v| v.trim().parse().ok()),
    };
    let result = st.store.act_document(&key, &action, &input, &outgoing_input(&form), &files, &d.actor).await;
    Ok(match result {
        Ok(v) => back(&here, Some(&format!("已完成，{}现为“{}”{}", v.direction_label, v.item.state_label, v.doc_number.map(|n| format!("，发文字号 {n}")).unwrap_or_default())), None),
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}
