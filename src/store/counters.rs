//! Id counters (`META`'s `next_..._id` rows), kept by the writer thread between the jobs of a batch.
//!
//! Every stored message, upload, delivery... takes the next number of its counter. Reading and writing
//! the counter's row for each one opened `META` and rewrote its page per record; under load that was a
//! fixed share of every message. The writer thread keeps the counters it has read in memory, hands out
//! numbers from there, and writes the ones that moved once per batch, before the commit. A batch that
//! is not committed forgets them all, so the next batch reads them again from the table.
//!
//! Only the writer thread keeps counters; a write transaction on any other thread (migrations at open)
//! reads and writes the row each time.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use super::kv::typed::{Typed, TypedRead};

use super::Error;
use super::tables::META;
use super::tx::Tx;

thread_local! {
    /// Whether this thread keeps counters (set by the writer thread only).
    static KEEPS: Cell<bool> = const { Cell::new(false) };
    /// Counter key -> (the next number, whether it moved since it was written).
    static NEXT: RefCell<HashMap<String, (u64, bool)>> = RefCell::new(HashMap::new());
}

/// Makes this thread keep counters in memory (the writer thread, which then calls [`persist`] before each
/// commit and [`forget_all`] after a batch that was not committed).
pub(super) fn keep_on_this_thread() {
    KEEPS.with(|k| k.set(true));
}

/// Takes the next number of the counter `key` (ids of records: deliveries, conversations...).
pub(crate) fn next(txn: &Tx<'_>, key: &str) -> Result<u64, Error> {
    if !KEEPS.with(Cell::get) {
        let key = key.to_owned();
        let id = txn.get_in(&META, &key)?.unwrap_or(1);
        txn.put_in(&META, &key, &(id + 1))?;
        return Ok(id);
    }
    NEXT.with_borrow_mut(|counters| {
        let counter = match counters.get_mut(key) {
            Some(counter) => counter,
            None => {
                let stored = txn.get_in(&META, &key.to_owned())?;
                counters
                    .entry(key.to_owned())
                    .or_insert((stored.unwrap_or(1), false))
            }
        };
        let id = counter.0;
        *counter = (id + 1, true);
        Ok(id)
    })
}

/// Writes the counters that moved in this batch (called by the writer before it commits).
pub(super) fn persist(txn: &Tx<'_>) -> Result<(), Error> {
    NEXT.with_borrow_mut(|counters| {
        if !counters.values().any(|(_, moved)| *moved) {
            return Ok(());
        }
        for (key, (next, moved)) in counters.iter_mut() {
            if *moved {
                txn.put_in(&META, key, next)?;
                *moved = false;
            }
        }
        Ok(())
    })
}

/// Forgets every counter: the batch that moved them was not committed.
pub(super) fn forget_all() {
    NEXT.with_borrow_mut(HashMap::clear);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::next;
    use crate::store::{Error, Store};

    /// Numbers go on across batches and across a restart (the moved counters are written before each
    /// commit), and the numbers of a batch that was not committed are handed out again.
    #[tokio::test]
    async fn counters_go_on_across_batches_and_restarts_and_forget_an_uncommitted_batch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sodan.redb");
        let store = Store::open(&path).await.unwrap();
        let take = |store: &Store| {
            let store = store.clone();
            async move { store.write(|txn| next(txn, "next_test_id")).await.unwrap() }
        };
        assert_eq!(take(&store).await, 1);
        assert_eq!(take(&store).await, 2);
        let failed = store
            .write(|txn| -> Result<u64, Error> {
                next(txn, "next_test_id")?;
                panic!("a bug after taking a number")
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(
            take(&store).await,
            3,
            "the uncommitted number is free again"
        );
        store.close(Duration::from_secs(5)).await.unwrap();
        let store = Store::open(&path).await.unwrap();
        assert_eq!(take(&store).await, 4, "written before the commit");
    }
}
