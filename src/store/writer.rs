//! Group commit: one thread owns every write transaction.
//!
//! Callers queue a job and await its answer. The writer thread takes every job queued at that moment (up to
//! [`MAX_BATCH`]), applies them in one transaction, commits once (one fsync for the whole batch), and only
//! then answers each caller. With no load a write costs one commit; under load hundreds share one.
//!
//! A job that returns an error must not have written anything before it failed (check, then write), because
//! the other jobs of its batch are still committed. A failed commit fails every job of the batch, and the
//! data file is opened again (see `data_file.rs`) before the next batch.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::Error;
use super::backend::Backend;
use super::data_file::DataFile;
use super::pg::Conn;
use super::stats::WriteStats;
use super::tx::Tx;

mod postgres;

/// The most jobs one transaction takes.
const MAX_BATCH: usize = 1024;
/// How many jobs may wait before callers are slowed down.
const QUEUE: usize = 4096;

/// When the writer files the messages queued for indexing (see `index_queue.rs`).
#[derive(Debug, Clone, Copy)]
pub(super) struct IndexPolicy {
    /// A batch of fewer jobs files the queue before it commits, so a shop that is not busy has every
    /// message filed in the transaction that stores it.
    pub file_below: usize,
    /// A batch that leaves more waiting than this files the queue: a search reads every waiting message.
    pub most_waiting: u64,
    /// Whether the writer files what waits as soon as no job is queued.
    pub when_idle: bool,
}

impl Default for IndexPolicy {
    fn default() -> Self {
        IndexPolicy {
            file_below: 16,
            most_waiting: 4096,
            when_idle: true,
        }
    }
}

/// What became of a batch.
struct Outcome {
    /// Whether its commit succeeded.
    committed: bool,
    /// Messages it left waiting to be filed.
    waiting: u64,
}

/// What the writer thread works on: the backend, and its PostgreSQL connection once made.
struct Engine {
    backend: Backend,
    conn: Option<Conn>,
}

/// What a job does once the batch's commit has succeeded or failed: answer its caller.
type Completion = Box<dyn FnOnce(Result<(), Error>) + Send>;
/// A write: applied to the batch's transaction (or told why there is none), it returns its completion.
type Job = Box<dyn FnOnce(Result<&Tx<'_>, &Error>) -> Completion + Send>;

/// A customer's segments changed (sent to subscribers once committed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    /// The customer.
    pub visitor: crate::visitors::VisitorId,
    /// Their segments and score now.
    pub membership: crate::segments::Membership,
}

thread_local! {
    /// Changes made by the jobs of the batch being applied, announced after its commit.
    static ANNOUNCED: std::cell::RefCell<Vec<MembershipChange>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Announces a change once the current batch is committed (dropped if the commit fails).
pub(crate) fn announce(change: MembershipChange) {
    ANNOUNCED.with_borrow_mut(|a| a.push(change));
}

/// The queue into the writer thread.
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
    changes: broadcast::Sender<MembershipChange>,
    thread: std::thread::JoinHandle<()>,
    stats: Arc<WriteStats>,
}

