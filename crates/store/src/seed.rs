//! The demo city, 江州市 (fictional): its units, accounts for every role, the category tree,
//! and a handful of orders in every state, all made through the same code paths as real use.

use sanfu_domain::hotline::{Action, Satisfaction};
use sanfu_domain::kernel::CardColour;
use sanfu_domain::{Actor, Principal, Role, UnitKind};

use crate::db::{Store, StoreError};
use crate::hotline::orders::OrderInput;
use crate::org::NewUser;

/// How many historical orders the demo city starts with.
pub const DEMO_HISTORY: usize = 3000;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "sanfu2026";

/// (code, name, kind, parent code)
const UNITS: &[(&str, &str, UnitKind, Option<&str>)] = &[
    ("gov", "江州市人民政府", UnitKind::Government, None),
    ("office", "江州市人民政府办公室", UnitKind::Office, Some("gov")),
    ("hotline", "12345政务服务便民热线中心", UnitKind::Section, Some("office")),
    ("wdk", "文电科", UnitKind::Section, Some("office")),
    ("hyk", "会议科", UnitKind::Section, Some("office")),
    ("dck", "督查科", UnitKind::Section, Some("office")),
    ("xxk", "信息科", UnitKind::Section, Some("office")),
    ("zjj", "市住房和城乡建设局", UnitKind::Department, Some("gov")),
    ("sthjj", "市生态环境局", UnitKind::Department, Some("gov")),
    ("jtysj", "市交通运输局", UnitKind::Department, Some("gov")),
    ("jyj", "市教育局", UnitKind::Department, Some("gov")),
    ("rsj", "市人力资源和社会保障局", UnitKind::Department, Some("gov")),
    ("wjw", "市卫生健康委员会", UnitKind::Department, Some("gov")),
    ("scjgj", "市市场监督管理局", UnitKind::Department, Some("gov")),
    ("cgj", "市城市管理局", UnitKind::Department, Some("gov")),
    ("gaj", "市公安局", UnitKind::Department, Some("gov")),
    ("mzj", "市民政局", UnitKind::Department, Some("gov")),
    ("zrzyj", "市自然资源和规划局", UnitKind::Department, Some("gov")),
    ("slj", "市水利局", UnitKind::Department, Some("gov")),
    ("nyncj", "市农业农村局", UnitKind::Department, Some("gov")),
    ("swj", "市商务局", UnitKind::Department, Some("gov")),
    ("wlj", "市文化广电和旅游局", UnitKind::Department, Some("gov")),
    ("yjj", "市应急管理局", UnitKind::Department, Some("gov")),
    ("ybj", "市医疗保障局", UnitKind::Department, Some("gov")),
    ("czj", "市财政局", UnitKind::Department, Some("gov")),
    ("fgw", "市发展和改革委员会", UnitKind::Department, Some("gov")),
    ("sfj", "市司法局", UnitKind::Department, Some("gov")),
    ("gjj", "市住房公积金管理中心", UnitKind::Department, Some("gov")),
    ("sjj", "市数据局", UnitKind::Department, Some("gov")),
    ("donghu", "东湖区人民政府", UnitKind::District, Some("gov")),
    ("donghu-hp", "东湖区湖畔街道", UnitKind::Street, Some("donghu")),
    ("donghu-xy", "东湖区新苑街道", UnitKind::Street, Some("donghu")),
    ("donghu-ql", "东湖区青龙街道", UnitKind::Street, Some("donghu")),
    ("xicheng", "西城区人民政府", UnitKind::District, Some("gov")),
    ("xicheng-gl", "西城区鼓楼街道", UnitKind::Street, Some("xicheng")),
    ("xicheng-fq", "西城区府前街道", UnitKind::Street, Some("xicheng")),
    ("xicheng-cn", "西城区城南街道", UnitKind::Street, Some("xicheng")),
    ("nanhu", "南湖区人民政府", UnitKind::District, Some("gov")),
    ("nanhu-wj", "南湖区望江街道", UnitKind::Street, Some("nanhu")),
    ("nanhu-jx", "南湖区锦绣街道", UnitKind::Street, Some("nanhu")),
    ("beishan", "北山区人民政府", UnitKind::District, Some("gov")),
    ("beishan-sl", "北山区松林街道", UnitKind::Street, Some("beishan")),
    ("beishan-tz", "北山区桃庄镇", UnitKind::Street, Some("beishan")),
    ("linjiang", "临江县人民政府", UnitKind::District, Some("gov")),
    ("linjiang-cg", "临江县城关镇", UnitKind::Street, Some("linjiang")),
    ("linjiang-hk", "临江县河口乡", UnitKind::Street, Some("linjiang")),
    ("gaoxin", "江州高新技术产业开发区管委会", UnitKind::Zone, Some("gov")),
    ("jingkai", "江州经济技术开发区管委会", UnitKind::Zone, Some("gov")),
    ("water", "江州水务集团有限公司", UnitKind::Utility, Some("gov")),
    ("power", "国网江州供电公司", UnitKind::Utility, Some("gov")),
    ("gas", "江州港华燃气有限公司", UnitKind::Utility, Some("gov")),
];

