//! The demo city's meetings: four past meetings (the executive series, the mayor's, a topic
//! meeting) whose minutes were issued and whose decisions stand at every stage of supervision —
//! struck off, overdue and carded, behind, near their deadline, asking for more time, objected
//! to, awaiting review, just handed out; meetings in every other state (cancelled, held with the
//! minutes to draft, the draft with the 秘书长, with the chair, signed and waiting to be issued,
//! planned with its agenda); the next executive meeting with the notice answered by some;
//! topics in every state; and the year's topic plan, met and late.
//! Every step is taken through the same functions as the pages, at the moment it happened.

use chrono::{DateTime, Datelike, Duration, Utc};
use sanfu_domain::Actor;
use sanfu_domain::meeting::topic::Action as T;

use crate::db::{Store, StoreError};
use crate::meeting::session::{AgendaInput, DecisionInput, MeetingActionInput, MeetingInput, TopicMinutesInput};
use crate::meeting::topic::{PlanInput, TopicInput};
use crate::supervision::demo::{Demo, Stage, d};

/// How far a demo topic goes before any meeting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Upto {
    Draft,
    /// Proposed; the first `n` consulted units have answered.
    Consulting(usize),
    LeaderReview,
    Returned,
    Held,
    Screening,
    PendingAgenda,
    Withdrawn,
}

struct DemoTopic {
    title: &'static str,
    summary: &'static str,
    unit: &'static str,
    consulted: &'static [&'static str],
}

const fn t(title: &'static str, unit: &'static str, consulted: &'static [&'static str], summary: &'static str) -> DemoTopic {
    DemoTopic { title, summary, unit, consulted }
}

/// A decision of a past meeting: its text, and where its supervision item is now.
struct DemoDecision {
    text: &'static str,
    item: Demo,
}

const fn dd(text: &'static str, lead: &'static str, co: &'static [&'static str], span: i64, cycle: &'static str, stage: Stage) -> DemoDecision {
    DemoDecision { text, item: d("", "", "", "", lead, co, "", (0, span), cycle, stage) }
}

struct PastTopic {
    topic: DemoTopic,
    outcome: &'static str,
    note: &'static str,
    decisions: &'static [DemoDecision],
}

/// Where a demo meeting's life stops.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Its agenda set, nothing sent yet.
    Planned,
    Cancelled,
    /// Held; the minutes not yet drafted.
    Held,
    /// The draft with the 秘书长.
    Reviewing,
    /// Reviewed, with the chair.
    Signing,
    /// Signed, waiting to be issued.
    Signed,
    Issued,
}

struct PastMeeting {
    stop: Stop,
    meeting_type: &'static str,
    title: &'static str,
    chair: &'static str,
    days_ago: i64,
    summary: &'static str,
    topics: &'static [PastTopic],
}

