//! Figures that take long to compute and are read often — the leaders' dashboard's hot topics
//! and open work — kept for a term per process. A reader gets the kept value at once; the first
//! reader after its term starts a fresh one in the background and still gets the kept one; a
//! reader who finds nothing kept, or a value too old to show (nobody read it for a while),
//! waits for a fresh one.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::StoreError;

struct Entry<V> {
    at: Instant,
    value: V,
    refreshing: bool,
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

/// What a reader found.
enum Found<V> {
    Fresh(V),
    /// Past its term; `true` when this reader is the one to refresh it.
    Old(V, bool),
    Nothing,
}

impl<K, V> Kept<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    /// The value of `key`, computed by `compute` within `term` (see the module). `what` names
    /// the figures in the log when a refresh in the background fails; the next reader then
    /// tries again.
    pub(crate) async fn get<F, Fut>(self: &Arc<Self>, key: K, term: Term, what: &'static str, compute: F) -> Result<V, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, StoreError>> + Send + 'static,
    {
        let found = {
            let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
            match map.get_mut(&key) {
                Some(e) if e.at.elapsed() < term.fresh => Found::Fresh(e.value.clone()),
                Some(e) if e.at.elapsed() < term.usable => {
                    let first = !e.refreshing;
                    e.refreshing = true;
                    Found::Old(e.value.clone(), first)
                }
                _ => Found::Nothing,
            }
        };
        match found {
            Found::Fresh(v) | Found::Old(v, false) => Ok(v),
            Found::Old(v, true) => {
                let fresh = compute();
                let kept = self.clone();
                tokio::spawn(async move {
                    match fresh.await {
                        Ok(v) => kept.put(key, v),
                        Err(e) => {
                            kept.release(&key);
                            tracing::warn!(figures = what, error = %e, "驾驶舱数据刷新失败，下次读取时重试");
                        }
                    }
                });
                Ok(v)
            }
            Found::Nothing => {
                let v = compute().await?;
                self.put(key, v.clone());
                Ok(v)
            }
        }
    }

    fn put(&self, key: K, value: V) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(key, Entry { at: Instant::now(), value, refreshing: false });
    }

    fn release(&self, key: &K) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = map.get_mut(key) {
            e.refreshing = false;
        }
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
}
