//! 领导批示's pages: a leader's page of every instruction they gave and where each stands
//! (with the form to give one), and one instruction with each unit's answer and its actions.

use sanfu_store::instruction::{InstructionInput, InstructionRow, InstructionView};

use crate::pages::desk::item::{Step, steps};
use crate::pages::desk::prelude::*;
use crate::routes::instruction::InstructionActionBody;

#[derive(Template)]
#[template(path = "instructions.html")]
pub(crate) struct ListPage {
    nav: Nav,
    flash: Flash,
    rows: Vec<InstructionRow>,
    created: Vec<String>,
    dues: Vec<String>,
    mine: bool,
    may_give: bool,
    office: bool,
    units: Vec<Unit>,
    leaders: Vec<(String, String)>,
    target: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    mine: Option<String>,
    target: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn list(State(st): State<AppState>, d: Desk, Query(q): Query<ListQuery>) -> PageResult {
    let leader = d.staff.has(Role::Leader);
    let mine = q.mine.as_deref().map(|m| m == "1" || m == "true").unwrap_or(leader);
    let rows = st.store.list_instructions(&d.staff, mine).await?;
    let off = off(&st);
    let office = d.staff.has(Role::OfficeStaff);
    // A leader names the units of their portfolio; the office, any unit.
    let units: Vec<Unit> = match Store::scope_of(&d.staff) {
        Scope::All => st.store.units().await?.into_iter().filter(|u| u.kind.can_handle()).collect(),
        Scope::Units(v) => st.store.units().await?.into_iter().filter(|u| v.contains(&u.id) && u.kind.can_handle()).collect(),
    };
    let p = ListPage {
        nav: nav(&st, &d, "instructions").await?,
        flash: FlashQuery { ok: q.ok, err: q.err }.flash(),
        created: rows.iter().map(|r| fmt_time(r.item.created_at, off)).collect(),
        dues: rows.iter().map(|r| r.item.due_at.map(|t| t.with_timezone(&off).format("%Y-%m-%d").to_string()).unwrap_or_default()).collect(),
        rows,
        mine,
        may_give: leader || office,
        office,
        units,
        leaders: if office { st.store.leaders().await? } else { Vec::new() },
        target: q.target.unwrap_or_default(),
    };
    Ok(render(&p))
}

/// `POST /instructions/new`: 批示, from the leader's page (or written down by the office).
pub async fn create(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let input = InstructionInput {
        text: form.text("text"),
        unit_ids: form.all("unit_ids").into_iter().filter(|s| !s.trim().is_empty()).collect(),
        deadline: form.text("deadline").and_then(|v| crate::pages::supervision::item::local_time(&st, &v)),
        target: form.text("target"),
        leader: form.text("leader"),
    };
    Ok(match st.store.create_instruction(&input, &d.actor).await {
        Ok(v) => back(&format!("/instructions/{}", v.item.number), Some(&format!("批示已送达 {} 个单位", v.answers.len())), None),
        Err(e) => back("/instructions", None, Some(&ApiError::from(e).message)),
    })
}

#[derive(Template)]
#[template(path = "instruction.html")]
pub(crate) struct InstructionPage {
    nav: Nav,
    flash: Flash,
    i: InstructionView,
    created: String,
    answered: Vec<String>,
    timeline: Vec<Step>,
    can: Vec<&'static str>,
    mine_to_answer: bool,
}

impl InstructionPage {
    fn may(&self, action: &str) -> bool {
        self.can.contains(&action)
    }
}

pub async fn page(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let i = st.store.instruction_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("instruction");
    let events = st.store.item_events(&i.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| {
        let dd = &e.details;
        let mut parts: Vec<String> = ["text", "reason", "note"].iter().filter_map(|k| dd[*k].as_str().map(String::from)).collect();
        if let Some(n) = dd["supervision"].as_str() {
            parts.push(format!("督办事项 {n}"));
        }
        parts.join("；")
    });
    let mine_to_answer = i.answers.iter().any(|a| a.unit_id == d.staff.unit_id && a.answered_at.is_none());
    let p = InstructionPage {
        nav: nav(&st, &d, "instructions").await?,
        flash: q.flash(),
        created: fmt_time(i.item.created_at, off),
        answered: i.answers.iter().map(|a| a.answered_at.map(|t| fmt_time(t, off)).unwrap_or_default()).collect(),
        timeline,
        can: i.item.allowed_actions.clone(),
        mine_to_answer,
        i,
    };
    Ok(render(&p))
}

/// `POST /instructions/{key}/do/{action}`: answer, remind, withdraw, supervise.
pub async fn act(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, form: Form) -> PageResult {
    d.check(&form)?;
    let here = format!("/instructions/{key}");
    if action == "supervise" {
        return Ok(match st.store.supervise_instruction(&key, &d.actor).await {
            Ok(n) => back(&format!("/supervision/{n}"), Some(&format!("已转为督办事项 {n}，请交办")), None),
            Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
        });
    }
    let body = InstructionActionBody { text: form.text("text"), unit_id: form.text("unit_id"), note: form.text("note"), reason: form.text("reason") };
    let result = match crate::routes::instruction::build(&st, &action, body).await {
        Ok(a) => st.store.act_instruction(&key, &d.actor, &a).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok(i) => back(&here, Some(&format!("已完成，批示现为“{}”", i.item.state_label)), None),
        Err(e) => back(&here, None, Some(&e.message)),
    })
}
