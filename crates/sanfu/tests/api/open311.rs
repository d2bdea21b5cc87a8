//! Open311 GeoReport v2: an Open311 client files and follows an order, in JSON and XML.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn form(app: &TestApp, path: &str, body: &[(&str, &str)]) -> (StatusCode, String) {
    let r = app.client.post(format!("{}{path}", app.base)).form(body).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn an_open311_client_files_and_follows_a_request() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (s, v) = app.post(Some(&admin), "/api/admin/api-keys", json!({"name": "江州随手拍App"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let key = v["api_key"].as_str().unwrap().to_string();

    // Discovery and services.
    let (s, d) = app.get(None, "/open311/v2/discovery.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    let (_, services) = app.get(None, "/open311/v2/services.json").await;
    let lamp = services.as_array().unwrap().iter().find(|s| s["service_code"] == "0204").unwrap().clone();
    assert_eq!((lamp["service_name"].as_str(), lamp["group"].as_str()), (Some("路灯与市政设施"), Some("城市管理")));
    assert_eq!(lamp["type"], "realtime");
    let (s, def) = app.get(None, "/open311/v2/services/0204.json").await;
    assert_eq!((s, def["service_code"].as_str()), (StatusCode::OK, Some("0204")));
    let xml = app.client.get(format!("{}/open311/v2/services.xml", app.base)).send().await.unwrap();
    assert!(xml.headers()["content-type"].to_str().unwrap().starts_with("text/xml"));
    let xml = xml.text().await.unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<services><service><service_code>0101</service_code>"), "{xml}");

    // Filing needs a valid key, a known service, a description and a location.
    let (s, body) = form(&app, "/open311/v2/requests.json", &[("api_key", "nope"), ("service_code", "0204"), ("description", "x"), ("lat", "30.1"), ("long", "120.2")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let errs: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(errs[0]["code"], 403);
    let (s, body) = form(&app, "/open311/v2/requests.json", &[("api_key", &key), ("service_code", "9999"), ("description", "x"), ("lat", "30.1"), ("long", "120.2")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, body) = form(&app, "/open311/v2/requests.xml", &[("api_key", &key), ("service_code", "0204"), ("description", "路灯不亮")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("<errors><error><code>400</code><description>a location is required"), "{body}");
    let before = app.counts().await;
    let (s, body) = form(&app, "/open311/v2/requests.json", &[("api_key", &key), ("service_code", "0204"), ("description", "x"), ("lat", "north"), ("long", "120.2")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(app.counts().await, before);

    let (s, body) = form(&app, "/open311/v2/requests.json", &[
        ("api_key", &key), ("service_code", "0204"), ("lat", "30.2741"), ("long", "120.1551"),
        ("address_string", "东湖区人民路88号"), ("description", "人民路88号门口路灯连续三晚不亮"),
        ("first_name", "明"), ("last_name", "王"), ("phone", "13712345678"), ("email", "wang@example.com"),
    ]).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let id = created[0]["service_request_id"].as_str().unwrap().to_string();

    // The centre sees an Open311 order with the citizen's details; the public listing does not.
    let disp = app.login("dispatcher").await;
    let o = app.order(&disp, &id).await;
    assert_eq!((o["channel"].as_str(), o["category"]["name"].as_str()), (Some("open311"), Some("路灯与市政设施")));
    assert_eq!((o["citizen"]["name"].as_str(), o["citizen"]["phone"].as_str()), (Some("王明"), Some("13712345678")));
    assert_eq!(o["lat"], 30.2741);

    let (_, tok) = app.get(None, &format!("/open311/v2/tokens/{id}.json")).await;
    assert_eq!(tok[0]["service_request_id"], id.as_str());
    let (_, r) = app.get(None, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!((r[0]["status"].as_str(), r[0]["service_code"].as_str()), (Some("open"), Some("0204")));
    assert_eq!(r[0]["agency_responsible"], "12345政务服务便民热线中心");
    assert!(!r.to_string().contains("13712345678") && !r.to_string().contains("王明"));

    // Handled and closed: the client sees the status and the answer.
    let cgj = app.login("cgj").await;
    let oid = o["id"].as_str().unwrap();
    app.act(&disp, oid, "dispatch", json!({"lead_unit_id": "cgj"})).await;
    app.act(&cgj, oid, "sign", json!({})).await;
    app.act(&cgj, oid, "answer", json!({"text": "已更换灯具，恢复照明。"})).await;
    app.act(&disp, oid, "review", json!({"pass": true})).await;
    app.act(&disp, oid, "callback", json!({"satisfaction": "satisfied"})).await;
    let (_, r) = app.get(None, &format!("/open311/v2/requests.json?service_request_id={id}")).await;
    assert_eq!((r[0]["status"].as_str(), r[0]["status_notes"].as_str()), (Some("closed"), Some("已更换灯具，恢复照明。")));
    assert_eq!(r[0]["agency_responsible"], "市城市管理局");
    let (_, open_only) = app.get(None, "/open311/v2/requests.json?status=open").await;
    assert!(open_only.as_array().unwrap().is_empty());
    let (_, by_service) = app.get(None, "/open311/v2/requests.json?service_code=0204&status=closed").await;
    assert_eq!(by_service.as_array().unwrap().len(), 1);
    let x = app.client.get(format!("{}/open311/v2/requests/{id}.xml", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(x.contains(&format!("<service_requests><request><service_request_id>{id}</service_request_id><status>closed</status>")), "{x}");
    let (s, _) = app.get(None, "/open311/v2/requests/19990101000001.json").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(None, "/open311/v2/requests.yaml").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Confidential orders never appear in the public listing.
    let mut secret = complaint("举报");
    secret["confidential"] = json!(true);
    app.register(&disp, secret).await;
    let (_, all) = app.get(None, "/open311/v2/requests.json").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
}
