//! The demo city's party work: two branches (the office's own and the housing bureau's), each
//! with a 组织生活会 held last time and its rectification list at every stage (struck off, to be
//! struck off, under way, overdue), the office's next meeting noticed and in preparation, a
//! year of study sessions, and the "我为群众办实事" projects in every state, the finished ones
//! rated by citizens.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::BranchInput;
use super::meeting::{Analysis, Attendance, Criticism, PartyMeetingAction, PartyMeetingInput, Preparation, Problem, Records};
use super::project::{ProjectActionInput, ProjectInput, RatingInput};
use super::rectification::{RectificationActionInput, RectificationInput};
use super::study::StudyInput;
use crate::db::{Store, StoreError};

/// Nine in the morning, local time, of the day of `t`.
fn at_nine(store: &Store, t: DateTime<Utc>) -> DateTime<Utc> {
    let d = t.with_timezone(&store.offset()).date_naive();
    crate::from_ms(super::day_ms(store, d) + 9 * 3_600_000)
}

const OFFICE_BRANCH: &str = "市政府办公室机关第一党支部";
const ZJJ_BRANCH: &str = "市住房和城乡建设局机关党支部";

impl Store {
    /// The two branches every demo city has (the secretaries are demo accounts).
    pub(crate) async fn seed_branches(&self) -> Result<(), StoreError> {
        let admin = self.demo_actor("admin").await?;
        for (name, unit, secretary, members) in [
            (OFFICE_BRANCH, "office", "zhibushuji", "刘红梅、孙立平、赵敏、吴晓红、郑文、王蕾、林志远、陈晨"),
            (ZJJ_BRANCH, "zjj", "zjj-head", "市住房和城乡建设局负责人、张国强、李秀英、王海波、陈丽、周明"),
        ] {
            let input = BranchInput { name: Some(name.into()), unit: Some(unit.into()), secretary: Some(secretary.into()), members: Some(members.into()) };
            self.create_branch(&input, &admin).await?;
        }
        Ok(())
    }

