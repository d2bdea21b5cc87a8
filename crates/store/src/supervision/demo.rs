//! The demo city's supervision work: about forty items from every source in every state of
//! their life — signed and reported on time, behind and pressed, carded, overdue, awaiting
//! review, struck off, cancelled, objected to, asking for more time — with money paid on time
//! and money sitting unpaid, a hotline order escalated, and leaders' instructions answered and
//! not yet answered. The histories are written at the moments they happened, and the sweep
//! then takes the escalation ladder's steps those histories have earned.

use chrono::{DateTime, Duration, Utc};
use sanfu_domain::kernel::{CardColour, ReportCycle};
use sanfu_domain::supervision::Action as S;
use sanfu_domain::{Actor, Principal};

use crate::db::{Store, StoreError};
use crate::instruction::InstructionInput;
use crate::supervision::{FundInput, SupervisionInput};

/// How far an item's life has gone.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// 待交办.
    Drafted,
    /// 待签收.
    Assigned,
    /// Signed and reported on time.
    OnTrack,
    /// The lead unit stopped reporting: 催办单, 督办通知单.
    Behind,
    /// Near the deadline and behind: a yellow card besides.
    Near,
    /// Past the deadline: a red card.
    Overdue,
    /// 办结待审.
    Review,
    /// 已销号 (sent back once first when `true`).
    Closed(bool),
    Cancelled,
    /// A co-unit objects to the assignment.
    Objected,
    /// The lead unit asks for more time.
    Extension,
}

use Stage::*;

pub(crate) struct Demo {
    title: &'static str,
    requirements: &'static str,
    source: &'static str,
    reference: &'static str,
    pub(crate) lead: &'static str,
    pub(crate) co: &'static [&'static str],
    leader: &'static str,
    /// Days ago it was opened, and its deadline in days from then.
    ago: i64,
    pub(crate) span: i64,
    cycle: &'static str,
    stage: Stage,
}

pub(crate) const fn d(
    title: &'static str,
    requirements: &'static str,
    source: &'static str,
    reference: &'static str,
    lead: &'static str,
    co: &'static [&'static str],
    leader: &'static str,
    (ago, span): (i64, i64),
    cycle: &'static str,
    stage: Stage,
) -> Demo {
    Demo { title, requirements, source, reference, lead, co, leader, ago, span, cycle, stage }
}

