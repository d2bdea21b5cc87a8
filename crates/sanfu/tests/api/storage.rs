//! The database's files on a busy server: SQLite's write-ahead log is emptied once no reader
//! holds it, and while one does, trying waits only a moment and loses nothing.

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::helpers::{complaint, spawn_app};

#[tokio::test]
async fn the_sqlite_wal_a_reader_kept_from_starting_again_is_emptied_once_the_reader_is_done() {
    let app = spawn_app().await;
    if app.store.backend() != sanfu_store::Backend::Sqlite {
        // PostgreSQL's log is its own server's to keep.
        assert_eq!(app.store.checkpoint_wal(0, Duration::from_millis(100)).await.unwrap(), None);
        return;
    }
    let file = app.database_url.trim_start_matches("sqlite://").split('?').next().unwrap().to_string();
    let wal = || std::fs::metadata(format!("{file}-wal")).map(|m| m.len()).unwrap_or(0);
    let token = app.login("operator").await;
    let (before, _) = app.counts().await;

    // A reader in the middle of a long read: a connection of its own, inside a read transaction.
    let mut reader = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_items").fetch_one(&mut reader).await.unwrap();
    assert_eq!(seen, before);
    for i in 0..30 {
        app.register(&token, complaint(&format!("小区东门路灯不亮第{i}天了，晚上出行很不方便"))).await;
    }
    let grown = wal();
    assert!(grown > 0, "the registrations are in the log");

    // While the reader reads from the log, it cannot be emptied: the try gives up within its wait.
    let started = Instant::now();
    let c = app.store.checkpoint_wal(0, Duration::from_millis(100)).await.unwrap().unwrap();
    assert!(!c.emptied && c.pages > 0, "{c:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "waited {:?}", started.elapsed());
    assert!(wal() >= grown);
    // Registrations go on meanwhile.
    app.register(&token, complaint("楼上装修噪音太大，周末早上七点就开始施工")).await;

    sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
    reader.close().await.unwrap();
    let c = app.store.checkpoint_wal(0, Duration::from_millis(100)).await.unwrap().unwrap();
    assert!(c.emptied, "{c:?}");
    assert_eq!(wal(), 0, "the log's file is emptied");

    // Nothing was lost: every order is there, read back from the database file itself.
    let (after, _) = app.counts().await;
    assert_eq!(after, before + 31);
    let mut fresh = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_items").fetch_one(&mut fresh).await.unwrap();
    assert_eq!(stored, before + 31);
}

#[tokio::test]
async fn the_planners_statistics_of_a_table_never_analysed_are_made_when_the_server_starts_again_not_by_a_new_connection() {
    let app = spawn_app().await;
    if app.store.backend() != sanfu_store::Backend::Sqlite {
        // PostgreSQL's autovacuum keeps its own.
        return;
    }
    let stat = |pool: sanfu_store::Store| async move {
        sqlx::query_scalar::<_, String>("SELECT stat FROM sqlite_stat1 WHERE tbl = 'work_items' AND idx = 'sqlite_autoindex_work_items_1'")
            .fetch_optional(pool.pool())
            .await
            .unwrap()
    };
    let token = app.login("operator").await;
    for i in 0..3 {
        app.register(&token, complaint(&format!("小区门口的垃圾{}天没人清运了", i + 2))).await;
    }
    // As after an import stopped before its end: the table's statistics are missing.
    sqlx::query("DELETE FROM sqlite_stat1 WHERE tbl = 'work_items'").execute(app.store.pool()).await.unwrap();
    // A connection opened while serving does not analyse (it held the write lock for half a
    // minute at three million orders): every connection of the pool closed and opened again.
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(app.store.pool().acquire().await.unwrap());
    }
    for c in held {
        drop(c.detach());
    }
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(app.store.pool().acquire().await.unwrap());
    }
    drop(held);
    assert_eq!(stat(app.store.clone()).await, None, "no statistics made by a new connection");
    let (items, _) = app.counts().await;
    let app = app.restart().await;
    let rows: i64 = stat(app.store.clone()).await.expect("analysed at the start").split(' ').next().unwrap().parse().unwrap();
    assert!(items >= 3);
    assert_eq!(rows, items, "the statistics count the table's rows");
    // And the server serves as before.
    let token = app.login("operator").await;
    app.register(&token, complaint("小区门口的垃圾三天没人清运了")).await;
}

/// FTS5 deletes the rows of a merged segment of the search index as
/// `DELETE FROM search_fts_data WHERE id >= ? AND id <= ?`: how SQLite plans it on `conn`.
async fn plan_of_a_search_index_delete(conn: &mut sqlx::AnyConnection) -> String {
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as("EXPLAIN QUERY PLAN DELETE FROM search_fts_data WHERE id >= 137438953472 AND id <= 274877906943")
            .fetch_all(conn)
            .await
            .unwrap();
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
}

/// [`plan_of_a_search_index_delete`] on `store`'s connections (`conns` of them held at once, so
/// that several are asked).
async fn plans_of_a_search_index_delete(store: &sanfu_store::Store, conns: usize) -> Vec<String> {
    let mut held = Vec::new();
    for _ in 0..conns {
        held.push(store.pool().acquire().await.unwrap());
    }
    let mut plans = Vec::new();
    for c in &mut held {
        plans.push(plan_of_a_search_index_delete(c).await);
    }
    plans
}

#[tokio::test]
async fn the_search_index_keeps_no_planner_statistics_so_that_its_merges_read_ranges_not_the_whole_table() {
    let app = spawn_app().await;
    if app.store.backend() != sanfu_store::Backend::Sqlite {
        return;
    }
    let kept = |store: sanfu_store::Store| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl LIKE 'search_fts%'").fetch_one(store.pool()).await.unwrap()
    };
    let token = app.login("operator").await;
    for i in 0..3 {
        app.register(&token, complaint(&format!("小区门口的垃圾{}天没人清运了", i + 2))).await;
    }
    // The start analysed the new database's tables, the search index's two rows among them
    // before; now its tables have no statistics, and the delete reads a range of keys.
    assert!(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sqlite_stat1").fetch_one(app.store.pool()).await.unwrap() > 0);
    assert_eq!(kept(app.store.clone()).await, 0, "no statistics of the search index's tables");
    for plan in plans_of_a_search_index_delete(&app.store, 3).await {
        assert!(plan.contains("INTEGER PRIMARY KEY"), "{plan}");
    }

    // As an earlier version left them: the index's data table counted when it had two rows.
    // A connection that plans by them reads the whole table for every merged segment.
    sqlx::query("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('search_fts_data', NULL, '2')").execute(app.store.pool()).await.unwrap();
    let mut conn = app.store.pool().acquire().await.unwrap();
    sqlx::query("ANALYZE sqlite_schema").execute(&mut *conn).await.unwrap();
    let plan = plan_of_a_search_index_delete(&mut conn).await;
    assert!(plan.starts_with("SCAN search_fts_data"), "{plan}");
    drop(conn);

    // The next start removes them: every connection reads ranges again, and the search finds
    // what it found.
    let app = app.restart().await;
    assert_eq!(kept(app.store.clone()).await, 0);
    for plan in plans_of_a_search_index_delete(&app.store, 4).await {
        assert!(plan.contains("INTEGER PRIMARY KEY"), "{plan}");
    }
    let token = app.login("operator").await;
    let fourth = app.register(&token, complaint("小区门口的垃圾三天没人清运了，苍蝇很多")).await;
    let (_, found) = app.get(Some(&token), "/api/search?q=苍蝇").await;
    assert_eq!(found["items"][0]["number"], fourth["order"]["number"], "{found}");
}