    pub(crate) async fn seed_party(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let office = self.demo_actor("zhibushuji").await?;
        let zjj = self.demo_actor("zjj-head").await?;
        let zjj_unit = self.demo_actor("zjj").await?;
        let day = |t: DateTime<Utc>| t.with_timezone(&self.offset()).format("%Y-%m-%d").to_string();
        for (branch, secretary, owner, theme) in [
            (OFFICE_BRANCH, &office, "刘红梅", "学习贯彻党的创新理论 以作风建设促“三服务”提质增效"),
            (ZJJ_BRANCH, &zjj, "张国强", "深化作风建设 解决群众急难愁盼住房问题"),
        ] {
            let b = self.branch(branch).await?;
            // The meeting held about two months ago (at nine in the morning), its list at every stage.
            let held_at = at_nine(self, now - Duration::days(62));
            let m = self
                .create_party_meeting_at(
                    &PartyMeetingInput { branch: Some(branch.into()), theme: Some(theme.into()), meeting_at: Some(held_at), notice_at: Some(held_at - Duration::days(11)), place: Some("机关三楼会议室".into()) },
                    secretary,
                    held_at - Duration::days(11),
                )
                .await?;
            let members = &b.members;
            let prep = Preparation {
                study: "会前集中学习《中国共产党纪律处分条例》和市委关于作风建设的部署，支部书记领学。".into(),
                talks: vec![format!("{}与{}：交流服务窗口作风问题，互提意见3条", members[0], members[1]), format!("{}与{}：谈心谈话，围绕工作效率互相提醒", members[2], members[3])],
                opinions: vec!["服务对象反映部分事项答复不够及时".into(), "基层单位反映报送材料要求多、时间紧".into()],
            };
            let problems = vec![
                Problem { scope: "branch".into(), member: String::new(), text: "支部学习有时以读代学，联系实际不够".into() },
                Problem { scope: "branch".into(), member: String::new(), text: "办文办事存在“等靠”现象，个别事项答复不及时".into() },
                Problem { scope: "member".into(), member: members[2].clone(), text: "深入基层调研次数偏少".into() },
                Problem { scope: "member".into(), member: members[3].clone(), text: "业务学习不够系统".into() },
            ];
            self.act_party_meeting_at(&m.id, "prepare", &PartyMeetingAction { preparation: Some(prep), problems: Some(problems.clone()), ..Default::default() }, secretary, held_at - Duration::days(3)).await?;
            let absent = members.last().cloned().into_iter().collect::<Vec<_>>();
            let present: Vec<String> = members.iter().filter(|m| !absent.contains(m)).cloned().collect();
            let records = Records {
                self_exam: "作为支部书记，带头对照检查：抓学习不够经常，落实“一岗双责”有时不到位，今后每月带头讲学习体会。".into(),
                criticisms: present.iter().take(4).map(|p| Criticism { member: p.clone(), self_criticism: "对照检查自身在服务意识、工作效率方面的不足。".into(), criticism: "希望更多深入基层，改进文风会风。".into() }).collect(),
                analyses: absent.iter().map(|a| Analysis { member: a.clone(), text: "因公出差未能参会，书面提交党性分析材料：在理论学习和担当作为方面还有差距。".into() }).collect(),
            };
            self.act_party_meeting_at(&m.id, "hold", &PartyMeetingAction { attendance: Some(Attendance { present, absent }), records: Some(records), ..Default::default() }, secretary, held_at).await?;
            // The list: each problem a rectification item.
            let listed = held_at + Duration::days(2);
            let plan = [
                (&problems[0], "建立“第一议题”和每月集中学习制度，学习后撰写体会", 30, "closed"),
                (&problems[1], "建立办文办事限时办结台账，每周通报", 45, "reported"),
                (&problems[2], "每季度到基层调研不少于2次，形成调研报告", 90, "rectifying"),
                (&problems[3], "制定个人学习计划，参加业务培训不少于40学时", 50, "overdue"),
            ];
            for (p, measure, days, stage) in plan {
                let input = RectificationInput {
                    branch: Some(branch.into()),
                    meeting: Some(m.id.clone()),
                    scope: Some(p.scope.clone()),
                    member: Some(p.member.clone()),
                    problem: Some(p.text.clone()),
                    measure: Some(measure.into()),
                    owner: Some(if p.member.is_empty() { owner.to_string() } else { p.member.clone() }),
                    deadline: Some(day(listed + Duration::days(days))),
                };
                let r = self.create_rectification_at(&input, secretary, listed).await?;
                let n = r.item.number;
                let reporter = if branch == ZJJ_BRANCH { &zjj_unit } else { secretary };
                let text = |t: &str| RectificationActionInput { text: Some(t.into()), ..Default::default() };
                self.act_rectification_at(&n, "progress", &text("已制定整改方案，正在落实"), &[], reporter, listed + Duration::days(7)).await?;
                if matches!(stage, "closed" | "reported") {
                    self.act_rectification_at(&n, "report", &text("整改措施已落实到位，附制度文件和台账"), &[], reporter, listed + Duration::days(20)).await?;
                }
                if stage == "closed" {
                    self.act_rectification_at(&n, "strike_off", &RectificationActionInput { comment: Some("对单核查，整改到位，同意销号".into()), ..Default::default() }, &[], secretary, listed + Duration::days(25)).await?;
                }
            }
            // A year of study: twice a month.
            let mut d = now - Duration::days(360);
            let topics = [("collective", "学习党的创新理论"), ("seminar", "专题研讨：作风建设与“三服务”"), ("lecture", "支部书记讲党课：践行为民宗旨"), ("collective", "学习《党政机关公文处理工作条例》")];
            let mut i = 0;
            while d < now - Duration::days(1) {
                let (form, topic) = topics[i % topics.len()];
                let attendees: Vec<String> = b.members.iter().enumerate().filter(|(k, _)| (k + i) % 5 != 0).map(|(_, m)| m.clone()).collect();
                let input = StudyInput {
                    branch: Some(branch.into()),
                    date: Some(day(d)),
                    form: Some(form.into()),
                    topic: Some(topic.into()),
                    hours: Some(if form == "lecture" { 2.0 } else { 1.5 }),
                    attendees,
                    notes: Some(format!("{topic}，与会党员结合工作交流发言。")),
                };
                self.record_study(&input, secretary).await?;
                d += Duration::days(15);
                i += 1;
            }
        }
        // The office's next meeting: noticed ten days ahead, preparation begun.
        let next = at_nine(self, now + Duration::days(8));
        let m = self
            .create_party_meeting_at(
                &PartyMeetingInput { branch: Some(OFFICE_BRANCH.into()), theme: Some("2026年度组织生活会".into()), meeting_at: Some(next), notice_at: Some(now - Duration::days(2)), place: Some("机关三楼会议室".into()) },
                &office,
                now - Duration::days(2),
            )
            .await?;
        let prep = Preparation { study: "会前集中学习已安排在下周一。".into(), talks: vec!["刘红梅与孙立平：谈心谈话，已完成".into()], opinions: vec!["征求意见函已发各科室".into()] };
        let problems = vec![Problem { scope: "branch".into(), member: String::new(), text: "对上次整改事项跟踪问效不够".into() }];
        self.act_party_meeting_at(&m.id, "prepare", &PartyMeetingAction { preparation: Some(prep), problems: Some(problems), ..Default::default() }, &office, now).await?;

        // 我为群众办实事: every state; the finished ones rated.
        let dck = self.demo_actor("duchake").await?;
        let year = now.with_timezone(&self.offset()).year();
        let end = |m: u32| NaiveDate::from_ymd_opt(year + 1, m, 28).map(|d| d.format("%Y-%m-%d").to_string());
        let projects: &[(&str, &str, &str, &str, &str, i64)] = &[
            ("老旧小区加装电梯", "by_date", "全年完成老旧小区加装电梯120部，方便老年人上下楼。", "zjj", "closed", 300),
            ("学校周边护学岗全覆盖", "now", "上下学时段在全市中小学周边设立护学岗。", "gaj", "closed", 200),
            ("社区食堂进小区", "phased", "分两期在中心城区建成社区食堂30家。", "mzj", "doing", 150),
            ("背街小巷路灯补亮", "now", "排查并补亮背街小巷路灯2000盏。", "cgj", "reported", 90),
            ("城区新增公共停车位", "by_date", "新增公共停车位5000个，缓解停车难。", "gaj", "doing", 120),
            ("农村饮水安全巩固提升", "phased", "改造农村供水管网80公里。", "slj", "declared", 5),
            ("公交站台加装候车座椅", "now", "为城区300个公交站台加装候车座椅。", "jtysj", "rejected", 20),
        ];
        for (k, (title, class, summary, unit, state, ago)) in projects.iter().enumerate() {
            let t = now - Duration::days(*ago);
            let deadline = if matches!(*state, "closed" | "reported") { end(3) } else { end(6) };
            let input = ProjectInput { title: Some((*title).into()), class: Some((*class).into()), summary: Some((*summary).into()), unit: Some((*unit).into()), deadline };
            let n = self.declare_project_at(&input, &dck, t).await?.item.number;
            let unit_actor = self.demo_actor(unit).await?;
            let step = |d: i64| (t + Duration::days(d)).min(now);
            match *state {
                "declared" => continue,
                "rejected" => {
                    self.act_project_at(&n, "reject", &ProjectActionInput { reason: Some("已纳入交通运输局年度常规工作，不再单列".into()), ..Default::default() }, &[], &dck, step(3)).await?;
                    continue;
                }
                _ => {}
            }
            self.act_project_at(&n, "approve", &ProjectActionInput { comment: Some("同意立项".into()), ..Default::default() }, &[], &dck, step(2)).await?;
            self.act_project_at(&n, "progress", &ProjectActionInput { percent: Some(40 + 10 * k as u32), text: Some("按计划推进，已完成阶段目标。".into()), ..Default::default() }, &[], &unit_actor, step(30)).await?;
            if matches!(*state, "closed" | "reported") {
                self.act_project_at(&n, "report", &ProjectActionInput { text: Some("已全部完成，附验收材料。".into()), ..Default::default() }, &[], &unit_actor, step(60)).await?;
            }
            if *state == "closed" {
                self.act_project_at(&n, "close", &ProjectActionInput { comment: Some("经核查已完成，予以销号".into()), ..Default::default() }, &[], &dck, step(65)).await?;
                for (i, (stars, comment)) in [(5, "电梯装好了，老人出门方便多了"), (4, "效果不错，希望继续推广"), (5, "")].iter().enumerate() {
                    self.rate_project(&n, &RatingInput { stars: Some(*stars), comment: Some((*comment).into()) }, &format!("198.51.100.{}", 10 + i)).await?;
                }
            }
        }
        Ok(())
    }
}
