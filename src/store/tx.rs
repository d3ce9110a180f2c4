//! One write transaction as the code of a write sees it: the byte tables of [`super::kv`] (each opened
//! once for the whole transaction, however many writes of the writer's batch touch it) and, for the tables
//! not yet moved to byte keys, the redb transaction itself.
//!
//! Exactly one [`Tx`] exists per redb write transaction: two would each hold the same byte table open,
//! which redb refuses. The writer makes it for its batch; migrations and restores make their own.

use std::ops::Deref;

use redb::WriteTransaction;

use super::Error;
use super::kv::{Entries, Kv, KvRead, RedbKv, Span};

/// A write in progress.
pub struct Tx<'t> {
    txn: &'t WriteTransaction,
    kv: RedbKv<'t>,
}

impl<'t> Tx<'t> {
    /// The write of `txn` (drop it before committing `txn`: it holds tables open).
    pub fn new(txn: &'t WriteTransaction) -> Tx<'t> {
        Tx {
            txn,
            kv: RedbKv::new(txn),
        }
    }
}

/// The typed redb tables that have not moved to byte keys are opened on the transaction itself.
impl Deref for Tx<'_> {
    type Target = WriteTransaction;

    fn deref(&self) -> &WriteTransaction {
        self.txn
    }
}

impl KvRead for Tx<'_> {
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.kv.get(table, key)
    }

    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error> {
        self.kv.range(table, span)
    }

    fn count(&self, table: &'static str) -> Result<u64, Error> {
        self.kv.count(table)
    }
}

impl Kv for Tx<'_> {
    fn put(&self, table: &'static str, key: &[u8], value: &[u8]) -> Result<(), Error> {
        self.kv.put(table, key, value)
    }

    fn delete(&self, table: &'static str, key: &[u8]) -> Result<bool, Error> {
        self.kv.delete(table, key)
    }
}
