//! The web pages over HTTP, as a browser would use them: login by form, each role's pages,
//! refusals, CSRF on forms, escaped citizen text, the public forms. (The journeys in a real
//! browser are in e2e/.)

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::helpers::*;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_string()))
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key).map(|i| i + key.len()).expect("hidden field");
    html[start..].split('"').next().unwrap().to_string()
}

/// A browser with a form cookie, logged in through the login page: returns its Cookie header
/// and the CSRF token of its pages.
async fn browser_login(app: &TestApp, username: &str) -> (String, String) {
    let c = no_redirects();
    let r = c.get(format!("{}/login", app.base)).send().await.unwrap();
    let form_cookie = cookie_value(&r, "sanfu_form").expect("form cookie");
    let html = r.text().await.unwrap();
    let token = hidden(&html, "_csrf");
    let r = c
        .post(format!("{}/login", app.base))
        .header(COOKIE, format!("sanfu_form={form_cookie}"))
        .form(&[("_csrf", token.as_str()), ("username", username), ("password", PW), ("next", "/desk")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {username}");
    assert_eq!(r.headers()[LOCATION], "/desk");
    let session = cookie_value(&r, "sanfu_session").expect("session cookie");
    let cookie = format!("sanfu_session={session}; sanfu_form={form_cookie}");
    let desk = c.get(format!("{}/desk", app.base)).header(COOKIE, &cookie).send().await.unwrap().text().await.unwrap();
    (cookie.clone(), hidden(&desk, "_csrf"))
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let r = no_redirects().get(format!("{}{path}", app.base)).header(COOKIE, cookie).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn each_role_sees_its_pages_and_is_refused_the_others() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let o = app.register(&op, complaint("东湖区幸福小区夜间施工噪声扰民 <script>alert('x')</script>")).await;
    let number = o["order"]["number"].as_str().unwrap().to_string();
    app.act(&op, &number, "dispatch", json!({ "lead_unit_id": "zjj" })).await;

    let (cookie, _) = browser_login(&app, "dispatcher").await;
    for (path, text) in [
        ("/desk", "我的待办"),
        ("/orders", "工单查询"),
        ("/orders/new", "受理登记"),
        ("/stats", "统计分析"),
        ("/ranking", "承办单位月度排名"),
        ("/dashboard", "领导驾驶舱"),
    ] {
        let (status, html) = page(&app, &cookie, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(text), "{path} shows {text}");
    }
    let (status, html) = page(&app, &cookie, &format!("/orders/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    // Citizen text is escaped, never markup.
    assert!(html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"), "escaped");
    assert!(!html.contains("<script>alert("));

    let (unit, _) = browser_login(&app, "zjj").await;
    let (status, html) = page(&app, &unit, &format!("/orders/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("138****"), "the unit sees the phone masked");
    assert!(!html.contains("13812341234"));
    for path in ["/dashboard", "/admin", "/orders/new"] {
        assert_eq!(page(&app, &unit, path).await.0, StatusCode::FORBIDDEN, "{path}");
    }
    let (other, _) = browser_login(&app, "water").await;
    let (status, html) = page(&app, &other, &format!("/orders/{number}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("无权查看此工单"));
    assert!(!html.contains("幸福小区"));

    let (mayor, _) = browser_login(&app, "mayor").await;
    assert_eq!(page(&app, &mayor, "/dashboard").await.0, StatusCode::OK);
    assert_eq!(page(&app, &mayor, "/stats").await.0, StatusCode::OK);
    let (admin, _) = browser_login(&app, "admin").await;
    let (status, html) = page(&app, &admin, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("办理时限"), "the overview links every subject");
    let (status, html) = page(&app, &admin, "/admin/users?q=dispatcher").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("dispatcher"));
    assert_eq!(page(&app, &admin, "/admin/limits").await.0, StatusCode::OK);
    assert_eq!(page(&app, &admin, "/admin/nothing").await.0, StatusCode::NOT_FOUND);

    // Without a session, a page sends the browser to the login page and back.
    let r = no_redirects().get(format!("{}/orders/{number}", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], format!("/login?next=%2Forders%2F{number}"));
}

#[tokio::test]
async fn forms_act_with_the_csrf_token_and_are_refused_without_it() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let o = app.register(&op, complaint("路灯不亮")).await;
    let number = o["order"]["number"].as_str().unwrap().to_string();
    app.act(&op, &number, "dispatch", json!({ "lead_unit_id": "zjj" })).await;
    let (cookie, csrf) = browser_login(&app, "zjj").await;
    let c = no_redirects();
    let url = format!("{}/orders/{number}/do/sign", app.base);
    for bad in [None, Some("0000")] {
        let mut form = vec![];
        if let Some(b) = bad {
            form.push(("_csrf", b));
        }
        let r = c.post(&url).header(COOKIE, &cookie).form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(app.order(&op, &number).await["state"], "dispatched", "nothing changed");
    let r = c.post(&url).header(COOKIE, &cookie).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("ok="));
    assert_eq!(app.order(&op, &number).await["state"], "handling");
    // An action the state does not allow comes back as a message, and changes nothing.
    let r = c.post(&url).header(COOKIE, &cookie).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("err="));
    let evs = app.events(&op, &number).await;
    assert_eq!(names(&evs).iter().filter(|n| *n == "sign").count(), 1);
}

#[tokio::test]
async fn a_citizen_submits_and_follows_through_the_public_pages() {
    let app = spawn_app().await;
    let c = no_redirects();
    let r = c.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let form_cookie = cookie_value(&r, "sanfu_form").unwrap();
    let html = r.text().await.unwrap();
    let token = hidden(&html, "_csrf");
    let once = hidden(&html, "_once");
    let submit = |fields: Vec<(&'static str, String)>| {
        c.post(format!("{}/submit", app.base)).header(COOKIE, format!("sanfu_form={form_cookie}")).form(&fields).send()
    };
    // Bad input: the page says why, keeps the text, and registers nothing.
    let before = app.counts().await;
    let r = submit(vec![("_csrf", token.clone()), ("_once", once.clone()), ("category", "0301".into()), ("content", "工地夜间施工".into()), ("phone", "123".into())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("工地夜间施工") && html.contains("form-error"));
    assert_eq!(app.counts().await, before);
    let r = submit(vec![
        ("_csrf", token.clone()),
        ("_once", once.clone()),
        ("order_type", "complaint".into()),
        ("category", "0301".into()),
        ("content", "湖畔街道工地每晚十一点后仍在施工".into()),
        ("phone", "13912345678".into()),
    ])
    .await
    .unwrap();
    // Post/redirect/get: the number is shown on the page the browser is sent to.
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    let html = c.get(format!("{}{to}", app.base)).send().await.unwrap().text().await.unwrap();
    let number = html.split("id=\"new-number\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let code = html.split("id=\"new-code\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    // The citizen is told the real time limit of a complaint, and the follow link keeps the code.
    assert!(html.contains("投诉类诉求在 10个工作日内答复"), "{html}");
    assert!(html.contains(&format!("href=\"/follow?number={number}&amp;code={code}\"")), "{html}");
    // The dispatcher opens the web order: the form starts from the category's usual unit, by
    // name, and says why.
    let (_, page_html) = app.page("dispatcher", &format!("/orders/{number}")).await;
    assert!(page_html.contains("id=\"order-suggest\""), "{page_html}");
    assert!(page_html.contains("value=\"市生态环境局\"") && page_html.contains("按分类“噪声污染”的默认承办单位预填"), "{page_html}");
    assert!(page_html.contains("<option value=\"市生态环境局\" label=\"sthjj · "), "the picker lists names, with code and initials");
    let (status, html) = page(&app, "", &format!("/follow?number={number}&code={code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("待派单") && html.contains("湖畔街道工地"));
    let (status, html) = page(&app, "", &format!("/follow?number={number}&code=XXXXXX")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("湖畔街道工地"));
    // Without the form cookie the same form is refused.
    let r = c.post(format!("{}/submit", app.base)).form(&[("_csrf", token.as_str()), ("category", "0301"), ("content", "x"), ("phone", "13912345678")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// A multipart body as a browser sends it: text fields, then files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----sanfu-test-boundary-7f3a";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    for (name, data) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend(*data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_citizen_attaches_photos_that_only_those_who_may_read_the_order_see() {
    // A 1×1 PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41,
        0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    let app = spawn_app().await;
    let c = no_redirects();
    let r = c.get(format!("{}/", app.base)).send().await.unwrap();
    let form_cookie = cookie_value(&r, "sanfu_form").unwrap();
    let html = r.text().await.unwrap();
    let (token, once) = (hidden(&html, "_csrf"), hidden(&html, "_once"));
    let fields = [
        ("_csrf", token.as_str()),
        ("_once", once.as_str()),
        ("order_type", "complaint"),
        ("category", "0301"),
        ("content", "幸福路与和平路口井盖破损，见照片"),
        ("phone", "13912345678"),
    ];
    let post = |(ct, body): (String, Vec<u8>)| {
        c.post(format!("{}/submit", app.base))
            .header(COOKIE, format!("sanfu_form={form_cookie}"))
            .header(reqwest::header::CONTENT_TYPE, ct)
            .body(body)
            .send()
    };
    // Not a picture, or too many: refused with the reason, and nothing registered.
    let before = app.counts().await;
    let r = post(multipart(&fields, &[("井盖.png", b"MZ\x90\x00 not a picture")])).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("JPG、PNG 或 WebP"));
    let r = post(multipart(&fields, &[("1.png", PNG), ("2.png", PNG), ("3.png", PNG), ("4.png", PNG)])).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("最多上传 3 张照片"));
    assert_eq!(app.counts().await, before);

    let r = post(multipart(&fields, &[("井盖.png", PNG)])).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    let html = c.get(format!("{}{to}", app.base)).send().await.unwrap().text().await.unwrap();
    let number = html.split("id=\"new-number\">").nth(1).unwrap().split('<').next().unwrap().to_string();

    // The centre sees the photo on the order's page and gets its bytes as a PNG.
    let (centre, _) = browser_login(&app, "dispatcher").await;
    let (status, html) = page(&app, &centre, &format!("/orders/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    let src = html.split("id=\"photos\">").nth(1).expect("photos shown").split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = no_redirects().get(format!("{}{src}", app.base)).header(COOKIE, &centre).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[reqwest::header::CONTENT_TYPE], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    // The registration event names the photo.
    let op = app.login("operator").await;
    let evs = app.events(&op, &number).await;
    assert!(serde_json::to_string(&evs).unwrap().contains("井盖.png"));

    // A unit the order was never handed to gets no photo; neither does a stranger.
    let (water, _) = browser_login(&app, "water").await;
    let r = no_redirects().get(format!("{}{src}", app.base)).header(COOKIE, &water).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = no_redirects().get(format!("{}{src}", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_knowledge_base_answers_from_the_pages_and_closes_orders_at_once() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let (s, v) = app
        .post(Some(&op), "/api/knowledge", json!({
            "title": "住房公积金提取", "category_id": "0104", "public": true,
            "content": "购房、租房、离职、退休等情形可以提取住房公积金，租房提取每年一次，材料齐全的3个工作日内到账。",
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let entry = v["entry"]["id"].as_str().unwrap().to_string();

    // Citizens find it on the public site, the words marked.
    let (s, html) = page(&app, "", "/knowledge?q=租房提取公积金").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("住房公积金提取") && html.contains("<mark>"), "{html}");

    // The operator on a call: the entry is offered for the text typed.
    let (s, v) = app.post(Some(&op), "/api/knowledge/related", json!({ "content": "我想问一下租房怎么提取公积金" })).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["id"], entry.as_str(), "{v}");

    // Registered and closed with the entry in one step from the form.
    let (cookie, csrf) = browser_login(&app, "operator").await;
    let r = no_redirects()
        .post(format!("{}/orders/new", app.base))
        .header(COOKIE, &cookie)
        .form(&[
            ("_csrf", csrf.as_str()), ("channel", "phone"), ("order_type", "inquiry"), ("category", "0104"),
            ("content", "来电咨询租房怎么提取公积金。"), ("citizen_phone", "13912345678"), ("knowledge_id", entry.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(to.contains("ok="), "{to}");
    let number = to.split("/orders/").nth(1).unwrap().split('?').next().unwrap().to_string();
    let o = app.order(&op, &number).await;
    assert_eq!(o["state"], "closed", "{o}");
    assert!(o["answer"].as_str().unwrap().contains("租房提取每年一次"));
    let evs = app.events(&op, &number).await;
    assert!(serde_json::to_string(&evs).unwrap().contains("住房公积金提取"), "the entry is recorded on the order");

    // On an order's page, choosing the entry is enough.
    let o = app.register(&op, complaint("公积金租房提取要什么材料")).await;
    let number = o["order"]["number"].as_str().unwrap().to_string();
    let (_, html) = page(&app, &cookie, &format!("/orders/{number}")).await;
    assert!(html.contains(&format!("value=\"{entry}\"")), "offered on the order page");
    let r = no_redirects()
        .post(format!("{}/orders/{number}/do/close-directly", app.base))
        .header(COOKIE, &cookie)
        .form(&[("_csrf", csrf.as_str()), ("knowledge_id", entry.as_str()), ("answer", "")])
        .send()
        .await
        .unwrap();
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("ok="), "{:?}", r.headers()[LOCATION]);
    assert_eq!(app.order(&op, &number).await["state"], "closed");
}

#[tokio::test]
async fn a_dispatcher_sees_look_alikes_of_a_citizens_submission_and_merges_it_from_its_page() {
    let app = spawn_app().await;
    let mut numbers = Vec::new();
    for (content, phone) in [
        ("江滨花园5栋楼下的餐馆油烟直排，家里窗户都不敢开，请环保部门来查一查。", "13911112222"),
        ("江滨花园5栋楼下餐馆的油烟直接排放，我们家窗户都不敢开，请环保部门查处。", "13733334444"),
    ] {
        let (s, v) = app
            .post(None, "/api/public/orders", json!({ "order_type": "complaint", "category_id": "0302", "content": content, "citizen_phone": phone }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        numbers.push(v["number"].as_str().unwrap().to_string());
    }
    let (cookie, csrf) = browser_login(&app, "dispatcher").await;
    let (status, html) = page(&app, &cookie, &format!("/orders/{}", numbers[1])).await;
    assert_eq!(status, StatusCode::OK);
    let card = html.split("id=\"similar-orders\"").nth(1).expect("look-alikes shown");
    assert!(card.contains(&numbers[0]), "{card}");
    let r = no_redirects()
        .post(format!("{}/orders/{}/do/merge", app.base, numbers[1]))
        .header(COOKIE, &cookie)
        .form(&[("_csrf", csrf.as_str()), ("master", numbers[0].as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("ok="));
    let op = app.login("operator").await;
    assert_eq!(app.order(&op, &numbers[1]).await["state"], "merged");
    // The master shows none: its look-alike is merged.
    let (_, html) = page(&app, &cookie, &format!("/orders/{}", numbers[0])).await;
    assert!(!html.contains("id=\"similar-orders\""));
}

/// The order page's buttons and the API's `allowed_actions` are the domain's rule table: the
/// centre is offered 撤单 and 合并 on a dispatched order (they were missing), and what is offered
/// works.
#[tokio::test]
async fn the_buttons_are_the_rule_tables() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let disp = app.login("dispatcher").await;
    let n = app.register(&op, complaint("工地夜间施工")).await["order"]["number"].as_str().unwrap().to_string();
    app.act(&disp, &n, "dispatch", json!({"lead_unit_id": "zjj"})).await;
    let o = app.order(&disp, &n).await;
    let allowed: Vec<&str> = o["allowed_actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(allowed.contains(&"withdraw") && allowed.contains(&"merge"), "{allowed:?}");
    assert!(!allowed.contains(&"sign"), "signing is the unit's: {allowed:?}");
    let (centre, _) = browser_login(&app, "dispatcher").await;
    let (_, html) = page(&app, &centre, &format!("/orders/{n}")).await;
    assert!(html.contains(&format!("/orders/{n}/do/withdraw")) && html.contains(&format!("/orders/{n}/do/merge")));
    assert!(!html.contains(&format!("/orders/{n}/do/sign")));
    let zjj = app.login("zjj").await;
    let unit_view = app.order(&zjj, &n).await;
    assert_eq!(unit_view["allowed_actions"], json!(["forward", "sign", "request_return"]));
    let (unit, _) = browser_login(&app, "zjj").await;
    let (_, html) = page(&app, &unit, &format!("/orders/{n}")).await;
    assert!(html.contains(&format!("/orders/{n}/do/sign")) && !html.contains(&format!("/orders/{n}/do/withdraw")));
    // Offered, and it works.
    app.act(&disp, &n, "withdraw", json!({"reason": "诉求人已自行解决"})).await;
}

#[tokio::test]
async fn info_settings_form_saves_the_table_and_refuses_bad_values() {
    let app = spawn_app().await;
    let (cookie, csrf) = browser_login(&app, "xinxike").await;
    let (_, html) = page(&app, &cookie, "/info?tab=scores").await;
    assert!(html.contains("form-info-settings"), "the office sees the settings");
    let mut fields: Vec<(&str, String)> = vec![("_csrf", csrf.clone())];
    for (k, v) in [
        ("answer_hours", "12"), ("urgent_answer_minutes", "20"), ("first_report_minutes", "30"), ("written_report_minutes", "60"), ("warn_percent", "80"),
        ("daily", "6"), ("info", "12"), ("special", "40"), ("instructed", "20"), ("province_daily", "20"), ("province_info", "50"), ("province_special", "80"),
        ("quota_adopted", "10"), ("quota_points", "100"),
    ] {
        fields.push((k, v.to_string()));
    }
    let post = |fields: Vec<(&'static str, String)>| {
        let c = cookie.clone();
        let base = app.base.clone();
        async move { no_redirects().post(format!("{base}/info/settings")).header(COOKIE, c).form(&fields).send().await.unwrap() }
    };
    let mut bad = fields.clone();
    bad.push(("quotas", "zjj：很多/240".into()));
    let r = post(bad).await;
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("err="), "a bad quota line is refused");
    assert_eq!(app.get(Some(&app.login("xinxike").await), "/api/admin/info-settings").await.1["settings"]["answer_hours"], 8);
    let mut good = fields.clone();
    good.push(("quotas", "zjj：24/240".into()));
    let r = post(good).await;
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("ok="), "{:?}", r.headers()[LOCATION]);
    let s = app.get(Some(&app.login("xinxike").await), "/api/admin/info-settings").await.1["settings"].clone();
    assert_eq!((s["answer_hours"].as_i64(), s["scores"]["special"].as_i64(), s["quotas"][0]["points"].as_i64()), (Some(12), Some(40), Some(240)));
    // A unit's user gets no form, and a post is refused.
    let (unit, unit_csrf) = browser_login(&app, "zjj").await;
    let (_, html) = page(&app, &unit, "/info?tab=scores").await;
    assert!(!html.contains("form-info-settings"));
    let r = no_redirects().post(format!("{}/info/settings", app.base)).header(COOKIE, unit).form(&[("_csrf", unit_csrf.as_str()), ("answer_hours", "1")]).send().await.unwrap();
    assert!(r.headers().get(LOCATION).is_none_or(|l| l.to_str().unwrap().contains("err=")), "refused");
    assert_eq!(app.get(Some(&app.login("xinxike").await), "/api/admin/info-settings").await.1["settings"]["answer_hours"], 12);
}

#[tokio::test]
async fn the_administrator_keeps_synonyms_and_the_figures_settings_on_the_admin_pages() {
    let app = spawn_app().await;
    let (cookie, csrf) = browser_login(&app, "admin").await;
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let c = cookie.clone();
        let base = app.base.clone();
        async move { no_redirects().post(format!("{base}{path}")).header(COOKIE, c).form(&fields).send().await.unwrap() }
    };
    let admin = app.login("admin").await;
    // Synonyms: one group a line; a group of one word is refused and nothing changes.
    let r = post("/admin/synonyms", vec![("_csrf", csrf.clone()), ("synonyms", "下水道 化粪池\n坝坝舞".into())]).await;
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("err="));
    assert_eq!(app.get(Some(&admin), "/api/admin/synonyms").await.1["groups"], json!([]));
    let r = post("/admin/synonyms", vec![("_csrf", csrf.clone()), ("synonyms", "下水道 化粪池\n广场舞、坝坝舞".into())]).await;
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("ok="), "{:?}", r.headers()[LOCATION]);
    assert_eq!(app.get(Some(&admin), "/api/admin/synonyms").await.1["groups"], json!([["下水道", "化粪池"], ["广场舞", "坝坝舞"]]));
    let (_, html) = page(&app, &cookie, "/admin/words").await;
    assert!(html.contains("下水道 化粪池\n广场舞 坝坝舞") && html.contains("噪声/噪音"), "{html}");
    // The ranking's minimum and the export cap: numbers, within bounds.
    let r = post("/admin/desk", vec![("_csrf", csrf.clone()), ("ranking_min_orders", "很多".into()), ("export_max_rows", "0".into())]).await;
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("err="));
    let r = post("/admin/desk", vec![("_csrf", csrf.clone()), ("ranking_min_orders", "8".into()), ("export_max_rows", "100000".into())]).await;
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("ok="));
    let s = app.get(Some(&admin), "/api/admin/desk-settings").await.1["settings"].clone();
    assert_eq!((s["ranking_min_orders"].as_i64(), s["export_max_rows"].as_i64()), (Some(8), Some(100_000)));
    let (_, html) = page(&app, &cookie, "/admin/limits").await;
    assert!(html.contains("id=\"desk-min\"") && html.contains("value=\"8\""));
}
