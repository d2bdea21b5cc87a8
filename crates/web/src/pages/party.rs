//! 党建's pages: the 组织生活会, the rectification list, the study ledger and the "我为群众办实事"
//! projects as tabs of one page; a meeting (its plan, preparation, records and list, and the
//! last meeting's list looked back at), a rectification item and a project each on a page of
//! their own; and the public page of the projects, where citizens rate the finished ones.

use sanfu_domain::party::project::{Class, State as PState};
use sanfu_domain::party::rectification::State as RState;
use sanfu_domain::party::{Scope as PScope, StudyForm};
use sanfu_store::party::meeting::{Analysis, Attendance, Criticism, PartyMeetingAction, PartyMeetingInput, Preparation, Problem, Records, parse_named_lines};
use sanfu_store::party::project::{ProjectActionInput, ProjectInput};
use sanfu_store::party::rectification::{RectificationActionInput, RectificationInput, RectificationRow};
use sanfu_store::party::study::StudyInput;

use crate::pages::FormFiles;
use crate::pages::desk::item::steps;
use crate::pages::desk::prelude::*;
use crate::pages::meeting::{attachments, day, handling_units};
use crate::pages::work::{Field, FormSpec, TableBlock, Work, WorkPage, cell, flow, link, local, opt, row};

#[derive(Deserialize, Default)]
pub struct PartyQuery {
    tab: Option<String>,
    year: Option<i32>,
    ok: Option<String>,
    err: Option<String>,
}

async fn page(st: &AppState, d: &Desk, flash: Flash, w: Work, timeline: Vec<crate::pages::desk::item::Step>) -> PageResult {
    Ok(render(&WorkPage { nav: nav(st, d, "party").await?, flash, w, timeline }))
}

fn rect_table(id: &'static str, title: &str, rows: &[RectificationRow], off: FixedOffset) -> TableBlock {
    TableBlock {
        id,
        title: title.into(),
        headers: vec!["编号", "类别", "问题", "整改措施", "责任人", "时限", "状态"],
        rows: rows
            .iter()
            .map(|r| {
                row(if r.item.state == "closed" { None } else { r.item.level }, vec![
                    link(r.item.number.clone(), format!("/party/rectifications/{}", r.item.number)),
                    cell(if r.member.is_empty() { r.scope_label.to_string() } else { format!("{}·{}", r.scope_label, r.member) }),
                    cell(r.problem.clone()),
                    cell(r.measure.clone()),
                    cell(r.owner.clone()),
                    cell(r.deadline.map(|t| day(t, off)).unwrap_or_default()),
                    cell(match (r.done_at, r.deadline) {
                        (Some(d), Some(t)) => format!("{}（{}完成）", r.item.state_label, if d > t { "逾期" } else { "按期" }),
                        _ => r.item.state_label.to_string(),
                    }),
                ])
            })
            .collect(),
        empty: "暂无整改事项",
    }
}