const ITEMS: &[Demo] = &[
    d("老旧小区加装电梯三年行动", "年底前完成首批 30 个小区加装电梯，每旬报送进展。", "leader_instruction", "市长批示〔2026〕12号", "zjj", &["cgj"], "mayor", (40, 120), "每旬", OnTrack),
    d("城区内涝点整治", "汛期前完成 18 处易涝点改造，逐点销号。", "work_report_task", "政府工作报告重点任务第 7 项", "slj", &["zjj", "cgj"], "vicemayor", (50, 150), "每月", OnTrack),
    d("民生资金拨付进度专项督查", "到位资金 20 个工作日内拨付到项目，逐笔报送拨付凭证。", "rectification", "审计整改〔2026〕3号", "czj", &["mzj"], "mayor", (45, 100), "每周", Behind),
    d("菜市场周边占道经营整治", "群众反映集中，一个月内整改到位。", "hotline_escalation", "12345 转督办", "xicheng", &["scjgj"], "vicemayor", (2, 30), "每月5日前", Assigned),
    d("中小学校园周边交通安全整治", "上下学时段交通秩序整治，设置护学岗。", "cppcc_proposal", "政协提案第 0213 号", "jtysj", &["jyj", "gaj"], "vicemayor", (0, 90), "每月", Drafted),
    d("农村公路提档升级", "年内完成 120 公里提档升级。", "major_project", "市重大项目第 15 项", "jtysj", &["nyncj"], "vicemayor", (150, 140), "每月", Review),
    d("城市更新片区征收安置", "按期完成东湖片区 1200 户征收安置。", "major_project", "市重大项目第 3 项", "donghu", &["zrzyj", "zjj"], "mayor", (120, 200), "每旬", OnTrack),
    d("新建改建城市道路 120 公里", "年底前建成通车，每月 5 日前报送进度。", "work_report_task", "政府工作报告重点任务第 2 项", "zjj", &["cgj", "jtysj"], "vicemayor", (60, 200), "每月5日前", Behind),
    d("新增城镇就业 5 万人", "分季度完成就业目标，报送新增就业台账。", "work_report_task", "政府工作报告重点任务第 11 项", "rsj", &[], "mayor", (90, 250), "每月", OnTrack),
    d("新增普惠性托位 3000 个", "年内新增托位 3000 个，按季度验收。", "practical_project", "2026 年民生实事第 4 项", "wjw", &["jyj"], "mayor", (70, 80), "每月", Near),
    d("建成口袋公园 30 个", "利用边角地建成口袋公园 30 个。", "practical_project", "2026 年民生实事第 9 项", "cgj", &["zrzyj"], "vicemayor", (100, 90), "每旬", Overdue),
    d("老年助餐服务点全覆盖", "每个街道至少建成 1 个老年助餐点。", "practical_project", "2026 年民生实事第 1 项", "mzj", &["donghu", "xicheng"], "mayor", (160, 150), "每月", Closed(false)),
    d("城乡低保资金按时足额发放", "低保资金按月足额发放到户，不得滞留。", "rectification", "审计整改〔2026〕5号", "mzj", &["czj"], "mayor", (80, 160), "每月", OnTrack),
    d("河道“清四乱”整改", "中央环保督察反馈问题整改，逐项销号。", "rectification", "环保督察反馈意见整改第 6 项", "sthjj", &["slj", "linjiang"], "mayor", (110, 100), "每周", Overdue),
    d("燃气管网老化更新改造", "排查更新老化燃气管网 86 公里。", "rectification", "安全生产大检查整改第 2 项", "zjj", &["yjj"], "vicemayor", (30, 120), "每周", Behind),
    d("关于加快背街小巷改造的建议", "人大代表建议，两个月内办理答复。", "deputy_suggestion", "市人大建议第 0087 号", "cgj", &["zjj"], "vicemayor", (20, 60), "一次性", OnTrack),
    d("关于完善社区养老服务的提案", "政协提案，三个月内办复。", "cppcc_proposal", "政协提案第 0156 号", "mzj", &[], "mayor", (200, 90), "一次性", Closed(true)),
    d("关于规范网约车管理的建议", "人大代表建议，按期办理答复。", "deputy_suggestion", "市人大建议第 0112 号", "jtysj", &["gaj"], "vicemayor", (10, 60), "一次性", Assigned),
    d("第12次常务会议议定：优化营商环境二十条", "会议议定事项，逐条落实并报送。", "meeting_decision", "江州市人民政府常务会议纪要〔2026〕12号", "fgw", &["scjgj", "sjj"], "mayor", (55, 120), "每月", OnTrack),
    d("第14次常务会议议定：夏季防汛准备", "会议议定事项，6 月底前完成准备。", "meeting_decision", "江州市人民政府常务会议纪要〔2026〕14号", "yjj", &["slj"], "mayor", (170, 60), "每周", Closed(false)),
    d("市长办公会议定：高新区企业用地保障", "会议议定事项，保障重点企业用地。", "meeting_decision", "市长办公会议纪要〔2026〕8号", "zrzyj", &["gaoxin"], "mayor", (35, 90), "每旬", Extension),
    d("政务服务“一网通办”提质", "事项网办率达到 90%。", "work_report_task", "政府工作报告重点任务第 19 项", "sjj", &[], "mayor", (65, 150), "每月", OnTrack),
    d("北山区垃圾中转站异味整治", "群众反复投诉，限期整改。", "hotline_escalation", "12345 转督办", "beishan", &["sthjj"], "vicemayor", (25, 30), "每周", Near),
    d("临江县饮用水水源地保护", "完成水源地规范化建设。", "rectification", "环保督察反馈意见整改第 11 项", "linjiang", &["sthjj", "water"], "mayor", (95, 180), "每月", OnTrack),
    d("医保异地就医直接结算扩面", "定点医院全部开通直接结算。", "work_report_task", "政府工作报告重点任务第 23 项", "ybj", &[], "mayor", (130, 120), "每月", Closed(false)),
    d("文旅消费季活动", "组织文旅消费季系列活动。", "leader_instruction", "副市长批示〔2026〕31号", "wlj", &["swj"], "vicemayor", (3, 40), "每周", Objected),
    d("住房公积金提取“秒批”", "租房提取实现秒批。", "leader_instruction", "市长批示〔2026〕20号", "gjj", &["sjj"], "mayor", (15, 45), "每旬", OnTrack),
    d("经开区标准厂房建设", "年内建成标准厂房 20 万平方米。", "major_project", "市重大项目第 22 项", "jingkai", &["zrzyj"], "mayor", (75, 200), "每月", Behind),
    d("农村人居环境整治提升", "完成 50 个村的人居环境整治。", "practical_project", "2026 年民生实事第 12 项", "nyncj", &["linjiang", "beishan"], "vicemayor", (85, 180), "每月", OnTrack),
    d("中心城区停车难治理", "新增公共停车位 5000 个。", "leader_instruction", "市长批示〔2026〕25号", "gaj", &["cgj", "zrzyj"], "mayor", (40, 200), "每月", Cancelled),
    d("义务教育学校扩容", "新建改扩建学校 8 所。", "work_report_task", "政府工作报告重点任务第 14 项", "jyj", &["zjj"], "mayor", (100, 220), "每月", OnTrack),
    d("食品安全“两个责任”落实", "包保干部督导全覆盖。", "rectification", "食品安全督查反馈第 3 项", "scjgj", &[], "mayor", (60, 70), "每旬", Near),
    d("东湖区学位紧张问题", "人大代表建议，研究增加学位供给。", "deputy_suggestion", "市人大建议第 0034 号", "jyj", &["donghu"], "vicemayor", (140, 90), "一次性", Overdue),
    d("供电可靠性提升工程", "城区供电可靠率达到 99.99%。", "major_project", "市重大项目第 30 项", "power", &[], "mayor", (50, 300), "每月", OnTrack),
    d("企业开办全程网办", "企业开办一日办结。", "meeting_decision", "江州市人民政府常务会议纪要〔2026〕16号", "scjgj", &["sjj", "gaj"], "mayor", (20, 60), "每旬", Review),
    d("养老机构消防安全整改", "排查发现的隐患限期整改。", "rectification", "安全生产大检查整改第 9 项", "mzj", &["yjj"], "vicemayor", (12, 45), "每周", Assigned),
    d("高新区人才公寓建设", "年内交付人才公寓 2000 套。", "major_project", "市重大项目第 18 项", "gaoxin", &["zjj"], "mayor", (0, 240), "每月", Drafted),
];

