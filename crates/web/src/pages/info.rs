//! 政务信息's pages: the 信息报送台账 (and a unit's form to submit), the bulletins, 约稿 and the
//! units' ranking as tabs of one page; a submission, an issue and a request each on a page of
//! their own, with the forms of the steps the reader may take now, and — for a leader — the
//! form to instruct on it (批示).

use sanfu_domain::info::bulletin::State as BState;
use sanfu_domain::info::item::State as IState;
use sanfu_domain::info::{Category, ProvinceLevel, Series};
use sanfu_store::info::bulletin::{BulletinActionInput, BulletinInput, ComposeLine};
use sanfu_store::info::request::RequestInput;
use sanfu_store::info::{InfoActionInput, InfoFilter, InfoInput};
use sanfu_store::kernel::items::ItemDetail;

use crate::pages::FormFiles;
use crate::pages::desk::item::steps;
use crate::pages::desk::prelude::*;
use crate::pages::meeting::{attachments, handling_units};
use crate::pages::work::{Field, FormSpec, TableBlock, Work, WorkPage, cell, flow, link, local, opt, row};

#[derive(Deserialize, Default)]
pub struct InfoQuery {
    tab: Option<String>,
    state: Option<String>,
    category: Option<String>,
    period: Option<String>,
    request: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

fn tabs(on: &str, office: bool) -> Vec<(String, String, bool, String)> {
    let mut v = vec![("信息报送台账", "ledger"), ("信息刊物", "bulletins"), ("约稿", "requests")];
    if office {
        v.push(("单位排名", "scores"));
    } else {
        v.push(("本单位得分", "scores"));
    }
    v.into_iter().map(|(l, t)| (l.to_string(), format!("/info?tab={t}"), on == t, format!("tab-{t}"))).collect()
}

async fn page(st: &AppState, d: &Desk, flash: Flash, w: Work, timeline: Vec<crate::pages::desk::item::Step>) -> PageResult {
    Ok(render(&WorkPage { nav: nav(st, d, "info").await?, flash, w, timeline }))
}

fn due_facts(w: &mut Work, item: &ItemDetail, off: FixedOffset) {
    for due in &item.dues {
        let state = match due.level {
            "met" => format!("已于 {} 完成", due.met_at.map(|t| fmt_time(t, off)).unwrap_or_default()),
            "late" => format!("逾期完成（{}）", due.met_at.map(|t| fmt_time(t, off)).unwrap_or_default()),
            "red" => "已超时".into(),
            "yellow" => "即将超时".into(),
            _ => "进行中".into(),
        };
        w.fact(due.label, format!("{}（{state}）", fmt_time(due.due_at, off)));
    }
}

/// The 批示 form of a leader on an item or an issue.
fn instruct_form(number: &str, units: &[Unit], first: Option<&str>) -> FormSpec {
    FormSpec::post(
        "form-instruct",
        "领导批示",
        "/instructions/new",
        vec![
            Field::new("hidden", "target", "").value(number),
            Field::new("textarea", "text", "批示内容").required(),
            Field::new("multi", "unit_ids", "承办单位（第一个为主办）").options(units.iter().map(|u| opt(&u.code, &u.name, Some(u.id.as_str()) == first))),
        ],
    )
    .button("作出批示")
}

/// `GET /info`: the ledger, the bulletins, 约稿, the ranking.
pub async fn info(State(st): State<AppState>, d: Desk, Query(q): Query<InfoQuery>) -> PageResult {
    let office = d.staff.has(Role::OfficeStaff);
    let leader = d.staff.has(Role::Leader);
    let tab = q.tab.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| if leader && !office { "bulletins".into() } else { "ledger".into() });
    let off = off(&st);
    let mut w = Work { title: "政务信息".into(), tabs: tabs(&tab, office), forms_title: "办理".into(), wide: true, ..Default::default() };
    match tab.as_str() {
        "bulletins" => {
            let rows = st.store.list_bulletins(&d.staff, None).await?;
            w.tables.push(TableBlock {
                id: "bulletin-list",
                title: String::new(),
                headers: vec!["编号", "刊物", "期号", "条数", "状态", "印发时间"],
                rows: rows
                    .iter()
                    .map(|r| {
                        row(None, vec![
                            link(r.item.number.clone(), format!("/bulletins/{}", r.item.number)),
                            cell(r.series_label.clone()),
                            cell(r.issue_label.clone().unwrap_or_else(|| "（印发时编期）".into())),
                            cell(r.lines.to_string()),
                            cell(r.item.state_label),
                            cell(r.issued_at.map(|t| fmt_time(t, off)).unwrap_or_default()),
                        ])
                    })
                    .collect(),
                empty: "暂无刊物",
            });
            if office {
                w.forms.push(
                    FormSpec::post("form-bulletin-new", "新编一期刊物", "/bulletins/new", vec![
                        Field::new("select", "series", "刊物").options(Series::ALL.iter().map(|s| opt(s.as_str(), s.label(), *s == Series::Info))),
                        Field::new("textarea", "note", "编者按（可不填）").rows(2),
                    ])
                    .open(),
                );
            }
        }
        "requests" => {
            let rows = st.store.list_requests(&d.staff).await?;
            w.tables.push(TableBlock {
                id: "request-list",
                title: String::new(),
                headers: vec!["编号", "约稿主题", "截止", "约稿单位", "已报送", "未报送", "状态"],
                rows: rows
                    .iter()
                    .map(|r| {
                        row(r.item.level, vec![
                            link(r.item.number.clone(), format!("/info/requests/{}", r.item.number)),
                            cell(r.item.title.clone()),
                            cell(r.item.due_at.map(|t| fmt_time(t, off)).unwrap_or_default()),
                            cell(r.units.to_string()),
                            cell(r.answered.to_string()),
                            cell(r.missed.to_string()),
                            cell(r.item.state_label),
                        ])
                    })
                    .collect(),
                empty: "暂无约稿",
            });
            if office {
                let units = handling_units(st.store.units().await?);
                w.forms.push(
                    FormSpec::post("form-request-new", "向单位约稿", "/info/requests/new", vec![
                        Field::new("text", "title", "约稿主题").required(),
                        Field::new("textarea", "body", "约稿要求").required().rows(3),
                        Field::new("multi", "units", "约稿单位（可多选）").options(units.iter().map(|u| opt(&u.code, &u.name, false))),
                        Field::new("date", "deadline", "报送截止日期").required(),
                    ])
                    .open(),
                );
            }
        }
        "scores" => {
            let period = q.period.clone().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| st.store.this_month(Utc::now()));
            let board = st.store.info_scores(&d.staff, &period).await?;
            w.title = format!("政务信息 · {}信息工作排名", board.period_label);
            w.links.push(("导出 Excel".into(), format!("/api/info/scores?period={}&format=xlsx", enc(&period)), "score-export".into()));
            w.tables.push(TableBlock {
                id: "score-table",
                title: String::new(),
                headers: vec!["名次", "单位", "报送", "采用", "每日要情", "政务信息", "专报", "领导批示", "省采用", "约稿未报", "得分", "任务", "完成"],
                rows: board
                    .units
                    .iter()
                    .map(|u| {
                        row(if u.missed_requests > 0 { Some("yellow") } else { None }, vec![
                            cell(u.rank.to_string()),
                            cell(u.unit_name.clone()),
                            cell(u.submitted.to_string()),
                            cell(u.adopted.to_string()),
                            cell(u.in_daily.to_string()),
                            cell(u.in_info.to_string()),
                            cell(u.in_special.to_string()),
                            cell(u.instructed.to_string()),
                            cell(u.province.to_string()),
                            cell(u.missed_requests.to_string()),
                            cell(u.points.to_string()),
                            cell(format!("{} 条 / {} 分", u.quota_adopted, u.quota_points)),
                            cell(if u.quota_met { "✓" } else { "" }),
                        ])
                    })
                    .collect(),
                empty: "暂无单位",
            });
            w.forms.push(FormSpec::post("form-period", "统计期间", "/info", vec![Field::new("hidden", "tab", "").value("scores"), Field::new("text", "period", "期间（如 2026、2026-Q4、2026-12）").value(&period)]).get().open().button("查询"));
            if office {
                w.forms.push(crate::pages::info_settings::settings_form(&st.store.info_settings().await?));
            }
        }
        _ => {
            let filter = InfoFilter { state: q.state.clone().filter(|s| !s.is_empty()), category: q.category.clone().filter(|s| !s.is_empty()), unit: None, unused: false };
            let rows = st.store.list_info(&d.staff, &filter).await?;
            w.links.push((
                "导出 Excel".into(),
                format!("/api/info?format=xlsx&state={}&category={}", enc(q.state.as_deref().unwrap_or_default()), enc(q.category.as_deref().unwrap_or_default())),
                "info-export".into(),
            ));
            w.tables.push(TableBlock {
                id: "info-list",
                title: String::new(),
                headers: vec!["编号", "报送时间", "单位", "类别", "标题", "状态", "编入刊物", "批示", "省采用"],
                rows: rows
                    .iter()
                    .map(|r| {
                        row(r.item.level, vec![
                            link(r.item.number.clone(), format!("/info/{}", r.item.number)),
                            cell(fmt_time(r.item.created_at, off)),
                            cell(r.unit_name.clone()),
                            cell(r.category_label),
                            cell(r.item.title.clone()),
                            cell(r.item.state_label),
                            cell(r.in_bulletins.clone()),
                            cell(if r.instructed { "有" } else { "" }),
                            cell(r.province_label.unwrap_or(if r.forwarded { "已转报" } else { "" })),
                        ])
                    })
                    .collect(),
                empty: "暂无信息",
            });
            w.forms.push(
                FormSpec::post("form-filter", "筛选", "/info", vec![
                    Field::new("select", "state", "状态").options(std::iter::once(opt("", "全部", false)).chain(IState::ALL.iter().map(|s| opt(s.as_str(), s.label(), q.state.as_deref() == Some(s.as_str()))))),
                    Field::new("select", "category", "类别").options(std::iter::once(opt("", "全部", false)).chain(Category::ALL.iter().map(|s| opt(s.as_str(), s.label(), q.category.as_deref() == Some(s.as_str()))))),
                ])
                .get()
                .button("查询"),
            );
            if d.staff.acts_for_unit() {
                let requests = st.store.list_requests(&d.staff).await?;
                let open: Vec<_> = requests.iter().filter(|r| r.item.state == "open").collect();
                w.forms.insert(0, submit_form(&d, &open.iter().map(|r| (r.item.number.clone(), r.item.title.clone())).collect::<Vec<_>>(), q.request.as_deref()).open());
            }
        }
    }
    page(&st, &d, FlashQuery { ok: q.ok, err: q.err }.flash(), w, Vec::new()).await
}