/// (code, name, parent code, default unit code)
const CATEGORIES: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    ("01", "城乡建设", None, None),
    ("0101", "住房保障", Some("01"), Some("zjj")),
    ("0102", "物业管理", Some("01"), Some("zjj")),
    ("0103", "房屋质量与交付", Some("01"), Some("zjj")),
    ("0104", "住房公积金", Some("01"), Some("gjj")),
    ("02", "城市管理", None, None),
    ("0201", "占道经营", Some("02"), Some("cgj")),
    ("0202", "违法建设", Some("02"), Some("cgj")),
    ("0203", "市容环卫与垃圾清运", Some("02"), Some("cgj")),
    ("0204", "路灯与市政设施", Some("02"), Some("cgj")),
    ("03", "生态环境", None, None),
    ("0301", "噪声污染", Some("03"), Some("sthjj")),
    ("0302", "大气污染", Some("03"), Some("sthjj")),
    ("0303", "水污染", Some("03"), Some("sthjj")),
    ("04", "交通运输", None, None),
    ("0401", "公交出行", Some("04"), Some("jtysj")),
    ("0402", "出租车与网约车", Some("04"), Some("jtysj")),
    ("0403", "道路养护", Some("04"), Some("jtysj")),
    ("05", "教育", None, None),
    ("0501", "招生入学", Some("05"), Some("jyj")),
    ("0502", "校外培训", Some("05"), Some("jyj")),
    ("06", "劳动和社会保障", None, None),
    ("0601", "拖欠工资", Some("06"), Some("rsj")),
    ("0602", "社会保险", Some("06"), Some("rsj")),
    ("0603", "医疗保障", Some("06"), Some("ybj")),
    ("07", "卫生健康", None, None),
    ("0701", "医疗服务", Some("07"), Some("wjw")),
    ("0702", "公共卫生", Some("07"), Some("wjw")),
    ("08", "市场监管", None, None),
    ("0801", "食品安全", Some("08"), Some("scjgj")),
    ("0802", "消费维权", Some("08"), Some("scjgj")),
    ("0803", "价格监管", Some("08"), Some("scjgj")),
    ("09", "公用事业", None, None),
    ("0901", "供水", Some("09"), Some("water")),
    ("0902", "供电", Some("09"), Some("power")),
    ("0903", "燃气", Some("09"), Some("gas")),
    ("10", "民政与社会事务", None, None),
    ("1001", "养老服务", Some("10"), Some("mzj")),
    ("1002", "社会救助", Some("10"), Some("mzj")),
    ("11", "治安与应急", None, None),
    ("1101", "治安秩序", Some("11"), Some("gaj")),
    ("1102", "安全生产", Some("11"), Some("yjj")),
    ("99", "其他", None, None),
];

pub struct DemoAccount {
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub unit: String,
}

fn system() -> Actor {
    Actor { principal: Principal::System, ip: "127.0.0.1".into() }
}