const PAST: &[PastMeeting] = &[
    PastMeeting {
        stop: Stop::Issued,
        meeting_type: "executive",
        title: "",
        chair: "mayor",
        days_ago: 150,
        summary: "会议听取了城市更新三年行动方案和中小学课后服务实施意见的汇报，研究部署了相关工作。",
        topics: &[
            PastTopic {
                topic: t("城市更新三年行动方案", "zjj", &["czj", "fgw"], "提请审议《江州市城市更新三年行动方案（2026—2028年）》，三年完成 120 个老旧小区改造。"),
                outcome: "passed",
                note: "原则通过，由住建局按会议意见修改后印发。",
                decisions: &[
                    dd("市住建局牵头修改完善城市更新三年行动方案，以市政府名义印发实施。", "zjj", &["cgj"], 100, "每月", Stage::Closed(true)),
                    dd("市发改委将城市更新项目纳入年度重大项目库，统筹安排前期工作经费。", "fgw", &[], 60, "每月", Stage::Closed(false)),
                ],
            },
            PastTopic {
                topic: t("全市中小学课后服务实施意见", "jyj", &["czj"], "提请审议课后服务实施意见，明确服务时长、收费标准和教师补助。"),
                outcome: "in_principle",
                note: "原则通过，收费标准请财政局再作测算。",
                decisions: &[dd("市教育局会同市财政局出台课后服务经费保障办法，秋季学期前实施。", "jyj", &["czj"], 90, "每月", Stage::Overdue)],
            },
        ],
    },
    PastMeeting {
        stop: Stop::Issued,
        meeting_type: "executive",
        title: "",
        chair: "mayor",
        days_ago: 100,
        summary: "会议研究了农贸市场提质改造和城区交通拥堵治理工作。",
        topics: &[
            PastTopic {
                topic: t("农贸市场提质改造实施方案", "swj", &["scjgj"], "提请审议全市 46 个农贸市场分三年提质改造的实施方案。"),
                outcome: "passed",
                note: "",
                decisions: &[dd("市商务局牵头推进首批 15 个农贸市场提质改造，年底前完成。", "swj", &["scjgj"], 160, "每月", Stage::OnTrack)],
            },
            PastTopic {
                topic: t("城区交通拥堵治理工作方案", "jtysj", &["gaj"], "提请审议城区 12 个拥堵节点综合治理方案。"),
                outcome: "passed",
                note: "",
                decisions: &[
                    dd("市交通运输局牵头完成 12 个拥堵节点渠化改造。", "jtysj", &["gaj"], 150, "每旬", Stage::Behind),
                    dd("市公安局优化城区信号灯配时，上下班高峰增派警力疏导。", "gaj", &[], 120, "每月", Stage::Review),
                ],
            },
        ],
    },
    PastMeeting {
        stop: Stop::Issued,
        meeting_type: "mayor_office",
        title: "",
        chair: "mayor",
        days_ago: 55,
        summary: "会议研究了防汛抗旱应急预案修订工作，养老服务设施布局规划暂缓研究。",
        topics: &[
            PastTopic {
                topic: t("防汛抗旱应急预案修订", "yjj", &["slj"], "提请审议修订后的《江州市防汛抗旱应急预案》。"),
                outcome: "passed",
                note: "",
                decisions: &[
                    dd("市水利局完成城区 18 处易涝点排查整治，逐点销号。", "slj", &["yjj"], 60, "每周", Stage::Near),
                    dd("市应急管理局组织全市防汛应急演练。", "yjj", &[], 70, "每月", Stage::Extension),
                ],
            },
            PastTopic {
                topic: t("养老服务设施布局规划", "mzj", &["zjj"], "提请审议 2026—2035 年养老服务设施布局规划。"),
                outcome: "deferred",
                note: "用地指标尚未落实，暂缓研究，待自然资源部门意见后再提请。",
                decisions: &[],
            },
        ],
    },
    PastMeeting {
        stop: Stop::Issued,
        meeting_type: "topical",
        title: "优化营商环境专题会议",
        chair: "vicemayor",
        days_ago: 20,
        summary: "专题研究优化营商环境十条措施。政务服务“一网通办”推进方案未获通过。",
        topics: &[
            PastTopic {
                topic: t("优化营商环境十条措施", "fgw", &["sjj", "scjgj"], "提请审议优化营商环境十条措施。"),
                outcome: "passed",
                note: "",
                decisions: &[
                    dd("市发改委牵头制定十条措施任务分工方案。", "fgw", &["scjgj"], 60, "每月", Stage::Assigned),
                    dd("市数据局完成企业开办全程网办系统升级。", "sjj", &[], 90, "每月", Stage::OnTrack),
                    dd("市市场监管局牵头开展涉企收费专项清理。", "scjgj", &["swj"], 45, "每周", Stage::Objected),
                ],
            },
            PastTopic {
                topic: t("政务服务“一网通办”推进方案", "sjj", &[], "提请审议政务服务“一网通办”三年推进方案。"),
                outcome: "rejected",
                note: "方案与省里部署衔接不够，请数据局重新研究。",
                decisions: &[],
            },
        ],
    },
    PastMeeting {
        stop: Stop::Cancelled,
        meeting_type: "topical",
        title: "城市供水保障专题会议",
        chair: "vicemayor",
        days_ago: 12,
        summary: "",
        topics: &[PastTopic { topic: t("二次供水设施改造方案", "water", &["zjj"], "提请审议城区二次供水设施改造方案。"), outcome: "", note: "", decisions: &[] }],
    },
    PastMeeting {
        stop: Stop::Signing,
        meeting_type: "executive",
        title: "",
        chair: "mayor",
        days_ago: 9,
        summary: "会议研究了冬季供暖保障工作，原则通过工作方案。",
        topics: &[PastTopic {
            topic: t("冬季供暖保障工作方案", "zjj", &["fgw"], "提请审议今冬明春供暖保障工作方案。"),
            outcome: "in_principle",
            note: "按发改委意见完善煤炭储备内容。",
            decisions: &[dd("市住建局牵头落实供暖企业煤炭储备，11 月底前完成。", "zjj", &["fgw"], 40, "每周", Stage::Assigned)],
        }],
    },
    PastMeeting {
        stop: Stop::Reviewing,
        meeting_type: "mayor_office",
        title: "",
        chair: "mayor",
        days_ago: 6,
        summary: "会议研究了消费券发放工作。",
        topics: &[PastTopic {
            topic: t("第二批消费券发放方案", "swj", &["czj"], "提请审议第二批 3000 万元消费券发放方案。"),
            outcome: "passed",
            note: "",
            decisions: &[dd("市商务局组织第二批消费券发放，元旦前完成。", "swj", &["czj"], 30, "每周", Stage::Assigned)],
        }],
    },
    PastMeeting {
        stop: Stop::Signed,
        meeting_type: "topical",
        title: "安全生产专题会议",
        chair: "vicemayor",
        days_ago: 3,
        summary: "专题研究岁末年初安全生产工作。",
        topics: &[PastTopic {
            topic: t("岁末年初安全生产大检查方案", "yjj", &["gaj"], "提请审议岁末年初安全生产大检查方案。"),
            outcome: "passed",
            note: "",
            decisions: &[dd("市应急管理局牵头开展安全生产大检查，春节前完成。", "yjj", &["gaj"], 50, "每周", Stage::Assigned)],
        }],
    },
    PastMeeting {
        stop: Stop::Held,
        meeting_type: "topical",
        title: "教育布局调整专题会议",
        chair: "vicemayor2",
        days_ago: 1,
        summary: "",
        topics: &[PastTopic { topic: t("中心城区中小学布局调整方案", "jyj", &["zjj"], "提请审议中心城区中小学布局调整方案。"), outcome: "", note: "", decisions: &[] }],
    },
    PastMeeting {
        stop: Stop::Planned,
        meeting_type: "topical",
        title: "农村人居环境整治专题会议",
        chair: "vicemayor",
        days_ago: -10,
        summary: "",
        topics: &[PastTopic { topic: t("农村人居环境整治提升方案", "sthjj", &["zjj"], "提请审议农村人居环境整治提升五年方案。"), outcome: "", note: "", decisions: &[] }],
    },
];

