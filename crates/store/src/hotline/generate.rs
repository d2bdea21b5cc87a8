//! The demo city's orders: a deterministic generator of varied, plausible citizens' requests
//! over a period, each with its history up to now (registered, dispatched, signed, answered,
//! closed and rated — or still open, when its next step would lie in the future). The texts are
//! composed from templates written for this project with the city's own places; nothing is
//! taken from any real data set.

use chrono::{DateTime, Duration, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::hotline::import::ImportRecord;

/// (district, its streets) of 江州市 as seeded.
const PLACES: &[(&str, &str, &[(&str, &str)])] = &[
    ("donghu", "东湖区", &[("donghu-hp", "湖畔街道"), ("donghu-xy", "新苑街道"), ("donghu-ql", "青龙街道")]),
    ("xicheng", "西城区", &[("xicheng-gl", "鼓楼街道"), ("xicheng-fq", "府前街道"), ("xicheng-cn", "城南街道")]),
    ("nanhu", "南湖区", &[("nanhu-wj", "望江街道"), ("nanhu-jx", "锦绣街道")]),
    ("beishan", "北山区", &[("beishan-sl", "松林街道"), ("beishan-tz", "桃庄镇")]),
    ("linjiang", "临江县", &[("linjiang-cg", "城关镇"), ("linjiang-hk", "河口乡")]),
];

const COMMUNITIES: &[&str] = &[
    "阳光花园", "锦绣家园", "翠湖苑", "金色港湾", "书香名邸", "滨江一号", "紫薇新村", "和平里小区", "春晖苑", "东方明珠花园",
    "梧桐雅苑", "幸福家园", "碧水蓝天", "桂花园", "新华小区", "龙湖天街", "青年公寓", "铁路新村", "望湖苑", "丽景湾",
];

const ROADS: &[&str] = &[
    "人民路", "解放路", "湖滨路", "建设大道", "中山路", "文化路", "新华街", "友谊路", "学府路", "长江路",
    "滨江大道", "光明路", "胜利街", "工业大道", "青年路", "环城北路",
];

const TIMES: &[&str] = &["每天晚上十点以后", "连续一周", "最近半个月", "从上个月开始", "这几天", "每天早上六点前", "周末", "已经两个多月"];

/// (category code, type, subject, content). Slots: {c} community, {r} road, {s} street,
/// {d} district, {t} time, {n} a number.
const TEMPLATES: &[(&str, &str, &str, &str)] = &[
    ("0101", "inquiry", "公租房申请进度咨询", "我去年{n}月在{s}提交了公租房申请，到现在还没有消息，想问一下审核到哪一步了，还需要补充什么材料。"),
    ("0101", "help", "廉租房维修无人管", "{c}廉租房{n}栋顶楼漏水严重，下雨天屋里到处接水，向管理处反映多次没人来修，希望帮助解决。"),
    ("0102", "complaint", "物业不作为", "{c}物业服务很差，楼道灯坏了{t}没人修，垃圾也不按时清运，业主多次反映没有任何改善。"),
    ("0102", "complaint", "电梯长期故障", "{c}{n}栋电梯{t}频繁故障，上周还困过人，物业只是简单重启，请相关部门督促彻底维修。"),
    ("0102", "complaint", "物业乱收费", "{c}物业今年突然把停车管理费从每月{n}0元涨到{n}50元，没有经过业主大会，请查处。"),
    ("0103", "complaint", "新房交付质量问题", "我在{d}{r}的新楼盘交房后发现墙体开裂、窗户渗水，开发商一直推诿，请住建部门介入。"),
    ("0104", "inquiry", "公积金提取咨询", "我在外地买了房，想提取江州的住房公积金，请问需要哪些材料，可以网上办理吗？"),
    ("0201", "complaint", "占道经营严重", "{r}与{s}交叉口{t}有大量流动摊贩占道经营，人行道完全被占，早晚高峰行人只能走机动车道，很危险。"),
    ("0201", "complaint", "夜市油烟扰民", "{c}门口的夜市烧烤{t}营业到凌晨，油烟和噪音很大，楼上住户无法开窗，请城管管理。"),
    ("0202", "report", "小区违章搭建", "{c}{n}栋一楼住户私自扩建院子并搭建彩钢房，占用公共绿地，请城管部门查处。"),
    ("0202", "report", "楼顶违建", "{c}{n}栋顶楼住户在屋顶加建阳光房，存在安全隐患，多次劝阻无效。"),
    ("0203", "complaint", "垃圾清运不及时", "{s}{r}附近的垃圾桶{t}没有清运，垃圾满地，气味很大，夏天蚊蝇滋生。"),
    ("0204", "help", "路灯不亮", "{r}从{c}到{s}路段的路灯{t}一直不亮，晚上一片漆黑，行人和电动车都很不安全。"),
    ("0204", "help", "井盖缺失", "{r}{n}号门口的井盖不见了，只用一个桶盖着，晚上很容易出事，请尽快修复。"),
    ("0301", "complaint", "夜间施工噪音扰民", "{c}旁边的工地{t}夜间施工，打桩声音很大，严重影响周边居民休息，请查处。"),
    ("0301", "complaint", "广场舞噪音", "{c}广场上的广场舞音响声音太大，{t}都有，家里有高考生无法复习，希望协调降低音量。"),
    ("0302", "complaint", "工厂排放异味", "{d}工业园区有工厂{t}排放刺鼻气味，特别是晚上更明显，附近居民都不敢开窗。"),
    ("0303", "report", "河道排污", "{s}附近的小河{t}有不明污水排入，河水发黑发臭，怀疑有企业偷排，请环保部门检查。"),
    ("0401", "suggestion", "建议增加公交班次", "{n}路公交车早高峰间隔太长，车上非常拥挤，建议七点到八点半加密班次。"),
    ("0401", "suggestion", "建议增设公交站点", "{c}居民有两千多户，最近的公交站要走二十分钟，建议在{r}增设站点。"),
    ("0402", "complaint", "出租车拒载", "{t}在江州火车站打车，出租车司机嫌路近拒载，车牌号我记下了，请交通部门处理。"),
    ("0403", "help", "道路坑洼", "{r}靠近{c}的路段路面坑洼很多，下雨后积水，已经有电动车摔倒，请尽快修补。"),
    ("0501", "inquiry", "子女入学政策咨询", "我们是外地户籍，在{d}租房居住满{n}年，孩子明年上小学，请问需要哪些材料，什么时候报名？"),
    ("0502", "report", "违规校外培训", "{c}小区内有人租用住宅开办学科类培训班，周末学生很多，存在消防隐患。"),
    ("0601", "complaint", "拖欠农民工工资", "我们{n}个人在{d}的工地干活，包工头拖欠工资三个月了，多次讨要无果，请帮忙追讨。"),
    ("0602", "inquiry", "社保转移咨询", "我从外省调到江州工作，请问养老保险关系怎么转移过来，需要本人到现场办理吗？"),
    ("0603", "inquiry", "医保报销咨询", "我父亲在外地住院，请问异地就医备案怎么办理，出院后回江州能报销多少？"),
    ("0701", "complaint", "医院排队时间长", "{t}带孩子去市人民医院看病，挂号排队两个多小时，希望医院增加窗口或者优化流程。"),
    ("0701", "praise", "表扬医护人员", "上周家人突发急病，市第一医院急诊科医护人员处置及时、态度很好，特此表扬。"),
    ("0702", "help", "疫苗接种咨询", "{s}社区卫生服务中心的疫苗{t}都显示无号，想问一下什么时候能预约上。"),
    ("0801", "report", "小吃店卫生差", "{r}上的几家小吃店后厨脏乱，有老鼠出没，附近学生经常去买，担心食品安全。"),
    ("0802", "complaint", "预付卡商家跑路", "{c}附近的健身房突然关门，老板联系不上，我办的{n}千元年卡还没用完，请帮忙维权。"),
    ("0803", "complaint", "超市价格欺诈", "{r}的一家超市标价和结账价格不一致，结账时多收钱，请市场监管部门查处。"),
    ("0901", "help", "小区停水无通知", "{c}{t}反复停水，事先没有任何通知，家里老人孩子用水很不方便，请水务公司说明情况。"),
    ("0901", "complaint", "自来水发黄", "{c}的自来水{t}出现发黄、有异味，不敢直接饮用，请检测水质。"),
    ("0902", "help", "频繁停电", "{s}{c}{t}频繁停电，每次一两个小时，冰箱里的东西都坏了，请供电公司检修线路。"),
    ("0903", "help", "燃气表故障", "家里燃气表不走字了，打燃气公司电话一直占线，请尽快派人上门检查，地址在{c}{n}栋。"),
    ("1001", "inquiry", "养老补贴申请", "我母亲今年满{n}0岁，请问高龄津贴怎么申请，在{s}社区可以办理吗？"),
    ("1002", "help", "困难家庭救助", "我家老人常年生病，家里只有我一个人打工，生活很困难，想咨询怎么申请低保。"),
    ("1101", "report", "夜间飙车扰民", "{r}{t}深夜有人驾驶改装车飙车，轰鸣声很大，非常危险，请交警查处。"),
    ("1102", "report", "违规储存液化气", "{r}一家餐馆在店里堆放了{n}个液化气罐，存在很大安全隐患，请应急部门检查。"),
];

const ANSWERS: &[&str] = &[
    "经核实，诉求反映情况属实，已责成相关单位限期整改，我单位将持续跟踪整改情况。",
    "已安排工作人员现场查看并处理完毕，并已电话告知诉求人处理结果。",
    "您反映的问题已纳入本年度整治计划，预计下月完成，届时将进行回访。",
    "经调查，相关政策规定如下，已向诉求人详细解释，诉求人表示理解。",
    "已联合属地街道开展专项整治，依法查处违规行为，后续将加强日常巡查。",
];

/// The demo's default unit per category code (mirrors the seeded category tree).
fn unit_for(category: &str, district: &str, rng: &mut StdRng) -> String {
    let by_place = matches!(category, "0201" | "0202" | "0203" | "0204") && rng.random_bool(0.5);
    if by_place {
        return district.to_string();
    }
    match category {
        "0101" | "0102" | "0103" => "zjj",
        "0104" => "gjj",
        "0201" | "0202" | "0203" | "0204" => "cgj",
        "0301" | "0302" | "0303" => "sthjj",
        "0401" | "0402" | "0403" => "jtysj",
        "0501" | "0502" => "jyj",
        "0601" | "0602" => "rsj",
        "0603" => "ybj",
        "0701" | "0702" => "wjw",
        "0801" | "0802" | "0803" => "scjgj",
        "0901" => "water",
        "0902" => "power",
        "0903" => "gas",
        "1001" | "1002" => "mzj",
        "1101" => "gaj",
        "1102" => "yjj",
        _ => "zjj",
    }
    .to_string()
}

fn pick<'a, T>(rng: &mut StdRng, v: &'a [T]) -> &'a T {
    &v[rng.random_range(0..v.len())]
}