fn submit_form(d: &Desk, requests: &[(String, String)], chosen: Option<&str>) -> FormSpec {
    let mut fields = vec![
        Field::new("text", "title", "信息标题").required(),
        Field::new("select", "category", "类别").options(Category::ALL.iter().map(|c| opt(c.as_str(), c.label(), *c == Category::News))),
        Field::new("textarea", "body", "正文").required().rows(8),
        Field::new("text", "writer", "撰稿人").value(&d.staff.name).required(),
        Field::new("text", "writer_phone", "联系电话").hint("如 0791-86001234").required(),
        Field::new("datetime-local", "incident_at", "事发时间（突发事件必填）"),
        Field::new("datetime-local", "first_reported_at", "首报时间（电话首报，可不填）"),
    ];
    if !requests.is_empty() {
        fields.push(Field::new("select", "request", "报送约稿（可不选）").options(std::iter::once(opt("", "（不是约稿）", false)).chain(requests.iter().map(|(n, t)| opt(n, &format!("{n} {t}"), chosen == Some(n.as_str()))))));
    }
    FormSpec::post("form-info-new", "报送信息", "/info/new", fields)
        .files()
        .note(if d.staff.has(Role::UnitHead) { "您是单位负责人，报送即视为审签，直接送信息科。" } else { "报送后由本单位负责人审签，再送信息科。" })
}

