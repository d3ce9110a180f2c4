//! One write transaction as write code sees it: the byte tables of [`super::kv`], whatever engine keeps
//! them (in redb, each opened once for the whole transaction, however many writes of the writer's batch
//! touch it).
//!
//! Exactly one [`Tx`] exists per redb write transaction: two would each hold the same byte table open,
//! which redb refuses. The writer makes it for its batch; migrations and restores make their own.

use redb::WriteTransaction;

use super::Error;
use super::kv::{Entries, Kv, KvRead, RedbKv, Span};

/// A write in progress.
pub struct Tx<'t> {
    engine: Engine<'t>,
}

enum Engine<'t> {
    Redb {
        txn: &'t WriteTransaction,
        kv: RedbKv<'t>,
    },
    Other(&'t (dyn Kv + 't)),
}

impl<'t> Tx<'t> {
    /// The write of `txn` (drop it before committing `txn`: it holds tables open).
    pub fn new(txn: &'t WriteTransaction) -> Tx<'t> {
        Tx {
            engine: Engine::Redb {
                txn,
                kv: RedbKv::new(txn),
            },
        }
    }

    /// A write through another engine's transaction (PostgreSQL's).
    pub fn other(kv: &'t (dyn Kv + 't)) -> Tx<'t> {
        Tx {
            engine: Engine::Other(kv),
        }
    }

    /// The redb transaction, for a migration that changes the file itself (drops a table of an older
    /// layout); `None` on another engine, which never had one.
    pub fn redb(&self) -> Option<&'t WriteTransaction> {
        match &self.engine {
            Engine::Redb { txn, .. } => Some(txn),
            Engine::Other(_) => None,
        }
    }

    fn kv(&self) -> &dyn Kv {
        match &self.engine {
            Engine::Redb { kv, .. } => kv,
            Engine::Other(kv) => *kv,
        }
    }
}

impl KvRead for Tx<'_> {
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.kv().get(table, key)
    }

    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error> {
        self.kv().range(table, span)
    }

    fn count(&self, table: &'static str) -> Result<u64, Error> {
        self.kv().count(table)
    }
}

impl Kv for Tx<'_> {
    fn put(&self, table: &'static str, key: &[u8], value: &[u8]) -> Result<(), Error> {
        self.kv().put(table, key, value)
    }

    fn delete(&self, table: &'static str, key: &[u8]) -> Result<bool, Error> {
        self.kv().delete(table, key)
    }
}