impl Writer {
    /// Starts the writer thread for the backend.
    pub(super) fn start(backend: Backend, policy: IndexPolicy) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let stats = Arc::new(WriteStats::default());
        let counters = stats.clone();
        let (changes, _) = broadcast::channel(4096);
        let announcer = changes.clone();
        let thread = std::thread::Builder::new()
            .name("sodan-writer".into())
            .spawn(move || {
                super::event_heads::keep_lists_on_this_thread();
                super::counters::keep_on_this_thread();
                let mut engine = Engine {
                    backend,
                    conn: None,
                };
                run(&mut engine, queue, &counters, &announcer, policy)
            })?;
        Ok(Writer {
            jobs,
            changes,
            thread,
            stats,
        })
    }

    /// Applies `f` in the next batch and returns its result once that batch is durably committed.
    pub(super) async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T, Error> + Send + 'static,
    {
        self.submit(f).await?.await
    }

    /// Queues `f` behind every write queued before it and returns, without waiting for the commit, what
    /// answers once its batch is durably committed. Writes queued one after the other by the same caller
    /// are applied in that order, so a caller may queue several before awaiting the first.
    pub(super) async fn submit<T, F>(
        &self,
        f: F,
    ) -> Result<impl Future<Output = Result<T, Error>> + use<T, F>, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T, Error> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |txn| {
            let out = match txn {
                Ok(txn) => f(txn),
                Err(e) => Err(e.clone()),
            };
            Box::new(move |commit: Result<(), Error>| {
                let _ = answer.send(out.and_then(|value| commit.map(|()| value)));
            })
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| Error::Storage("the data file is closed".into()))?;
        Ok(async move {
            answered
                .await
                .map_err(|_| Error::Storage("the writer stopped before answering".into()))?
        })
    }

    /// The write counters, with the number of writes waiting now.
    pub(super) fn stats(&self) -> super::stats::StatsSnapshot {
        let queued = (self.jobs.max_capacity() - self.jobs.capacity()) as u64;
        self.stats.snapshot(queued)
    }

    /// Segment membership changes, as they are committed.
    pub(super) fn subscribe(&self) -> broadcast::Receiver<MembershipChange> {
        self.changes.subscribe()
    }

    /// Counts a stored chat message.
    pub(super) fn count_message(&self) {
        self.stats.message();
    }

    /// Whether the writer thread is still running (`/healthz` reports one that stopped).
    pub(super) fn running(&self) -> bool {
        !self.thread.is_finished()
    }

    /// Stops taking jobs, finishes the queued ones and waits for the thread to end.
    pub(super) fn stop(self) {
        drop(self.jobs);
        let _ = self.thread.join();
    }
}

fn run(
    engine: &mut Engine,
    mut queue: mpsc::Receiver<Job>,
    stats: &WriteStats,
    changes: &broadcast::Sender<MembershipChange>,
    policy: IndexPolicy,
) {
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (writes, started) = (batch.len(), std::time::Instant::now());
        ANNOUNCED.with_borrow_mut(Vec::clear);
        let outcome = commit_guarded(engine, batch, policy, false);
        if outcome.committed {
            stats.commit(writes, started.elapsed());
            for change in ANNOUNCED.with_borrow_mut(std::mem::take) {
                // Nobody listening is fine.
                let _ = changes.send(change);
            }
        }
        if outcome.waiting > 0 && policy.when_idle && queue.is_empty() {
            // Nothing else to do: file what waits, so searches read it from the index again.
            commit_guarded(engine, Vec::new(), policy, true);
        }
    }
}

/// [`commit_batch`], surviving a job that panics: a write that panics must not take the writer (and so
/// every later write) down with it. Its batch's transaction is dropped unwritten, its callers are told
/// the write failed, and the writer goes on with the next batch.
fn commit_guarded(
    engine: &mut Engine,
    batch: Vec<Job>,
    policy: IndexPolicy,
    file_now: bool,
) -> Outcome {
    let jobs = batch.len();
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &engine.backend {
            Backend::File(file) => commit_batch(file, batch, policy, file_now),
            Backend::Postgres(pg) => {
                postgres::commit_batch(pg, &mut engine.conn, batch, policy, file_now)
            }
        }));
    let outcome = outcome.unwrap_or_else(|_| {
        tracing::error!(jobs, "a write panicked; its batch was not committed");
        Outcome {
            committed: false,
            waiting: 0,
        }
    });
    if !outcome.committed || engine.backend.shared() {
        // What the batch's jobs remembered was never stored, or other nodes may change it before the
        // next batch.
        super::event_heads::forget_all();
        super::index_queue::forget_all();
        super::counters::forget_all();
    }
    outcome
}

/// Files the messages waiting to be indexed when the policy says so (or `file_now`); returns how many
/// still wait.
fn file_queue(
    txn: &Tx<'_>,
    jobs: usize,
    policy: IndexPolicy,
    file_now: bool,
) -> Result<u64, Error> {
    let waiting = super::index_queue::waiting(txn)?;
    if waiting > 0 && (file_now || jobs < policy.file_below || waiting > policy.most_waiting) {
        super::index_queue::file_all(txn)?;
        return Ok(0);
    }
    Ok(waiting)
}

/// Answers every job of a batch that could not begin with why.
fn fail_all(batch: Vec<Job>, e: &Error) {
    for job in batch {
        job(Err(e))(Err(e.clone()));
    }
}

