/// Run `$body` inside a write transaction on `$store`, binding the transaction to `$tx`.
/// The body's `?` returns from the attempt; retryable failures start the attempt again.
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:expr) => {{
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let guard = $store.write_guard().await;
            let mut $tx = $store.pool().begin().await.map_err($crate::StoreError::from)?;
            let result: Result<_, $crate::StoreError> = async { $body }.await;
            let outcome = match result {
                Ok(value) => match $tx.commit().await {
                    Ok(()) => Ok(value),
                    Err(e) => Err($crate::StoreError::from(e)),
                },
                Err(e) => {
                    let _ = $tx.rollback().await;
                    Err(e)
                }
            };
            drop(guard);
            match outcome {
                Err(e) if e.is_retryable() && attempt < 10 => {
                    tokio::time::sleep(std::time::Duration::from_millis(u64::from(attempt) * 7)).await;
                    continue;
                }
                other => break other,
            }
        }
    }};
}
