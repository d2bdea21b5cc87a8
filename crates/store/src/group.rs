//! Group commit: writes that arrive together are committed together.
//!
//! A registration's transaction is small, and on a synced database its cost is the commit: one
//! flush of the log to disk each. Writers hand their work to [`Store::grouped`] instead of
//! opening a transaction; a committer takes every piece of work that is waiting, runs each
//! in one transaction, commits once, and only then answers each writer. If one piece fails, or
//! the commit does, the whole group is rolled back and every piece is run again alone, each in
//! its own transaction: one bad write never fails its neighbours, and gets its own error.
//!
//! A piece of work may also leave rows in the group's [`Batch`] instead of writing them (new
//! orders, their events, facts and search words): once every piece has run, the committer writes
//! them many to a statement, a handful of statements for the whole group instead of several for
//! each registration, and then commits.
//!
//! SQLite has one writer: one committer, holding the store's write lock for the group.
//! PostgreSQL takes several writers at once: a committer per core shares the queue, each with
//! its own group.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sqlx::AnyConnection;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::batch::Batch;
use crate::db::{Backend, Store, StoreError};

/// A future that borrows the connection it writes on.
pub type WriteFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

type Output = Box<dyn Any + Send>;
type Work = Box<dyn for<'a> Fn(&'a mut AnyConnection, &'a mut Batch) -> WriteFuture<'a, Output> + Send + Sync>;

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Output, StoreError>>,
}

/// At most this many pieces of work in one transaction.
const MAX_GROUP: usize = 256;

/// The queue to the committers (started with the first grouped write of a store).
#[derive(Clone)]
struct Committers {
    queue: mpsc::Sender<Job>,
}

/// The store's slot for its committers.
#[derive(Default)]
struct CommitterSlot(std::sync::OnceLock<Committers>);

impl Store {
    fn committers(&self) -> Committers {
        self.slots
            .get_or_default::<CommitterSlot>()
            .0
            .get_or_init(|| {
                let (queue, rx) = mpsc::channel::<Job>(4096);
                let rx = Arc::new(Mutex::new(rx));
                let lanes = match self.backend() {
                    Backend::Sqlite => 1,
                    // One committer per core measured best (2 cores: 1,526 orders/s with two,
                    // 1,475 with four, 1,301 with eight, 1,033 with one).
                    Backend::Postgres => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(2),
                };
                for _ in 0..lanes {
                    // The committer holds the pool, not the store: when the last store handle
                    // is gone the queue closes and the committer ends.
                    let c = Committer {
                        pool: self.pool().clone(),
                        sqlite: self.backend() == Backend::Sqlite,
                        lock: self.write_lock.clone(),
                        rx: rx.clone(),
                    };
                    tokio::spawn(c.run());
                }
                Committers { queue }
            })
            .clone()
    }

    /// Run `work` in a transaction shared with the other writes waiting at the same moment,
    /// and answer when that transaction is on disk. `work` may run more than once (alone,
    /// after its group's commit failed), each time from the start in a fresh transaction and
    /// with an empty batch. The rows it leaves in the batch are written before the commit.
    pub(crate) async fn grouped<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'a> Fn(&'a mut AnyConnection, &'a mut Batch) -> WriteFuture<'a, T> + Send + Sync + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let work: Work = Box::new(move |conn, rows| {
            let fut = work(conn, rows);
            Box::pin(async move { fut.await.map(|v| Box::new(v) as Output) })
        });
        self.committers()
            .queue
            .send(Job { work, reply })
            .await
            .map_err(|_| StoreError::Other("committer stopped".into()))?;
        let out = answer.await.map_err(|_| StoreError::Other("committer stopped".into()))??;
        out.downcast::<T>().map(|b| *b).map_err(|_| StoreError::Other("grouped write answered with the wrong type".into()))
    }
}

/// Pin a closure to the shape [`Store::grouped`] takes (the compiler needs the higher-ranked
/// lifetime spelled out).
pub(crate) fn work<T, F>(f: F) -> F
where
    F: for<'a> Fn(&'a mut AnyConnection, &'a mut Batch) -> WriteFuture<'a, T>,
{
    f
}

struct Committer {
    pool: sqlx::AnyPool,
    sqlite: bool,
    lock: Option<Arc<Mutex<()>>>,
    rx: Arc<Mutex<mpsc::Receiver<Job>>>,
}

impl Committer {
    async fn run(self) {
        loop {
            let mut group = Vec::new();
            {
                let mut rx = self.rx.lock().await;
                match rx.recv().await {
                    Some(j) => group.push(j),
                    None => return,
                }
                while group.len() < MAX_GROUP {
                    match rx.try_recv() {
                        Ok(j) => group.push(j),
                        Err(_) => break,
                    }
                }
            }
            self.commit(group).await;
        }
    }

    /// One transaction for the group; whatever could not be settled in it is run alone.
    async fn commit(&self, group: Vec<Job>) {
        let again = if group.len() == 1 { group } else { self.together(group).await };
        for job in again {
            let r = self.alone(&job.work).await;
            let _ = job.reply.send(r);
        }
    }

    /// Runs the group in one transaction and answers every job once it is committed; if any
    /// job fails, or the commit does, nothing of the group is kept and every job is handed back
    /// to run alone.
    async fn together(&self, group: Vec<Job>) -> Vec<Job> {
        let guard = match &self.lock {
            Some(m) => Some(m.lock().await),
            None => None,
        };
        let Ok(mut tx) = self.pool.begin().await else { return group };
        let mut outputs = Vec::with_capacity(group.len());
        let mut rows = Batch::default();
        for job in &group {
            match (job.work)(&mut tx, &mut rows).await {
                Ok(v) => outputs.push(v),
                Err(_) => break,
            }
        }
        let all_ran = outputs.len() == group.len() && rows.write(&mut tx, self.sqlite).await.is_ok();
        let committed = if all_ran {
            match tx.commit().await.map_err(StoreError::at_commit) {
                Ok(()) => true,
                // The group may have been kept: running it again could write it twice.
                Err(StoreError::CommitUnknown) => {
                    drop(guard);
                    for job in group {
                        let _ = job.reply.send(Err(StoreError::CommitUnknown));
                    }
                    return Vec::new();
                }
                Err(_) => false,
            }
        } else {
            let _ = tx.rollback().await;
            false
        };
        drop(guard);
        if !committed {
            return group;
        }
        for (job, v) in group.into_iter().zip(outputs) {
            let _ = job.reply.send(Ok(v));
        }
        Vec::new()
    }

    /// One job in a transaction of its own, retried like every other write.
    async fn alone(&self, work: &Work) -> Result<Output, StoreError> {
        let mut attempt: u32 = 0;
        let started = std::time::Instant::now();
        loop {
            attempt += 1;
            let guard = match &self.lock {
                Some(m) => Some(m.lock().await),
                None => None,
            };
            let outcome = async {
                let mut tx = self.pool.begin().await?;
                let mut rows = Batch::default();
                let done = match work(&mut tx, &mut rows).await {
                    Ok(v) => rows.write(&mut tx, self.sqlite).await.map(|()| v),
                    Err(e) => Err(e),
                };
                match done {
                    Ok(v) => tx.commit().await.map(|()| v).map_err(StoreError::at_commit),
                    Err(e) => {
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                }
            }
            .await;
            drop(guard);
            match outcome.as_ref().err().and_then(|e| e.retry_after(attempt, started)) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return outcome,
            }
        }
    }
}
