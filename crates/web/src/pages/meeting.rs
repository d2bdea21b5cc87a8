//! 会议's pages (the topics' are in [`super::topic`]): the meeting calendar, a meeting's page
//! (agenda, attendance, sign-in and quorum, minutes, the decisions and their progress — the
//! meeting's scoreboard) and the decision ledger.

use std::collections::BTreeMap;

use sanfu_domain::meeting::{MeetingType, Outcome, Reply};
use sanfu_store::kernel::attachments::Attachment;
use sanfu_store::meeting::minutes::{DecisionFilter, DecisionRow};
use sanfu_store::meeting::session::{AgendaInput, DecisionInput, MeetingActionInput, MeetingInput, MeetingRow, MeetingView, TopicMinutesInput};
use sanfu_store::meeting::topic::TopicFilter;

use crate::pages::FormFiles;
use crate::pages::desk::item::{Step, steps};
use crate::pages::desk::prelude::*;
use crate::pages::supervision::item::local_time;

pub(super) fn day(t: chrono::DateTime<Utc>, off: FixedOffset) -> String {
    t.with_timezone(&off).format("%Y-%m-%d").to_string()
}

pub(super) fn attachments(files: Vec<(String, Vec<u8>)>) -> Result<Vec<Attachment>, ApiError> {
    Ok(Attachment::check_all(files)?)
}

pub(super) fn handling_units(units: Vec<Unit>) -> Vec<Unit> {
    units.into_iter().filter(|u| u.kind.can_handle() && u.active).collect()
}

/// One day of the month grid.
pub(crate) struct Cell {
    day: u32,
    today: bool,
    meetings: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "meetings.html")]
pub(crate) struct CalendarPage {
    nav: Nav,
    flash: Flash,
    month: String,
    prev: String,
    next: String,
    weeks: Vec<Vec<Option<Cell>>>,
    upcoming: Vec<MeetingRow>,
    upcoming_at: Vec<String>,
    recent: Vec<MeetingRow>,
    recent_at: Vec<String>,
    office: bool,
    types: Vec<(&'static str, &'static str)>,
    leaders: Vec<(String, String)>,
    settings: sanfu_domain::meeting::Settings,
}

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    /// YYYY-MM.
    month: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn calendar(State(st): State<AppState>, d: Desk, Query(q): Query<CalendarQuery>) -> PageResult {
    let off = off(&st);
    let today = Utc::now().with_timezone(&off).date_naive();
    let first = q
        .month
        .as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today));
    let next_first = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first);
    let prev_first = (first - Duration::days(1)).with_day(1).unwrap_or(first);
    let (from, to) = crate::routes::meeting::span(&st, Some(&(first - Duration::days(200)).to_string()), Some(&(next_first + Duration::days(200)).to_string()))?;
    let all = st.store.list_meetings(&d.staff, from, to).await?;
    let mut by_day: BTreeMap<NaiveDate, Vec<(String, String, String)>> = BTreeMap::new();
    for m in &all {
        let at = m.starts_at.with_timezone(&off);
        by_day.entry(at.date_naive()).or_default().push((m.item.number.clone(), format!("{} {}", at.format("%H:%M"), m.item.title), m.item.state_label.to_string()));
    }
    let mut weeks = Vec::new();
    let mut week: Vec<Option<Cell>> = (0..first.weekday().num_days_from_monday()).map(|_| None).collect();
    let mut day_ = first;
    while day_ < next_first {
        week.push(Some(Cell { day: day_.day(), today: day_ == today, meetings: by_day.remove(&day_).unwrap_or_default() }));
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        day_ += Duration::days(1);
    }
    if !week.is_empty() {
        while week.len() < 7 {
            week.push(None);
        }
        weeks.push(week);
    }
    let now = Utc::now();
    let upcoming: Vec<MeetingRow> = all.iter().filter(|m| m.starts_at >= now - Duration::hours(12)).take(10).cloned().collect();
    let mut recent: Vec<MeetingRow> = all.iter().filter(|m| m.starts_at < now - Duration::hours(12)).cloned().collect();
    recent.reverse();
    recent.truncate(10);
    let office = d.staff.has(Role::OfficeStaff);
    let p = CalendarPage {
        nav: nav(&st, &d, "meetings").await?,
        flash: FlashQuery { ok: q.ok, err: q.err }.flash(),
        month: first.format("%Y年%m月").to_string(),
        prev: prev_first.format("%Y-%m").to_string(),
        next: next_first.format("%Y-%m").to_string(),
        weeks,
        upcoming_at: upcoming.iter().map(|m| fmt_time(m.starts_at, off)).collect(),
        upcoming,
        recent_at: recent.iter().map(|m| fmt_time(m.starts_at, off)).collect(),
        recent,
        office,
        types: MeetingType::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        leaders: if office { st.store.leaders().await? } else { Vec::new() },
        settings: st.store.meeting_settings().await?,
    };
    Ok(render(&p))
}