/// `POST /info/new`.
pub async fn submit(State(st): State<AppState>, d: Desk, ff: FormFiles) -> PageResult {
    let FormFiles { form, files } = ff;
    d.check(&form)?;
    let files = match attachments(files) {
        Ok(f) => f,
        Err(e) => return Ok(back("/info", None, Some(&e.message))),
    };
    let input = InfoInput {
        title: form.text("title"),
        category: form.text("category"),
        body: form.text("body"),
        writer: form.text("writer"),
        writer_phone: form.text("writer_phone"),
        incident_at: local(&st, form.text("incident_at")),
        first_reported_at: local(&st, form.text("first_reported_at")),
        request: form.text("request").filter(|s| !s.trim().is_empty()),
    };
    Ok(match st.store.submit_info(&input, &files, &d.actor).await {
        Ok(v) => back(&format!("/info/{}", v.item.number), Some(&format!("信息 {} 已报送，现为“{}”", v.item.number, v.item.state_label)), None),
        Err(e) => back("/info", None, Some(&ApiError::from(e).message)),
    })
}

/// `GET /info/{key}`.
pub async fn item(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let v = st.store.info_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("info");
    let events = st.store.item_events(&v.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| {
        ["comment", "missing", "reason", "level_label", "request"].iter().filter_map(|k| e.details[*k].as_str().filter(|s| !s.is_empty()).map(String::from)).collect::<Vec<_>>().join("；")
    });
    let n = v.item.number.clone();
    let mut w = Work { title: v.item.title.clone(), state_label: v.item.state_label.into(), forms_title: "办理".into(), idle: "此信息当前没有需要您办理的事项。".into(), ..Default::default() };
    let order: Vec<(&str, &str)> = [IState::Signing, IState::Submitted, IState::Adopted].iter().map(|s| (s.as_str(), s.label())).collect();
    w.flow = flow(&order, if v.item.state == "urgent" { "submitted" } else { &v.item.state });
    if v.item.state == "urgent" {
        w.alert = Some("突发事件信息：请立即处理并向领导报告".into());
    }
    w.fact("信息编号", &n);
    w.fact("类别", v.category_label);
    w.fact("报送单位", &v.unit.name);
    w.fact("撰稿人", format!("{}（{}）", v.writer, v.writer_phone));
    w.fact("审签", v.signer.clone().unwrap_or_else(|| "待单位负责人审签".into()));
    w.fact("报送时间", fmt_time(v.item.created_at, off));
    if let Some(t) = v.incident_at {
        w.fact("事发时间", fmt_time(t, off));
    }
    if let Some(t) = v.first_reported_at {
        w.fact("首报时间", fmt_time(t, off));
    }
    due_facts(&mut w, &v.item, off);
    if let Some(r) = &v.request_number {
        w.fact("约稿", r.clone());
    }
    if let Some(a) = &v.answer {
        w.fact(if v.item.state == "declined" { "不采用理由" } else { "需补充" }, a.clone());
    }
    if let Some(t) = v.forwarded_at {
        w.fact("转报省政府办公厅", fmt_time(t, off));
    }
    if let Some(p) = v.province_label {
        w.fact("省采用", p);
    }
    if !v.bulletins.is_empty() {
        w.fact("编入刊物", v.bulletins.iter().map(|b| b.title.clone()).collect::<Vec<_>>().join("、"));
    }
    for i in &v.instructions {
        w.fact("领导批示", format!("{} {}（{}）", i.number, i.title, i.state_label));
    }
    w.blocks.push(("报送原文".into(), v.body.clone(), "info-body".into()));
    if let Some(e) = &v.edited_body {
        w.blocks.push(("采用稿（信息科编辑）".into(), e.clone(), "info-edited".into()));
    }
    for a in &v.attachments {
        w.links.push((format!("附件：{}", a.name), format!("/api/items/{n}/attachments/{}", a.id), format!("att-{}", a.id)));
    }
    let may = |a: &str| v.item.allowed_actions.contains(&a);
    let base = format!("/info/{n}/do");
    if may("sign") {
        w.forms.push(FormSpec::post("form-info-sign", "审签", format!("{base}/sign"), vec![Field::new("text", "comment", "审签意见").value("同意报送")]).open().button("审签并报送"));
    }
    if may("adopt") {
        w.forms.push(FormSpec::post("form-info-adopt", "采用", format!("{base}/adopt"), vec![Field::new("textarea", "edited_body", "采用稿（可编辑，原文另行保留）").value(&v.body).rows(8)]).open());
    }
    if may("return") {
        w.forms.push(FormSpec::post("form-info-return", "退回补充", format!("{base}/return"), vec![Field::new("text", "missing", "需补充的内容").required()]).secondary());
    }
    if may("decline") {
        w.forms.push(FormSpec::post("form-info-decline", "不采用", format!("{base}/decline"), vec![Field::new("text", "reason", "不采用理由").required()]).secondary());
    }
    if may("resubmit") {
        w.forms.push(FormSpec::post("form-info-resubmit", "补充报送", format!("{base}/resubmit"), vec![Field::new("textarea", "body", "补充后的正文").value(&v.body).rows(8).required()]).open());
    }
    if may("forward") && v.forwarded_at.is_none() {
        w.forms.push(FormSpec::post("form-info-forward", "转报省政府办公厅", format!("{base}/forward"), vec![Field::new("text", "comment", "说明（可不填）")]));
    }
    if may("province_adopt") && v.forwarded_at.is_some() && v.province_level.is_none() {
        w.forms.push(FormSpec::post("form-info-province", "登记省采用", format!("{base}/province_adopt"), vec![
            Field::new("select", "level", "省里采用的刊物").options(ProvinceLevel::ALL.iter().map(|l| opt(l.as_str(), l.label(), false))),
            Field::new("text", "comment", "刊期（如 省《政务信息》第212期）"),
        ]));
    }
    if d.staff.has(Role::Leader) {
        let units = handling_units(st.store.units().await?);
        w.forms.push(instruct_form(&n, &units, Some(&v.unit.id)));
    }
    page(&st, &d, q.flash(), w, timeline).await
}

