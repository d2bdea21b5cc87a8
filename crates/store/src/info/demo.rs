//! The demo city's information work: submissions in every state (one waiting on its head, one
//! urgent incident report, one the section has left too long, returned, declined, adopted —
//! some forwarded to the province and used there, one instructed on by the mayor), ten issues
//! of the bulletins (eight issued and read in part, one waiting for the head's sign-off, one
//! being compiled) and two 约稿, one closed with a unit that missed it. All made through the
//! same code paths as real use, back-dated where history is needed.

use chrono::{DateTime, Duration, Utc};

use super::InfoInput;
use super::bulletin::{BulletinActionInput, BulletinInput, ComposeLine};
use super::request::RequestInput;
use crate::db::{Store, StoreError};
use crate::instruction::InstructionInput;

#[derive(Clone, Copy, PartialEq)]
enum Fate {
    Signing,
    Submitted,
    Returned,
    Declined,
    Adopted,
    Forwarded,
    Province,
}

/// (unit, category, title, text, days ago, fate)
const ITEMS: &[(&str, &str, &str, &str, i64, Fate)] = &[
    ("zjj", "news", "我市老旧小区改造三季度开工率达96%", "截至9月底，全市纳入年度计划的128个老旧小区已开工123个，开工率96%，完成投资4.2亿元。住建局实行“一区一策”，同步推进加装电梯和雨污分流。", 40, Fate::Adopted),
    ("jyj", "practice", "市教育局“课后服务+”破解接娃难", "全市义务教育学校课后服务实现全覆盖，推出“基础托管+特色课程”菜单，参与学生达18.6万人，家长满意率97.3%。", 38, Fate::Province),
    ("cgj", "problem", "部分路段共享单车无序停放问题突出", "近期热线反映共享单车乱停放投诉较上月增长35%，主要集中在地铁站出入口。建议建立企业运维考核和电子围栏管理机制。", 35, Fate::Adopted),
    ("wjw", "news", "全市二级以上医院全面推行检查检验结果互认", "自11月1日起，全市23家二级以上医院的56项检查检验结果实现互认，预计每年为群众节约费用3000万元以上。", 30, Fate::Forwarded),
    ("rsj", "proposal", "关于加快零工市场建设的建议", "我市灵活就业人员约12万人，建议在各区建设标准化零工市场，提供岗位对接、技能培训和权益保障一站式服务。", 28, Fate::Adopted),
    ("donghu", "news", "东湖区“15分钟便民生活圈”建成12个", "东湖区年内建成便民生活圈12个，新增社区食堂8家、便民维修点26个，覆盖居民21万人。", 25, Fate::Adopted),
    ("scjgj", "practice", "市场监管局推行“信用+智慧”监管", "对食品生产企业实行信用分级分类监管，A级企业检查频次降低50%，D级企业实现全覆盖重点检查。", 21, Fate::Adopted),
    ("jtysj", "opinion", "网民关注公交线路调整意见较多", "11月公交线路优化方案公示后，网络留言和热线来电共486件，主要集中在3条线路撤并，建议增设过渡接驳班次。", 18, Fate::Adopted),
    ("mzj", "news", "全市新增社区养老服务综合体6处", "今年全市新增社区养老服务综合体6处、老年助餐点42个，为1.2万名老年人提供助餐服务。", 15, Fate::Adopted),
    ("slj", "news", "冬季农田水利建设全面启动", "全市冬修水利计划完成土石方320万方，整治山塘120座，目前已完成计划的35%。", 12, Fate::Declined),
    ("xicheng", "problem", "西城区部分小区电动车充电设施不足", "西城区排查发现，建成15年以上的小区中有41个没有集中充电设施，飞线充电隐患突出。", 6, Fate::Returned),
    ("zjj", "news", "建筑工地冬季扬尘治理专项行动", "住建局开展为期两个月的扬尘治理专项行动，检查在建工地186个，责令整改23个。", 3, Fate::Submitted),
    ("jyj", "news", "全市中小学开展冬季校园安全大检查", "教育局组织对全市412所中小学幼儿园开展校园安全大检查，重点检查消防、食堂和校车安全。", 0, Fate::Submitted),
    ("wjw", "proposal", "关于推进紧密型医联体建设的建议", "建议以三级医院为龙头，组建4个紧密型城市医疗集团，统一人员调配、统一药品目录。", 0, Fate::Signing),
];