const SURNAMES: &[&str] = &["张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"];

/// `n` orders registered between `from` and `to`, with their history as far as `now`.
pub fn orders(n: usize, from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>, seed: u64) -> Vec<ImportRecord> {
    orders_iter(n, from, to, now, seed).collect()
}

/// The same orders one at a time, for imports larger than memory (ten million and more).
pub fn orders_iter(n: usize, from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>, seed: u64) -> impl Iterator<Item = ImportRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let span = (to - from).num_seconds().max(1);
    let mut created: Vec<DateTime<Utc>> = (0..n)
        .map(|_| {
            let t = from + Duration::seconds(rng.random_range(0..span));
            // Most calls come in the daytime (China time = UTC+8).
            let hour_cn = (t.hour() + 8) % 24;
            if hour_cn < 7 && rng.random_bool(0.7) { t + Duration::hours(9) } else { t }
        })
        .map(|t| t.min(to))
        .collect();
    created.sort();
    // A few callers call again: keep a pool of phone numbers.
    let mut phones: Vec<String> = Vec::new();
    created.into_iter().map(move |created_at| one(&mut rng, &mut phones, created_at, now))
}

/// One order registered at `created_at`, with its history as far as `now`.
fn one(rng: &mut StdRng, phones: &mut Vec<String>, created_at: DateTime<Utc>, now: DateTime<Utc>) -> ImportRecord {
    let (cat, kind, subject_t, content_t) = *pick(rng, TEMPLATES);
    let (district, district_name, streets) = *pick(rng, PLACES);
    let (_street_code, street_name) = *pick(rng, streets);
    let community = *pick(rng, COMMUNITIES);
    let road = *pick(rng, ROADS);
    let fill = |t: &str, rng: &mut StdRng| {
        t.replace("{c}", community)
            .replace("{r}", road)
            .replace("{s}", street_name)
            .replace("{d}", district_name)
            .replace("{t}", pick::<&str>(rng, TIMES))
            .replace("{n}", &rng.random_range(2..19).to_string())
    };
    let content = fill(content_t, rng);
    let subject = fill(subject_t, rng);
    let phone = if !phones.is_empty() && rng.random_bool(0.06) {
        pick(rng, phones).clone()
    } else {
        let p = format!("1{}{:09}", pick(rng, &["35", "38", "39", "50", "58", "77", "86", "89"]), rng.random_range(0..1_000_000_000u64))
            .chars()
            .take(11)
            .collect::<String>();
        phones.push(p.clone());
        p
    };
    let channel = *pick(rng, &["phone", "phone", "phone", "phone", "web", "board", "mayor_mailbox"]);
    let urgent = kind == "help" && rng.random_bool(0.05);
    let mut r = ImportRecord {
        channel: Some(channel.into()),
        order_type: kind.into(),
        urgency: Some(if urgent { "urgent" } else { "normal" }.into()),
        category: cat.into(),
        subject: Some(subject),
        content,
        address: Some(format!("{district_name}{street_name}{road}{}号{community}", rng.random_range(1..300))),
        citizen_name: Some(format!("{}{}", pick(rng, SURNAMES), pick(rng, &["先生", "女士"]))),
        citizen_phone: Some(phone),
        confidential: kind == "report" && rng.random_bool(0.3),
        created_at,
        ..Default::default()
    };
    let upto = |t: DateTime<Utc>| if t <= now { Some(t) } else { None };
    if kind == "inquiry" && rng.random_bool(0.3) {
        r.closed_at = upto(created_at + Duration::minutes(rng.random_range(3..15)));
        r.answer = Some("已根据知识库政策解答，诉求人表示清楚。".into());
        return r;
    }
    let Some(dispatched) = upto(created_at + Duration::minutes(rng.random_range(5..120))) else {
        return r;
    };
    r.unit = Some(unit_for(cat, district, rng));
    r.dispatched_at = Some(dispatched);
    let sign_after = if rng.random_bool(0.85) { rng.random_range(5..100) } else { rng.random_range(120..1500) };
    let Some(signed) = upto(dispatched + Duration::minutes(sign_after)) else {
        return r;
    };
    r.signed_at = Some(signed);
    let days = match kind {
        "inquiry" | "praise" => rng.random_range(0..4),
        "help" => rng.random_range(1..8),
        _ => rng.random_range(2..18),
    };
    let answer_after = if urgent { Duration::minutes(rng.random_range(20..150)) } else { Duration::days(days) + Duration::hours(rng.random_range(1..8)) };
    let Some(answered) = upto(signed + answer_after) else {
        return r;
    };
    r.answered_at = Some(answered);
    r.answer = Some((*pick(rng, ANSWERS)).into());
    let Some(reviewed) = upto(answered + Duration::hours(rng.random_range(1..24))) else {
        return r;
    };
    r.reviewed_at = Some(reviewed);
    let Some(closed) = upto(reviewed + Duration::hours(rng.random_range(1..48))) else {
        return r;
    };
    r.closed_at = Some(closed);
    let x: f64 = rng.random();
    r.satisfaction = Some(if x < 0.72 { "satisfied" } else if x < 0.92 { "basic" } else { "unsatisfied" }.into());
    r
}
