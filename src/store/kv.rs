//! The byte-level operations a storage engine offers: get and ordered range scans over named tables of byte
//! keys and byte values in any transaction ([`KvRead`]), put and delete inside a write ([`Kv`]).
//!
//! Written against this, code runs the same on the redb file and on PostgreSQL (`pg.rs`: every table a
//! range of one `(t, k bytea, v bytea)` table; `bytea` compares bytes as redb does, and keys written with
//! [`super::ordered_keys`] sort as the keys themselves). [`RedbKv`] is the redb side: each table is opened
//! once per transaction and kept open. [`read::RedbReadKv`] is the same for a read transaction.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Bound;

use redb::{ReadableTable, ReadableTableMetadata, Table, TableDefinition, WriteTransaction};

use super::Error;

pub mod read;
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

impl Span<'_> {
    /// The whole table, in key order.
    pub fn all() -> Span<'static> {
        Span {
            from: Bound::Unbounded,
            to: Bound::Unbounded,
            reverse: false,
            limit: usize::MAX,
        }
    }
}

/// Reads of named byte tables; a table never written reads as empty.
pub trait KvRead {
    /// The value under `key`.
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error>;
    /// The entries of `span`, in key order (or the reverse).
    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error>;
    /// How many entries the table holds.
    fn count(&self, table: &'static str) -> Result<u64, Error>;
}

/// A reference reads what it refers to (so helpers taking `&impl KvRead` take a `&&Rx` as well).
impl<T: KvRead + ?Sized> KvRead for &T {
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        (**self).get(table, key)
    }

    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error> {
        (**self).range(table, span)
    }

    fn count(&self, table: &'static str) -> Result<u64, Error> {
        (**self).count(table)
    }
}

/// One write's operations on named byte tables.
pub trait Kv: KvRead {
    /// Stores `value` under `key`, replacing what was there.
    fn put(&self, table: &'static str, key: &[u8], value: &[u8]) -> Result<(), Error>;
    /// Removes `key`; whether it was there.
    fn delete(&self, table: &'static str, key: &[u8]) -> Result<bool, Error>;
}

/// The definition of the byte table named `name`.
fn byte_table(name: &'static str) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

/// [`KvRead::get`] on an open redb table of either kind.
fn read_one(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    key: &[u8],
) -> Result<Option<Vec<u8>>, Error> {
    Ok(table.get(key)?.map(|v| v.value().to_vec()))
}

/// [`KvRead::range`] on an open redb table of either kind.
fn read_span(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    span: Span<'_>,
) -> Result<Entries, Error> {
    let entries = table.range::<&[u8]>((span.from, span.to))?;
    let pair = |e: Result<_, redb::StorageError>| -> Result<(Vec<u8>, Vec<u8>), Error> {
        let (k, v): (redb::AccessGuard<&[u8]>, redb::AccessGuard<&[u8]>) = e?;
        Ok((k.value().to_vec(), v.value().to_vec()))
    };
    if span.reverse {
        entries.rev().take(span.limit).map(pair).collect()
    } else {
        entries.take(span.limit).map(pair).collect()
    }
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
                e.insert(self.txn.open_table(byte_table(name))?)
            }
        };
        f(table)
    }
}

impl KvRead for RedbKv<'_> {
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.with(table, |t| read_one(t, key))
    }

    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error> {
        self.with(table, |t| read_span(t, span))
    }

    fn count(&self, table: &'static str) -> Result<u64, Error> {
        self.with(table, |t| Ok(t.len()?))
    }
}

impl Kv for RedbKv<'_> {
    fn put(&self, table: &'static str, key: &[u8], value: &[u8]) -> Result<(), Error> {
        self.with(table, |t| {
            t.insert(key, value)?;
            Ok(())
        })
    }

    fn delete(&self, table: &'static str, key: &[u8]) -> Result<bool, Error> {
        self.with(table, |t| Ok(t.remove(key)?.is_some()))
    }
}

#[cfg(test)]
mod tests;