impl Store {
    /// The demo city's supervision work (see the module's note).
    pub(crate) async fn seed_supervision(&self) -> Result<(), StoreError> {
        let office = self.demo_actor("duchake").await?;
        let now = Utc::now();
        let mut numbers = Vec::new();
        for it in ITEMS {
            numbers.push(self.seed_item(it, &office, now).await?);
        }
        self.seed_funds(&numbers, &office).await?;
        // Meetings whose decisions became items before the ladder runs over them.
        self.seed_meetings(now).await?;
        self.seed_documents(now).await?;
        self.seed_info(now).await?;
        self.seed_party(now).await?;
        // The ladder the histories have earned — 催办单, 督办通知单, cards, money warned of — each
        // on the day it fell due, as the scheduler would have taken it.
        let mut run = crate::supervision::LadderRun::default();
        for days_ago in (0..=210).rev() {
            let r = self.run_supervision_sweep(now - Duration::days(days_ago)).await?;
            run.reminders += r.reminders;
            run.notices += r.notices;
            run.yellow_cards += r.yellow_cards;
            run.red_cards += r.red_cards;
            run.unpaid_warnings += r.unpaid_warnings;
        }
        tracing::info!(items = numbers.len(), reminders = run.reminders, notices = run.notices, yellow = run.yellow_cards,
            red = run.red_cards, unpaid = run.unpaid_warnings, "演示督办事项已生成");
        self.seed_instructions().await?;
        self.seed_escalation().await?;
        Ok(())
    }