/// `GET /party`: the meetings, the rectification list, the study ledger, the projects.
pub async fn party(State(st): State<AppState>, d: Desk, Query(q): Query<PartyQuery>) -> PageResult {
    let tab = q.tab.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| "meetings".into());
    let off = off(&st);
    let mut w = Work { title: "党建工作".into(), forms_title: "登记".into(), wide: true, ..Default::default() };
    w.tabs = [("组织生活会", "meetings"), ("整改清单", "rectifications"), ("学习教育台账", "study"), ("我为群众办实事", "projects")]
        .iter()
        .map(|(l, t)| (l.to_string(), format!("/party?tab={t}"), tab == *t, format!("tab-{t}")))
        .collect();
    let branches = st.store.branches().await?;
    let kept: Vec<_> = branches.iter().filter(|b| b.secretary.id == d.staff.user_id || d.staff.has(Role::OfficeStaff)).collect();
    let branch_field = || Field::new("select", "branch", "党支部").options(kept.iter().map(|b| opt(&b.id, &b.name, false)));
    match tab.as_str() {
        "rectifications" => {
            let rows = st.store.rectification_rows(&d.staff, None, None).await?;
            w.links.push(("导出 Excel".into(), "/api/party/rectifications?format=xlsx".into(), "rect-export".into()));
            let closed = rows.iter().filter(|r| r.item.state == "closed").count();
            w.fact("整改事项", format!("{} 项，已销号 {} 项，整改中 {} 项", rows.len(), closed, rows.len() - closed));
            let mut t = rect_table("rect-list", "", &rows, off);
            t.headers.insert(1, "支部");
            for (r, tr) in rows.iter().zip(t.rows.iter_mut()) {
                tr.cells.insert(1, cell(r.branch_name.clone()));
            }
            w.tables.push(t);
        }
        "study" => {
            let year = q.year.unwrap_or_else(|| Utc::now().with_timezone(&off).year());
            let l = st.store.study_ledger(&d.staff, year, None).await?;
            w.title = format!("党建工作 · {year}年学习教育台账");
            w.links.push(("导出 Excel".into(), format!("/api/party/study?year={year}&format=xlsx"), "study-export".into()));
            w.tables.push(TableBlock {
                id: "study-list",
                title: "学习记录".into(),
                headers: vec!["日期", "支部", "形式", "学习内容", "学时", "参加", "缺席"],
                rows: l.sessions.iter().map(|s| row(None, vec![cell(day(s.held_at, off)), cell(s.branch_name.clone()), cell(s.form_label), cell(s.topic.clone()), cell(s.hours.to_string()), cell(s.attendees.len().to_string()), cell(s.absent.join("、"))])).collect(),
                empty: "本年度暂无学习记录",
            });
            w.tables.push(TableBlock {
                id: "study-hours",
                title: "党员学时".into(),
                headers: vec!["支部", "党员", "参加次数", "学时"],
                rows: l.members.iter().map(|m| row(None, vec![cell(m.branch_name.clone()), cell(m.member.clone()), cell(m.sessions.to_string()), cell(m.hours.to_string())])).collect(),
                empty: "",
            });
            if !kept.is_empty() {
                w.forms.push(
                    FormSpec::post("form-study-new", "登记学习", "/party/study/new", vec![
                        branch_field(),
                        Field::new("date", "date", "日期").value(day(Utc::now(), off)).required(),
                        Field::new("select", "form", "形式").options(StudyForm::ALL.iter().map(|f| opt(f.as_str(), f.label(), false))),
                        Field::new("text", "topic", "学习内容").required(),
                        Field::new("number", "hours", "学时").value("1.5").required(),
                        Field::new("textarea", "attendees", "参加人员（每行一人，不填为全体党员）").rows(3),
                        Field::new("textarea", "notes", "学习记录").rows(3),
                    ])
                    .open(),
                );
            }
        }
        "projects" => {
            let rows = st.store.list_projects(&d.staff).await?;
            w.links.push(("导出 Excel".into(), "/api/projects?format=xlsx".into(), "project-export".into()));
            w.links.push(("公众页面".into(), "/projects".into(), "project-public".into()));
            w.tables.push(TableBlock {
                id: "project-list",
                title: String::new(),
                headers: vec!["编号", "项目", "类型", "责任单位", "完成时限", "进度", "状态", "群众评价"],
                rows: rows
                    .iter()
                    .map(|r| {
                        row(r.item.level, vec![
                            link(r.item.number.clone(), format!("/party/projects/{}", r.item.number)),
                            cell(r.item.title.clone()),
                            cell(r.class_label),
                            cell(r.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
                            cell(r.item.due_at.map(|t| day(t, off)).unwrap_or_default()),
                            cell(format!("{}%", r.progress)),
                            cell(r.item.state_label),
                            cell(r.rating_average.map(|a| format!("{a:.1} 星（{} 人）", r.rating_count)).unwrap_or_default()),
                        ])
                    })
                    .collect(),
                empty: "暂无项目",
            });
            let office = d.staff.has(Role::OfficeStaff);
            if office || d.staff.acts_for_unit() {
                let mut fields = vec![
                    Field::new("text", "title", "项目名称").required(),
                    Field::new("select", "class", "办理类型").options(Class::ALL.iter().map(|c| opt(c.as_str(), c.label(), false))),
                    Field::new("textarea", "summary", "项目内容").required().rows(3),
                    Field::new("date", "deadline", "完成时限").required(),
                ];
                if office {
                    let units = handling_units(st.store.units().await?);
                    fields.insert(3, Field::new("select", "unit", "责任单位").options(units.iter().map(|u| opt(&u.code, &u.name, false))));
                }
                w.forms.push(FormSpec::post("form-project-new", "申报实事项目", "/party/projects/new", fields).open());
            }
        }
        _ => {
            let rows = st.store.list_party_meetings(&d.staff).await?;
            w.tables.push(TableBlock {
                id: "party-meetings",
                title: String::new(),
                headers: vec!["支部", "会议主题", "时间", "阶段", "整改（已销号/总数）"],
                rows: rows
                    .iter()
                    .map(|m| row(None, vec![cell(m.branch_name.clone()), link(m.theme.clone(), format!("/party/meetings/{}", m.id)), cell(fmt_time(m.meeting_at, off)), cell(m.stage_label), cell(format!("{}/{}", m.rectified, m.rectifications))]))
                    .collect(),
                empty: "暂无组织生活会",
            });
            if !kept.is_empty() {
                w.forms.push(
                    FormSpec::post("form-party-meeting-new", "安排组织生活会", "/party/meetings/new", vec![
                        branch_field(),
                        Field::new("text", "theme", "会议主题").required(),
                        Field::new("datetime-local", "meeting_at", "会议时间").required(),
                        Field::new("text", "place", "地点").value("机关会议室").required(),
                    ])
                    .note("按规定会前十天左右发出通知；通知时间记为现在。"),
                );
            }
        }
    }
    page(&st, &d, FlashQuery { ok: q.ok, err: q.err }.flash(), w, Vec::new()).await
}