/// Topics that have not reached a meeting, one per state.
const WAITING: &[(DemoTopic, Upto, i64)] = &[
    (t("公共停车场建设补助办法", "jtysj", &["czj"], "拟对社会资本建设公共停车场给予每个泊位 5000 元补助。"), Upto::Draft, 1),
    (t("城市生活垃圾分类管理办法", "cgj", &["sthjj", "zjj"], "提请审议生活垃圾分类管理办法，明确各方责任和处罚标准。"), Upto::Consulting(1), 2),
    (t("职业技能提升行动方案", "rsj", &["czj"], "提请审议 2026—2027 年职业技能提升行动方案。"), Upto::LeaderReview, 6),
    (t("社区养老服务驿站建设标准", "mzj", &["zjj"], "提请审议社区养老服务驿站建设和运营补助标准。"), Upto::Returned, 9),
    (t("地下综合管廊有偿使用办法", "zjj", &["fgw"], "提请审议地下综合管廊有偿使用收费办法。"), Upto::Held, 12),
    (t("城区绿道建设规划", "cgj", &["zjj"], "提请审议城区 120 公里绿道建设规划。"), Upto::Screening, 8),
    (t("城乡客运一体化实施方案", "jtysj", &["gaj"], "提请审议城乡客运一体化实施方案。"), Upto::PendingAgenda, 14),
    (t("全民健身设施补短板工程实施方案", "jyj", &["czj"], "提请审议全民健身设施补短板工程实施方案。"), Upto::PendingAgenda, 11),
    (t("夜间经济发展意见", "swj", &[], "提请审议促进夜间经济发展的若干意见。"), Upto::Withdrawn, 16),
];

impl Store {
    /// The leader in charge of a unit, as an actor.
    async fn leader_actor(&self, unit: &str) -> Result<Actor, StoreError> {
        let unit_id = self.unit_ref(unit).await?.id;
        let id = self.charge_leader_of(&unit_id).await?.ok_or_else(|| StoreError::Other("no leader".into()))?;
        let username: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1").bind(&id).fetch_one(self.pool()).await?;
        self.demo_actor(&username).await
    }