/// `POST /info/{key}/do/{action}`.
pub async fn act(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, form: Form) -> PageResult {
    d.check(&form)?;
    let input = InfoActionInput { comment: form.text("comment"), edited_body: form.text("edited_body"), missing: form.text("missing"), reason: form.text("reason"), body: form.text("body"), level: form.text("level") };
    let here = format!("/info/{key}");
    Ok(match st.store.act_info(&key, &action, &input, &d.actor).await {
        Ok(v) => back(&here, Some(&format!("已完成，信息现为“{}”", v.item.state_label)), None),
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}

/// `POST /bulletins/new`.
pub async fn create_bulletin(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let input = BulletinInput { series: form.text("series"), note: form.text("note") };
    Ok(match st.store.create_bulletin(&input, &d.actor).await {
        Ok(v) => back(&format!("/bulletins/{}", v.item.number), Some("已新建，请选择编入的信息"), None),
        Err(e) => back("/info?tab=bulletins", None, Some(&ApiError::from(e).message)),
    })
}

/// `GET /bulletins/{key}`.
pub async fn bulletin(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let b = st.store.bulletin_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("bulletin");
    let events = st.store.item_events(&b.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| {
        ["comment", "reason", "title"].iter().filter_map(|k| e.details[*k].as_str().filter(|s| !s.is_empty()).map(String::from)).collect::<Vec<_>>().join("；")
    });
    let n = b.item.number.clone();
    let title = match &b.issue_label {
        Some(l) => format!("《{}》{l}", b.series_label),
        None => format!("《{}》（编辑中 {n}）", b.series_label),
    };
    let mut w = Work { title, state_label: b.item.state_label.into(), forms_title: "办理".into(), idle: "此期刊物当前没有需要您办理的事项。".into(), ..Default::default() };
    w.flow = flow(&BState::ALL.iter().map(|s| (s.as_str(), s.label())).collect::<Vec<_>>(), &b.item.state);
    w.fact("编号", &n);
    w.fact("刊物", b.series_label);
    w.fact("期号", b.issue_label.clone().unwrap_or_else(|| "印发时编期".into()));
    w.fact("签发", b.signed_by.clone().unwrap_or_default());
    if let Some(t) = b.issued_at {
        w.fact("印发时间", fmt_time(t, off));
    }
    for i in &b.instructions {
        w.fact("领导批示", format!("{} {}（{}）", i.number, i.title, i.state_label));
    }
    if !b.note.is_empty() {
        w.blocks.push(("编者按".into(), b.note.clone(), "bulletin-note".into()));
    }
    w.links.push(("版式文件（PDF）".into(), b.pdf_url.clone(), "bulletin-pdf".into()));
    w.links.push(("导出 Excel".into(), format!("/api/bulletins/{n}/export"), "bulletin-export".into()));
    w.tables.push(TableBlock {
        id: "bulletin-lines",
        title: "本期信息".into(),
        headers: vec!["序号", "标题", "报送单位", "信息编号", "正文"],
        rows: b.lines.iter().map(|l| row(None, vec![cell(l.position.to_string()), cell(l.headline.clone()), cell(l.unit_name.clone()), link(l.info_number.clone(), format!("/info/{}", l.info_number)), cell(l.body.clone())])).collect(),
        empty: "尚未编入信息",
    });
    if !b.readers.is_empty() {
        w.tables.push(TableBlock {
            id: "bulletin-readers",
            title: "呈阅领导".into(),
            headers: vec!["领导", "阅示"],
            rows: b.readers.iter().map(|r| row(if r.read { None } else { Some("yellow") }, vec![cell(r.user.name.clone()), cell(r.at.map(|t| format!("已阅 {}", fmt_time(t, off))).unwrap_or_else(|| "待阅".into()))])).collect(),
            empty: "",
        });
    }
    let may = |a: &str| b.item.allowed_actions.contains(&a);
    let base = format!("/bulletins/{n}/do");
    if may("compose") {
        let unused = st.store.list_info(&d.staff, &InfoFilter { unused: true, ..Default::default() }).await?;
        let current: Vec<String> = b.lines.iter().map(|l| format!("{}｜{}", l.info_number, l.headline)).collect();
        w.forms.push(
            FormSpec::post("form-bulletin-compose", "选编信息", format!("{base}/compose"), vec![
                Field::new("textarea", "items", "本期信息（每行一条：“信息编号｜本期标题”，按顺序；标题可改）").value(current.join("\n")).rows(5),
                Field::new("checks", "add", "加入已采用、尚未编刊的信息").options(unused.iter().map(|u| opt(&u.item.number, &format!("{} {}（{}）", u.item.number, u.item.title, u.unit_name), false))),
                Field::new("textarea", "note", "编者按（可不填）").value(&b.note).rows(2),
            ])
            .open()
            .button("保存"),
        );
    }
    if may("submit") {
        w.forms.push(FormSpec::post("form-bulletin-submit", "送科室负责人签发", format!("{base}/submit"), vec![]).open());
    }
    if may("sign") {
        w.forms.push(FormSpec::post("form-bulletin-sign", "签发", format!("{base}/sign"), vec![Field::new("text", "comment", "签发意见").value("同意印发")]).open());
    }
    if may("send_back") {
        w.forms.push(FormSpec::post("form-bulletin-send-back", "退回修改", format!("{base}/send_back"), vec![Field::new("text", "reason", "退回理由").required()]).secondary());
    }
    if may("issue") {
        let leaders = st.store.leaders().await?;
        w.forms.push(
            FormSpec::post("form-bulletin-issue", "印发", format!("{base}/issue"), vec![Field::new("multi", "readers", "呈阅领导").options(leaders.iter().map(|(u, name)| opt(u, name, true)))])
                .open()
                .note("印发时取本刊本年度的下一期号，呈送所选领导。"),
        );
    }
    if may("read") && b.readers.iter().any(|r| r.user.id == d.staff.user_id && !r.read) {
        w.forms.push(FormSpec::post("form-bulletin-read", "阅", format!("{base}/read"), vec![Field::new("text", "comment", "阅示意见").value("已阅")]).open().button("阅毕"));
    }
    if d.staff.has(Role::Leader) && b.issued_at.is_some() {
        let units = handling_units(st.store.units().await?);
        w.forms.push(instruct_form(&n, &units, None));
    }
    page(&st, &d, q.flash(), w, timeline).await
}

/// `POST /bulletins/{key}/do/{action}`.
pub async fn act_bulletin(State(st): State<AppState>, d: Desk, Path((key, action)): Path<(String, String)>, form: Form) -> PageResult {
    d.check(&form)?;
    // A line is `编号` or `编号｜本期标题`.
    let mut lines: Vec<ComposeLine> = form
        .text("items")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|l| match l.split_once('｜').or_else(|| l.split_once('|')) {
            Some((n, h)) => ComposeLine { info: n.trim().into(), headline: Some(h.trim().to_string()).filter(|h| !h.is_empty()), body: None },
            None => ComposeLine { info: l.into(), headline: None, body: None },
        })
        .collect();
    for a in form.all("add") {
        if !lines.iter().any(|l| l.info == a) {
            lines.push(ComposeLine { info: a, headline: None, body: None });
        }
    }
    let input = BulletinActionInput {
        items: lines,
        note: form.text("note"),
        comment: form.text("comment"),
        reason: form.text("reason"),
        readers: form.all("readers"),
    };
    let here = format!("/bulletins/{key}");
    Ok(match st.store.act_bulletin(&key, &action, &input, &d.actor).await {
        Ok(v) => back(&here, Some(&format!("已完成，刊物现为“{}”{}", v.item.state_label, v.issue_label.map(|l| format!("，{l}")).unwrap_or_default())), None),
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}

/// `POST /info/requests/new`.
pub async fn create_request(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let input = RequestInput { title: form.text("title"), body: form.text("body"), units: form.all("units"), deadline: form.text("deadline") };
    Ok(match st.store.create_request(&input, &d.actor).await {
        Ok(v) => back(&format!("/info/requests/{}", v.item.number), Some(&format!("约稿已发给 {} 个单位", v.units.len())), None),
        Err(e) => back("/info?tab=requests", None, Some(&ApiError::from(e).message)),
    })
}

/// `GET /info/requests/{key}`.
pub async fn request(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let r = st.store.request_for(&key, &d.staff).await?;
    let off = off(&st);
    let spec = st.store.kind_spec("info_request");
    let events = st.store.item_events(&r.item.id, &d.staff).await.unwrap_or_default();
    let timeline = steps(&events, spec.as_deref(), off, |e| e.details["info"].as_str().unwrap_or_default().to_string());
    let n = r.item.number.clone();
    let mut w = Work { title: format!("约稿：{}", r.item.title), state_label: r.item.state_label.into(), forms_title: "办理".into(), idle: "此约稿当前没有需要您办理的事项。".into(), ..Default::default() };
    w.fact("编号", &n);
    if let Some(due) = r.item.dues.first() {
        w.fact("报送截止", fmt_time(due.due_at, off));
    }
    w.fact("未报送", format!("{} 个单位", r.missed));
    w.blocks.push(("约稿要求".into(), r.body.clone(), "request-body".into()));
    w.tables.push(TableBlock {
        id: "request-units",
        title: "约稿单位".into(),
        headers: vec!["单位", "报送情况", "报送的信息"],
        rows: r
            .units
            .iter()
            .map(|u| row(match u.standing.as_str() { "missed" => Some("red"), "late" | "waiting" => Some("yellow"), _ => None }, vec![cell(u.unit.name.clone()), cell(u.standing_label), cell(u.items.join("、"))]))
            .collect(),
        empty: "",
    });
    if r.item.allowed_actions.contains(&"close") {
        w.forms.push(FormSpec::post("form-request-close", "截止", format!("/info/requests/{n}/close"), vec![]).note("截止后未报送的单位计为约稿未报。").secondary());
    }
    if r.item.allowed_actions.contains(&"answer") && r.units.iter().any(|u| u.unit.id == d.staff.unit_id && u.items.is_empty()) {
        w.forms.push(submit_form(&d, &[(n.clone(), r.item.title.clone())], Some(&n)).open());
    }
    page(&st, &d, q.flash(), w, timeline).await
}

/// `POST /info/requests/{key}/close`.
pub async fn close_request(State(st): State<AppState>, d: Desk, Path(key): Path<String>, form: Form) -> PageResult {
    d.check(&form)?;
    let here = format!("/info/requests/{key}");
    Ok(match st.store.close_request(&key, &d.actor).await {
        Ok(v) => back(&here, Some(&format!("约稿已截止，{} 个单位未报送", v.missed)), None),
        Err(e) => back(&here, None, Some(&ApiError::from(e).message)),
    })
}