/// `POST /meetings/settings`: the meeting section's deadlines.
pub async fn save_settings(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let cur = st.store.meeting_settings().await?;
    let num = |n: &str, v: u32| form.text(n).and_then(|x| x.trim().parse().ok()).unwrap_or(v);
    let s = sanfu_domain::meeting::Settings {
        opinion_days: num("opinion_days", cur.opinion_days),
        materials_days: num("materials_days", cur.materials_days),
        agenda_working_days: num("agenda_working_days", cur.agenda_working_days),
        notice_days: num("notice_days", cur.notice_days),
        minutes_working_days: num("minutes_working_days", cur.minutes_working_days),
        warn_percent: num("warn_percent", cur.warn_percent),
    };
    Ok(match st.store.set_meeting_settings(s, &d.actor).await {
        Ok(_) => back("/meetings", Some("会议设置已保存，对此后安排的会议和报送的议题生效"), None),
        Err(e) => back("/meetings", None, Some(&ApiError::from(e).message)),
    })
}

/// `POST /meetings/new`.
pub async fn create_meeting(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let input = MeetingInput {
        meeting_type: form.text("meeting_type"),
        title: form.text("title"),
        starts_at: form.text("starts_at").and_then(|v| local_time(&st, &v)),
        place: form.text("place"),
        chair: form.text("chair"),
        members: form.all("members").into_iter().filter(|s| !s.trim().is_empty()).collect(),
    };
    Ok(match st.store.create_meeting(&input, &d.actor).await {
        Ok(m) => back(&format!("/meetings/{}", m.item.number), Some("会议已安排，请安排议程"), None),
        Err(e) => back("/meetings", None, Some(&ApiError::from(e).message)),
    })
}

#[derive(Template)]
#[template(path = "meeting.html")]
pub(crate) struct MeetingPage {
    nav: Nav,
    flash: Flash,
    m: MeetingView,
    starts: String,
    timeline: Vec<Step>,
    can: Vec<&'static str>,
    /// Topics waiting for a meeting, to add to the agenda.
    pending: Vec<(String, String)>,
    units: Vec<Unit>,
    outcomes: Vec<(&'static str, &'static str)>,
    replies: Vec<(&'static str, &'static str)>,
    signed_at: Vec<String>,
    /// Whether the reader still owes an answer to the notice, and may sign in themselves.
    mine_to_reply: bool,
    mine_to_sign: bool,
    /// Decision rows for the draft form: (agenda seq, index, text, lead unit id, co unit codes, deadline).
    drafts: Vec<(u32, usize, String, String, String, String)>,
    issued_at: String,
    errata_at: Vec<String>,
    decision_due: Vec<Vec<String>>,
}

impl MeetingPage {
    fn may(&self, action: &str) -> bool {
        self.can.contains(&action)
    }
    fn drafts_of(&self, seq: &u32) -> Vec<&(u32, usize, String, String, String, String)> {
        self.drafts.iter().filter(|d| d.0 == *seq).collect()
    }
}

