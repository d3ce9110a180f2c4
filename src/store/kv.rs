//! The byte-level operations a storage engine offers inside one write: get, put, delete and ordered range
//! scans over named tables of byte keys and byte values.
//!
//! Written against this, code runs the same on the redb file and on a server database (PostgreSQL keeps a
//! `(k bytea primary key, v bytea)` table per name; `bytea` compares bytes as redb does, and keys written
//! with [`super::ordered_keys`] sort as the keys themselves). [`RedbKv`] is the redb side: each table is
//! opened once per transaction and kept open, where the typed tables are opened again by every function
//! that touches them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Bound;

use redb::{ReadableTable, Table, TableDefinition, WriteTransaction};

use super::Error;

pub mod typed;

/// Entries of a range scan: key and value bytes.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Which part of a table a range scan reads, and in which direction.
#[derive(Debug, Clone, Copy)]
pub struct Span<'a> {
    /// The first key (or where the scan starts).
    pub from: Bound<&'a [u8]>,
    /// The last key (or where it stops).
    pub to: Bound<&'a [u8]>,
    /// Highest keys first.
    pub reverse: bool,
    /// At most this many entries.
    pub limit: usize,
}

/// One write's operations on named byte tables.
pub trait Kv {
    /// The value under `key`.
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error>;
    /// Stores `value` under `key`, replacing what was there.
    fn put(&self, table: &'static str, key: &[u8], value: &[u8]) -> Result<(), Error>;
    /// Removes `key`; whether it was there.
    fn delete(&self, table: &'static str, key: &[u8]) -> Result<bool, Error>;
    /// The entries of `span`, in key order (or the reverse).
    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error>;
}

type ByteTable<'txn> = Table<'txn, &'static [u8], &'static [u8]>;

/// [`Kv`] on a redb write transaction: one byte table per name, opened on first use and kept open until
/// this is dropped (drop it before committing).
pub struct RedbKv<'txn> {
    txn: &'txn WriteTransaction,
    open: RefCell<HashMap<&'static str, ByteTable<'txn>>>,
}

impl<'txn> RedbKv<'txn> {
    /// Operations inside `txn`.
    pub fn new(txn: &'txn WriteTransaction) -> RedbKv<'txn> {
        RedbKv {
            txn,
            open: RefCell::new(HashMap::new()),
        }
    }

    /// Runs `f` on the table named `name`, opening it the first time.
    fn with<T>(
        &self,
        name: &'static str,
        f: impl FnOnce(&mut ByteTable<'txn>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut open = self.open.borrow_mut();
        let table = match open.entry(name) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let definition: TableDefinition<&[u8], &[u8]> = TableDefinition::new(name);
                e.insert(self.txn.open_table(definition)?)
            }
        };
        f(table)
    }
}

impl Kv for RedbKv<'_> {
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.with(table, |t| Ok(t.get(key)?.map(|v| v.value().to_vec())))
    }

    fn put(&self, table: &'static str, key: &[u8], value: &[u8]) -> Result<(), Error> {
        self.with(table, |t| {
            t.insert(key, value)?;
            Ok(())
        })
    }

    fn delete(&self, table: &'static str, key: &[u8]) -> Result<bool, Error> {
        self.with(table, |t| Ok(t.remove(key)?.is_some()))
    }

    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error> {
        self.with(table, |t| {
            let entries = t.range::<&[u8]>((span.from, span.to))?;
            let pair = |e: Result<_, redb::StorageError>| -> Result<(Vec<u8>, Vec<u8>), Error> {
                let (k, v): (redb::AccessGuard<&[u8]>, redb::AccessGuard<&[u8]>) = e?;
                Ok((k.value().to_vec(), v.value().to_vec()))
            };
            if span.reverse {
                entries.rev().take(span.limit).map(pair).collect()
            } else {
                entries.take(span.limit).map(pair).collect()
            }
        })
    }
}

#[cfg(test)]
mod tests;
