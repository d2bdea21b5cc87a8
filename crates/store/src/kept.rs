//! Figures that take long to compute and are read often — the leaders' dashboard's hot topics
//! and open work — kept for a term per process. A reader gets the kept value at once; the first
//! reader after its term starts a fresh one in the background and still gets the kept one. A
//! reader who finds nothing kept, or a value too old to show (nobody read it for a while), waits
//! for a fresh one — at most as long as it says, after which it is told the figures are still
//! being computed. One computation runs per key at a time, in the background, whoever asked
//! first: readers arriving meanwhile wait for that one, and a reader who gives up (or whose
//! request is dropped) does not stop it, so the next one finds it done. A value past its usable
//! term is dropped at the next read of any key (figures are kept per day and portfolio).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::db::StoreError;

/// A computation's outcome, once it has ended (its error shared: each reader gets it again with
/// its kind, [`StoreError::again`]).
type Outcome<V> = Option<Result<V, Arc<StoreError>>>;

struct Entry<V> {
    value: Option<(Instant, V)>,
    /// The computation under way, if any; it sends its outcome when it ends.
    running: Option<watch::Receiver<Outcome<V>>>,
}

/// Values by key, each with the moment it was computed (a store's slot holds one per type).
pub(crate) struct Kept<K, V>(Mutex<HashMap<K, Entry<V>>>);

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Kept(Mutex::new(HashMap::new()))
    }
}

/// How long a kept value is read as it is, and how long it may still be shown while a fresh
/// one is computed.
#[derive(Clone, Copy)]
pub(crate) struct Term {
    pub fresh: Duration,
    pub usable: Duration,
}

