/// How long a write cut off by a failover is tried again before its error is returned.
pub(crate) const FAILOVER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

/// Run `$body` inside a write transaction on `$store`, binding the transaction to `$tx`.
/// The body's `?` returns from the attempt; retryable failures start the attempt again.
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:expr) => {{
        let mut attempt: u32 = 0;
        let started = std::time::Instant::now();
        loop {
            attempt += 1;
            let guard = $store.write_guard().await;
            let outcome = match $store.pool().begin().await {
                Err(e) => Err($crate::StoreError::from(e)),
                Ok(mut $tx) => {
                    let result: Result<_, $crate::StoreError> = async { $body }.await;
                    match result {
                        Ok(value) => $tx.commit().await.map(|()| value).map_err($crate::StoreError::at_commit),
                        Err(e) => {
                            let _ = $tx.rollback().await;
                            Err(e)
                        }
                    }
                }
            };
            drop(guard);
            match outcome.as_ref().err().and_then(|e| e.retry_after(attempt, started)) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => break outcome,
            }
        }
    }};
}

/// Load, judge and write (`$body`) again from a fresh load whenever somebody else changed the
/// item first (its version moved on: `StoreError::Raced`), so that the rules always judge what
/// is actually stored; after ten such races the user (`$noun`: 「工单」, 「事项」) is asked to
/// look again.
macro_rules! on_fresh_load {
    ($noun:expr, $body:expr) => {{
        let mut tries: u32 = 0;
        loop {
            tries += 1;
            let result: Result<_, $crate::StoreError> = async { $body }.await;
            match result {
                Err($crate::StoreError::Raced) if tries < 10 => continue,
                Err($crate::StoreError::Raced) => {
                    break Err($crate::StoreError::from(sanfu_domain::DomainError::conflict(
                        "concurrent_change",
                        format!("{}刚被他人修改，请刷新后重试", $noun),
                    )))
                }
                other => break other,
            }
        }
    }};
}