    pub(crate) async fn demo_actor(&self, username: &str) -> Result<Actor, StoreError> {
        let id: String = sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(self.pool()).await?;
        let staff = self.staff(&id).await?.ok_or_else(|| StoreError::Other(format!("no demo user {username}")))?;
        Ok(Actor { principal: Principal::Staff(staff), ip: "127.0.0.1".into() })
    }

    async fn seed_item(&self, it: &Demo, office: &Actor, now: DateTime<Utc>) -> Result<String, StoreError> {
        let start = now - Duration::days(it.ago) - Duration::hours(2);
        let input = SupervisionInput {
            title: Some(it.title.into()),
            requirements: Some(it.requirements.into()),
            source: Some(it.source.into()),
            source_ref: Some(it.reference.into()),
            leader: Some(it.leader.into()),
        };
        let n = self.create_supervision_at(&input, office, start).await?.item.number;
        if it.stage == Drafted {
            return Ok(n);
        }
        let lead = self.unit_ref(it.lead).await?;
        let mut co = Vec::new();
        for c in it.co {
            co.push(self.unit_ref(c).await?);
        }
        let deadline = start + Duration::days(it.span);
        let milestones = if it.span >= 90 { vec![("完成方案制定并启动实施".to_string(), start + Duration::days(it.span / 3))] } else { Vec::new() };
        self.act_supervision(&n, office, &S::Assign { lead, co, deadline, cycle: ReportCycle::parse(it.cycle)?, milestones }, Some(start + Duration::minutes(30))).await?;
        self.advance_item(&n, it, office, now, start).await?;
        Ok(n)
    }