    /// A topic proposed at `at`, taken as far as `upto` in the hours after; returns its number.
    async fn demo_topic(&self, it: &DemoTopic, upto: Upto, at: DateTime<Utc>) -> Result<String, StoreError> {
        let unit = self.demo_actor(it.unit).await?;
        let input = TopicInput {
            title: Some(it.title.into()),
            summary: Some(it.summary.into()),
            meeting_type: None,
            consulted: it.consulted.iter().map(|c| c.to_string()).collect(),
            leader: None,
            plan_id: self.plan_for(it.unit, it.title).await?,
            propose: false,
        };
        let n = self.create_topic_at(&input, &[], &unit, at).await?.item.number;
        if upto == Upto::Draft {
            return Ok(n);
        }
        let h = |x: i64| at + Duration::hours(x);
        self.act_topic_at(&n, &unit, &T::Propose, &[], h(1)).await?;
        let answering = match upto {
            Upto::Consulting(k) => k,
            _ => it.consulted.len(),
        };
        for (i, c) in it.consulted.iter().take(answering).enumerate() {
            let text = if i == 0 { "同意。建议进一步明确资金来源和年度实施计划。" } else { "同意，无修改意见。" };
            let stance = if i == 0 { sanfu_domain::meeting::Stance::AgreeWithChanges } else { sanfu_domain::meeting::Stance::Agree };
            self.act_topic_at(&n, &self.demo_actor(c).await?, &T::Opinion { stance, text: text.into() }, &[], h(20 + i as i64)).await?;
        }
        if matches!(upto, Upto::Consulting(_)) {
            return Ok(n);
        }
        if upto == Upto::Withdrawn {
            self.act_topic_at(&n, &unit, &T::Withdraw { reason: "相关政策省里即将出台，待省级文件印发后重新提请。".into() }, &[], h(30)).await?;
            return Ok(n);
        }
        if !it.consulted.is_empty() {
            self.act_topic_at(&n, &unit, &T::Submit, &[], h(48)).await?;
        }
        let leader = self.leader_actor(it.unit).await?;
        match upto {
            Upto::LeaderReview => return Ok(n),
            Upto::Returned => {
                self.act_topic_at(&n, &leader, &T::Return { reason: "补助标准请与周边城市比较后再报，补充财政承受能力评估。".into() }, &[], h(52)).await?;
                return Ok(n);
            }
            Upto::Held => {
                self.act_topic_at(&n, &leader, &T::Hold { reason: "收费标准需待省发改委价格政策明确后再议。".into() }, &[], h(52)).await?;
                return Ok(n);
            }
            _ => {}
        }
        self.act_topic_at(&n, &leader, &T::Approve { comment: "同意提请会议研究。".into() }, &[], h(52)).await?;
        if upto == Upto::Screening {
            return Ok(n);
        }
        let sg = self.demo_actor("mishuzhang").await?;
        self.act_topic_at(&n, &sg, &T::Screen { comment: "材料齐全，同意上会。".into() }, &[], h(70)).await?;
        Ok(n)
    }

    /// The plan entry a demo topic answers, if any.
    async fn plan_for(&self, unit: &str, title: &str) -> Result<Option<String>, StoreError> {
        let unit_id = self.unit_ref(unit).await?.id;
        Ok(sqlx::query_scalar("SELECT id FROM topic_plans WHERE unit_id = $1 AND title = $2").bind(&unit_id).bind(title).fetch_optional(self.pool()).await?)
    }