impl Store {
    /// Whether the database has no units yet (a new installation).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(self.pool()).await?;
        Ok(n == 0)
    }

    /// Seed the demo city into an empty database. `with_orders` adds sample orders in every
    /// state. Returns the accounts to print.
    pub async fn seed_demo(&self, with_orders: bool) -> Result<Vec<DemoAccount>, StoreError> {
        let sys = system();
        self.set_city_name("江州市").await?;
        for (code, name, kind, parent) in UNITS {
            self.create_unit(code, name, *kind, *parent, &sys).await?;
        }
        for (code, name, parent, unit) in CATEGORIES {
            let parent_id = match parent {
                Some(p) => self.category(p).await?.map(|c| c.id),
                None => None,
            };
            let unit_id = match unit {
                Some(u) => self.unit(u).await?.map(|x| x.id),
                None => None,
            };
            self.create_category(code, name, parent_id.as_deref(), unit_id.as_deref(), &sys).await?;
        }
        // One hash for all demo accounts: they share the password, and argon2 is slow on purpose.
        let hash = crate::passwords::hash_in_background(DEMO_PASSWORD).await?;
        let mut shown = Vec::new();
        let people: Vec<(&str, &str, &str, Vec<Role>, Vec<&str>)> = vec![
            ("admin", "系统管理员", "office", vec![Role::Admin], vec![]),
            ("operator", "王晓燕", "hotline", vec![Role::Operator], vec![]),
            ("operator2", "刘佳", "hotline", vec![Role::Operator], vec![]),
            ("dispatcher", "陈志强", "hotline", vec![Role::Dispatcher, Role::Operator], vec![]),
            ("duchake", "赵敏", "dck", vec![Role::OfficeStaff], vec![]),
            ("huiyike", "吴晓红", "hyk", vec![Role::OfficeStaff], vec![]),
            ("wendianke", "郑文", "wdk", vec![Role::OfficeStaff], vec![]),
            ("xinxike", "王蕾", "xxk", vec![Role::OfficeStaff], vec![]),
            ("xinxike-head", "林志远", "xxk", vec![Role::OfficeStaff, Role::UnitHead], vec![]),
            ("zhibushuji", "刘红梅", "office", vec![Role::OfficeStaff], vec![]),
            ("mayor", "李建国", "gov", vec![Role::Leader, Role::Mayor], vec!["gov"]),
            ("vicemayor", "周海涛", "gov", vec![Role::Leader], vec!["zjj", "cgj", "jtysj", "donghu"]),
            ("vicemayor2", "陈静", "gov", vec![Role::Leader], vec!["jyj", "rsj", "mzj", "czj"]),
            ("mishuzhang", "孙立平", "office", vec![Role::Leader, Role::SecretaryGeneral], vec!["office"]),
        ];
        for (username, name, unit, roles, portfolio) in people {
            let role = roles.first().map(|r| r.label()).unwrap_or_default();
            self.create_user(
                &NewUser {
                    username: username.into(),
                    name: name.into(),
                    password: DEMO_PASSWORD.into(),
                    unit_id: unit.into(),
                    roles,
                    portfolio: portfolio.into_iter().map(Into::into).collect(),
                },
                Some(&hash),
                &sys,
            )
            .await?;
            shown.push(DemoAccount { username: username.into(), name: name.into(), role, unit: unit.into() });
        }
        for (code, name, kind, _) in UNITS {
            if !kind.can_handle() {
                continue;
            }
            for (suffix, role, title) in [("", Role::UnitLiaison, "联络员"), ("-head", Role::UnitHead, "负责人")] {
                let username = format!("{code}{suffix}");
                self.create_user(
                    &NewUser {
                        username: username.clone(),
                        name: format!("{name}{title}"),
                        password: DEMO_PASSWORD.into(),
                        unit_id: (*code).into(),
                        roles: vec![role],
                        portfolio: vec![],
                    },
                    Some(&hash),
                    &sys,
                )
                .await?;
                if matches!(*code, "zjj" | "donghu" | "donghu-hp" | "water") && suffix.is_empty() {
                    shown.push(DemoAccount { username, name: format!("{name}{title}"), role: role.label(), unit: (*code).into() });
                }
            }
        }
        self.seed_branches().await?;
        if with_orders {
            self.seed_knowledge().await?;
            // Six months of history, then a few orders handled live today.
            let now = chrono::Utc::now();
            let history = crate::hotline::generate::orders(DEMO_HISTORY, now - chrono::Duration::days(183), now, now, 2026);
            let summary = self.import_records(history).await?;
            tracing::info!(imported = summary.imported, skipped = summary.skipped, "演示历史工单已导入");
            self.seed_orders().await?;
            self.seed_board(45).await?;
            self.seed_supervision().await?;
        }
        Ok(shown)
    }

    /// The reply board of a city that has run for months: the latest `n` answered, closed,
    /// non-confidential requests of the history, their callers having agreed, published by the
    /// centre (so that the board has pages).
    async fn seed_board(&self, n: i64) -> Result<(), StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT w.id FROM work_items w JOIN work_orders o ON o.id = w.id
             WHERE w.kind = 'work_order' AND w.state = 'closed' AND o.confidential = 0 AND o.answer IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.work_id = w.id)
             ORDER BY w.created_at DESC LIMIT $1",
        )
        .bind(n)
        .fetch_all(self.pool())
        .await?;
        let uid: String = sqlx::query_scalar("SELECT id FROM users WHERE username = 'dispatcher'").fetch_one(self.pool()).await?;
        let staff = self.staff(&uid).await?.ok_or_else(|| StoreError::Other("no dispatcher".into()))?;
        let op = Actor { principal: Principal::Staff(staff), ip: "127.0.0.1".into() };
        for id in ids {
            sqlx::query("UPDATE work_orders SET publish_consent = 1 WHERE id = $1").bind(&id).execute(self.pool()).await?;
            self.publish(&id, &Default::default(), &op).await?;
        }
        Ok(())
    }

    async fn seed_knowledge(&self) -> Result<(), StoreError> {
        let sys = system();
        let entries: &[(&str, &str, &str, &str, bool)] = &[
            ("0501", "外地户籍子女入学材料", "持居住证满一年的非本市户籍适龄儿童，可凭父母居住证、房屋租赁备案证明、社保缴费证明和户口簿，在每年5月通过“江州教育”平台报名，由居住地所在学区统筹安排。", "入学 外地户籍 居住证 报名", true),
            ("0104", "住房公积金提取", "购房、租房、离职、退休等情形可提取住房公积金。租房提取每年一次，可通过“江州公积金”APP或各管理部线上办理，材料齐全的3个工作日内到账。", "公积金 提取 租房 购房", true),
            ("0602", "养老保险关系转移", "跨省流动就业的，可在“国家社会保险公共服务平台”或江州人社APP申请转移接续，无需本人往返两地，一般45个工作日内办结。", "社保 养老保险 转移 接续", true),
            ("0603", "异地就医备案", "参保人可通过“国家医保服务平台”APP办理异地就医备案，备案后在就医地定点医院直接结算；未备案的，回参保地按规定比例报销。", "医保 异地就医 备案 报销", true),
            ("1001", "高龄津贴申请", "年满80周岁的本市户籍老人，由本人或家属持户口簿、身份证、银行卡到户籍所在地社区（村）申请，次月起按月发放。", "高龄津贴 老人 80岁", true),
            ("1002", "最低生活保障申请", "家庭人均收入低于本市低保标准且财产符合规定的，可向户籍所在地街道（乡镇）提出申请，经入户调查、民主评议和公示后审批。", "低保 困难 救助", true),
            ("0901", "停水查询与抢修电话", "计划停水会提前24小时在“江州水务”公众号和小区公告栏公告；突发停水请拨打水务集团24小时抢修电话。", "停水 水务 抢修", true),
            ("0902", "停电报修", "突发停电请先确认是否本户跳闸；小区整体停电可拨打95598报修，供电公司承诺城区45分钟内到达现场。", "停电 供电 报修 95598", true),
            ("0201", "占道经营处置流程", "热线受理占道经营诉求后派至属地城管执法中队，要求2小时内到场处置；对夜市等区域性问题，派属地街道牵头整治。", "占道经营 城管 摊贩", false),
        ];
        for (cat, title, content, kw, public) in entries {
            let input = crate::hotline::knowledge::EntryInput {
                title: Some((*title).into()),
                content: Some((*content).into()),
                category_id: Some((*cat).into()),
                keywords: (*kw).into(),
                public: *public,
            };
            self.create_entry(&input, &sys).await?;
        }
        Ok(())
    }

    async fn seed_orders(&self) -> Result<(), StoreError> {
        let as_user = |username: &str| {
            let u = username.to_string();
            async move {
                let id: String = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                    .bind(&u)
                    .fetch_one(self.pool())
                    .await?;
                let staff = self.staff(&id).await?.ok_or_else(|| StoreError::Other("no staff".into()))?;
                Ok::<Actor, StoreError>(Actor { principal: Principal::Staff(staff), ip: "127.0.0.1".into() })
            }
        };
        let op = as_user("dispatcher").await?;
        // (type, category, subject, content, address, phone, lead unit, how far it goes)
        let samples: &[(&str, &str, &str, &str, &str, &str, &str, u8)] = &[
            ("complaint", "0301", "夜间施工噪音扰民", "湖畔花园小区东侧工地连续一周晚上十一点以后仍在施工，打桩声很大，老人孩子无法休息，希望尽快处理。", "东湖区湖滨路88号湖畔花园", "13812341234", "sthjj", 9),
            ("help", "0901", "小区停水两天无人通知", "新苑小区3栋从前天早上开始停水，物业说是水务公司管网维修，但没有任何通知，也不知道什么时候恢复。", "东湖区新苑路12号", "13905716622", "water", 5),
            ("inquiry", "0501", "外地户籍子女入学需要哪些材料", "我和爱人在江州工作三年，孩子明年上小学，户籍在外省，请问需要准备哪些材料，什么时候报名？", "", "15057112345", "jyj", 7),
            ("complaint", "0601", "装修公司拖欠农民工工资", "我们8个人在锦绣家园做装修，公司拖欠三个月工资共计十二万元，老板一直推脱。", "南湖区锦绣路66号", "18667719876", "rsj", 3),
            ("report", "0801", "学校周边小吃店卫生状况差", "实验小学门口几家小吃店后厨脏乱，有老鼠，孩子们经常去买，担心食品安全。", "西城区府前街实验小学", "13588821100", "scjgj", 2),
            ("suggestion", "0401", "建议增加早高峰公交班次", "18路公交早高峰间隔二十分钟，车上非常拥挤，建议七点到八点半加密班次。", "北山区松林站", "13757123456", "jtysj", 1),
            ("complaint", "0201", "菜市场门口占道经营严重", "城南菜市场门口流动摊贩占用人行道和车道，早晚高峰堵得走不动。", "西城区城南路与解放路交叉口", "13605811234", "xicheng", 6),
            ("help", "0902", "老旧小区频繁跳闸", "青龙小区最近一个月停电五六次，每次一两个小时，家里冰箱里的东西都坏了。", "东湖区青龙街道青龙小区", "13858112233", "power", 4),
            ("praise", "0701", "表扬市一医院急诊科医护人员", "上周六凌晨父亲突发心梗，急诊科张医生团队抢救及时，特此表扬。", "", "13967654321", "wjw", 0),
            ("complaint", "0102", "物业不作为电梯长期故障", "阳光小区5栋电梯坏了一个多月，物业一直说在等配件，楼里有很多老人上下楼很困难。", "东湖区阳光路5号", "13812349999", "zjj", 8),
            ("help", "0204", "路口红绿灯不亮", "青年路与学府路路口的红绿灯从今天早上开始不亮，车辆和行人混行，非常危险，请尽快抢修。", "北山区青年路与学府路路口", "13656781234", "jtysj", 10),
            ("complaint", "0302", "化工厂夜间排放刺鼻气味", "临江工业园区东侧的化工厂每天晚上十点后排放刺鼻气味，附近桃源小区居民关窗也能闻到，希望环保部门夜间检查。", "临江县城关镇工业园区", "13867891234", "sthjj", 11),
        ];
        // 市生态环境局's answers go through its head (单位审核): one waits for it.
        self.update_unit("sthjj", &crate::admin::UnitPatch { answer_review: Some(true), ..Default::default() }, &system()).await?;
        for (i, (t, cat, subject, content, address, phone, unit, stage)) in samples.iter().enumerate() {
            let input = OrderInput {
                order_type: Some((*t).into()),
                category_id: Some((*cat).into()),
                subject: Some((*subject).into()),
                content: Some((*content).into()),
                address: (!address.is_empty()).then(|| (*address).into()),
                citizen_name: Some(["张先生", "李女士", "王先生", "赵女士", "陈先生"][i % 5].into()),
                citizen_phone: Some((*phone).into()),
                confidential: i == 4,
                publish_consent: i % 3 != 1,
                ..Default::default()
            };
            let reg = self.register(&input, &op).await?;
            let id = reg.order.id.clone();
            if *stage == 10 {
                continue; // waits for dispatch
            }
            if *stage == 0 {
                self.act(&id, &op, &Action::CloseDirectly { answer: "感谢您的表扬，已转达市卫生健康委员会。".into(), knowledge_id: None }).await?;
                if input.publish_consent && !input.confidential {
                    self.publish(&id, &Default::default(), &op).await?;
                }
                continue;
            }
            let lead = self.unit_ref(unit).await?;
            self.act(&id, &op, &Action::Dispatch { lead, co: vec![], answer_due: None, note: None }).await?;
            if *stage < 2 {
                continue;
            }
            let liaison = as_user(unit).await?;
            self.act(&id, &liaison, &Action::Sign).await?;
            if *stage == 11 {
                let text = "经夜间现场监测，该厂废气处理设施运行不正常，已责令停产整改并立案调查，整改完成前每晚复查。";
                self.act(&id, &liaison, &Action::Answer { text: text.into(), review: true }).await?;
                continue; // waits for the head's approval
            }
            if *stage == 6 {
                let from = self.unit_ref(unit).await?;
                let to = self.unit_ref("xicheng-cn").await?;
                self.act(&id, &liaison, &Action::Forward { from, to, note: Some("请城南街道现场处置".into()) }).await?;
                continue;
            }
            if *stage < 3 {
                // A card shown by mistake and taken back: on record, revoked.
                let office = as_user("duchake").await?;
                let card = self.issue_card(&office, &id, unit, CardColour::Red, "签收后未及时处置").await?;
                self.revoke_card(&office, &card.id, "已核实当日即已派员处置，撤销警告").await?;
                continue;
            }
            self.act(&id, &liaison, &Action::Note { text: "已联系诉求人，安排工作人员现场核实。".into() }).await?;
            if *stage == 3 {
                self.act(&id, &liaison, &Action::RequestExtension { days: 5, reason: "涉及多方协调，需进一步调查取证".into() }).await?;
                continue;
            }
            if *stage == 4 {
                // The supervision section shows the unit a yellow card for the repeated outages.
                let office = as_user("duchake").await?;
                self.issue_card(&office, &id, unit, CardColour::Yellow, "一个月内停电五六次，至今未见整改措施").await?;
                continue;
            }
            self.act(&id, &liaison, &Action::Answer { text: "经核实，已责成相关方整改，并将持续跟踪。".into(), review: false }).await?;
            if *stage == 5 {
                continue;
            }
            self.act(&id, &op, &Action::Review { pass: true, comment: None }).await?;
            if *stage == 7 {
                continue;
            }
            let sat = if *stage == 8 { Satisfaction::Basic } else { Satisfaction::Satisfied };
            self.act(&id, &op, &Action::Callback { satisfaction: sat, comment: None, reopen: None }).await?;
            // The reply board shows what the centre approved, of those who agreed.
            if input.publish_consent && !input.confidential {
                self.publish(&id, &Default::default(), &op).await?;
            }
        }
        Ok(())
    }
}