    /// Take an item handed out at `start` to the stage `it` asks for, each step at the moment
    /// it would have happened.
    pub(crate) async fn advance_item(&self, n: &str, it: &Demo, office: &Actor, now: DateTime<Utc>, start: DateTime<Utc>) -> Result<(), StoreError> {
        let n = n.to_string();
        let deadline = start + Duration::days(it.span);
        let at = |h: i64| Some(start + Duration::minutes(h));
        if matches!(it.stage, Assigned | Drafted) {
            return Ok(());
        }
        if it.stage == Objected {
            let unit = self.demo_actor(it.co[0]).await?;
            self.act_supervision(&n, &unit, &S::Object { reason: "该事项主要涉及商贸流通，不属于本单位职责，建议调整为配合单位。".into() }, at(120)).await?;
            return Ok(());
        }
        if it.stage == Cancelled {
            self.act_supervision(&n, office, &S::Cancel { reason: "已纳入全市停车专项规划统筹推进，本事项撤销。".into() }, at(600)).await?;
            return Ok(());
        }
        let lead_actor = self.demo_actor(it.lead).await?;
        let mut units = vec![(it.lead, lead_actor.clone())];
        for c in it.co {
            units.push((c, self.demo_actor(c).await?));
        }
        for (_, a) in &units {
            self.act_supervision(&n, a, &S::Sign, at(240)).await?;
        }
        // Reports on the cycle, each an hour before it is due: all of them while on track and
        // when the work is done; the first only when the lead unit fell behind (the co-units
        // keep reporting).
        let done_at = match it.stage {
            Review | Closed(_) => (start + Duration::days(it.span) - Duration::days(3)).min(now - Duration::days(2)),
            _ => now,
        };
        let view = self.supervision_for(&n, office.staff().ok_or_else(|| StoreError::Other("office".into()))?).await?;
        let mut dues: Vec<(String, DateTime<Utc>)> =
            view.item.dues.iter().filter(|x| x.name == "report").filter_map(|x| Some((x.unit.as_ref()?.id.clone(), x.due_at))).collect();
        dues.sort_by_key(|x| x.1);
        let lead_id = units[0].1.staff().map(|s| s.unit_id.clone()).unwrap_or_default();
        let behind = matches!(it.stage, Behind | Near | Overdue);
        let mut lead_reports = 0;
        for (unit_id, due) in dues {
            let when = due - Duration::hours(1);
            if when >= done_at || when <= start + Duration::hours(5) {
                continue;
            }
            if unit_id == lead_id {
                if behind && lead_reports >= 1 {
                    continue;
                }
                lead_reports += 1;
            }
            let Some((_, a)) = units.iter().find(|(_, a)| a.staff().is_some_and(|s| s.unit_id == unit_id)) else { continue };
            let text = if unit_id == lead_id { "按计划推进，本期完成阶段目标，配合单位情况已汇总。" } else { "本单位配合事项已按分工推进。" };
            self.act_supervision(&n, a, &S::Report { text: text.into(), milestone: None }, Some(when)).await?;
        }
        match it.stage {
            Review => {
                self.act_supervision(&n, &lead_actor, &S::RequestClosure { evidence: "各项任务已全部完成，附验收报告和照片。".into() }, Some(done_at)).await?;
            }
            Closed(sent_back) => {
                let t = done_at;
                self.act_supervision(&n, &lead_actor, &S::RequestClosure { evidence: "已全面完成，附验收材料。".into() }, Some(t)).await?;
                if sent_back {
                    self.act_supervision(&n, office, &S::Review { pass: false, comment: Some("佐证材料不全，请补充群众满意度测评结果。".into()) }, Some(t + Duration::hours(3))).await?;
                    self.act_supervision(&n, &lead_actor, &S::RequestClosure { evidence: "已补充满意度测评结果（满意率 96%）。".into() }, Some(t + Duration::hours(20))).await?;
                }
                self.act_supervision(&n, office, &S::Review { pass: true, comment: None }, Some(t + Duration::hours(26))).await?;
            }
            Extension => {
                self.act_supervision(&n, &lead_actor, &S::RequestExtension { new_due: deadline + Duration::days(30), reason: "用地报批需省厅审批，预计延后一个月。".into() }, Some(now - Duration::hours(3))).await?;
            }
            Behind if it.lead == "czj" => {
                // Pressed by hand as well, and a yellow card shown by the section.
                self.act_supervision(&n, office, &S::Remind { unit_id: lead_id.clone(), note: "请按周报送拨付进度".into() }, Some(now - Duration::days(3))).await?;
                self.issue_card(office, &n, it.lead, CardColour::Yellow, "到位资金逾期未拨付").await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Money on some items: paid on time, and sitting unpaid past the limit.
    async fn seed_funds(&self, numbers: &[String], office: &Actor) -> Result<(), StoreError> {
        let off = self.offset();
        let day = |ago: i64| (Utc::now() - Duration::days(ago)).with_timezone(&off).format("%Y-%m-%d").to_string();
        let entries: &[(usize, &str, i64, &str, &str)] = &[
            // 民生资金拨付: arrived two months ago, a third paid, the rest sitting.
            (2, "budget", 90, "30000000", "市级财政预算"),
            (2, "arrival", 62, "18000000", "省财政厅"),
            (2, "payment", 50, "6000000", "东湖区民政局"),
            // 城乡低保: arrived and paid within days, month after month.
            (12, "arrival", 70, "8600000", "省财政厅"),
            (12, "payment", 66, "8600000", "各区县民政部门"),
            (12, "arrival", 40, "8600000", "省财政厅"),
            (12, "payment", 35, "8600000", "各区县民政部门"),
            (12, "arrival", 8, "8600000", "省财政厅"),
            // 老旧小区加装电梯: a subsidy that arrived and has not gone out.
            (0, "arrival", 38, "4500000", "中央预算内投资"),
            // 农村公路: paid in full.
            (5, "arrival", 120, "52000000", "省交通运输厅"),
            (5, "payment", 110, "52000000", "市交通投资公司"),
            // 托位建设: part paid, recently.
            (9, "arrival", 25, "3000000", "省卫生健康委"),
            (9, "payment", 10, "1500000", "各区县卫健部门"),
        ];
        for (i, entry, ago, amount, party) in entries {
            let Some(n) = numbers.get(*i) else { continue };
            let input = FundInput { entry: Some((*entry).into()), on_date: Some(day(*ago)), amount: Some((*amount).into()), party: Some((*party).into()), note: None };
            self.add_fund(n, &input, office).await?;
        }
        Ok(())
    }

    /// Leaders' instructions: answered, half answered, not yet answered, one made an item.
    async fn seed_instructions(&self) -> Result<(), StoreError> {
        let (mayor, vice) = (self.demo_actor("mayor").await?, self.demo_actor("vicemayor").await?);
        let soon = |days: i64| Some(Utc::now() + Duration::days(days));
        let list: &[(&Actor, &str, &[&str], i64, usize)] = &[
            (&vice, "请住建局牵头、城管局配合，抓紧排查全市老旧小区电梯安全隐患，两周内报我。", &["zjj", "cgj"], 14, 2),
            (&vice, "群众反映东湖区学位紧张，请东湖区政府认真研究，拿出具体措施报我。", &["donghu"], 10, 1),
            (&mayor, "入汛在即，请水利局、应急局对全市易涝点再排查一遍，确保安全度汛。", &["slj", "yjj"], 7, 1),
            (&mayor, "营商环境评价排名靠后的指标，请发改委牵头逐项分析原因，提出整改措施。", &["fgw", "scjgj", "sjj"], 20, 0),
            (&vice, "交通局要会同公安局研究网约车规范管理，注意听取从业人员意见。", &["jtysj"], 15, 0),
            (&mayor, "请商务局牵头做好年货节市场保供稳价工作。", &["swj"], 10, 0),
        ];
        for (k, (who, text, units, days, answered)) in list.iter().enumerate() {
            let input = InstructionInput {
                text: Some((*text).into()),
                unit_ids: units.iter().map(|u| u.to_string()).collect(),
                deadline: soon(*days),
                target: None,
                leader: None,
            };
            let n = self.create_instruction(&input, who).await?.item.number;
            for u in units.iter().take(*answered) {
                let a = self.demo_actor(u).await?;
                self.act_instruction(&n, &a, &sanfu_domain::instruction::Action::Answer { text: "已按批示要求部署落实，具体措施已形成书面材料报送。".into() }).await?;
            }
            if k == 3 {
                self.supervise_instruction(&n, &self.demo_actor("duchake").await?).await?;
            }
            if k == 5 {
                // Given twice by mistake: the office withdraws the duplicate.
                let office = self.demo_actor("duchake").await?;
                self.act_instruction(&n, &office, &sanfu_domain::instruction::Action::Withdraw { reason: "与市政府专题会议部署重复，撤回。".into() }).await?;
            }
        }
        Ok(())
    }

    /// A citizen's second complaint about the same thing within days is a repeat, and the
    /// office escalates it (督办): a linked supervision item appears, waiting to be handed out.
    async fn seed_escalation(&self) -> Result<(), StoreError> {
        let (office, operator) = (self.demo_actor("duchake").await?, self.demo_actor("operator").await?);
        let complaint = |content: &str| crate::hotline::orders::OrderInput {
            channel: Some("phone".into()),
            order_type: Some("complaint".into()),
            category_id: Some("0201".into()),
            subject: Some("夜市摊点占道经营、油烟扰民".into()),
            content: Some(content.into()),
            address: Some("西城区府前街道府前路夜市".into()),
            citizen_name: Some("刘女士".into()),
            citizen_phone: Some("13907310266".into()),
            ..Default::default()
        };
        self.register_at(&complaint("府前路夜市摊点占满人行道，油烟直冲居民楼，晚上十一点后仍然喧哗，请尽快整治。"), &operator, Utc::now() - Duration::days(4)).await?;
        let again = self.register(&complaint("上周反映的府前路夜市占道和油烟问题至今没有变化，第二次反映，请督促整改。"), &operator).await?;
        let key = again.order.number.clone();
        let staff = office.staff().ok_or_else(|| StoreError::Other("office".into()))?;
        let (overdue, repeat) = self.escalation_grounds(&key, staff).await?;
        if overdue || repeat {
            let action = sanfu_domain::hotline::Action::Escalate { reason: "同一诉求人一周内重复投诉，转督查科督办。".into(), overdue, repeat };
            self.act(&key, &office, &action).await?;
        }
        Ok(())
    }
}
