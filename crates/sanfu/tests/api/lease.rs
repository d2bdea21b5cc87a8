//! Several servers on one database: the timed jobs run on one of them at a time, under the
//! scheduler lease, and another takes them over when that server is killed.

use std::time::{Duration, Instant};

use sanfu_store::{Store, now_ms};

use crate::helpers::{free_port, fresh_database, serve, spawn_app};

/// Deadlines whose warning is owed at `t`: what the sweep picks up.
const OWED: &str = "FROM deadlines WHERE running = 1 AND met_at IS NULL AND warned < 2
                    AND ((warned = 0 AND warn_at <= $1) OR due_at <= $1)";

async fn owed(store: &Store) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {OWED}"))).bind(now_ms()).fetch_one(store.pool()).await.unwrap()
}

async fn warnings(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE action = 'warning'").fetch_one(store.pool()).await.unwrap()
}

/// Warnings raised twice: the same deadline at the same level (the details name both).
async fn raised_twice(store: &Store) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "SELECT entity_id, details, COUNT(*) FROM events WHERE action = 'warning'
         GROUP BY entity_id, details HAVING COUNT(*) > 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

async fn until(what: &str, limit: Duration, mut ok: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !ok().await {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn three_servers_raise_each_warning_once_and_another_takes_the_jobs_over_when_the_holder_is_killed() {
    // A city with open orders at every step (the test's own server runs no timed jobs).
    let app = spawn_app().await;
    for (i, (state, unit)) in [("registered", ""), ("dispatched", "zjj"), ("handling", "zjj"), ("dispatched", "donghu"), ("handling", "donghu"), ("return_requested", "zjj")].iter().enumerate() {
        app.order_in(state, unit, &format!("第{i}件：小区路灯损坏多日无人维修，夜间出行不便。")).await;
    }
    let (url, store) = (app.database_url.clone(), app.store.clone());
    // One running deadline kept back for after the kill, due tomorrow: its early warning is
    // made to fall due then.
    let kept: (String, String, String, i64) = sqlx::query_as(
        "SELECT work_id, kind, unit_id, seq FROM deadlines WHERE running = 1 AND met_at IS NULL ORDER BY due_at DESC LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("a running deadline");
    sqlx::query("UPDATE deadlines SET warned = 0, due_at = $1 WHERE work_id = $2 AND kind = $3 AND unit_id = $4 AND seq = $5")
        .bind(now_ms() + 86_400_000).bind(&kept.0).bind(&kept.1).bind(&kept.2).bind(kept.3)
        .execute(store.pool()).await.unwrap();
    let set_warn_at = async |at: i64| {
        sqlx::query("UPDATE deadlines SET warn_at = $1 WHERE work_id = $2 AND kind = $3 AND unit_id = $4 AND seq = $5")
            .bind(at).bind(&kept.0).bind(&kept.1).bind(&kept.2).bind(kept.3)
            .execute(store.pool()).await.unwrap();
    };
    // Every other running deadline's early warning is owed now.
    sqlx::query("UPDATE deadlines SET warn_at = $1 WHERE running = 1 AND met_at IS NULL AND warned = 0")
        .bind(now_ms() - 1_000)
        .execute(store.pool())
        .await
        .unwrap();
    set_warn_at(now_ms() + 86_400_000).await;
    let owed_now = owed(&store).await;
    assert!(owed_now >= 5, "the demo city owes warnings: {owed_now}");
    let before = warnings(&store).await;

    let mut servers: Vec<crate::helpers::Server> =
        (0..3).map(|_| serve(&url, free_port(), &["--tick-seconds", "1", "--lease-seconds", "3"])).collect();
    until("every owed warning raised", Duration::from_secs(60), async || owed(&store).await == 0).await;
    // Every server has had time to run its jobs a few more times, had it been allowed to.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(warnings(&store).await - before >= owed_now, "each owed warning raised");
    assert_eq!(raised_twice(&store).await, vec![], "no warning raised twice");

    // One server holds the jobs; it is killed without a chance to hand them over.
    let holder = store.lease_holder(sanfu::SCHEDULER_LEASE).await.unwrap().expect("a server holds the jobs");
    let pid: u32 = holder.split(':').nth(1).and_then(|p| p.parse().ok()).expect("the holder names its process");
    let at = servers.iter().position(|c| c.id() == pid).expect("the holder is one of the three");
    let mut dead = servers.remove(at);
    dead.kill().unwrap();
    dead.wait().unwrap();
    let killed_at = Instant::now();
    set_warn_at(now_ms() - 1_000).await;
    let raised = async || -> i64 {
        sqlx::query_scalar("SELECT warned FROM deadlines WHERE work_id = $1 AND kind = $2 AND unit_id = $3 AND seq = $4")
            .bind(&kept.0).bind(&kept.1).bind(&kept.2).bind(kept.3)
            .fetch_one(store.pool()).await.unwrap()
    };
    until("another server raises the warning", Duration::from_secs(30), async || raised().await == 1).await;
    let took = killed_at.elapsed();
    assert!(took < Duration::from_secs(10), "taken over in {took:?}, the lease being 3 s");
    let next = store.lease_holder(sanfu::SCHEDULER_LEASE).await.unwrap().expect("a server holds the jobs again");
    assert_ne!(next, holder);
    let next_pid: u32 = next.split(':').nth(1).and_then(|p| p.parse().ok()).unwrap();
    assert!(servers.iter().any(|c| c.id() == next_pid), "a living server took the jobs over");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(raised_twice(&store).await, vec![], "no warning raised twice after the takeover");
    for mut c in servers {
        c.kill().unwrap();
        c.wait().unwrap();
    }
}

#[tokio::test]
async fn a_lease_is_held_by_one_until_it_expires_or_is_released() {
    let (url, _dir) = fresh_database().await;
    let store = Store::open(&url).await.expect("open");
    let ttl = Duration::from_millis(800);
    let a = store.try_lease("job", "a", ttl).await.unwrap().expect("free: a takes it");
    assert!(a.taken);
    assert_eq!(store.try_lease("job", "b", ttl).await.unwrap(), None, "b waits while a holds it");
    let renewed = store.try_lease("job", "a", ttl).await.unwrap().expect("a renews");
    assert_eq!((renewed.term, renewed.taken), (a.term, false), "a renewal keeps the term");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let b = store.try_lease("job", "b", ttl).await.unwrap().expect("expired: b takes it");
    assert!(b.taken && b.term == a.term + 1, "a new holder, a new term: {b:?}");
    assert_eq!(store.try_lease("job", "a", ttl).await.unwrap(), None, "a lost it");
    store.release_lease("job", "a").await.unwrap();
    assert_eq!(store.lease_holder("job").await.unwrap().as_deref(), Some("b"), "only the holder can release");
    store.release_lease("job", "b").await.unwrap();
    assert_eq!(store.lease_holder("job").await.unwrap(), None);
    assert!(store.try_lease("job", "a", ttl).await.unwrap().is_some(), "released: taken at once");
    store.close().await;
}

#[tokio::test]
async fn a_search_rebuild_left_undone_is_done_once_by_the_timed_jobs() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/synonyms", Some(serde_json::json!({"groups": [["自来水", "供水"]]}))).await;
    assert_eq!(s, 200, "{v}");
    // The server where it was set rebuilds the index (in the background) and notes for which
    // version of the dictionary.
    let version = async || -> i64 {
        sqlx::query_scalar("SELECT version FROM changes WHERE name = 'dictionary'").fetch_one(app.store.pool()).await.unwrap()
    };
    let built = async || -> Option<String> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'search_built_for'").fetch_optional(app.store.pool()).await.unwrap()
    };
    until("the index rebuilt where the dictionary was set", Duration::from_secs(30), async || built().await == Some(version().await.to_string())).await;
    assert_eq!(app.store.rebuild_search_if_stale().await.unwrap(), None, "nothing left to do");
    // A change whose server died before rebuilding: the timed jobs do it, once.
    sqlx::query("UPDATE changes SET version = version + 1 WHERE name = 'dictionary'").execute(app.store.pool()).await.unwrap();
    assert!(app.store.rebuild_search_if_stale().await.unwrap().is_some(), "rebuilt");
    assert_eq!(app.store.rebuild_search_if_stale().await.unwrap(), None, "and not again");
    // While another server holds the rebuild, nobody else starts one.
    sqlx::query("UPDATE changes SET version = version + 1 WHERE name = 'dictionary'").execute(app.store.pool()).await.unwrap();
    app.store.try_lease("search_rebuild", "another-server", Duration::from_secs(60)).await.unwrap().expect("free");
    assert_eq!(app.store.rebuild_search_if_stale().await.unwrap(), None, "another server is at it");
    app.store.release_lease("search_rebuild", "another-server").await.unwrap();
    assert!(app.store.rebuild_search_if_stale().await.unwrap().is_some());
}
