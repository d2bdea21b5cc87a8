//! SQLite on mimalloc, in a process of its own without the test harness: the allocator is set
//! while the process has one thread, as at the top of the server's `main`.

use sqlx::Row;
use sqlx::sqlite::SqlitePoolOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    assert!(sanfu_sqlite_alloc::use_mimalloc(), "SQLite takes the allocator before its first use");
    assert!(sanfu_sqlite_alloc::count_memory(), "SQLite counts its memory when asked before its first use");
    // SAFETY: a block SQLite allocates is asked about, then given back to SQLite.
    unsafe {
        let p = libsqlite3_sys::sqlite3_malloc(100);
        assert!(!p.is_null() && libmimalloc_sys::mi_is_in_heap_region(p), "SQLite's block comes from mimalloc");
        libsqlite3_sys::sqlite3_free(p);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(reads_and_writes())?;
    println!("test sqlite_reads_and_writes_on_mimalloc ... ok");
    Ok(())
}

/// A database in a file, written and read by four connections on their threads: pages cached,
/// values grown by `||` (SQLite reallocates them), copied out of rows on one thread and freed on
/// another, the connections closed (every cache freed). Every row reads back as written.
async fn reads_and_writes() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("sanfu-sqlite-alloc-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    let pool = SqlitePoolOptions::new().max_connections(4).connect(&url).await?;
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").execute(&pool).await?;
    let mut tx = pool.begin().await?;
    for i in 0..2_000i64 {
        sqlx::query("INSERT INTO t (id, body) VALUES ($1, $2)").bind(i).bind("市民来电反映".repeat(1 + (i % 40) as usize)).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    sqlx::query("UPDATE t SET body = body || body WHERE id % 3 = 0").execute(&pool).await?;
    let reads = (0..4).map(|k| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let rows = sqlx::query("SELECT id, body FROM t WHERE id % 4 = $1 ORDER BY id").bind(k).fetch_all(&pool).await?;
            for r in &rows {
                let (id, body): (i64, String) = (r.get(0), r.get(1));
                let once = "市民来电反映".repeat(1 + (id % 40) as usize);
                assert_eq!(body, if id % 3 == 0 { once.repeat(2) } else { once });
            }
            Ok::<_, sqlx::Error>(rows.len())
        })
    });
    let mut read = 0;
    for r in reads {
        read += r.await??;
    }
    assert_eq!(read, 2_000);
    // Four connections' page caches of a database of about a megabyte, counted.
    let (held, most) = sanfu_sqlite_alloc::memory_used();
    assert!(held > 500_000 && most >= held, "SQLite holds {held} bytes, at most {most}");
    pool.close().await;
    let (after, _) = sanfu_sqlite_alloc::memory_used();
    assert!(after < held / 2, "closed connections free their caches: {after} of {held} bytes held");
    std::fs::remove_dir_all(&dir)?;
    assert!(!sanfu_sqlite_alloc::use_mimalloc(), "with other threads, or SQLite in use, it keeps its allocator");
    assert!(!sanfu_sqlite_alloc::count_memory(), "nor does it start counting once in use");
    Ok(())
}
