//! The JSON API described as OpenAPI 3.1, served at `GET /api/openapi.json`.
//!
//! The document is built with utoipa from the handlers' own request and answer types (each
//! derives `ToSchema`, so a field added to a type appears here by itself) and from [`ROUTES`],
//! one line per route: method, path, who may call it, what it takes and answers. A test reads
//! the router's own list (`routes/mod.rs`) and fails when a route is missing here.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required, ResponseBuilder, Schema, Type,
};

/// Who may call a route.
#[derive(Clone, Copy)]
pub enum Who {
    /// Anyone (the public site, Open311, health).
    Public,
    /// A logged-in member of staff (bearer token, or the session cookie with the CSRF header).
    Staff,
}

/// What a route takes.
#[derive(Clone, Copy)]
pub enum Takes {
    Nothing,
    /// JSON of this schema.
    Json(&'static str),
    /// A file as the body (CSV or .xlsx).
    File,
    /// A form (Open311 GeoReport v2).
    Form,
}

/// What a route answers when it succeeds.
#[derive(Clone, Copy)]
pub enum Answers {
    /// `{key: Schema}`.
    Wrapped(u16, &'static str, &'static str),
    /// `{key: [Schema]}`.
    List(&'static str, &'static str),
    /// A page of rows: `{items: [Schema], total, page, per_page}`.
    Page(&'static str),
    /// An object described in words.
    Object(u16, &'static str),
    /// A file (Excel or CSV).
    File,
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub who: Who,
    pub takes: Takes,
    pub answers: Answers,
    /// Query parameters.
    pub query: &'static [&'static str],
}

const fn r(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    who: Who,
    takes: Takes,
    answers: Answers,
    query: &'static [&'static str],
) -> Route {
    Route { method, path, tag, summary, who, takes, answers, query }
}

use Answers::{File as AFile, List, Object, Page, Wrapped};
use Takes::{File, Form, Json, Nothing};
use Who::{Public, Staff};

const PAGE: &[&str] = &["page", "per_page"];

/// Every route of the JSON API.
pub const ROUTES: &[Route] = &[
    r("get", "/healthz", "系统", "健康检查：数据库可用时 200", Public, Nothing, Object(200, "{status: \"ok\"}"), &[]),
    r("get", "/api/openapi.json", "系统", "本接口文档（OpenAPI 3.1）", Public, Nothing, Object(200, "OpenAPI 文档"), &[]),
    r("post", "/api/setup", "系统", "新安装：创建第一个系统管理员（已有账号时 409）", Public, Json("SetupBody"), Wrapped(201, "user", "User"), &[]),
    r("post", "/api/auth/login", "登录", "登录，返回会话令牌（同时设置 HttpOnly Cookie）", Public, Json("LoginBody"), Object(200, "{token, user}"), &[]),
    r("post", "/api/auth/logout", "登录", "退出当前会话", Staff, Nothing, Object(200, "{ok: true}"), &[]),
    r("get", "/api/me", "登录", "当前用户及其角色", Staff, Nothing, Object(200, "{user, roles, session_id}"), &[]),
    r("get", "/api/me/sessions", "登录", "当前用户的登录会话", Staff, Nothing, List("sessions", "SessionInfo"), &[]),
    r("post", "/api/me/sessions/{id}/revoke", "登录", "结束自己的某个会话", Staff, Nothing, Object(200, "{revoked}"), &[]),
    r("get", "/api/units", "单位与分类", "在用的单位；q 按名称、拼音首字母或编码查找（最匹配的在前）", Staff, Nothing, List("units", "Unit"), &["q", "limit"]),
    r("get", "/api/categories", "单位与分类", "诉求分类（公众表单也用）", Public, Nothing, List("categories", "Category"), &[]),
    r("get", "/api/time-limits", "单位与分类", "各类型、紧急程度的办理时限", Staff, Nothing, Object(200, "{time_limits: [{order_type, urgency, limits: TimeLimits}]}"), &[]),
    r("get", "/api/calendar", "工作日历", "已载入的年份和工作时间", Staff, Nothing, Object(200, "{years, working_hours}"), &[]),
    r("get", "/api/calendar/deadline", "工作日历", "按工作日历计算期限", Staff, Nothing, Object(200, "{due, due_local, provisional}"), &["from", "limit"]),
    r("get", "/api/calendar/{year}", "工作日历", "某年的节假日与调休", Staff, Nothing, Object(200, "{year, days}"), &[]),
    r("get", "/api/admin/units", "系统管理", "全部单位（含停用）", Staff, Nothing, List("units", "Unit"), &[]),
    r("post", "/api/admin/units", "系统管理", "新增单位", Staff, Json("UnitBody"), Wrapped(201, "unit", "Unit"), &[]),
    r("put", "/api/admin/units/{key}", "系统管理", "修改、移动、停用单位", Staff, Json("UnitPatch"), Wrapped(200, "unit", "Unit"), &[]),
    r("get", "/api/admin/users", "系统管理", "全部账号，含最近登录和在线会话数", Staff, Nothing, List("users", "User"), &[]),
    r("post", "/api/admin/users", "系统管理", "新建账号", Staff, Json("UserBody"), Wrapped(201, "user", "User"), &[]),
    r("put", "/api/admin/users/{id}", "系统管理", "修改、停用账号（停用即结束其会话）", Staff, Json("UserPatch"), Wrapped(200, "user", "User"), &[]),
    r("post", "/api/admin/users/{id}/password", "系统管理", "重置密码（结束其会话）", Staff, Json("PasswordBody"), Object(200, "{ok: true}"), &[]),
    r("post", "/api/admin/users/{id}/revoke-sessions", "系统管理", "结束某账号的全部会话", Staff, Nothing, Object(200, "{revoked}"), &[]),
    r("post", "/api/admin/categories", "系统管理", "新增诉求分类", Staff, Json("CategoryBody"), Wrapped(201, "category", "Category"), &[]),
    r("put", "/api/admin/categories/{key}", "系统管理", "修改、停用诉求分类", Staff, Json("CategoryPatch"), Wrapped(200, "category", "Category"), &[]),
    r("put", "/api/admin/time-limits/{order_type}/{urgency}", "系统管理", "设置办理时限", Staff, Json("TimeLimits"), Object(200, "{order_type, urgency, limits}"), &[]),
    r("post", "/api/admin/calendar", "系统管理", "载入节假日安排（text/csv，或 {csv, source}）", Staff, Json("CsvBody"), Object(200, "{loaded_years}"), &[]),
    r("put", "/api/admin/calendar/working-hours", "系统管理", "设置工作时间", Staff, Json("HoursBody"), Object(200, "{working_hours}"), &[]),
    r("get", "/api/admin/org-template", "系统管理", "单位、分类、账号导入模板", Staff, Nothing, AFile, &["format"]),
    r("post", "/api/admin/org-import", "系统管理", "按模板批量导入（.xlsx 或 UTF-8/GBK 的 CSV）；有问题则一行不导入（422，逐行说明）", Staff, File, Wrapped(200, "result", "OrgImport"), &["dry_run"]),
    r("get", "/api/admin/public-limits", "系统管理", "公众提交限制", Staff, Nothing, Wrapped(200, "public_limits", "PublicLimits"), &[]),
    r("put", "/api/admin/public-limits", "系统管理", "设置公众提交限制", Staff, Json("PublicLimits"), Wrapped(200, "public_limits", "PublicLimits"), &[]),
    r("post", "/api/admin/api-keys", "系统管理", "为机器客户端（Open311 应用）生成接口密钥（只显示一次）", Staff, Json("ApiKeyBody"), Object(201, "{api_key, key: ApiKey}"), &[]),
    r("get", "/api/admin/auto-dispatch", "智能派单", "自动派单设置", Staff, Nothing, Wrapped(200, "auto_dispatch", "AutoDispatch"), &[]),
    r("put", "/api/admin/auto-dispatch", "智能派单", "设置自动派单", Staff, Json("AutoDispatch"), Wrapped(200, "auto_dispatch", "AutoDispatch"), &[]),
    r("get", "/api/orders", "工单", "工单查询与全文检索", Staff, Nothing, Page("OrderSummary"), &["q", "state", "unit_id", "category_id", "from", "to", "phone", "page", "per_page"]),
    r("post", "/api/orders", "工单", "受理登记（可带 Idempotency-Key）", Staff, Json("OrderInput"), Object(201, "{order: OrderView, query_code}"), &[]),
    r("get", "/api/orders/export", "工单", "按查询条件导出（csv 或 xlsx）", Staff, Nothing, AFile, &["format", "q", "state", "unit_id", "category_id", "from", "to"]),
    r("get", "/api/orders/{key}", "工单", "一件工单（按编号或 ID）", Staff, Nothing, Wrapped(200, "order", "OrderView"), &[]),
    r("get", "/api/orders/{key}/events", "工单", "工单的办理过程（哈希链事件）", Staff, Nothing, List("events", "Event"), &[]),
    r("post", "/api/orders/{key}/publish", "工单", "审核通过并在问政平台公开（热线中心）", Staff, Json("PublishInput"), Wrapped(200, "publication", "Publication"), &[]),
    r("post", "/api/orders/{key}/unpublish", "工单", "从问政平台撤下（热线中心）", Staff, Json("ReasonBody"), Object(200, "{published: false}"), &[]),
    r("post", "/api/orders/{key}/{action}", "工单", "办理动作：dispatch、forward、sign、note、return、judge-return、extension、decide-extension、answer、approve-answer、review、callback、merge、withdraw、close-directly、escalate", Staff, Json("ActionBody"), Wrapped(200, "order", "OrderView"), &[]),
    r("post", "/api/orders/similar", "智能派单", "可能重复的在办工单", Staff, Json("SimilarBody"), Object(200, "{items: [{order: OrderSummary, similarity, same_caller, same_place}]}"), &[]),
    r("get", "/api/stats", "统计", "单位统计（json、csv、xlsx）", Staff, Nothing, Object(200, "Report"), &["unit_id", "from", "to", "format", "table"]),
    r("get", "/api/stats/ranking", "统计", "单位月度排名", Staff, Nothing, Object(200, "{month, rows}"), &["month", "format"]),
    r("post", "/api/suggest", "智能派单", "派单建议：分类、单位、置信度和依据", Staff, Json("SuggestBody"), Object(200, "{suggestion}"), &[]),
    r("get", "/api/hot-topics", "智能派单", "热点问题", Staff, Nothing, List("items", "HotTopic"), &["days", "limit"]),
    r("get", "/api/dispatch-rules", "智能派单", "派单规则", Staff, Nothing, Object(200, "{rules}"), &[]),
    r("post", "/api/dispatch-rules", "智能派单", "新增派单规则", Staff, Json("RuleBody"), Object(201, "{rule}"), &[]),
    r("post", "/api/dictionary", "智能派单", "城市词典加词", Staff, Json("WordsBody"), Object(200, "{added}"), &[]),
    r("get", "/api/admin/synonyms", "智能派单", "同义词表（内置的和管理员维护的）", Staff, Nothing, Object(200, "{builtin, groups}"), &[]),
    r("put", "/api/admin/synonyms", "智能派单", "替换管理员维护的同义词组（检索、查重、知识推荐共用）", Staff, Json("SynonymsBody"), Object(200, "{groups}"), &[]),
    r("get", "/api/admin/desk-settings", "系统", "工作台设置：参与排名的最少工单数、导出行数上限", Staff, Nothing, Object(200, "{settings: DeskSettings}"), &[]),
    r("put", "/api/admin/desk-settings", "系统", "修改工作台设置（办公室或系统管理员）", Staff, Json("DeskSettings"), Object(200, "{settings: DeskSettings}"), &[]),
    r("post", "/api/train", "智能派单", "立即重新训练", Staff, Nothing, Object(200, "{orders, seconds}"), &[]),
    r("get", "/api/knowledge", "知识库", "检索知识库", Staff, Nothing, List("items", "Entry"), &["q"]),
    r("post", "/api/knowledge", "知识库", "新增知识", Staff, Json("EntryInput"), Wrapped(201, "entry", "Entry"), &[]),
    r("post", "/api/knowledge/related", "知识库", "与诉求相关的知识", Staff, Json("RelatedBody"), List("items", "Entry"), &[]),
    r("get", "/api/knowledge/{id}", "知识库", "一条知识", Staff, Nothing, Wrapped(200, "entry", "Entry"), &[]),
    r("put", "/api/knowledge/{id}", "知识库", "修改知识", Staff, Json("EntryInput"), Wrapped(200, "entry", "Entry"), &[]),
    r("get", "/api/public/knowledge", "公众", "常见问题检索", Public, Nothing, List("items", "Entry"), &["q"]),
    r("get", "/api/inbox", "待办", "我的待办：各类工作（按时限排序，附各队列数量；queue 只列一个队列）", Staff, Nothing, Object(200, "Inbox"), &["page", "per_page", "queue"]),
    r("get", "/api/inbox/counts", "待办", "待办数量", Staff, Nothing, Object(200, "{total, counts: [QueueCount]}"), &[]),
    r("get", "/api/done", "待办", "已办：各类工作", Staff, Nothing, Page("DoneItem"), PAGE),
    r("get", "/api/search", "事项", "全文检索：各类工作（只含本人可见的事项）", Staff, Nothing, Page("ItemSummary"), &["q", "page", "per_page"]),
    r("get", "/api/admin/number-formats", "系统管理", "各类编号的格式（系统管理员）", Staff, Nothing, Object(200, "{formats: [{kind, code, format}]}"), &[]),
    r("put", "/api/admin/number-formats/{kind}", "系统管理", "设置某类工作、某机关代字的编号格式，如“江政办发〔{year}〕{n}号”（系统管理员）", Staff, Json("NumberFormatBody"), Object(200, "{kind, code, format}"), &[]),
    r("get", "/api/supervision", "督查督办", "督办台账：本人可见的督办事项，可按状态、来源、单位、责任领导、亮牌筛选；format=xlsx 或 csv 导出全部", Staff, Nothing, Page("LedgerRow"), &["state", "source", "unit", "leader", "card", "q", "page", "per_page", "format"]),
    r("get", "/api/supervision/assessment", "督查督办", "督查考核与通报：各单位在期间内的承办、反馈、催办、亮牌、办结与得分，表扬、红榜、黑榜；format=xlsx 导出", Staff, Nothing, Object(200, "Assessment"), &["from", "to", "format"]),
    r("post", "/api/supervision/import", "督查督办", "导入重点任务分解表（.xlsx 或 CSV 作为请求体；dry_run=true 只检查）：逐行指出问题，文件无误才立项并交办", Staff, Nothing, Object(200, "{code, message, result: TaskImport}"), &["dry_run"]),
    r("get", "/api/supervision/import-template", "督查督办", "重点任务导入模板（.xlsx）", Staff, Nothing, Object(200, "Excel 文件"), &[]),
    r("post", "/api/supervision", "督查督办", "立项（督查科）", Staff, Json("SupervisionInput"), Wrapped(201, "item", "SupervisionView"), &[]),
    r("get", "/api/supervision/{key}", "督查督办", "一个督办事项", Staff, Nothing, Wrapped(200, "item", "SupervisionView"), &[]),
    r("get", "/api/supervision/{key}/events", "督查督办", "督办事项的办理过程（哈希链事件）", Staff, Nothing, List("events", "Event"), &[]),
    r("get", "/api/items/{key}/attachments/{id}", "事项", "下载事项的附件（进展材料、办结佐证），需有权查看该事项", Staff, Nothing, Object(200, "文件"), &[]),
    r("get", "/api/supervision/funds", "督查督办", "资金：按单位、按事项列出到位、下拨和滞留未拨付的资金", Staff, Nothing, Object(200, "FundsSummary"), &[]),
    r("get", "/api/supervision/{key}/funds", "督查督办", "一个督办事项的资金台账", Staff, Nothing, Wrapped(200, "funds", "ItemFunds"), &[]),
    r("post", "/api/supervision/{key}/funds", "督查督办", "登记预算、资金到位或资金下拨（牵头单位或督查科）", Staff, Json("FundInput"), Wrapped(201, "entry", "FundEntry"), &[]),
    r("get", "/api/admin/supervision-settings", "督查督办", "督查督办设置：签收、异议期限，催办升级，资金滞留预警", Staff, Nothing, Wrapped(200, "settings", "Settings"), &[]),
    r("put", "/api/admin/supervision-settings", "督查督办", "修改督查督办设置（系统管理员或督查科）", Staff, Json("Settings"), Wrapped(200, "settings", "Settings"), &[]),
    r("get", "/api/instructions", "领导批示", "批示列表：领导看本人作出的（mine=true）或分管范围内的，单位看交给本单位的", Staff, Nothing, List("items", "InstructionRow"), &["mine", "format"]),
    r("post", "/api/instructions", "领导批示", "作出批示（市领导；督查科可代为登记），可指向工单或督办事项", Staff, Json("InstructionInput"), Wrapped(201, "item", "InstructionView"), &[]),
    r("get", "/api/instructions/{key}", "领导批示", "一条批示及各单位的反馈", Staff, Nothing, Wrapped(200, "item", "InstructionView"), &[]),
    r("post", "/api/instructions/{key}/{action}", "领导批示", "反馈办理情况（answer）、催办（remind）、撤回（withdraw）、转督办（supervise）", Staff, Json("InstructionActionBody"), Object(200, "{item} 或 {supervision}"), &[]),
    r("get", "/api/topics", "会议", "议题库：按状态（state）、提出单位（unit）筛选；单位看本单位提出和征求本单位意见的议题，草稿仅本单位可见", Staff, Nothing, List("items", "TopicRow"), &["state", "unit", "mine", "format"]),
    r("post", "/api/topics", "会议", "单位起草议题（附汇报材料、会签单位），propose=true 时直接报送", Staff, Json("TopicBody"), Wrapped(201, "item", "TopicView"), &[]),
    r("get", "/api/topics/{key}", "会议", "一个议题：会签意见、缺少的意见、分管领导、所列会议、材料", Staff, Nothing, Wrapped(200, "item", "TopicView"), &[]),
    r("post", "/api/topics/{key}/{action}", "会议", "报送（propose）、修改（revise）、会签意见（opinion）、提请审核（submit）、分管领导同意（approve）、秘书长审核（screen）、退回（return）、暂缓（hold）、恢复（release）、撤回（withdraw）、列入会议议程（schedule）", Staff, Json("TopicActionBody"), Object(200, "{item} 或 {meeting}"), &[]),
    r("get", "/api/topic-plans", "会议", "年度、季度议题计划及落实情况", Staff, Nothing, List("items", "PlanRow"), &["year"]),
    r("post", "/api/topic-plans", "会议", "编报议题计划（会议科，或单位为本单位）", Staff, Json("PlanInput"), Wrapped(201, "item", "PlanRow"), &[]),
    r("get", "/api/meetings", "会议", "会议日历：from、to 之间的会议（默认本年）", Staff, Nothing, List("items", "MeetingRow"), &["from", "to"]),
    r("post", "/api/meetings", "会议", "会议科安排会议：类型、时间、地点、主持人、组成人员，按系列和年度编号", Staff, Json("MeetingInput"), Wrapped(201, "item", "MeetingView"), &[]),
    r("get", "/api/meetings/decisions", "会议", "议定事项台账及督办进度（format=xlsx/csv 下载）", Staff, Nothing, List("items", "DecisionRow"), &["year", "meeting_type", "unit", "format"]),
    r("get", "/api/meetings/{key}", "会议", "一次会议：议程、参会回复、签到与法定人数、纪要、议定事项及其督办进度", Staff, Nothing, Wrapped(200, "item", "MeetingView"), &[]),
    r("post", "/api/meetings/{key}/{action}", "会议", "安排议程（agenda）、议程报主持人（send_agenda）、报送材料（materials）、发通知（notify）、回复参会（reply）、签到（sign_in）、召开（convene）、起草纪要（draft_minutes）、送审（submit_minutes）、审核（review_minutes）、签发（sign_minutes）、印发（issue，议定事项转督办）、勘误（erratum）、取消（cancel）", Staff, Json("MeetingActionBody"), Wrapped(200, "item", "MeetingView"), &[]),
    r("get", "/api/admin/meeting-settings", "会议", "会议设置：会签意见、材料、议程、通知、纪要时限", Staff, Nothing, Wrapped(200, "settings", "MeetingSettings"), &[]),
    r("put", "/api/admin/meeting-settings", "会议", "修改会议设置（系统管理员或会议科）", Staff, Json("MeetingSettings"), Wrapped(200, "settings", "MeetingSettings"), &[]),
    r("get", "/api/documents", "公文", "收文登记簿（direction=incoming）与发文登记簿（direction=outgoing），可按状态、机关代字、年度筛选；format=xlsx 或 csv 导出", Staff, Nothing, List("items", "DocumentRow"), &["direction", "state", "code", "year", "format"]),
    r("post", "/api/documents", "公文", "收文签收登记（direction=incoming，文电科）或发文起草（direction=outgoing，单位）；涉密文件（秘密、机密、绝密）一律拒收且不保存", Staff, Json("DocumentBody"), Wrapped(201, "item", "DocumentView"), &[]),
    r("get", "/api/documents/circulation", "公文", "本人的传阅文件：待阅在前", Staff, Nothing, List("items", "CirculationRow"), &[]),
    r("get", "/api/documents/{key}", "公文", "一件公文：流程、现在谁手里、会签意见、传阅、批办、发文字号", Staff, Nothing, Wrapped(200, "item", "DocumentView"), &[]),
    r("get", "/api/documents/{key}/pdf", "公文", "按 GB/T 9704-2012 排版的版式文件（PDF，嵌入字体）；编号前为带“草稿”水印的预览", Staff, Nothing, AFile, &[]),
    r("get", "/api/documents/{key}/versions", "公文", "发文的全部修改稿（新稿在前）", Staff, Nothing, List("items", "VersionView"), &[]),
    r("get", "/api/documents/{key}/compare", "公文", "比较两稿：逐字标出增删", Staff, Nothing, Wrapped(200, "comparison", "Comparison"), &["from", "to"]),
    r("post", "/api/documents/{key}/{action}", "公文", "收文：初审（accept）、退文（reject）、拟办（propose）、批办（instruct，同时形成领导批示）、传阅（circulate）、阅毕（read）、催办（urge）、答复（reply）、退回重办（send_back）、办结（conclude）、归档（archive）；发文：保存修改稿（save）、送审（submit）、审核（approve）、会签（countersign）、核稿（check）、签发（sign）、复核（recheck）、编号（number）、印制（print）、核发（distribute）、归档（archive）、退回修改（return）、撤销（withdraw）", Staff, Json("DocActionBody"), Wrapped(200, "item", "DocumentView"), &[]),
    r("get", "/api/meetings/{key}/pdf", "会议", "会议纪要的版式文件（纪要格式，PDF）", Staff, Nothing, AFile, &[]),
    r("get", "/api/admin/document-settings", "公文", "公文设置：承办、会签时限，机关代字，排版字体", Staff, Nothing, Wrapped(200, "settings", "DocumentConfig"), &[]),
    r("put", "/api/admin/document-settings", "公文", "修改公文设置（系统管理员或文电科）；字体须在本机找到", Staff, Json("DocumentConfig"), Wrapped(200, "settings", "DocumentConfig"), &[]),
    r("post", "/api/supervision/{key}/{action}", "督查督办", "交办、签收、异议、反馈进展、催办、延期、办结申请、审核、重新督办、撤销", Staff, Json("SupervisionActionBody"), Wrapped(200, "item", "SupervisionView"), &[]),
    r("get", "/api/info", "政务信息", "信息报送台账：可按状态、类别、单位筛选，unused=true 为已采用未编刊的信息；format=xlsx 或 csv 导出", Staff, Nothing, List("items", "InfoRow"), &["state", "category", "unit", "unused", "format"]),
    r("post", "/api/info", "政务信息", "单位报送信息（动态、经验、问题、建议、舆情、突发事件）；联络员报送待本单位负责人审签，负责人报送即送信息科；突发事件须填事发时间", Staff, Json("InfoBody"), Wrapped(201, "item", "InfoView"), &[]),
    r("get", "/api/info/scores", "政务信息", "各单位信息工作得分与排名（period=2026、2026-Q4 或 2026-12）；format=xlsx 导出", Staff, Nothing, Wrapped(200, "scores", "ScoreBoard"), &["period", "format"]),
    r("get", "/api/info/requests", "政务信息", "约稿：各单位报送与未报情况", Staff, Nothing, List("items", "RequestRow"), &[]),
    r("post", "/api/info/requests", "政务信息", "信息科向单位约稿（主题、要求、截止日期）", Staff, Json("RequestInput"), Wrapped(201, "item", "RequestView"), &[]),
    r("get", "/api/info/requests/{key}", "政务信息", "一次约稿：每个单位已报、逾期报或未报", Staff, Nothing, Wrapped(200, "item", "RequestView"), &[]),
    r("post", "/api/info/requests/{key}/close", "政务信息", "约稿截止：未报送的单位计为未报", Staff, Nothing, Wrapped(200, "item", "RequestView"), &[]),
    r("get", "/api/info/{key}", "政务信息", "一条信息：原文与编辑稿、审签、处理结果、编入刊物、领导批示、转报省", Staff, Nothing, Wrapped(200, "item", "InfoView"), &[]),
    r("post", "/api/info/{key}/{action}", "政务信息", "审签（sign）、采用（adopt，可带编辑稿）、退回补充（return）、不采用（decline）、补充报送（resubmit）、转报省（forward）、登记省采用（province_adopt）", Staff, Json("InfoActionInput"), Wrapped(200, "item", "InfoView"), &[]),
    r("get", "/api/bulletins", "政务信息", "信息刊物（每日要情、江州政务信息、信息专报）：信息科看全部，领导看呈送本人的", Staff, Nothing, List("items", "BulletinRow"), &["series"]),
    r("post", "/api/bulletins", "政务信息", "新编一期刊物（信息科）", Staff, Json("BulletinInput"), Wrapped(201, "item", "BulletinView"), &[]),
    r("get", "/api/bulletins/{key}", "政务信息", "一期刊物：所编信息、期号、签发、呈阅领导与阅示", Staff, Nothing, Wrapped(200, "item", "BulletinView"), &[]),
    r("get", "/api/bulletins/{key}/pdf", "政务信息", "刊物的版式文件（PDF）；印发前为草稿", Staff, Nothing, AFile, &[]),
    r("get", "/api/bulletins/{key}/export", "政务信息", "刊物所编信息导出（xlsx 或 csv）", Staff, Nothing, AFile, &["format"]),
    r("post", "/api/bulletins/{key}/{action}", "政务信息", "编辑（compose：选择并排序已采用信息）、送签（submit）、退回修改（send_back）、签发（sign，科室负责人）、印发（issue，取期号并呈送领导）、阅（read）", Staff, Json("BulletinActionInput"), Wrapped(200, "item", "BulletinView"), &[]),
    r("get", "/api/admin/info-settings", "政务信息", "信息工作设置：处理时限、突发事件时限、计分标准、任务数", Staff, Nothing, Wrapped(200, "settings", "InfoSettings"), &[]),
    r("put", "/api/admin/info-settings", "政务信息", "修改信息工作设置（办公室或系统管理员）", Staff, Json("InfoSettings"), Wrapped(200, "settings", "InfoSettings"), &[]),
    r("get", "/api/party/branches", "党建", "党支部：所在单位、书记、党员", Staff, Nothing, List("items", "Branch"), &[]),
    r("post", "/api/party/branches", "党建", "设立党支部（办公室或系统管理员）", Staff, Json("BranchInput"), Wrapped(201, "item", "Branch"), &[]),
    r("get", "/api/party/meetings", "党建", "组织生活会：各支部历次会议与整改完成情况", Staff, Nothing, List("items", "PartyMeetingRow"), &[]),
    r("post", "/api/party/meetings", "党建", "安排组织生活会（主题、时间、地点，会前约十天通知）", Staff, Json("PartyMeetingInput"), Wrapped(201, "item", "PartyMeetingView"), &[]),
    r("get", "/api/party/meetings/{id}", "党建", "一次组织生活会：会前准备、问题清单、签到、对照检查、批评与自我批评、整改清单，及上次整改“回头看”", Staff, Nothing, Wrapped(200, "item", "PartyMeetingView"), &[]),
    r("post", "/api/party/meetings/{id}/{action}", "党建", "会前准备（prepare：集中学习、谈心谈话、征求意见、问题清单）或召开（hold：签到、书记对照检查、批评与自我批评、缺席党员书面党性分析）", Staff, Json("PartyMeetingAction"), Wrapped(200, "item", "PartyMeetingView"), &[]),
    r("get", "/api/party/rectifications", "党建", "整改清单：可按支部、会议筛选；format=xlsx 导出", Staff, Nothing, List("items", "RectificationRow"), &["branch", "meeting", "format"]),
    r("post", "/api/party/rectifications", "党建", "列入整改清单：问题、措施、责任人、时限（支部书记或办公室）", Staff, Json("RectificationInput"), Wrapped(201, "item", "RectificationView"), &[]),
    r("get", "/api/party/rectifications/{key}", "党建", "一项整改事项", Staff, Nothing, Wrapped(200, "item", "RectificationView"), &[]),
    r("post", "/api/party/rectifications/{key}/{action}", "党建", "报告进展（progress）、报告完成并附佐证（report）、退回整改（send_back）、销号（strike_off，支部书记）", Staff, Json("RectActionBody"), Wrapped(200, "item", "RectificationView"), &[]),
    r("get", "/api/party/study", "党建", "学习教育台账与每名党员的年度学时（year、branch）；format=xlsx 导出", Staff, Nothing, Wrapped(200, "ledger", "StudyLedger"), &["year", "branch", "format"]),
    r("post", "/api/party/study", "党建", "登记一次学习（日期、形式、内容、学时、参加人员、记录）", Staff, Json("StudyInput"), Wrapped(201, "item", "StudySession"), &[]),
    r("get", "/api/projects", "党建", "我为群众办实事项目清单；format=xlsx 导出", Staff, Nothing, List("items", "ProjectRow"), &["format"]),
    r("post", "/api/projects", "党建", "申报实事项目（责任单位，或督查科代为申报）：立刻办、限期办、分期办", Staff, Json("ProjectInput"), Wrapped(201, "item", "ProjectView"), &[]),
    r("get", "/api/projects/{key}", "党建", "一个实事项目：进度、时限、群众评价", Staff, Nothing, Wrapped(200, "item", "ProjectView"), &[]),
    r("post", "/api/projects/{key}/{action}", "党建", "立项（approve）、不予立项（reject）、报告进展（progress）、报告完成（report）、退回（send_back）、销号（close）", Staff, Json("ProjectActionBody"), Wrapped(200, "item", "ProjectView"), &[]),
    r("get", "/api/public/projects", "公众", "我为群众办实事：全部已立项项目及进度（无需登录）", Public, Nothing, List("items", "PublicProject"), &[]),
    r("post", "/api/public/projects/{number}/rate", "公众", "群众评价已完成的项目（1–5 星，每个地址一次）", Public, Json("RatingInput"), Wrapped(200, "item", "PublicProject"), &[]),
    r("get", "/api/kinds", "事项", "本系统的各类工作：状态、时限与待办队列", Staff, Nothing, Object(200, "{kinds: [{name, label, states, dues, queues}]}"), &[]),
    r("get", "/api/items/{key}", "事项", "任一类工作的一个事项（编号或 id）：状态、承办单位、时限、可做的操作、关联与警告", Staff, Nothing, Wrapped(200, "item", "ItemDetail"), &[]),
    r("get", "/api/items/{key}/events", "事项", "事项的办理过程（哈希链事件）", Staff, Nothing, List("events", "Event"), &[]),
    r("post", "/api/items/{key}/links", "事项", "关联两个事项（转督办、会议议定、领导批示、重复件、整改）", Staff, Json("LinkBody"), List("links", "LinkView"), &[]),
    r("post", "/api/items/{key}/cards", "事项", "对承办单位亮黄牌或红牌（督查科、派单员）", Staff, Json("CardBody"), Wrapped(201, "card", "Card"), &[]),
    r("post", "/api/cards/{id}/revoke", "事项", "撤销一张警告（留档）", Staff, Json("RevokeBody"), Wrapped(200, "card", "Card"), &[]),
    r("get", "/api/units/{key}/cards", "事项", "一个单位收到的警告", Staff, Nothing, List("cards", "Card"), &[]),
    r("post", "/api/public/orders", "公众", "群众提交诉求（按地址、电话限流；可带 Idempotency-Key）", Public, Json("OrderInput"), Object(201, "{number, query_code, message}"), &[]),
    r("get", "/api/public/orders/{number}", "公众", "凭查询码查询办理进度", Public, Nothing, Wrapped(200, "order", "PublicView"), &["code"]),
    r("post", "/api/public/orders/{number}/rate", "公众", "评价答复", Public, Json("RateBody"), Wrapped(200, "order", "PublicView"), &["code"]),
    r("post", "/api/public/orders/{number}/withdraw", "公众", "撤回诉求", Public, Json("WithdrawBody"), Wrapped(200, "order", "PublicView"), &["code"]),
    r("get", "/open311/v2/{file}", "Open311", "GeoReport v2：discovery、services、requests（.json 或 .xml）", Public, Nothing, Object(200, "GeoReport v2"), &["service_code", "status", "start_date", "end_date", "service_request_id", "jurisdiction_id"]),
    r("post", "/open311/v2/{file}", "Open311", "GeoReport v2：提交诉求（需 api_key）", Public, Form, Object(201, "GeoReport v2"), &[]),
    r("get", "/open311/v2/{kind}/{file}", "Open311", "GeoReport v2：一个服务或一件诉求", Public, Nothing, Object(200, "GeoReport v2"), &[]),
];

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn object_with(key: &str, inner: RefOr<Schema>) -> RefOr<Schema> {
    RefOr::T(Schema::Object(ObjectBuilder::new().property(key, inner).required(key).build()))
}

fn array_of(name: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Array(utoipa::openapi::schema::ArrayBuilder::new().items(schema_ref(name)).build()))
}