/// `POST /party/meetings/new`.
pub async fn create_meeting(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let input = PartyMeetingInput { branch: form.text("branch"), theme: form.text("theme"), meeting_at: local(&st, form.text("meeting_at")), notice_at: None, place: form.text("place") };
    Ok(match st.store.create_party_meeting(&input, &d.actor).await {
        Ok(v) => back(&format!("/party/meetings/{}", v.id), Some("已发出会议通知"), None),
        Err(e) => back("/party", None, Some(&ApiError::from(e).message)),
    })
}

fn lines(s: &[String]) -> String {
    s.join("\n")
}

/// `GET /party/meetings/{id}`.
pub async fn meeting(State(st): State<AppState>, d: Desk, Path(id): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let m = st.store.party_meeting_for(&id, &d.staff).await?;
    let off = off(&st);
    let mut w = Work { title: format!("{} · {}", m.branch.name, m.theme), state_label: m.stage_label.into(), forms_title: "登记".into(), idle: "您可以查看本次组织生活会的记录。".into(), ..Default::default() };
    w.flow = flow(&sanfu_domain::party::Stage::ALL.iter().map(|s| (s.as_str(), s.label())).collect::<Vec<_>>(), &m.stage);
    w.fact("党支部", &m.branch.name);
    w.fact("支部书记", &m.branch.secretary.name);
    w.fact("会议时间", fmt_time(m.meeting_at, off));
    w.fact("地点", &m.place);
    w.fact("通知时间", format!("{}{}", fmt_time(m.notice_at, off), m.short_notice_days.map(|d| format!("（仅提前 {d} 天，规定约十天）")).unwrap_or_default()));
    if !m.preparation.study.is_empty() {
        w.blocks.push(("会前集中学习".into(), m.preparation.study.clone(), "pm-study".into()));
    }
    if !m.preparation.talks.is_empty() {
        w.blocks.push(("谈心谈话".into(), lines(&m.preparation.talks), "pm-talks".into()));
    }
    if !m.preparation.opinions.is_empty() {
        w.blocks.push(("征求意见".into(), lines(&m.preparation.opinions), "pm-opinions".into()));
    }
    if !m.problems.is_empty() {
        let p: Vec<String> = m.problems.iter().map(|p| if p.member.is_empty() { format!("【班子】{}", p.text) } else { format!("【{}】{}", p.member, p.text) }).collect();
        w.blocks.push(("问题清单".into(), lines(&p), "pm-problems".into()));
    }
    if !m.attendance.present.is_empty() {
        w.fact("到会", m.attendance.present.join("、"));
        w.fact("缺席", if m.attendance.absent.is_empty() { "无".into() } else { m.attendance.absent.join("、") });
    }
    if !m.records.self_exam.is_empty() {
        w.blocks.push(("支部书记对照检查".into(), m.records.self_exam.clone(), "pm-self-exam".into()));
        let c: Vec<String> = m.records.criticisms.iter().map(|c| format!("{}：自我批评——{}；他人批评——{}", c.member, c.self_criticism, c.criticism)).collect();
        w.blocks.push(("批评与自我批评".into(), lines(&c), "pm-criticisms".into()));
        if !m.records.analyses.is_empty() {
            let a: Vec<String> = m.records.analyses.iter().map(|a| format!("{}：{}", a.member, a.text)).collect();
            w.blocks.push(("缺席党员书面党性分析".into(), lines(&a), "pm-analyses".into()));
        }
    }
    w.tables.push(rect_table("pm-rectifications", "本次整改清单", &m.rectifications, off));
    if let Some(r) = &m.review {
        w.tables.push(rect_table("pm-review", &format!("回头看：上次（{} {}）整改 {} 项，已销号 {} 项", day(r.meeting_at, off), r.theme, r.total, r.closed), &r.items, off));
    }
    if m.keeps {
        let base = format!("/party/meetings/{}/do", m.id);
        if m.stage != "held" {
            let problems: Vec<String> = m.problems.iter().map(|p| if p.member.is_empty() { format!("班子：{}", p.text) } else { format!("{}：{}", p.member, p.text) }).collect();
            w.forms.push(
                FormSpec::post("form-pm-prepare", "会前准备", format!("{base}/prepare"), vec![
                    Field::new("textarea", "study", "会前集中学习").value(&m.preparation.study).rows(2),
                    Field::new("textarea", "talks", "谈心谈话记录（每行一条）").value(lines(&m.preparation.talks)).rows(3),
                    Field::new("textarea", "opinions", "征求意见（每行一条）").value(lines(&m.preparation.opinions)).rows(3),
                    Field::new("textarea", "problems", "问题清单（每行一条：“班子：问题”或“姓名：问题”）").value(lines(&problems)).rows(4),
                ])
                .open()
                .button("保存会前准备"),
            );
        }
        if m.stage == "preparing" {
            w.forms.push(
                FormSpec::post("form-pm-hold", "召开会议", format!("{base}/hold"), vec![
                    Field::new("checks", "present", "到会党员（签到）").options(m.branch.members.iter().map(|n| opt(n, n, true))),
                    Field::new("textarea", "self_exam", "支部书记带头对照检查").required().rows(3),
                    Field::new("textarea", "criticisms", "批评与自我批评（每行一人：“姓名：自我批评”）").rows(4),
                    Field::new("textarea", "analyses", "缺席党员书面党性分析（每行一人：“姓名：内容”）").rows(2),
                ])
                .open(),
            );
        }
        if m.stage == "held" {
            w.forms.push(
                FormSpec::post("form-pm-rectify", "列入整改清单", format!("{base}/rectify"), vec![
                    Field::new("select", "scope", "类别").options(PScope::ALL.iter().map(|s| opt(s.as_str(), s.label(), false))),
                    Field::new("select", "member", "党员（个人问题）").options(std::iter::once(opt("", "—", true)).chain(m.branch.members.iter().map(|n| opt(n, n, false)))),
                    Field::new("textarea", "problem", "问题").required().rows(2),
                    Field::new("textarea", "measure", "整改措施").required().rows(2),
                    Field::new("text", "owner", "责任人").required(),
                    Field::new("date", "deadline", "整改时限").required(),
                ])
                .open(),
            );
        }
    }
    page(&st, &d, q.flash(), w, Vec::new()).await
}