pub async fn meeting(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let m = st.store.meeting_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("meeting");
    let events = st.store.item_events(&m.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| {
        let dd = &e.details;
        let mut parts: Vec<String> = ["reply_label", "substitute", "note", "comment", "reason", "text", "warning", "minutes_number"]
            .iter()
            .filter_map(|k| dd[*k].as_str().filter(|s| !s.is_empty()).map(String::from))
            .collect();
        if let Some(a) = dd["supervision"].as_array().filter(|a| !a.is_empty()) {
            parts.push(format!("议定事项转督办 {} 项", a.len()));
        }
        parts.join("；")
    });
    let pending = if m.item.allowed_actions.contains(&"agenda") {
        st.store
            .list_topics(&d.staff, &TopicFilter { state: Some("pending_agenda".into()), ..Default::default() })
            .await?
            .into_iter()
            .map(|t| (t.item.number.clone(), format!("{} {}（{}）", t.item.number, t.item.title, t.item.lead_unit.map(|u| u.name).unwrap_or_default())))
            .collect()
    } else {
        Vec::new()
    };
    let me = format!("u:{}", d.staff.user_id);
    let my_unit = format!("d:{}", d.staff.unit_id);
    let mine = |a: &&sanfu_store::meeting::session::AttendeeView| a.key == me || d.staff.acts_for_unit() && a.key == my_unit;
    let mine_to_reply = m.item.allowed_actions.contains(&"reply") && m.attendees.iter().filter(mine).any(|a| a.reply.is_none());
    let mine_to_sign = m.sign_in_open && m.attendees.iter().filter(mine).any(|a| a.signed_in_at.is_none());
    let units = handling_units(st.store.units().await?);
    let code_of: BTreeMap<String, String> = units.iter().map(|u| (u.id.clone(), u.code.clone())).collect();
    let mut drafts = Vec::new();
    for a in &m.agenda {
        for (i, dec) in a.decisions.iter().enumerate() {
            let co: Vec<String> = dec.co_units.iter().filter_map(|u| code_of.get(&u.id).cloned()).collect();
            drafts.push((a.seq, i, dec.text.clone(), dec.lead_unit.id.clone(), co.join(","), day(dec.deadline, off)));
        }
        // Room for two more decisions on each topic.
        let n = a.decisions.len();
        for i in n..n + 2 {
            drafts.push((a.seq, i, String::new(), String::new(), String::new(), String::new()));
        }
    }
    let p = MeetingPage {
        nav: nav(&st, &d, "meetings").await?,
        flash: q.flash(),
        starts: fmt_time(m.starts_at, off),
        timeline,
        can: m.item.allowed_actions.clone(),
        pending,
        units,
        outcomes: Outcome::ALL.iter().map(|o| (o.as_str(), o.label())).collect(),
        replies: Reply::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        signed_at: m.attendees.iter().map(|a| a.signed_in_at.map(|t| t.with_timezone(&off).format("%H:%M").to_string()).unwrap_or_default()).collect(),
        mine_to_reply,
        mine_to_sign,
        drafts,
        issued_at: m.minutes.issued_at.map(|t| day(t, off)).unwrap_or_default(),
        errata_at: m.minutes.errata.iter().map(|e| fmt_time(e.at, off)).collect(),
        decision_due: m.agenda.iter().map(|a| a.decisions.iter().map(|x| day(x.deadline, off)).collect()).collect(),
        m,
    };
    Ok(render(&p))
}