/// Runs the jobs of a batch in `tx`, then files the index queue when due and writes the moved counters;
/// returns the completions and, unless something before the commit failed, how many messages still wait.
fn apply(
    tx: &Tx<'_>,
    batch: Vec<Job>,
    policy: IndexPolicy,
    file_now: bool,
) -> (Vec<Completion>, Result<u64, Error>) {
    let jobs = batch.len();
    let completions: Vec<Completion> = batch.into_iter().map(|job| job(Ok(tx))).collect();
    let before_commit = file_queue(tx, jobs, policy, file_now)
        .and_then(|waiting| super::counters::persist(tx).map(|()| waiting));
    (completions, before_commit)
}

/// Applies, files the index queue when due, and commits one batch.
fn commit_batch(file: &DataFile, batch: Vec<Job>, policy: IndexPolicy, file_now: bool) -> Outcome {
    let failed = Outcome {
        committed: false,
        waiting: 0,
    };
    let db = match file.get_or_reopen() {
        Ok(db) => db,
        Err(e) => {
            fail_all(batch, &e);
            return failed;
        }
    };
    // Two-phase: redb's advice when input is untrusted. Quick-repair: each commit also saves the allocator
    // state, so opening the file after a crash (`kill -9`, power loss) reads it instead of walking every
    // table, which took seconds on a big file (see the README's restart figures for the cost).
    let txn = db.begin_write().map(|mut txn| {
        txn.set_two_phase_commit(true);
        txn.set_quick_repair(true);
        txn
    });
    match txn {
        Ok(txn) => {
            let tx = Tx::new(&txn);
            let (completions, before_commit) = apply(&tx, batch, policy, file_now);
            // The batch's tables are closed before the commit.
            drop(tx);
            let (committed, waiting) = match before_commit {
                Ok(waiting) => (txn.commit().map_err(Error::from), waiting),
                // Dropped unwritten: the jobs' writes are not committed.
                Err(e) => (Err(e), 0),
            };
            if let Err(e) = &committed {
                tracing::error!(error = %e, jobs = completions.len(), "commit failed");
            }
            let ok = committed.is_ok();
            for complete in completions {
                complete(committed.clone());
            }
            if !ok {
                file.close_after_error(db);
            }
            Outcome {
                committed: ok,
                waiting,
            }
        }
        Err(e) => {
            let e = Error::from(e);
            tracing::error!(error = %e, "cannot start a write transaction");
            fail_all(batch, &e);
            file.close_after_error(db);
            failed
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::operators::{Email, NewOperator, Role};
    use crate::store::{Error, Store};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_write_fails_its_caller_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("sodan.redb")).await.unwrap();
        let failed = store
            .write(|_txn| -> Result<(), Error> { panic!("a bug in a write job") })
            .await;
        assert!(failed.is_err(), "the caller hears the write failed");
        assert!(store.writer_running(), "the writer thread lives on");
        let later = store.write(|_txn| Ok(7)).await;
        assert_eq!(later.ok(), Some(7), "later writes are committed");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_are_all_committed_and_conflicts_stay_isolated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sodan.redb");
        let store = Store::open(&path).await.unwrap();
        let hash = crate::auth::password::hash("a password of some length".into()).await;
        let new = |i: usize| NewOperator {
            // Every tenth address repeats an earlier one, so some jobs in a batch fail with a conflict.
            email: Email::parse(&format!(
                "op{}@shop.example",
                if i % 10 == 9 { i - 1 } else { i }
            ))
            .unwrap(),
            name: format!("Operator {i}"),
            role: Role::Operator,
            password_hash: hash.clone(),
        };
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let (store, new) = (store.clone(), new(i));
                tokio::spawn(async move { store.create_operator(new).await })
            })
            .collect();
        let (mut created, mut conflicts) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => created += 1,
                Err(Error::Conflict(_)) => conflicts += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert_eq!((created, conflicts), (180, 20));
        assert_eq!(store.operators().await.unwrap().len(), 180);

        store
            .close(std::time::Duration::from_secs(5))
            .await
            .unwrap();
        let reopened = Store::open(&path).await.unwrap();
        assert_eq!(
            reopened.operators().await.unwrap().len(),
            180,
            "durable across reopen"
        );
    }
}