/// `POST /party/meetings/{id}/do/{action}`: prepare, hold, rectify.
pub async fn act_meeting(State(st): State<AppState>, d: Desk, Path((id, action)): Path<(String, String)>, form: Form) -> PageResult {
    d.check(&form)?;
    let here = format!("/party/meetings/{id}");
    let split = |k: &str| form.text(k).unwrap_or_default().lines().map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect::<Vec<_>>();
    let result = match action.as_str() {
        "rectify" => {
            let m = st.store.party_meeting_for(&id, &d.staff).await?;
            let input = RectificationInput {
                branch: Some(m.branch.id),
                meeting: Some(id.clone()),
                scope: form.text("scope"),
                member: form.text("member"),
                problem: form.text("problem"),
                measure: form.text("measure"),
                owner: form.text("owner"),
                deadline: form.text("deadline"),
            };
            st.store.create_rectification(&input, &d.actor).await.map(|r| format!("已列入整改清单 {}", r.item.number))
        }
        _ => {
            let m = st.store.party_meeting_for(&id, &d.staff).await?;
            let input = if action == "prepare" {
                let problems = split("problems")
                    .iter()
                    .filter_map(|l| {
                        let (who, text) = l.split_once('：').or_else(|| l.split_once(':'))?;
                        let who = who.trim();
                        Some(if who == "班子" || who == "支部" {
                            Problem { scope: "branch".into(), member: String::new(), text: text.trim().into() }
                        } else {
                            Problem { scope: "member".into(), member: who.into(), text: text.trim().into() }
                        })
                    })
                    .collect();
                PartyMeetingAction { preparation: Some(Preparation { study: form.text("study").unwrap_or_default(), talks: split("talks"), opinions: split("opinions") }), problems: Some(problems), ..Default::default() }
            } else {
                let present = form.all("present");
                let absent = m.branch.members.iter().filter(|n| !present.contains(n)).cloned().collect();
                let criticisms = parse_named_lines(&form.text("criticisms").unwrap_or_default()).into_iter().map(|(member, t)| Criticism { member, self_criticism: t, criticism: String::new() }).collect();
                let analyses = parse_named_lines(&form.text("analyses").unwrap_or_default()).into_iter().map(|(member, text)| Analysis { member, text }).collect();
                PartyMeetingAction { attendance: Some(Attendance { present, absent }), records: Some(Records { self_exam: form.text("self_exam").unwrap_or_default(), criticisms, analyses }), ..Default::default() }
            };
            st.store.act_party_meeting(&id, &action, &input, &d.actor).await.map(|v| format!("已保存，现为“{}”", v.stage_label))
        }
    };
    Ok(match result {
        Ok(m) => back(&here, Some(&m), None),
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}

/// `GET /party/rectifications/{key}`.
pub async fn rectification(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let r = st.store.rectification_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("rectification");
    let events = st.store.item_events(&r.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| ["text", "reason", "comment"].iter().filter_map(|k| e.details[*k].as_str().filter(|s| !s.is_empty()).map(String::from)).collect::<Vec<_>>().join("；"));
    let n = r.item.number.clone();
    let mut w = Work { title: format!("整改事项 {n}"), state_label: r.item.state_label.into(), forms_title: "办理".into(), idle: "此整改事项当前没有需要您办理的事项。".into(), ..Default::default() };
    w.flow = flow(&RState::ALL.iter().map(|s| (s.as_str(), s.label())).collect::<Vec<_>>(), &r.item.state);
    w.fact("党支部", &r.branch_name);
    w.fact("类别", if r.member.is_empty() { r.scope_label.to_string() } else { format!("{}（{}）", r.scope_label, r.member) });
    w.fact("责任人", &r.owner);
    for due in &r.item.dues {
        w.fact(due.label, format!("{}{}", day(due.due_at, off), match due.level { "red" => "（已逾期）", "yellow" => "（临期）", "late" => "（逾期完成）", "met" => "（按期完成）", _ => "" }));
    }
    if let Some(m) = &r.meeting_id {
        w.links.push(("所属组织生活会".into(), format!("/party/meetings/{m}"), "rect-meeting".into()));
    }
    for a in &r.attachments {
        w.links.push((format!("佐证：{}", a.name), format!("/api/items/{n}/attachments/{}", a.id), format!("att-{}", a.id)));
    }
    w.blocks.push(("问题".into(), r.problem.clone(), "rect-problem".into()));
    w.blocks.push(("整改措施".into(), r.measure.clone(), "rect-measure".into()));
    let may = |a: &str| r.item.allowed_actions.contains(&a);
    let base = format!("/party/rectifications/{n}/do");
    if may("progress") {
        w.forms.push(FormSpec::post("form-rect-progress", "报告进展", format!("{base}/progress"), vec![Field::new("textarea", "text", "整改进展").required().rows(3)]));
    }
    if may("report") {
        w.forms.push(FormSpec::post("form-rect-report", "报告完成", format!("{base}/report"), vec![Field::new("textarea", "text", "整改完成情况及佐证").required().rows(4)]).files().open());
    }
    if may("strike_off") {
        w.forms.push(FormSpec::post("form-rect-strike", "对单销号", format!("{base}/strike_off"), vec![Field::new("text", "comment", "销号意见").value("对单核查，整改到位，同意销号")]).open().button("销号"));
    }
    if may("send_back") {
        w.forms.push(FormSpec::post("form-rect-send-back", "退回整改", format!("{base}/send_back"), vec![Field::new("text", "reason", "退回理由").required()]).secondary());
    }
    page(&st, &d, q.flash(), w, timeline).await
}

/// `POST /party/rectifications/{key}/do/{action}`.
pub async fn act_rectification(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, ff: FormFiles) -> PageResult {
    let FormFiles { form, files } = ff;
    d.check(&form)?;
    let here = format!("/party/rectifications/{key}");
    let files = match attachments(files) {
        Ok(f) => f,
        Err(e) => return Ok(back(&here, None, Some(&e.message))),
    };
    let input = RectificationActionInput { text: form.text("text"), reason: form.text("reason"), comment: form.text("comment") };
    Ok(match st.store.act_rectification(&key, &action, &input, &files, &d.actor).await {
        Ok(v) => back(&here, Some(&format!("已完成，整改事项现为“{}”", v.item.state_label)), None),
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}

/// `POST /party/study/new`.
pub async fn record_study(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let input = StudyInput {
        branch: form.text("branch"),
        date: form.text("date"),
        form: form.text("form"),
        topic: form.text("topic"),
        hours: form.text("hours").and_then(|h| h.trim().parse().ok()),
        attendees: form.text("attendees").into_iter().collect(),
        notes: form.text("notes"),
    };
    Ok(match st.store.record_study(&input, &d.actor).await {
        Ok(s) => back("/party?tab=study", Some(&format!("已登记：{}（{} 学时，{} 人参加）", s.topic, s.hours, s.attendees.len())), None),
        Err(e) => back("/party?tab=study", None, Some(&ApiError::from(e).message)),
    })
}

/// `POST /party/projects/new`.
pub async fn declare_project(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let input = ProjectInput { title: form.text("title"), class: form.text("class"), summary: form.text("summary"), unit: form.text("unit"), deadline: form.text("deadline") };
    Ok(match st.store.declare_project(&input, &d.actor).await {
        Ok(v) => back(&format!("/party/projects/{}", v.item.number), Some("实事项目已申报，待督查科立项"), None),
        Err(e) => back("/party?tab=projects", None, Some(&ApiError::from(e).message)),
    })
}

/// `GET /party/projects/{key}`.
pub async fn project(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let p = st.store.project_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("project");
    let events = st.store.item_events(&p.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| {
        let mut v: Vec<String> = ["text", "reason", "comment"].iter().filter_map(|k| e.details[*k].as_str().filter(|s| !s.is_empty()).map(String::from)).collect();
        if let Some(pc) = e.details["percent"].as_i64() {
            v.insert(0, format!("进度 {pc}%"));
        }
        if let Some(s) = e.details["stars"].as_i64() {
            v.insert(0, format!("群众评价 {s} 星"));
        }
        v.join("；")
    });
    let n = p.item.number.clone();
    let mut w = Work { title: p.item.title.clone(), state_label: p.item.state_label.into(), forms_title: "办理".into(), idle: "此项目当前没有需要您办理的事项。".into(), ..Default::default() };
    let order: Vec<(&str, &str)> = [PState::Declared, PState::Doing, PState::Reported, PState::Closed].iter().map(|s| (s.as_str(), s.label())).collect();
    w.flow = flow(&order, &p.item.state);
    w.fact("编号", &n);
    w.fact("办理类型", p.class_label);
    w.fact("责任单位", p.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default());
    for due in &p.item.dues {
        w.fact(due.label, format!("{}{}", day(due.due_at, off), match due.level { "red" => "（已逾期）", "yellow" => "（临期）", _ => "" }));
    }
    w.fact("进度", format!("{}% {}", p.progress, p.progress_text));
    if let Some(a) = p.ratings.average {
        w.fact("群众评价", format!("{a:.1} 星（{} 人评价）", p.ratings.count));
    }
    w.blocks.push(("项目内容".into(), p.summary.clone(), "project-summary".into()));
    let may = |a: &str| p.item.allowed_actions.contains(&a);
    let base = format!("/party/projects/{n}/do");
    if may("approve") {
        w.forms.push(FormSpec::post("form-project-approve", "立项", format!("{base}/approve"), vec![Field::new("text", "comment", "意见").value("同意立项")]).open());
    }
    if may("reject") {
        w.forms.push(FormSpec::post("form-project-reject", "不予立项", format!("{base}/reject"), vec![Field::new("text", "reason", "理由").required()]).secondary());
    }
    if may("progress") {
        w.forms.push(FormSpec::post("form-project-progress", "报告进展", format!("{base}/progress"), vec![Field::new("number", "percent", "进度（%）").value(p.progress.to_string()), Field::new("textarea", "text", "进展情况").required().rows(3)]).open());
    }
    if may("report") {
        w.forms.push(FormSpec::post("form-project-report", "报告完成", format!("{base}/report"), vec![Field::new("textarea", "text", "完成情况").required().rows(3)]).files());
    }
    if may("close") {
        w.forms.push(FormSpec::post("form-project-close", "销号", format!("{base}/close"), vec![Field::new("text", "comment", "意见").value("已完成，予以销号")]).open());
    }
    if may("send_back") {
        w.forms.push(FormSpec::post("form-project-send-back", "退回", format!("{base}/send_back"), vec![Field::new("text", "reason", "退回理由").required()]).secondary());
    }
    if !p.ratings.comments.is_empty() {
        w.tables.push(TableBlock {
            id: "project-ratings",
            title: "群众评价".into(),
            headers: vec!["星级", "评价", "时间"],
            rows: p.ratings.comments.iter().map(|c| row(None, vec![cell("★".repeat(c.stars as usize)), cell(c.comment.clone()), cell(fmt_time(c.at, off))])).collect(),
            empty: "",
        });
    }
    page(&st, &d, q.flash(), w, timeline).await
}

/// `POST /party/projects/{key}/do/{action}`.
pub async fn act_project(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, ff: FormFiles) -> PageResult {
    let FormFiles { form, files } = ff;
    d.check(&form)?;
    let here = format!("/party/projects/{key}");
    let files = match attachments(files) {
        Ok(f) => f,
        Err(e) => return Ok(back(&here, None, Some(&e.message))),
    };
    let input = ProjectActionInput { text: form.text("text"), percent: form.text("percent").and_then(|p| p.trim().parse().ok()), reason: form.text("reason"), comment: form.text("comment") };
    Ok(match st.store.act_project(&key, &action, &input, &files, &d.actor).await {
        Ok(v) => back(&here, Some(&format!("已完成，项目现为“{}”", v.item.state_label)), None),
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}

#[derive(Template)]
#[template(path = "public_projects.html")]
pub(crate) struct PublicProjectsPage {
    projects: Vec<sanfu_store::party::project::PublicProject>,
    deadlines: Vec<Option<String>>,
    doing: usize,
    finished: usize,
    token: String,
    ok: Option<String>,
    err: Option<String>,
}

async fn public_page(st: &AppState, tok: &FormToken, ok: Option<String>, err: Option<String>) -> Result<Response, PageError> {
    let projects = st.store.public_projects().await?;
    let off = off(st);
    let p = PublicProjectsPage {
        deadlines: projects.iter().map(|p| p.deadline.map(|t| day(t, off))).collect(),
        doing: projects.iter().filter(|p| !p.finished).count(),
        finished: projects.iter().filter(|p| p.finished).count(),
        projects,
        token: tok.token.clone(),
        ok,
        err,
    };
    Ok(tok.attach(render(&p)))
}

/// `GET /projects`: every approved project and its progress, for citizens (no login).
pub async fn public_projects(State(st): State<AppState>, tok: FormToken, Query(q): Query<FlashQuery>) -> PageResult {
    public_page(&st, &tok, q.ok, q.err).await
}

/// `POST /projects/{number}/rate`: 评单 — a citizen rates a finished project.
pub async fn public_rate(State(st): State<AppState>, ClientIp(ip): ClientIp, tok: FormToken, Path(number): Path<String>, form: Form) -> PageResult {
    tok.check(&form)?;
    let counts = st.store.throttle_hit(&[format!("rate:{ip}")], 3_600_000).await?;
    if counts.first().copied().unwrap_or(0) > 20 {
        return public_page(&st, &tok, None, Some("评价过于频繁，请稍后再试".into())).await;
    }
    let input = sanfu_store::party::project::RatingInput { stars: form.text("stars").and_then(|s| s.trim().parse().ok()), comment: form.text("comment") };
    match st.store.rate_project(&number, &input, &ip).await {
        Ok(_) => public_page(&st, &tok, Some("感谢您的评价！".into()), None).await,
        Err(e) => {
            let e = ApiError::from(e);
            let mut r = public_page(&st, &tok, None, Some(e.message)).await?;
            *r.status_mut() = e.status;
            Ok(r)
        }
    }
}
