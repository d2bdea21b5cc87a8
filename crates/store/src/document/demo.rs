//! The demo city's documents: incoming documents at every step (registered, checked, with a
//! leader to instruct, handled on time and overdue, answered, read-only and concluded,
//! archived, returned to the sender), circulated to leaders who have read them or still hold
//! them; outgoing documents at every step (a draft with three versions, with the unit's head,
//! countersigning with one answer in, with the office, with the leader to sign, rechecked,
//! waiting for a number, printed, distributed, archived, withdrawn) — three countersigned and
//! issued with their numbers. Every step is taken through the same functions as the pages, at
//! the moment it happened.

use chrono::{DateTime, Duration, Utc};
use sanfu_domain::Actor;

use super::incoming::{DocActionInput, IncomingInput};
use super::outgoing::OutgoingInput;
use crate::db::{Store, StoreError};

/// Where a demo incoming document stops.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum In {
    Registered,
    Proposing,
    Instructing,
    Handling,
    Replied,
    Concluded,
    Archived,
}

/// Where a demo outgoing document stops: after this many of its steps.
const OUT_STEPS: &[&str] = &["submit", "approve", "countersign", "check", "sign", "recheck", "number", "print", "distribute", "archive"];

const BODY: &str = "为深入贯彻落实党中央、国务院和省委、省政府决策部署，切实解决群众反映强烈的突出问题，经市政府同意，现就有关事项通知如下。
一、总体要求
坚持以人民为中心的发展思想，坚持问题导向、目标导向、结果导向，聚焦群众急难愁盼，压实属地责任、部门监管责任和企业主体责任，确保各项工作落地见效。
二、主要任务
（一）开展全面排查。各区人民政府要组织街道（乡镇）、社区（村）对辖区内情况进行拉网式排查，建立问题清单、责任清单和整改清单，逐项明确责任单位和完成时限。
（二）加强源头治理。各有关部门要按照职责分工，健全长效管理机制，完善相关标准规范，加大执法检查力度，对排查发现的问题依法依规处理。
（三）强化督查问效。市政府办公室将把本项工作纳入市政府督查督办重点事项，定期通报进展情况，对工作不力、进展缓慢的单位进行约谈。
三、保障措施
各区、各部门要高度重视，主要负责同志要亲自研究部署，分管负责同志要具体抓落实，于每月25日前将工作进展情况报送市政府办公室（文电科）。";

struct DemoOut {
    title: &'static str,
    unit: &'static str,
    code: &'static str,
    doc_type: &'static str,
    countersigners: &'static [&'static str],
    signer: &'static str,
    /// Steps of [`OUT_STEPS`] taken (`countersign` counts once however many units sign).
    steps: usize,
    /// Countersigners that answered, when it stops while countersigning.
    answered: usize,
    days_ago: i64,
    withdrawn: bool,
}

const fn o(title: &'static str, unit: &'static str, code: &'static str, doc_type: &'static str, countersigners: &'static [&'static str], signer: &'static str, steps: usize, days_ago: i64) -> DemoOut {
    DemoOut { title, unit, code, doc_type, countersigners, signer, steps, answered: countersigners.len(), days_ago, withdrawn: false }
}