/// The document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for route in ROUTES {
        let method = match route.method {
            "get" => HttpMethod::Get,
            "post" => HttpMethod::Post,
            "put" => HttpMethod::Put,
            _ => HttpMethod::Delete,
        };
        let mut op = OperationBuilder::new()
            .tag(route.tag)
            .summary(Some(route.summary))
            .operation_id(Some(format!("{} {}", route.method, route.path)));
        for seg in route.path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String).build())),
            );
        }
        for q in route.query {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(*q)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String).build())),
            );
        }
        op = match route.takes {
            Nothing => op,
            Json(name) => op.request_body(Some(
                RequestBodyBuilder::new().content("application/json", ContentBuilder::new().schema(Some(schema_ref(name))).build()).build(),
            )),
            File => op.request_body(Some(
                RequestBodyBuilder::new()
                    .description(Some("填好的模板：.xlsx，或 UTF-8/GBK 编码的 CSV"))
                    .content("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ContentBuilder::new().build())
                    .content("text/csv", ContentBuilder::new().build())
                    .build(),
            )),
            Form => op.request_body(Some(
                RequestBodyBuilder::new().content("application/x-www-form-urlencoded", ContentBuilder::new().build()).build(),
            )),
        };
        let (status, response) = match route.answers {
            Wrapped(status, key, name) => (status, ResponseBuilder::new().description("成功").content("application/json", ContentBuilder::new().schema(Some(object_with(key, schema_ref(name)))).build())),
            List(key, name) => (200, ResponseBuilder::new().description("成功").content("application/json", ContentBuilder::new().schema(Some(object_with(key, array_of(name)))).build())),
            Page(name) => (
                200,
                ResponseBuilder::new().description("一页结果：items、total、page、per_page").content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(RefOr::T(Schema::Object(
                            ObjectBuilder::new()
                                .property("items", array_of(name))
                                .property("total", ObjectBuilder::new().schema_type(Type::Integer))
                                .property("page", ObjectBuilder::new().schema_type(Type::Integer))
                                .property("per_page", ObjectBuilder::new().schema_type(Type::Integer))
                                .build(),
                        ))))
                        .build(),
                ),
            ),
            Object(status, what) => (status, ResponseBuilder::new().description(what).content("application/json", ContentBuilder::new().build())),
            AFile => (200, ResponseBuilder::new().description("文件（xlsx 或 csv；json 时为对象）")),
        };
        op = op.response(status.to_string(), response.build());
        // The errors every route may answer, in the one shape.
        let errors: &[(u16, &str)] = match route.who {
            Public => &[(400, "请求格式不正确"), (404, "没有这个地址或对象"), (413, "请求内容过大"), (415, "内容类型不对"), (422, "取值不合要求"), (429, "过于频繁")],
            Staff => &[
                (400, "请求格式不正确"),
                (401, "未登录"),
                (403, "无权操作（或缺少防跨站令牌）"),
                (404, "没有这个对象"),
                (409, "当前状态不允许，或数据刚被他人修改"),
                (413, "请求内容过大"),
                (415, "内容类型不对"),
                (422, "取值不合要求"),
            ],
        };
        for (code, what) in errors {
            op = op.response(
                code.to_string(),
                ResponseBuilder::new().description(*what).content("application/json", ContentBuilder::new().schema(Some(schema_ref("Error"))).build()).build(),
            );
        }
        if matches!(route.who, Staff) {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        paths = paths.path(route.path, PathItem::new(method, op.build()));
    }
    let components = ComponentsBuilder::new()
        .schema(
            "Error",
            ObjectBuilder::new()
                .property("code", ObjectBuilder::new().schema_type(Type::String).description(Some("稳定的英文错误码，如 invalid_state")))
                .property("message", ObjectBuilder::new().schema_type(Type::String).description(Some("中文说明")))
                .required("code")
                .required("message"),
        )
        .security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()))
        .schema_from::<crate::routes::admin::SetupBody>()
        .schema_from::<crate::routes::auth::LoginBody>()
        .schema_from::<crate::routes::admin::UnitBody>()
        .schema_from::<crate::routes::admin::UserBody>()
        .schema_from::<crate::routes::admin::CategoryBody>()
        .schema_from::<crate::routes::admin::PasswordBody>()
        .schema_from::<crate::routes::admin::ApiKeyBody>()
        .schema_from::<crate::routes::calendar::CsvBody>()
        .schema_from::<crate::routes::calendar::HoursBody>()
        .schema_from::<crate::routes::hotline::orders::ActionBody>()
        .schema_from::<crate::routes::hotline::orders::ReasonBody>()
        .schema_from::<crate::routes::hotline::public::RateBody>()
        .schema_from::<crate::routes::hotline::public::WithdrawBody>()
        .schema_from::<crate::routes::hotline::suggest::SuggestBody>()
        .schema_from::<crate::routes::hotline::suggest::RuleBody>()
        .schema_from::<crate::routes::hotline::suggest::WordsBody>()
        .schema_from::<crate::routes::hotline::suggest::SynonymsBody>()
        .schema_from::<sanfu_store::desk::DeskSettings>()
        .schema_from::<crate::routes::hotline::suggest::SimilarBody>()
        .schema_from::<crate::routes::hotline::knowledge::RelatedBody>()
        .schema_from::<sanfu_domain::hotline::TimeLimits>()
        .schema_from::<sanfu_store::hotline::orders::OrderInput>()
        .schema_from::<sanfu_store::hotline::orders::OrderView>()
        .schema_from::<sanfu_store::hotline::orders::OrderSummary>()
        .schema_from::<sanfu_store::hotline::orders::PublicView>()
        .schema_from::<sanfu_store::hotline::publish::Publication>()
        .schema_from::<sanfu_store::hotline::publish::PublishInput>()
        .schema_from::<sanfu_store::org::Unit>()
        .schema_from::<sanfu_store::org::User>()
        .schema_from::<sanfu_store::org::SessionInfo>()
        .schema_from::<sanfu_store::hotline::catalog::Category>()
        .schema_from::<sanfu_store::admin::UnitPatch>()
        .schema_from::<sanfu_store::admin::CategoryPatch>()
        .schema_from::<sanfu_store::admin::UserPatch>()
        .schema_from::<sanfu_store::admin::OrgImport>()
        .schema_from::<sanfu_store::throttle::PublicLimits>()
        .schema_from::<sanfu_store::apikeys::ApiKey>()
        .schema_from::<sanfu_store::events::Event>()
        .schema_from::<sanfu_store::desk::Inbox>()
        .schema_from::<sanfu_store::kernel::inbox::QueueCount>()
        .schema_from::<sanfu_store::kernel::items::ItemSummary>()
        .schema_from::<sanfu_store::kernel::items::ItemDetail>()
        .schema_from::<sanfu_store::kernel::items::DueView>()
        .schema_from::<sanfu_store::kernel::items::LinkView>()
        .schema_from::<sanfu_domain::kernel::Card>()
        .schema_from::<sanfu_domain::kernel::CardColour>()
        .schema_from::<crate::routes::kernel::LinkBody>()
        .schema_from::<crate::routes::kernel::CardBody>()
        .schema_from::<crate::routes::kernel::RevokeBody>()
        .schema_from::<crate::routes::kernel::NumberFormatBody>()
        .schema_from::<crate::routes::supervision::SupervisionActionBody>()
        .schema_from::<crate::routes::supervision::MilestoneBody>()
        .schema_from::<sanfu_store::supervision::SupervisionInput>()
        .schema_from::<sanfu_store::supervision::SupervisionView>()
        .schema_from::<sanfu_store::supervision::FundInput>()
        .schema_from::<crate::routes::supervision::AttachmentBody>()
        .schema_from::<sanfu_store::kernel::attachments::AttachmentInfo>()
        .schema_from::<sanfu_store::supervision::LedgerRow>()
        .schema_from::<sanfu_store::supervision::Assessment>()
        .schema_from::<sanfu_store::supervision::UnitAssessment>()
        .schema_from::<sanfu_store::supervision::TaskImport>()
        .schema_from::<sanfu_store::supervision::TaskPreview>()
        .schema_from::<sanfu_domain::supervision::assess::ScoreTable>()
        .schema_from::<sanfu_domain::supervision::assess::Tally>()
        .schema_from::<sanfu_store::supervision::FundEntry>()
        .schema_from::<sanfu_store::supervision::ItemFunds>()
        .schema_from::<sanfu_store::supervision::FundsSummary>()
        .schema_from::<sanfu_store::supervision::ItemFundsRow>()
        .schema_from::<sanfu_store::supervision::UnitFundsRow>()
        .schema_from::<sanfu_domain::supervision::Settings>()
        .schema_from::<sanfu_store::instruction::InstructionInput>()
        .schema_from::<sanfu_store::instruction::InstructionView>()
        .schema_from::<sanfu_store::instruction::InstructionRow>()
        .schema_from::<sanfu_store::instruction::Answer>()
        .schema_from::<crate::routes::instruction::InstructionActionBody>()
        .schema_from::<sanfu_domain::meeting::Settings>()
        .schema_from::<sanfu_store::meeting::topic::TopicInput>()
        .schema_from::<sanfu_store::meeting::topic::TopicView>()
        .schema_from::<sanfu_store::meeting::topic::TopicRow>()
        .schema_from::<sanfu_store::meeting::topic::PlanInput>()
        .schema_from::<sanfu_store::meeting::topic::PlanRow>()
        .schema_from::<sanfu_store::meeting::topic::OpinionView>()
        .schema_from::<sanfu_store::meeting::topic::MeetingRef>()
        .schema_from::<sanfu_store::meeting::PersonName>()
        .schema_from::<sanfu_domain::info::Settings>()
        .schema_from::<sanfu_domain::info::ScoreTable>()
        .schema_from::<sanfu_domain::info::Quota>()
        .schema_from::<sanfu_store::info::InfoInput>()
        .schema_from::<sanfu_store::info::InfoActionInput>()
        .schema_from::<sanfu_store::info::InfoView>()
        .schema_from::<sanfu_store::info::InfoRow>()
        .schema_from::<sanfu_store::info::BulletinUse>()
        .schema_from::<sanfu_store::info::bulletin::BulletinInput>()
        .schema_from::<sanfu_store::info::bulletin::BulletinActionInput>()
        .schema_from::<sanfu_store::info::bulletin::ComposeLine>()
        .schema_from::<sanfu_store::info::bulletin::BulletinView>()
        .schema_from::<sanfu_store::info::bulletin::BulletinRow>()
        .schema_from::<sanfu_store::info::bulletin::BulletinLine>()
        .schema_from::<sanfu_store::info::bulletin::BulletinReader>()
        .schema_from::<sanfu_store::info::request::RequestInput>()
        .schema_from::<sanfu_store::info::request::RequestView>()
        .schema_from::<sanfu_store::info::request::RequestRow>()
        .schema_from::<sanfu_store::info::request::RequestUnit>()
        .schema_from::<sanfu_store::info::scores::ScoreBoard>()
        .schema_from::<sanfu_store::info::scores::UnitScore>()
        .schema_from::<crate::routes::info::InfoBody>()
        .schema_from::<sanfu_store::party::Branch>()
        .schema_from::<sanfu_store::party::BranchInput>()
        .schema_from::<sanfu_store::party::meeting::PartyMeetingInput>()
        .schema_from::<sanfu_store::party::meeting::PartyMeetingAction>()
        .schema_from::<sanfu_store::party::meeting::PartyMeetingView>()
        .schema_from::<sanfu_store::party::meeting::PartyMeetingRow>()
        .schema_from::<sanfu_store::party::meeting::Preparation>()
        .schema_from::<sanfu_store::party::meeting::Problem>()
        .schema_from::<sanfu_store::party::meeting::Attendance>()
        .schema_from::<sanfu_store::party::meeting::Records>()
        .schema_from::<sanfu_store::party::meeting::Criticism>()
        .schema_from::<sanfu_store::party::meeting::Analysis>()
        .schema_from::<sanfu_store::party::meeting::Review>()
        .schema_from::<sanfu_store::party::rectification::RectificationInput>()
        .schema_from::<sanfu_store::party::rectification::RectificationActionInput>()
        .schema_from::<sanfu_store::party::rectification::RectificationView>()
        .schema_from::<sanfu_store::party::rectification::RectificationRow>()
        .schema_from::<sanfu_store::party::study::StudyInput>()
        .schema_from::<sanfu_store::party::study::StudySession>()
        .schema_from::<sanfu_store::party::study::StudyLedger>()
        .schema_from::<sanfu_store::party::study::MemberHours>()
        .schema_from::<sanfu_store::party::project::ProjectInput>()
        .schema_from::<sanfu_store::party::project::ProjectActionInput>()
        .schema_from::<sanfu_store::party::project::ProjectView>()
        .schema_from::<sanfu_store::party::project::ProjectRow>()
        .schema_from::<sanfu_store::party::project::PublicProject>()
        .schema_from::<sanfu_store::party::project::RatingInput>()
        .schema_from::<sanfu_store::party::project::Ratings>()
        .schema_from::<sanfu_store::party::project::RatingView>()
        .schema_from::<crate::routes::party::RectActionBody>()
        .schema_from::<crate::routes::party::ProjectActionBody>()
        .schema_from::<sanfu_domain::document::Settings>()
        .schema_from::<sanfu_domain::document::IssuingCode>()
        .schema_from::<sanfu_store::document::DocumentConfig>()
        .schema_from::<sanfu_store::document::incoming::IncomingInput>()
        .schema_from::<sanfu_store::document::incoming::DocActionInput>()
        .schema_from::<sanfu_store::document::outgoing::OutgoingInput>()
        .schema_from::<sanfu_store::document::outgoing::VersionView>()
        .schema_from::<sanfu_store::document::outgoing::DiffPart>()
        .schema_from::<sanfu_store::document::outgoing::Comparison>()
        .schema_from::<sanfu_store::document::view::DocumentView>()
        .schema_from::<sanfu_store::document::view::DocumentRow>()
        .schema_from::<sanfu_store::document::view::ReaderView>()
        .schema_from::<sanfu_store::document::view::CirculationRow>()
        .schema_from::<sanfu_store::document::view::DocumentFigures>()
        .schema_from::<crate::routes::document::DocumentBody>()
        .schema_from::<crate::routes::document::DocActionBody>()
        .schema_from::<sanfu_store::meeting::session::MeetingInput>()
        .schema_from::<sanfu_store::meeting::session::MeetingView>()
        .schema_from::<sanfu_store::meeting::session::MeetingRow>()
        .schema_from::<sanfu_store::meeting::session::AgendaInput>()
        .schema_from::<sanfu_store::meeting::session::AgendaView>()
        .schema_from::<sanfu_store::meeting::session::AttendeeView>()
        .schema_from::<sanfu_store::meeting::session::Quorum>()
        .schema_from::<sanfu_store::meeting::session::MinutesView>()
        .schema_from::<sanfu_store::meeting::session::Erratum>()
        .schema_from::<sanfu_store::meeting::session::DecisionView>()
        .schema_from::<sanfu_store::meeting::session::DecisionProgress>()
        .schema_from::<sanfu_store::meeting::session::TopicMinutesInput>()
        .schema_from::<sanfu_store::meeting::session::DecisionInput>()
        .schema_from::<sanfu_store::meeting::session::MeetingActionInput>()
        .schema_from::<sanfu_store::meeting::minutes::DecisionRow>()
        .schema_from::<crate::routes::meeting::TopicBody>()
        .schema_from::<crate::routes::meeting::TopicActionBody>()
        .schema_from::<crate::routes::meeting::MeetingActionBody>()
        .schema_from::<sanfu_domain::supervision::ExtensionRequest>()
        .schema_from::<sanfu_domain::supervision::Objection>()
        .schema_from::<sanfu_store::desk::DoneItem>()
        .schema_from::<sanfu_store::hotline::topics::HotTopic>()
        .schema_from::<sanfu_store::hotline::suggest::AutoDispatch>()
        .schema_from::<sanfu_store::hotline::knowledge::Entry>()
        .schema_from::<sanfu_store::hotline::knowledge::EntryInput>()
        .schema_from::<sanfu_store::hotline::orders::AssignmentView>()
        .schema_from::<sanfu_store::hotline::orders::Citizen>()
        .schema_from::<sanfu_store::hotline::orders::DeadlineView>()
        .schema_from::<sanfu_store::hotline::orders::UnitName>()
        .schema_from::<sanfu_store::hotline::orders::PublicStep>()
        .schema_from::<sanfu_store::desk::InboxItem>()
        .schema_from::<sanfu_store::search::Piece>()
        .schema_from::<sanfu_store::admin::RowError>()
        .schema_from::<sanfu_domain::hotline::PendingExtension>()
        .schema_from::<sanfu_domain::hotline::Channel>()
        .schema_from::<sanfu_domain::hotline::OrderType>()
        .schema_from::<sanfu_domain::hotline::Urgency>()
        .schema_from::<sanfu_domain::hotline::State>()
        .schema_from::<sanfu_domain::hotline::Satisfaction>()
        .schema_from::<sanfu_domain::hotline::DeadlineKind>()
        .schema_from::<sanfu_domain::hotline::AssignmentRole>()
        .schema_from::<sanfu_domain::Role>()
        .schema_from::<sanfu_domain::UnitKind>()
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("三服务 Sanfu 接口")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("市政府办公室工作平台的 JSON 接口。错误一律为 {code, message}（message 为中文）。工作人员用 Authorization: Bearer 令牌；浏览器用会话 Cookie 时，写操作须带 X-CSRF-Token。"))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .build()
}