/// `POST /meetings/{key}/do/{action}`.
pub async fn meeting_act(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, ff: FormFiles) -> PageResult {
    let FormFiles { form, files } = ff;
    d.check(&form)?;
    let here = format!("/meetings/{key}");
    let files = match attachments(files) {
        Ok(f) => f,
        Err(e) => return Ok(back(&here, None, Some(&e.message))),
    };
    let mut input = MeetingActionInput {
        reply: form.text("reply"),
        substitute: form.text("substitute"),
        note: form.text("note"),
        attendees: form.all("attendees"),
        summary: form.text("summary"),
        pass: form.text("pass").map(|v| v == "true"),
        comment: form.text("comment"),
        text: form.text("text"),
        reason: form.text("reason"),
        ..Default::default()
    };
    match action.as_str() {
        // The agenda as it stands, with a topic added or one taken off.
        "agenda" | "unagenda" => {
            let m = st.store.meeting_for(&key, &d.staff).await?;
            let drop = form.text("remove").unwrap_or_default();
            let mut entries: Vec<AgendaInput> = m
                .agenda
                .iter()
                .filter(|a| a.topic.number != drop)
                .map(|a| AgendaInput { topic: a.topic.number.clone(), slot: Some(a.slot.clone()), observers: a.observers.iter().map(|o| o.id.clone()).collect() })
                .collect();
            if let Some(t) = form.text("topic").filter(|t| !t.trim().is_empty()) {
                entries.push(AgendaInput { topic: t, slot: form.text("slot"), observers: form.all("observers").into_iter().filter(|s| !s.is_empty()).collect() });
            }
            input.topics = Some(entries);
        }
        "draft_minutes" => {
            let m = st.store.meeting_for(&key, &d.staff).await?;
            let mut outcomes = Vec::new();
            for a in &m.agenda {
                let mut decisions = Vec::new();
                for i in 0..a.decisions.len() + 2 {
                    let f = |n: &str| form.text(&format!("d{}_{i}_{n}", a.seq)).filter(|v| !v.trim().is_empty());
                    if let Some(text) = f("text") {
                        decisions.push(DecisionInput {
                            text: Some(text),
                            lead_unit: f("lead"),
                            co_units: f("co").map(|s| s.split([',', '，', ' ', '、']).filter(|x| !x.is_empty()).map(String::from).collect()).unwrap_or_default(),
                            deadline: f("due").and_then(|v| local_time(&st, &v)),
                        });
                    }
                }
                outcomes.push(TopicMinutesInput { seq: a.seq, outcome: form.text(&format!("o{}", a.seq)), note: form.text(&format!("n{}", a.seq)), decisions });
            }
            input.outcomes = Some(outcomes);
        }
        _ => {}
    }
    let action = if action == "unagenda" { "agenda".to_string() } else { action };
    Ok(match st.store.act_meeting(&key, &action, &input, &files, &d.actor).await {
        Ok(m) => {
            let mut msg = format!("已完成，会议现为“{}”", m.item.state_label);
            if action == "convene" && let Some(w) = &m.quorum.warning {
                msg = format!("会议已召开。注意：{w}");
            }
            if action == "issue" && let Some(n) = &m.minutes.number {
                msg = format!("纪要已印发：{n}，议定事项已转督查科督办");
            }
            back(&here, Some(&msg), None)
        }
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}

#[derive(Template)]
#[template(path = "decisions.html")]
pub(crate) struct DecisionsPage {
    nav: Nav,
    flash: Flash,
    rows: Vec<DecisionRow>,
    dates: Vec<String>,
    dues: Vec<String>,
    year: String,
    total: usize,
    done: usize,
    red: usize,
}

#[derive(Deserialize, Default)]
pub struct DecisionQuery {
    year: Option<i32>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn decisions(State(st): State<AppState>, d: Desk, Query(q): Query<DecisionQuery>) -> PageResult {
    let rows = st.store.decision_ledger(&d.staff, &DecisionFilter { year: q.year, ..Default::default() }).await?;
    let off = off(&st);
    let done = rows.iter().filter(|r| r.supervision.as_ref().is_some_and(|s| s.state == "closed")).count();
    let red = rows.iter().filter(|r| r.supervision.as_ref().is_some_and(|s| s.card.as_deref() == Some("red") || s.level == Some("red"))).count();
    let p = DecisionsPage {
        nav: nav(&st, &d, "meetings").await?,
        flash: FlashQuery { ok: q.ok, err: q.err }.flash(),
        dates: rows.iter().map(|r| day(r.meeting_date, off)).collect(),
        dues: rows.iter().map(|r| day(r.deadline, off)).collect(),
        total: rows.len(),
        done,
        red,
        rows,
        year: q.year.map(|y| y.to_string()).unwrap_or_default(),
    };
    Ok(render(&p))
}
