//! 议题's pages: the topic pool (by state and unit) with the form to propose one, a topic with
//! its opinions and the leaders' steps, and the topic plan.

use sanfu_domain::meeting::Stance;
use sanfu_domain::meeting::topic::{Action, State as TopicState};
use sanfu_store::meeting::topic::{PlanInput, PlanRow, TopicFilter, TopicInput, TopicRow, TopicView};

use crate::pages::FormFiles;
use crate::pages::desk::item::{Step, steps};
use crate::pages::desk::prelude::*;
use crate::pages::meeting::{attachments, day, handling_units};

#[derive(Template)]
#[template(path = "topics.html")]
pub(crate) struct PoolPage {
    nav: Nav,
    flash: Flash,
    rows: Vec<TopicRow>,
    created: Vec<String>,
    states: Vec<Opt>,
    units: Vec<Unit>,
    unit: String,
    state: String,
    mine: bool,
    counts: Vec<(&'static str, &'static str, usize)>,
    may_propose: bool,
    plans: Vec<PlanRow>,
    leaders: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct PoolQuery {
    state: Option<String>,
    unit: Option<String>,
    /// `1`: only the topics the reader's unit proposed.
    mine: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn pool(State(st): State<AppState>, d: Desk, Query(q): Query<PoolQuery>) -> PageResult {
    let mine = q.mine.as_deref() == Some("1");
    let f = TopicFilter { state: q.state.clone().filter(|s| !s.is_empty()), unit: q.unit.clone().filter(|s| !s.is_empty()), mine };
    let rows = st.store.list_topics(&d.staff, &f).await?;
    let all = st.store.list_topics(&d.staff, &TopicFilter::default()).await?;
    let off = off(&st);
    let counts = TopicState::ALL.iter().map(|s| (s.as_str(), s.label(), all.iter().filter(|r| r.item.state == s.as_str()).count())).filter(|c| c.2 > 0).collect();
    let may_propose = d.staff.acts_for_unit();
    let year = Utc::now().with_timezone(&off).year();
    let plans = if may_propose {
        st.store.topic_plan(year, &d.staff).await?.into_iter().filter(|p| p.unit.id == d.staff.unit_id && p.topic.is_none()).collect()
    } else {
        Vec::new()
    };
    let p = PoolPage {
        nav: nav(&st, &d, "topics").await?,
        flash: FlashQuery { ok: q.ok, err: q.err }.flash(),
        created: rows.iter().map(|r| day(r.item.created_at, off)).collect(),
        rows,
        states: opts(TopicState::ALL.iter().map(|s| (s.as_str(), s.label())), q.state.as_deref().unwrap_or_default()),
        units: handling_units(st.store.units().await?),
        unit: q.unit.unwrap_or_default(),
        state: q.state.unwrap_or_default(),
        mine,
        counts,
        may_propose,
        plans,
        leaders: st.store.leaders().await?,
    };
    Ok(render(&p))
}

/// `POST /topics/new`: a unit's topic, with its materials; proposed at once unless kept as a draft.
pub async fn create(State(st): State<AppState>, d: Desk, ff: FormFiles) -> PageResult {
    let FormFiles { form, files } = ff;
    d.check(&form)?;
    let input = TopicInput {
        title: form.text("title"),
        summary: form.text("summary"),
        meeting_type: form.text("meeting_type"),
        consulted: form.all("consulted").into_iter().filter(|s| !s.trim().is_empty()).collect(),
        leader: form.text("leader"),
        plan_id: form.text("plan_id"),
        propose: form.text("propose").is_some_and(|v| v == "1"),
    };
    let result = match attachments(files) {
        Ok(f) => st.store.create_topic(&input, &f, &d.actor).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok(t) => back(&format!("/topics/{}", t.item.number), Some(&format!("议题 {} 已{}", t.item.number, if input.propose { "报送" } else { "保存为草稿" })), None),
        Err(e) => back("/topics", None, Some(&e.message)),
    })
}

#[derive(Template)]
#[template(path = "topic.html")]
pub(crate) struct TopicPage {
    nav: Nav,
    flash: Flash,
    t: TopicView,
    opinion_at: Vec<String>,
    timeline: Vec<Step>,
    can: Vec<&'static str>,
    mine_to_opine: bool,
    stances: Vec<(&'static str, &'static str)>,
    /// Meetings still being prepared, for the mayor to put it on.
    meetings: Vec<(String, String)>,
    meeting_at: String,
}

impl TopicPage {
    fn may(&self, action: &str) -> bool {
        self.can.contains(&action)
    }
}

pub async fn topic(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let t = st.store.topic_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("topic");
    let events = st.store.topic_events(&t.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| {
        let dd = &e.details;
        let mut parts: Vec<String> = ["stance_label", "text", "comment", "reason", "meeting", "outcome_label"].iter().filter_map(|k| dd[*k].as_str().filter(|s| !s.is_empty()).map(String::from)).collect();
        if let Some(a) = dd["attachments"].as_array().filter(|a| !a.is_empty()) {
            parts.push(format!("附件 {} 个", a.len()));
        }
        parts.join("；")
    });
    let mine_to_opine = t.missing.iter().any(|u| u.id == d.staff.unit_id);
    let mut can = t.item.allowed_actions.clone();
    let mut meetings = Vec::new();
    if t.item.state == "pending_agenda" && (d.staff.has(Role::Mayor) || d.staff.has(Role::OfficeStaff)) {
        let now = Utc::now();
        meetings = st
            .store
            .list_meetings(&d.staff, now, now + Duration::days(120))
            .await?
            .into_iter()
            .filter(|m| m.item.state == "planned")
            .map(|m| (m.item.number.clone(), format!("{} {}（{}）", m.item.number, fmt_time(m.starts_at, off), m.place)))
            .collect();
        can.push("schedule");
    }
    let p = TopicPage {
        nav: nav(&st, &d, "topics").await?,
        flash: q.flash(),
        opinion_at: t.opinions.iter().map(|o| o.at.map(|t| fmt_time(t, off)).unwrap_or_default()).collect(),
        meeting_at: t.meeting.as_ref().map(|m| fmt_time(m.starts_at, off)).unwrap_or_default(),
        timeline,
        can,
        mine_to_opine,
        stances: Stance::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        meetings,
        t,
    };
    Ok(render(&p))
}

/// `POST /topics/{key}/do/{action}`.
pub async fn topic_act(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, ff: FormFiles) -> PageResult {
    let FormFiles { form, files } = ff;
    d.check(&form)?;
    let here = format!("/topics/{key}");
    let files = match attachments(files) {
        Ok(f) => f,
        Err(e) => return Ok(back(&here, None, Some(&e.message))),
    };
    let text = |n: &str| form.text(n).unwrap_or_default();
    let result: Result<String, ApiError> = match action.as_str() {
        "schedule" => {
            let m = text("meeting");
            st.store.schedule_topic(&key, &m, &d.actor).await.map(|v| format!("已列入 {} 议程（第 {} 项）", v.item.number, v.agenda.len())).map_err(ApiError::from)
        }
        "revise" => {
            let input = TopicInput { title: form.text("title"), summary: form.text("summary"), ..Default::default() };
            st.store.revise_topic(&key, &input, &files, &d.actor).await.map(|_| "议题已修改".to_string()).map_err(ApiError::from)
        }
        _ => {
            let act = match action.as_str() {
                "propose" => Ok(Action::Propose),
                "opinion" => match Stance::parse(&text("stance")) {
                    Some(stance) => Ok(Action::Opinion { stance, text: text("text") }),
                    None => Err(ApiError::unprocessable("invalid_stance", "请选择会签意见")),
                },
                "submit" => Ok(Action::Submit),
                "approve" => Ok(Action::Approve { comment: text("comment") }),
                "screen" => Ok(Action::Screen { comment: text("comment") }),
                "return" => Ok(Action::Return { reason: text("reason") }),
                "hold" => Ok(Action::Hold { reason: text("reason") }),
                "release" => Ok(Action::Release),
                "withdraw" => Ok(Action::Withdraw { reason: text("reason") }),
                other => Err(ApiError::not_found("unknown_action", format!("议题没有“{other}”这项操作"))),
            };
            match act {
                Ok(a) => st.store.act_topic(&key, &d.actor, &a, &files).await.map(|t| format!("已完成，议题现为“{}”", t.item.state_label)).map_err(ApiError::from),
                Err(e) => Err(e),
            }
        }
    };
    Ok(match result {
        Ok(m) => back(&here, Some(&m), None),
        Err(e) => back(&here, None, Some(&e.message)),
    })
}

#[derive(Template)]
#[template(path = "topic_plan.html")]
pub(crate) struct PlanPage {
    nav: Nav,
    flash: Flash,
    year: i32,
    rows: Vec<PlanRow>,
    units: Vec<Unit>,
    office: bool,
    may_add: bool,
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    year: Option<i32>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn plan(State(st): State<AppState>, d: Desk, Query(q): Query<PlanQuery>) -> PageResult {
    let year = q.year.unwrap_or_else(|| Utc::now().with_timezone(&off(&st)).year());
    let office = d.staff.has(Role::OfficeStaff);
    let p = PlanPage {
        nav: nav(&st, &d, "topics").await?,
        flash: FlashQuery { ok: q.ok, err: q.err }.flash(),
        year,
        rows: st.store.topic_plan(year, &d.staff).await?,
        units: handling_units(st.store.units().await?),
        office,
        may_add: office || d.staff.acts_for_unit(),
    };
    Ok(render(&p))
}

pub async fn add_plan(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let num = |n: &str| form.text(n).and_then(|v| v.trim().parse().ok());
    let input = PlanInput {
        year: num("year").map(|v: u32| v as i32),
        quarter: num("quarter"),
        unit: form.text("unit"),
        title: form.text("title"),
        meeting_type: form.text("meeting_type"),
        expected_month: num("expected_month"),
    };
    Ok(match st.store.add_topic_plan(&input, &d.actor).await {
        Ok(p) => back(&format!("/topics/plan?year={}", p.year), Some("已列入议题计划"), None),
        Err(e) => back("/topics/plan", None, Some(&ApiError::from(e).message)),
    })
}