/// `GET /api/openapi.json`.
pub async fn serve() -> axum::Json<OpenApi> {
    axum::Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.route("…", get(…).post(…))` of the router, read from its source.
    fn router_routes() -> Vec<(String, String)> {
        let src = [
            include_str!("routes/mod.rs"),
            include_str!("routes/kernel.rs"),
            include_str!("routes/hotline/mod.rs"),
            include_str!("routes/supervision.rs"),
            include_str!("routes/instruction.rs"),
            include_str!("routes/meeting.rs"),
            include_str!("routes/document.rs"),
            include_str!("routes/info.rs"),
            include_str!("routes/party.rs"),
        ]
        .concat();
        let mut out = Vec::new();
        for part in src.split(".route(\"").skip(1) {
            let Some((path, rest)) = part.split_once('"') else { continue };
            let call = rest.split(")\n").next().unwrap_or(rest);
            for m in ["get", "post", "put", "delete"] {
                if call.contains(&format!("{m}(")) {
                    out.push((m.to_string(), path.to_string()));
                }
            }
        }
        out
    }

    #[test]
    fn every_route_of_the_router_is_in_the_document() {
        let doc = serde_json::to_value(document()).unwrap_or_default();
        let routes = router_routes();
        assert!(routes.len() > 60, "the router's routes were read: {}", routes.len());
        let missing: Vec<String> = routes
            .iter()
            .filter(|(m, p)| doc["paths"][p.as_str()][m.as_str()].is_null())
            .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
            .collect();
        assert!(missing.is_empty(), "routes missing from the OpenAPI document: {missing:?}");
        let extra: Vec<&Route> = ROUTES.iter().filter(|r| !routes.iter().any(|(m, p)| m == r.method && p == r.path)).collect();
        assert!(extra.is_empty(), "documented routes the router does not have: {:?}", extra.iter().map(|r| r.path).collect::<Vec<_>>());
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_schema_it_refers_to() {
        let doc = serde_json::to_value(document()).unwrap_or_default();
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
        let text = doc.to_string();
        let missing: std::collections::BTreeSet<&str> = text
            .split("\"$ref\":\"#/components/schemas/")
            .skip(1)
            .map(|part| part.split('"').next().unwrap_or_default())
            .filter(|name| doc["components"]["schemas"][*name].is_null())
            .collect();
        assert!(missing.is_empty(), "schemas referred to but not defined: {missing:?}");
        assert!(!doc["components"]["schemas"]["OrderView"]["properties"]["state"].is_null());
    }
}
