//! One read transaction as read code sees it: a consistent snapshot of the byte tables of [`super::kv`],
//! whatever engine keeps them. Each table is opened once per read, however many lookups touch it.

use redb::ReadTransaction;

use super::Error;
use super::kv::read::RedbReadKv;
use super::kv::{Entries, KvRead, Span};

/// A read in progress.
pub struct Rx<'t> {
    kv: Engine<'t>,
}

enum Engine<'t> {
    Redb(RedbReadKv<'t>),
    Other(&'t (dyn KvRead + 't)),
}

impl<'t> Rx<'t> {
    /// A read of the redb snapshot `txn`.
    pub fn redb(txn: &'t ReadTransaction) -> Rx<'t> {
        Rx {
            kv: Engine::Redb(RedbReadKv::new(txn)),
        }
    }

    /// A read through another engine's snapshot (PostgreSQL's).
    pub fn other(kv: &'t (dyn KvRead + 't)) -> Rx<'t> {
        Rx {
            kv: Engine::Other(kv),
        }
    }

    fn kv(&self) -> &dyn KvRead {
        match &self.kv {
            Engine::Redb(kv) => kv,
            Engine::Other(kv) => *kv,
        }
    }
}

impl KvRead for Rx<'_> {
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