const OUTGOING: &[DemoOut] = &[
    o("江州市人民政府办公室关于进一步加强住宅小区电梯安全管理的通知", "zjj", "江政办发", "notice", &["scjgj", "yjj"], "vicemayor", 10, 60),
    o("江州市人民政府办公室关于印发江州市城市生活垃圾分类工作实施方案的通知", "cgj", "江政办发", "notice", &["sthjj", "zjj"], "vicemayor", 9, 40),
    o("江州市人民政府关于2026年度城乡客运一体化工作情况的报告", "jtysj", "江政发", "report", &["czj"], "vicemayor", 9, 30),
    o("江州市人民政府办公室关于做好2027年春季学期中小学开学工作的通知", "jyj", "江政办发", "notice", &[], "vicemayor2", 8, 20),
    o("江州市人民政府办公室关于调整江州市就业创业补贴标准的通知", "rsj", "江政办发", "notice", &["czj"], "vicemayor2", 7, 15),
    o("江州市人民政府办公室关于开展冬春季森林防灭火专项整治的通知", "yjj", "江政办发", "notice", &[], "vicemayor", 6, 10),
    o("江州市人民政府关于同意设立江州市东湖区城东街道的批复", "mzj", "江政函", "reply", &[], "vicemayor2", 5, 9),
    o("江州市人民政府办公室关于加强冬季安全生产工作的通知", "yjj", "江政办发", "notice", &["zjj"], "vicemayor", 4, 7),
    o("江州市人民政府办公室关于印发江州市城市更新三年行动方案的通知", "zjj", "江政办发", "notice", &["czj", "zrzyj"], "vicemayor", 3, 6),
    DemoOut { answered: 1, ..o("江州市人民政府办公室关于加快推进老旧小区加装电梯工作的意见", "zjj", "江政办发", "opinion", &["czj", "sthjj"], "vicemayor", 3, 4) },
    o("江州市人民政府办公室关于做好2027年元旦春节期间市场保供稳价工作的通知", "scjgj", "江政办发", "notice", &[], "vicemayor", 1, 2),
    o("江州市人民政府办公室关于进一步规范城市道路占道施工管理的通知", "cgj", "江政办发", "notice", &["jtysj"], "vicemayor", 0, 1),
    DemoOut { withdrawn: true, ..o("江州市人民政府办公室关于开展“周末公益课堂”活动的通知", "jyj", "江政办函", "letter", &[], "vicemayor2", 0, 12) },
];

struct DemoIn {
    title: &'static str,
    organ: &'static str,
    source_number: &'static str,
    doc_type: &'static str,
    urgency: &'static str,
    stop: In,
    /// The units named in the 批办 (none: a document to read only).
    units: &'static [&'static str],
    days_ago: i64,
    rejected: bool,
}