impl<K, V> Kept<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The value of `key`, computed by `compute` within `term`, waiting for it however long it
    /// takes when nothing usable is kept (see the module).
    pub(crate) async fn get<F, Fut>(self: &Arc<Self>, key: K, term: Term, what: &'static str, compute: F) -> Result<V, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, StoreError>> + Send + 'static,
    {
        match self.get_within(key, term, what, None, compute).await? {
            Some(v) => Ok(v),
            None => Err(StoreError::Other(format!("{what}：计算未完成"))),
        }
    }

    /// [`Kept::get`], waiting at most `wait` (`None`: however long) for a value when nothing
    /// usable is kept: `None` when the computation, which goes on, has not ended by then. `what`
    /// names the figures in the log when a computation fails; the next reader then tries again.
    pub(crate) async fn get_within<F, Fut>(
        self: &Arc<Self>,
        key: K,
        term: Term,
        what: &'static str,
        wait: Option<Duration>,
        compute: F,
    ) -> Result<Option<V>, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, StoreError>> + Send + 'static,
    {
        let mut rx = {
            let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
            // Values nobody may be shown any more (a past day's figures, a portfolio nobody
            // looked at for the term) go, unless they are being computed: a reader of them
            // would wait for a fresh one anyway.
            map.retain(|k, e| *k == key || e.running.is_some() || e.value.as_ref().is_some_and(|(at, _)| at.elapsed() < term.usable));
            let e = map.entry(key.clone()).or_insert(Entry { value: None, running: None });
            // A computation whose task ended without a word (it panicked) is no longer running.
            if e.running.as_ref().is_some_and(|rx| rx.has_changed().is_err() && rx.borrow().is_none()) {
                e.running = None;
            }
            let usable = match &e.value {
                Some((at, v)) if at.elapsed() < term.fresh => return Ok(Some(v.clone())),
                Some((at, v)) if at.elapsed() < term.usable => Some(v.clone()),
                _ => None,
            };
            let rx = match &e.running {
                Some(rx) => rx.clone(),
                None => {
                    let rx = self.start(key, what, compute());
                    e.running = Some(rx.clone());
                    rx
                }
            };
            if usable.is_some() {
                return Ok(usable);
            }
            rx
        };
        let ended = async {
            // Closed without an outcome: the computation's task panicked.
            let ended = rx.wait_for(Option::is_some).await.map(|o| o.clone());
            ended.unwrap_or(None)
        };
        let outcome = match wait {
            None => ended.await,
            Some(d) => match tokio::time::timeout(d, ended).await {
                Ok(o) => o,
                Err(_) => return Ok(None),
            },
        };
        match outcome {
            Some(Ok(v)) => Ok(Some(v)),
            Some(Err(e)) => Err(e.again()),
            None => Err(StoreError::Other(format!("{what}：计算中断"))),
        }
    }

    /// Runs `fresh` in the background; its value is kept when it ends.
    fn start<Fut>(self: &Arc<Self>, key: K, what: &'static str, fresh: Fut) -> watch::Receiver<Outcome<V>>
    where
        Fut: Future<Output = Result<V, StoreError>> + Send + 'static,
    {
        let (tx, rx) = watch::channel(None);
        let kept = self.clone();
        tokio::spawn(async move {
            let outcome = fresh.await.map_err(|e| {
                tracing::warn!(figures = what, error = %e, "驾驶舱数据计算失败，下次读取时重试");
                Arc::new(e)
            });
            {
                let mut map = kept.0.lock().unwrap_or_else(|p| p.into_inner());
                let e = map.entry(key).or_insert(Entry { value: None, running: None });
                e.running = None;
                if let Ok(v) = &outcome {
                    e.value = Some((Instant::now(), v.clone()));
                }
            }
            let _ = tx.send(Some(outcome));
        });
        rx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reader_waits_only_when_nothing_is_kept_and_an_old_value_is_refreshed_behind_it() {
        let kept: Arc<Kept<&str, u32>> = Arc::default();
        let term = Term { fresh: Duration::from_millis(200), usable: Duration::from_secs(60) };
        let long = Term { fresh: Duration::from_secs(60), usable: Duration::from_secs(60) };
        assert_eq!(kept.get("a", term, "test", || async { Ok(1) }).await.unwrap(), 1);
        // Within the term the kept value is read, whatever a fresh one would be.
        assert_eq!(kept.get("a", term, "test", || async { Ok(2) }).await.unwrap(), 1);
        tokio::time::sleep(term.fresh).await;
        // Past it, the reader still gets the kept value; the fresh one comes in the background,
        // and the readers meanwhile do not start another.
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let fresh = kept.get("a", term, "test", move || async move {
            let _ = rx.await;
            Ok(3)
        });
        assert_eq!(fresh.await.unwrap(), 1);
        assert_eq!(kept.get("a", term, "test", || async { Ok(4) }).await.unwrap(), 1);
        tx.send(()).unwrap();
        for _ in 0..100 {
            if kept.get("a", long, "test", || async { Ok(5) }).await.unwrap() == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(kept.get("a", long, "test", || async { Ok(6) }).await.unwrap(), 3);
        // A failed refresh leaves the old value and lets the next reader try again.
        tokio::time::sleep(term.fresh).await;
        assert_eq!(kept.get("a", term, "test", || async { Err(StoreError::Other("down".into())) }).await.unwrap(), 3);
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if kept.get("a", term, "test", || async { Ok(7) }).await.unwrap() == 7 {
                return;
            }
        }
        panic!("the value was never refreshed after a failed refresh");
    }

    #[tokio::test]
    async fn a_value_too_old_to_show_is_computed_again_while_the_reader_waits() {
        let kept: Arc<Kept<(), u32>> = Arc::default();
        let term = Term { fresh: Duration::from_millis(50), usable: Duration::from_millis(150) };
        assert_eq!(kept.get((), term, "test", || async { Ok(1) }).await.unwrap(), 1);
        tokio::time::sleep(term.usable).await;
        assert_eq!(kept.get((), term, "test", || async { Ok(2) }).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn readers_who_find_nothing_share_one_computation_which_goes_on_when_they_stop_waiting() {
        use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
        let kept: Arc<Kept<(), u32>> = Arc::default();
        let term = Term { fresh: Duration::from_secs(60), usable: Duration::from_secs(60) };
        let runs = Arc::new(AtomicU32::new(0));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let r = runs.clone();
        // The first reader waits 50 ms and is told the figures are not ready.
        let first = kept.get_within((), term, "test", Some(Duration::from_millis(50)), move || async move {
            r.fetch_add(1, SeqCst);
            let _ = rx.await;
            Ok(7)
        });
        assert_eq!(first.await.unwrap(), None);
        // A second reader meanwhile waits for the computation under way instead of starting one.
        let second = {
            let (kept, r) = (kept.clone(), runs.clone());
            tokio::spawn(async move {
                kept.get((), term, "test", move || async move {
                    r.fetch_add(1, SeqCst);
                    Ok(8)
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        tx.send(()).unwrap();
        assert_eq!(second.await.unwrap().unwrap(), 7);
        assert_eq!(runs.load(SeqCst), 1, "one computation for both readers");
        assert_eq!(kept.get_within((), term, "test", Some(Duration::ZERO), || async { Ok(9) }).await.unwrap(), Some(7));
    }

    #[tokio::test]
    async fn values_past_their_usable_term_are_dropped_as_other_keys_are_read() {
        let kept: Arc<Kept<u32, u32>> = Arc::default();
        let term = Term { fresh: Duration::from_millis(20), usable: Duration::from_millis(50) };
        for day in 0..3 {
            kept.get(day, term, "test", move || async move { Ok(day) }).await.unwrap();
        }
        assert_eq!(kept.0.lock().unwrap().len(), 3, "each day's figures kept while usable");
        tokio::time::sleep(term.usable).await;
        assert_eq!(kept.get(3, term, "test", || async { Ok(3) }).await.unwrap(), 3);
        let left: Vec<u32> = kept.0.lock().unwrap().keys().copied().collect();
        assert_eq!(left, vec![3], "the past days' figures are gone");
    }

    #[tokio::test]
    async fn a_reader_waiting_for_a_computation_that_fails_is_told_and_the_next_one_tries_again() {
        let kept: Arc<Kept<(), u32>> = Arc::default();
        let term = Term { fresh: Duration::from_secs(60), usable: Duration::from_secs(60) };
        let err = kept.get((), term, "test", || async { Err(StoreError::Other("数据库不可用".into())) }).await.unwrap_err();
        assert!(err.to_string().contains("数据库不可用"), "{err}");
        assert_eq!(kept.get((), term, "test", || async { Ok(2) }).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn readers_of_a_computation_that_lost_its_database_are_told_it_is_unavailable_and_a_refusal_stays_one() {
        let kept: Arc<Kept<u8, u32>> = Arc::default();
        let term = Term { fresh: Duration::from_secs(60), usable: Duration::from_secs(60) };
        // Two readers share one computation whose connection pool gave up (a failover).
        let failing = || async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err::<u32, _>(StoreError::Db(sqlx::Error::PoolTimedOut))
        };
        let (a, b) = tokio::join!(kept.get(1, term, "test", failing), kept.get(1, term, "test", failing));
        for e in [a.unwrap_err(), b.unwrap_err()] {
            assert!(e.is_disconnect(), "told as a lost connection, not an internal error: {e:?}");
        }
        let refused = kept
            .get(2, term, "test", || async { Err(StoreError::Domain(sanfu_domain::DomainError::forbidden("forbidden", "无权查看"))) })
            .await
            .unwrap_err();
        assert!(matches!(&refused, StoreError::Domain(d) if d.message == "无权查看"), "{refused:?}");
    }
}
