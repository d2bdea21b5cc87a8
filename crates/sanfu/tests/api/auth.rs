//! Health, login, sessions that can be revoked, throttling, administration of people and units.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn health_login_me_and_logout() {
    let app = spawn_app().await;
    let (s, v) = app.get(None, "/healthz").await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, v) = app.post(None, "/api/auth/login", json!({"username": "zjj", "password": "wrong-password"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("bad_credentials")));
    let (s, _) = app.post(None, "/api/auth/login", json!({"username": "nobody", "password": PW})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The session also arrives as an HttpOnly cookie, which works in place of the token.
    let resp = app.client.post(format!("{}/api/auth/login", app.base)).json(&json!({"username": "zjj", "password": PW})).send().await.unwrap();
    let cookie = resp.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_string();
    let me: serde_json::Value = app.client.get(format!("{}/api/me", app.base)).header("cookie", pair).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["user"]["unit_name"], "市住房和城乡建设局");
    assert_eq!(me["roles"][0]["label"], "承办单位联络员");

    let t = app.login("zjj").await;
    let (s, _) = app.get(Some(&t), "/api/me").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.post(Some(&t), "/api/auth/logout", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.get(Some(&t), "/api/me").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    let (s, _) = app.get(None, "/no/such/page").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_by_their_owner_or_an_administrator() {
    let app = spawn_app().await;
    let phone = app.login("zjj").await;
    let desk = app.login("zjj").await;
    let (_, v) = app.get(Some(&desk), "/api/me/sessions").await;
    let sessions = v["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_string();
    let (s, _) = app.post(Some(&desk), &format!("/api/me/sessions/{other}/revoke"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.get(Some(&phone), "/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(Some(&desk), "/api/me").await.0, StatusCode::OK);
    // An administrator ends all of a user's sessions (a lost laptop).
    let admin = app.login("admin").await;
    let (_, users) = app.get(Some(&admin), "/api/admin/users").await;
    let zjj_id = users["users"].as_array().unwrap().iter().find(|u| u["username"] == "zjj").unwrap()["id"].as_str().unwrap().to_string();
    let (s, v) = app.post(Some(&admin), &format!("/api/admin/users/{zjj_id}/revoke-sessions"), json!({})).await;
    assert_eq!((s, v["revoked"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(app.get(Some(&desk), "/api/me").await.0, StatusCode::UNAUTHORIZED);
    let (_, ev) = (0, sqlx::query_scalar::<_, String>("SELECT action FROM events WHERE entity_id = $1 ORDER BY seq")
        .bind(format!("user:{zjj_id}"))
        .fetch_all(app.store.pool())
        .await
        .unwrap());
    assert_eq!(ev, ["create", "login", "login", "revoke_sessions", "revoke_sessions"]);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (s, _) = app.post(None, "/api/auth/login", json!({"username": "operator", "password": "guess-guess"})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused for a while.
    let (s, v) = app.post(None, "/api/auth/login", json!({"username": "operator", "password": PW})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")));
    // Other accounts are unaffected.
    app.login("dispatcher").await;
}

#[tokio::test]
async fn administrators_add_units_and_people_who_can_then_work() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let disp = app.login("dispatcher").await;
    let (s, v) = app.post(Some(&admin), "/api/admin/units", json!({"code": "donghu-xh", "name": "东湖区西湖街道", "kind": "street", "parent_id": "donghu"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app.post(Some(&admin), "/api/admin/units", json!({"code": "donghu-xh", "name": "重复", "kind": "street", "parent_id": "donghu"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("duplicate_code")));
    let (s, v) = app.post(Some(&admin), "/api/admin/units", json!({"code": "x1", "name": "某单位", "kind": "planet", "parent_id": "gov"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_unit_kind")));
    let (s, v) = app.post(Some(&admin), "/api/admin/units", json!({"code": "x2", "name": "某单位", "kind": "street", "parent_id": "ghost"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_unit")));
    let user = json!({"username": "xh-ll", "name": "孙丽", "password": "Xihu#2026", "unit_id": "donghu-xh", "roles": ["unit_liaison"]});
    let (s, v) = app.post(Some(&disp), "/api/admin/users", user.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.post(Some(&admin), "/api/admin/users", user.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app.post(Some(&admin), "/api/admin/users", user).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("duplicate_username")));
    let (s, v) = app.post(Some(&admin), "/api/admin/users", json!({"username": "y", "name": "某", "password": "short", "unit_id": "gov", "roles": ["leader"]})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password")));
    let (s, v) = app.post(Some(&admin), "/api/admin/users", json!({"username": "y", "name": "某", "password": "long-enough", "unit_id": "gov", "roles": ["king"]})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_role")));

    // The new street takes work forwarded by its district.
    let (s, v) = app.post(None, "/api/auth/login", json!({"username": "xh-ll", "password": "Xihu#2026"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let street = v["token"].as_str().unwrap().to_string();
    let district = app.login("donghu").await;
    let id = app.order_in("dispatched", "donghu", "西湖街道路灯不亮").await;
    app.act(&district, &id, "sign", json!({})).await;
    app.act(&district, &id, "forward", json!({"unit_id": "donghu-xh"})).await;
    let o = app.act(&street, &id, "sign", json!({})).await;
    assert_eq!(o["lead_unit"]["name"], "东湖区西湖街道");

    // Time limits are configuration.
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/time-limits/complaint/normal",
        Some(json!({"sign": "1wh", "return_window": "2wd", "answer": "5wd", "close": "8wd", "max_extension_days": 10}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["limits"]["answer"], "5wd");
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/time-limits/complaint/normal",
        Some(json!({"sign": "soon", "return_window": "2wd", "answer": "5wd", "close": "8wd", "max_extension_days": 10}))).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field")));
    let (_, v) = app.get(Some(&disp), "/api/time-limits").await;
    let row = v["time_limits"].as_array().unwrap().iter().find(|r| r["order_type"] == "complaint" && r["urgency"] == "normal").unwrap().clone();
    assert_eq!((row["sign"].as_str(), row["answer"].as_str()), (Some("1wh"), Some("5wd")));
    let inquiry = v["time_limits"].as_array().unwrap().iter().find(|r| r["order_type"] == "inquiry" && r["urgency"] == "normal").unwrap().clone();
    assert_eq!(inquiry["answer"], "2wd");
}
