//! One batch on PostgreSQL: the same jobs, in one transaction that first takes the write lock every node
//! takes (see `pg.rs`), so batches of all nodes run one after the other.

use super::{Job, Outcome, apply, fail_all};
use crate::store::Error;
use crate::store::pg::{Conn, Pg};
use crate::store::tx::Tx;
use crate::store::writer::IndexPolicy;

/// Applies and commits one batch; `conn` is the writer's connection, made again after one broke.
pub(super) fn commit_batch(
    pg: &Pg,
    conn: &mut Option<Conn>,
    batch: Vec<Job>,
    policy: IndexPolicy,
    file_now: bool,
) -> Outcome {
    let failed = Outcome {
        committed: false,
        waiting: 0,
    };
    let mut c = match conn.take().map_or_else(|| pg.conn(), Ok) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot reach the database");
            fail_all(batch, &e);
            return failed;
        }
    };
    let (completions, committed, waiting) = {
        let kv = match c.kv(|client| client.transaction()) {
            Ok(kv) => kv,
            Err(e) => {
                tracing::error!(error = %e, "cannot start a write transaction");
                fail_all(batch, &e);
                return failed;
            }
        };
        if let Err(e) = kv.lock_for_writing() {
            tracing::error!(error = %e, "cannot take the write lock");
            fail_all(batch, &e);
            return failed;
        }
        let (completions, before_commit) = apply(&Tx::other(&kv), batch, policy, file_now);
        match before_commit {
            Ok(waiting) => (completions, kv.commit(), waiting),
            // Rolled back when dropped: the jobs' writes are not committed.
            Err(e) => (completions, Err::<(), Error>(e), 0),
        }
    };
    if let Err(e) = &committed {
        tracing::error!(error = %e, jobs = completions.len(), "commit failed");
    }
    let ok = committed.is_ok();
    for complete in completions {
        complete(committed.clone());
    }
    if ok {
        // A connection whose transaction failed is dropped; the next batch makes a new one.
        *conn = Some(c);
    }
    Outcome {
        committed: ok,
        waiting,
    }
}