const fn i(title: &'static str, organ: &'static str, source_number: &'static str, doc_type: &'static str, urgency: &'static str, stop: In, units: &'static [&'static str], days_ago: i64) -> DemoIn {
    DemoIn { title, organ, source_number, doc_type, urgency, stop, units, days_ago, rejected: false }
}

const INCOMING: &[DemoIn] = &[
    i("国务院办公厅关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见", "国务院办公厅", "国办发〔2026〕3号", "opinion", "normal", In::Archived, &[], 50),
    i("江西省人民政府办公厅关于做好2026年冬季学校安全工作的通知", "江西省人民政府办公厅", "赣府厅字〔2026〕96号", "notice", "urgent", In::Concluded, &["jyj"], 35),
    i("江西省生态环境厅关于开展大气污染防治秋冬季攻坚行动的通知", "江西省生态环境厅", "赣环大气字〔2026〕41号", "notice", "normal", In::Replied, &["sthjj", "zjj"], 25),
    i("江西省应急管理厅关于做好冬春火灾防控工作的通知", "江西省应急管理厅", "赣应急字〔2026〕118号", "notice", "extra_urgent", In::Handling, &["yjj", "zjj"], 20),
    i("江西省住房和城乡建设厅关于开展城镇老旧小区改造质量安全检查的通知", "江西省住房和城乡建设厅", "赣建城〔2026〕27号", "notice", "normal", In::Handling, &["zjj"], 3),
    i("江西省人民政府办公厅关于印发江西省促进消费若干措施的通知", "江西省人民政府办公厅", "赣府厅发〔2026〕31号", "notice", "normal", In::Concluded, &[], 8),
    i("江西省发展和改革委员会关于下达2026年第四批省预算内基本建设投资计划的通知", "江西省发展和改革委员会", "赣发改投资〔2026〕702号", "notice", "urgent", In::Instructing, &[], 2),
    i("江西省交通运输厅关于做好2027年春运工作的通知", "江西省交通运输厅", "赣交运输字〔2026〕88号", "notice", "normal", In::Proposing, &[], 1),
    i("江西省人民政府办公厅关于做好2027年元旦春节期间有关工作的通知", "江西省人民政府办公厅", "赣府厅明电〔2026〕45号", "notice", "extra_urgent", In::Registered, &[], 0),
    DemoIn { rejected: true, ..i("江州市某行业协会关于举办年度论坛的邀请函", "江州市餐饮行业协会", "江餐协〔2026〕9号", "letter", "normal", In::Registered, &[], 5) },
];

fn a(text: Option<&str>) -> DocActionInput {
    DocActionInput { text: text.map(str::to_string), ..Default::default() }
}

impl Store {
    pub(crate) async fn seed_documents(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let office = self.demo_actor("wendianke").await?;
        for d in INCOMING {
            self.demo_incoming(d, &office, now).await?;
        }
        for d in OUTGOING {
            self.demo_outgoing(d, &office, now).await?;
        }
        Ok(())
    }

    async fn demo_incoming(&self, d: &DemoIn, office: &Actor, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut t = now - Duration::days(d.days_ago) - Duration::hours(3);
        let mut step = || {
            t += Duration::hours(if d.days_ago > 3 { 20 } else { 2 });
            t.min(now)
        };
        let input = IncomingInput {
            title: Some(d.title.into()),
            organ: Some(d.organ.into()),
            source_number: Some(d.source_number.into()),
            doc_type: Some(d.doc_type.into()),
            urgency: Some(d.urgency.into()),
            secrecy: Some("无".into()),
            doc_date: Some(now - Duration::days(d.days_ago + 3)),
            pages: Some(6),
            summary: Some(format!("{}，请结合实际认真贯彻落实，并按要求报送工作情况。", d.title)),
            attachment_titles: None,
        };
        let n = self.register_incoming_at(&input, &[], office, step()).await?.item.number;
        if d.rejected {
            let r = DocActionInput { reason: Some("非本机关办理事项，请来文单位径送市商务局".into()), ..Default::default() };
            self.act_incoming_at(&n, "reject", &r, &[], office, step()).await?;
            return Ok(());
        }
        if d.stop == In::Registered {
            return Ok(());
        }
        self.act_incoming_at(&n, "accept", &DocActionInput::default(), &[], office, step()).await?;
        if d.stop == In::Proposing {
            return Ok(());
        }
        let leader = if d.units.first().is_some_and(|u| ["jyj", "rsj", "czj"].contains(u)) { "vicemayor2" } else { "vicemayor" };
        let propose = DocActionInput { leader: Some(leader.into()), text: Some("拟请分管副市长阅示，并转有关单位研究办理。".into()), ..Default::default() };
        self.act_incoming_at(&n, "propose", &propose, &[], office, step()).await?;
        let circulate = DocActionInput { readers: vec!["mayor".into(), "mishuzhang".into()], ..Default::default() };
        self.act_incoming_at(&n, "circulate", &circulate, &[], office, step()).await?;
        // The 秘书长 reads what he is sent; the mayor holds the newer ones still.
        self.act_incoming_at(&n, "read", &DocActionInput { comment: Some("已阅。".into()), ..Default::default() }, &[], &self.demo_actor("mishuzhang").await?, step()).await?;
        if d.days_ago >= 20 {
            self.act_incoming_at(&n, "read", &DocActionInput { comment: Some("请抓好落实。".into()), ..Default::default() }, &[], &self.demo_actor("mayor").await?, step()).await?;
        }
        if d.stop == In::Instructing {
            return Ok(());
        }
        let instruct = DocActionInput {
            text: Some(if d.units.is_empty() { "已阅，请有关单位参照执行。".into() } else { "请牵头单位会同有关单位认真研究，抓好落实，按时报送办理情况。".into() }),
            units: d.units.iter().map(|u| u.to_string()).collect(),
            days: Some(5),
            ..Default::default()
        };
        self.act_incoming_at(&n, "instruct", &instruct, &[], &self.demo_actor(leader).await?, step()).await?;
        if d.units.is_empty() {
            if d.stop == In::Archived {
                self.act_incoming_at(&n, "archive", &DocActionInput::default(), &[], office, step()).await?;
            }
            return Ok(());
        }
        if d.days_ago >= 20 {
            self.act_incoming_at(&n, "urge", &a(Some("请抓紧办理，按时报送办理情况。")), &[], office, step()).await?;
        }
        if d.stop == In::Handling {
            return Ok(());
        }
        let lead = self.demo_actor(d.units[0]).await?;
        self.act_incoming_at(&n, "reply", &a(Some("已按要求部署落实，专项行动方案已印发，详见附件。")), &[], &lead, step()).await?;
        if d.stop >= In::Concluded {
            self.act_incoming_at(&n, "conclude", &DocActionInput::default(), &[], office, step()).await?;
        }
        if d.stop == In::Archived {
            self.act_incoming_at(&n, "archive", &DocActionInput::default(), &[], office, step()).await?;
        }
        Ok(())
    }

    async fn demo_outgoing(&self, d: &DemoOut, office: &Actor, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut t = now - Duration::days(d.days_ago) - Duration::hours(4);
        let mut step = || {
            t += Duration::hours(if d.days_ago > 2 { 9 } else { 1 });
            t.min(now)
        };
        let clerk = self.demo_actor(d.unit).await?;
        let head = self.demo_actor(&format!("{}-head", d.unit)).await?;
        let input = OutgoingInput {
            title: Some(d.title.into()),
            body: Some(BODY.replacen("各有关部门要按照职责分工，", "", 1)),
            doc_type: Some(d.doc_type.into()),
            code: Some(d.code.into()),
            main_to: Some(if d.doc_type == "report" { "江西省人民政府".into() } else { "各区人民政府，市政府各部门，各直属机构".into() }),
            cc: Some("市委各部门，市人大常委会办公室，市政协办公室，市中级人民法院，市人民检察院".into()),
            countersigners: d.countersigners.iter().map(|u| u.to_string()).collect(),
            signer: Some(d.signer.into()),
            attachment_titles: Some("任务分工表".into()),
            note: Some("初稿".into()),
            ..Default::default()
        };
        let n = self.create_outgoing_at(&input, &[], &clerk, step()).await?.item.number;
        // Two more versions: the text as the unit's discussion changed it.
        let v2 = OutgoingInput { body: Some(BODY.into()), note: Some("补充源头治理要求".into()), ..Default::default() };
        self.save_outgoing_at(&n, &v2, &[], &clerk, step()).await?;
        if d.steps == 0 && !d.withdrawn {
            let v3 = OutgoingInput { body: Some(BODY.replace("每月25日前", "每月20日前")), note: Some("调整报送时间".into()), ..Default::default() };
            self.save_outgoing_at(&n, &v3, &[], &clerk, step()).await?;
        }
        if d.withdrawn {
            self.act_outgoing_at(&n, "withdraw", &DocActionInput { reason: Some("改以部门名义发文".into()), ..Default::default() }, &[], &clerk, step()).await?;
            return Ok(());
        }
        for (k, s) in OUT_STEPS.iter().enumerate().take(d.steps) {
            let last = k + 1 == d.steps;
            match *s {
                "submit" => self.act_outgoing_at(&n, s, &DocActionInput::default(), &[], &clerk, step()).await?,
                "approve" => self.act_outgoing_at(&n, s, &DocActionInput { comment: Some("同意，送会签".into()), ..Default::default() }, &[], &head, step()).await?,
                "countersign" => {
                    if d.countersigners.is_empty() {
                        continue;
                    }
                    let answering = if last { d.answered } else { d.countersigners.len() };
                    for (j, u) in d.countersigners.iter().enumerate().take(answering) {
                        let input = DocActionInput {
                            stance: Some(if j == 1 { "agree_with_changes" } else { "agree" }.into()),
                            text: Some(if j == 1 { "原则同意。建议在第二条中明确完成时限。" } else { "同意。" }.into()),
                            ..Default::default()
                        };
                        self.act_outgoing_at(&n, s, &input, &[], &self.demo_actor(u).await?, step()).await?;
                    }
                    continue;
                }
                "sign" => self.act_outgoing_at(&n, s, &DocActionInput { comment: Some("同意印发。".into()), ..Default::default() }, &[], &self.demo_actor(d.signer).await?, step()).await?,
                "print" => self.act_outgoing_at(&n, s, &DocActionInput { copies: Some(120), ..Default::default() }, &[], office, step()).await?,
                _ => self.act_outgoing_at(&n, s, &DocActionInput::default(), &[], office, step()).await?,
            };
        }
        Ok(())
    }
}