    /// The demo city's meetings (see the module's note), before the supervision sweep runs.
    pub(crate) async fn seed_meetings(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let office = self.demo_actor("huiyike").await?;
        let year = now.with_timezone(&self.offset()).year();
        // The year's plan: some met by the topics below, one late, some still to come.
        let month = now.with_timezone(&self.offset()).month();
        let plans: &[(&str, &str, u32)] = &[
            ("zjj", "城市更新三年行动方案", 1),
            ("jtysj", "城乡客运一体化实施方案", 6),
            ("cgj", "城市生活垃圾分类管理办法", month),
            ("wlj", "文化旅游产业高质量发展意见", month.saturating_sub(2).max(1)),
            ("jyj", "学前教育普及普惠三年计划", (month + 1).min(12)),
        ];
        for (unit, title, m) in plans {
            let input = PlanInput { year: Some(year), quarter: Some((m - 1) / 3 + 1), unit: Some((*unit).into()), title: Some((*title).into()), meeting_type: Some("executive".into()), expected_month: Some(*m) };
            self.add_topic_plan(&input, &office).await?;
        }
        let members: Vec<String> = ["vicemayor", "vicemayor2", "mishuzhang"].iter().map(|s| s.to_string()).collect();
        let mut deferred = None;
        for pm in PAST {
            let starts = now - Duration::days(pm.days_ago);
            let prepared = starts - Duration::days(12);
            let mut topics = Vec::new();
            for (i, pt) in pm.topics.iter().enumerate() {
                topics.push(self.demo_topic(&pt.topic, Upto::PendingAgenda, prepared - Duration::days(10 + i as i64)).await?);
            }
            let input = MeetingInput {
                meeting_type: Some(pm.meeting_type.into()),
                title: (!pm.title.is_empty()).then(|| pm.title.to_string()),
                starts_at: Some(starts),
                place: Some("市政府第一会议室".into()),
                chair: Some(pm.chair.into()),
                members: members.clone(),
            };
            let m = self.create_meeting_at(&input, &office, prepared).await?.item.number;
            let agenda: Vec<AgendaInput> = topics
                .iter()
                .enumerate()
                .map(|(i, n)| AgendaInput { topic: n.clone(), slot: Some(format!("{:02}:00-{:02}:50", 9 + i, 9 + i)), observers: Vec::new() })
                .collect();
            self.set_agenda_at(&m, &agenda, &office, prepared + Duration::hours(1)).await?;
            let act = |a: &'static str, input: MeetingActionInput, who: Actor, at: DateTime<Utc>| {
                let m = m.clone();
                async move { self.act_meeting_at(&m, a, &input, &[], &who, at).await }
            };
            match pm.stop {
                Stop::Planned => continue,
                Stop::Cancelled => {
                    let why = MeetingActionInput { reason: Some("主持人另有公务，会议取消，议题另行安排。".into()), ..Default::default() };
                    act("cancel", why, office.clone(), prepared + Duration::days(3)).await?;
                    continue;
                }
                _ => {}
            }
            act("send_agenda", MeetingActionInput::default(), office.clone(), prepared + Duration::days(7)).await?;
            act("notify", MeetingActionInput::default(), office.clone(), starts - Duration::days(2)).await?;
            for pt in pm.topics {
                let unit = self.demo_actor(pt.topic.unit).await?;
                let files = [crate::kernel::attachments::Attachment { name: format!("{}汇报材料.txt", pt.topic.title), content_type: "text/plain", data: pt.topic.summary.as_bytes().to_vec() }];
                self.act_meeting_at(&m, "materials", &MeetingActionInput::default(), &files, &unit, starts - Duration::days(4)).await.ok();
                let reply = MeetingActionInput { reply: Some("attend".into()), ..Default::default() };
                act("reply", reply, unit, starts - Duration::days(1)).await?;
            }
            if pm.chair != "vicemayor2" {
                let leave = MeetingActionInput { reply: Some("leave".into()), note: Some("赴省参加专题会议".into()), ..Default::default() };
                act("reply", leave, self.demo_actor("vicemayor2").await?, starts - Duration::days(1)).await?;
            }
            for who in [pm.chair, "mishuzhang"].into_iter().chain(if pm.chair == "mayor" { Some("vicemayor") } else { None }) {
                let yes = MeetingActionInput { reply: Some("attend".into()), ..Default::default() };
                act("reply", yes, self.demo_actor(who).await?, starts - Duration::days(1)).await?;
                act("sign_in", MeetingActionInput::default(), self.demo_actor(who).await?, starts - Duration::minutes(10)).await?;
            }
            act("convene", MeetingActionInput::default(), office.clone(), starts).await?;
            if pm.stop == Stop::Held {
                continue;
            }
            let outcomes = pm
                .topics
                .iter()
                .enumerate()
                .map(|(i, pt)| TopicMinutesInput {
                    seq: i as u32 + 1,
                    outcome: Some(pt.outcome.into()),
                    note: (!pt.note.is_empty()).then(|| pt.note.to_string()),
                    decisions: pt
                        .decisions
                        .iter()
                        .map(|x| DecisionInput {
                            text: Some(x.text.into()),
                            lead_unit: Some(x.item.lead.into()),
                            co_units: x.item.co.iter().map(|c| c.to_string()).collect(),
                            deadline: Some(starts + Duration::days(2) + Duration::days(x.item.span)),
                        })
                        .collect(),
                })
                .collect();
            let draft = MeetingActionInput { summary: Some(pm.summary.into()), outcomes: Some(outcomes), ..Default::default() };
            act("draft_minutes", draft, office.clone(), starts + Duration::days(1)).await?;
            act("submit_minutes", MeetingActionInput::default(), office.clone(), starts + Duration::days(1) + Duration::hours(2)).await?;
            if pm.stop == Stop::Reviewing {
                continue;
            }
            let pass = MeetingActionInput { pass: Some(true), ..Default::default() };
            act("review_minutes", pass.clone(), self.demo_actor("mishuzhang").await?, starts + Duration::days(1) + Duration::hours(5)).await?;
            if pm.stop == Stop::Signing {
                continue;
            }
            act("sign_minutes", pass, self.demo_actor(pm.chair).await?, starts + Duration::days(2)).await?;
            if pm.stop == Stop::Signed {
                continue;
            }
            let issued_at = starts + Duration::days(2) + Duration::hours(2);
            let view = act("issue", MeetingActionInput::default(), office.clone(), issued_at).await?;
            // Each decision's item, from its handing out to where it stands now.
            let sv = self.demo_actor("duchake").await?;
            for (a, pt) in view.agenda.iter().zip(pm.topics) {
                for (dv, x) in a.decisions.iter().zip(pt.decisions) {
                    if let Some(s) = &dv.supervision {
                        self.advance_item(&s.number, &x.item, &sv, now, issued_at).await?;
                    }
                }
                if pt.outcome == "deferred" {
                    deferred = Some(a.topic.number.clone());
                }
            }
            if pm.days_ago == 150 {
                act("erratum", MeetingActionInput { text: Some("第一项议定事项中“以市政府名义印发”应为“以市政府办公室名义印发”。".into()), ..Default::default() }, office.clone(), issued_at + Duration::days(3)).await?;
            }
        }
        // Topics waiting, one per state.
        let mut pending = Vec::new();
        for (it, upto, ago) in WAITING {
            let n = self.demo_topic(it, *upto, now - Duration::days(*ago)).await?;
            if *upto == Upto::PendingAgenda {
                pending.push(n);
            }
        }
        // The next executive meeting: the deferred topic back on the agenda with a new one,
        // the notice out, some answers in.
        let starts = (now + Duration::days(4)).with_timezone(&self.offset()).date_naive().and_hms_opt(9, 0, 0).unwrap_or_default();
        let starts = starts.and_local_timezone(self.offset()).single().map(|t| t.with_timezone(&Utc)).unwrap_or(now + Duration::days(4));
        let input = MeetingInput {
            meeting_type: Some("executive".into()),
            title: None,
            starts_at: Some(starts),
            place: Some("市政府第一会议室".into()),
            chair: Some("mayor".into()),
            members,
        };
        let at = now - Duration::days(3);
        let m = self.create_meeting_at(&input, &office, at).await?.item.number;
        let mut agenda = Vec::new();
        if let Some(n) = deferred {
            // Its missing ground (the land quota) is now settled: the mayor puts it back.
            agenda.push(AgendaInput { topic: n, slot: Some("09:00-09:40".into()), observers: vec!["czj".into()] });
        }
        for n in pending.iter().take(1) {
            agenda.push(AgendaInput { topic: n.clone(), slot: Some("09:40-10:20".into()), observers: vec!["czj".into(), "fgw".into()] });
        }
        self.set_agenda_at(&m, &agenda, &office, at + Duration::hours(2)).await?;
        self.act_meeting_at(&m, "send_agenda", &MeetingActionInput::default(), &[], &office, now - Duration::days(1)).await?;
        self.act_meeting_at(&m, "notify", &MeetingActionInput::default(), &[], &office, now - Duration::hours(20)).await?;
        let yes = MeetingActionInput { reply: Some("attend".into()), ..Default::default() };
        self.act_meeting_at(&m, "reply", &yes, &[], &self.demo_actor("vicemayor").await?, now - Duration::hours(5)).await?;
        self.act_meeting_at(&m, "reply", &yes, &[], &self.demo_actor("czj").await?, now - Duration::hours(4)).await?;
        let sub = MeetingActionInput { reply: Some("substitute".into()), substitute: Some("市民政局副局长 刘芳".into()), note: Some("在外地招商".into()), ..Default::default() };
        self.act_meeting_at(&m, "reply", &sub, &[], &self.demo_actor("vicemayor2").await?, now - Duration::hours(3)).await?;
        tracing::info!(meetings = PAST.len() + 1, topics = WAITING.len(), "演示会议已生成");
        Ok(())
    }
}