impl Store {
    pub(crate) async fn seed_info(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let section = self.demo_actor("xinxike").await?;
        let head = self.demo_actor("xinxike-head").await?;
        let mut adopted: Vec<String> = Vec::new();
        let mut instructed = None;
        for (unit, category, title, body, days, fate) in ITEMS {
            let t = now - Duration::days(*days) - Duration::hours(5);
            let writer = if *fate == Fate::Signing { self.demo_actor(unit).await? } else { self.demo_actor(&format!("{unit}-head")).await? };
            let input = InfoInput {
                title: Some((*title).into()),
                category: Some((*category).into()),
                body: Some((*body).into()),
                writer: Some("信息员".into()),
                writer_phone: Some("0791-86001234".into()),
                ..Default::default()
            };
            let n = self.submit_info_at(&input, &[], &writer, t).await?.item.number;
            let later = |h: i64| (t + Duration::hours(h)).min(now);
            match fate {
                Fate::Signing | Fate::Submitted => {}
                Fate::Returned => {
                    let i = super::InfoActionInput { missing: Some("请补充涉及小区名单和整改时间表".into()), ..Default::default() };
                    self.act_info_at(&n, "return", &i, &section, later(3)).await?;
                }
                Fate::Declined => {
                    let i = super::InfoActionInput { reason: Some("内容属常规工作进展，已在部门动态中反映".into()), ..Default::default() };
                    self.act_info_at(&n, "decline", &i, &section, later(3)).await?;
                }
                Fate::Adopted | Fate::Forwarded | Fate::Province => {
                    let i = super::InfoActionInput { edited_body: Some(format!("【{}】{}", title, body)), ..Default::default() };
                    self.act_info_at(&n, "adopt", &i, &section, later(2)).await?;
                    if matches!(fate, Fate::Forwarded | Fate::Province) {
                        self.act_info_at(&n, "forward", &Default::default(), &section, later(4)).await?;
                    }
                    if *fate == Fate::Province {
                        let i = super::InfoActionInput { level: Some("info".into()), comment: Some("省政府办公厅《政务信息》第212期采用".into()), ..Default::default() };
                        self.act_info_at(&n, "province_adopt", &i, &section, later(72)).await?;
                    }
                    if *unit == "cgj" {
                        instructed = Some(n.clone());
                    }
                    adopted.push(n);
                }
            }
        }
        // An incident reported by telephone 25 minutes after it happened, written up now.
        let yjj = self.demo_actor("yjj-head").await?;
        let incident = InfoInput {
            title: Some("东湖区一居民楼发生火情 无人员伤亡".into()),
            category: Some("incident".into()),
            body: Some("今日一居民楼三层一住户厨房起火，消防救援站接警后8分钟到场，明火已扑灭，疏散群众42人，无人员伤亡，起火原因正在调查。".into()),
            writer: Some("应急值班员".into()),
            writer_phone: Some("0791-86002110".into()),
            incident_at: Some(now - Duration::minutes(50)),
            first_reported_at: Some(now - Duration::minutes(25)),
            request: None,
        };
        self.submit_info_at(&incident, &[], &yjj, now - Duration::minutes(5)).await?;

        // Ten issues: eight issued, one waiting for the head, one being compiled.
        let leaders = ["mayor", "vicemayor", "vicemayor2", "mishuzhang"];
        let plan: &[(&str, &[usize], bool)] = &[
            ("daily", &[0], true),
            ("daily", &[1, 2], true),
            ("daily", &[3], true),
            ("daily", &[4, 5], true),
            ("daily", &[6], true),
            ("info", &[0, 1, 3], true),
            ("info", &[5, 7], true),
            ("special", &[2], true),
            ("info", &[6, 8], false),
            ("daily", &[8], false),
        ];
        for (i, (series, picks, issue)) in plan.iter().enumerate() {
            let b = self.create_bulletin(&BulletinInput { series: Some((*series).into()), note: None }, &section).await?;
            let items = picks.iter().filter_map(|p| adopted.get(*p)).map(|n| ComposeLine { info: n.clone(), headline: None, body: None }).collect();
            let key = b.item.number.clone();
            self.act_bulletin(&key, "compose", &BulletinActionInput { items, ..Default::default() }, &section).await?;
            if i == plan.len() - 1 {
                continue; // still being compiled
            }
            self.act_bulletin(&key, "submit", &Default::default(), &section).await?;
            if !issue {
                continue; // waiting for the head's sign-off
            }
            self.act_bulletin(&key, "sign", &Default::default(), &head).await?;
            let readers = leaders.iter().map(|s| s.to_string()).collect();
            self.act_bulletin(&key, "issue", &BulletinActionInput { readers, ..Default::default() }, &section).await?;
            // The mayor has read the first issues; the others are still in the leaders' inboxes.
            if i < 4 {
                let mayor = self.demo_actor("mayor").await?;
                self.act_bulletin(&key, "read", &BulletinActionInput { comment: Some("已阅".into()), ..Default::default() }, &mayor).await?;
            }
        }
        // The mayor instructs on the shared bicycles item; the unit must answer.
        if let Some(n) = instructed {
            let mayor = self.demo_actor("mayor").await?;
            let input = InstructionInput {
                text: Some("请城管局会同交通运输局拿出共享单车规范停放的具体措施，两周内报结果。".into()),
                unit_ids: vec!["cgj".into(), "jtysj".into()],
                deadline: Some(now + Duration::days(14)),
                target: Some(n),
                leader: None,
            };
            self.create_instruction(&input, &mayor).await?;
        }

        // 约稿: one closed with a unit that missed it, one open.
        let units = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let day = |t: DateTime<Utc>| t.with_timezone(&self.offset()).format("%Y-%m-%d").to_string();
        let closed = RequestInput {
            title: Some("“双十一”期间消费维权情况".into()),
            body: Some("请报送“双十一”期间消费投诉受理、处置和典型案例情况，800字以内。".into()),
            units: units(&["scjgj", "swj", "donghu"]),
            deadline: Some(day(now - Duration::days(14))),
        };
        let r = self.create_request_at(&closed, &section, now - Duration::days(20)).await?;
        let answer = InfoInput {
            title: Some("“双十一”消费投诉同比下降18%".into()),
            category: Some("news".into()),
            body: Some("“双十一”期间全市受理消费投诉1260件，同比下降18%，办结率99.2%，为消费者挽回损失86万元。".into()),
            writer: Some("信息员".into()),
            writer_phone: Some("0791-86005678".into()),
            request: Some(r.item.number.clone()),
            ..Default::default()
        };
        self.submit_info_at(&answer, &[], &self.demo_actor("scjgj-head").await?, now - Duration::days(16)).await?;
        self.close_request(&r.item.number, &section).await?;
        let open = RequestInput {
            title: Some("冬季保供稳价工作情况".into()),
            body: Some("请报送煤电油气和重要民生商品保供稳价措施及成效，突出数据和做法。".into()),
            units: units(&["fgw", "swj", "nyncj"]),
            deadline: Some(day(now + Duration::days(7))),
        };
        self.create_request(&open, &section).await?;
        Ok(())
    }
}
