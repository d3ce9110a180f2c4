//! [`KvRead`] on a redb read transaction.

use std::cell::RefCell;
use std::collections::HashMap;

use redb::{ReadOnlyTable, ReadTransaction, ReadableTableMetadata, TableError};

use super::{Entries, KvRead, Span, byte_table, read_one, read_span};
use crate::store::Error;

/// A byte table of the file, or `None` where the file has none of that name.
type MaybeTable = Option<ReadOnlyTable<&'static [u8], &'static [u8]>>;

/// Reads inside one redb read transaction: each byte table opened on first use and kept open; a table
/// that was never written (absent from the file) reads as empty.
pub struct RedbReadKv<'txn> {
    txn: &'txn ReadTransaction,
    open: RefCell<HashMap<&'static str, MaybeTable>>,
}

impl<'txn> RedbReadKv<'txn> {
    /// Reads inside `txn`.
    pub fn new(txn: &'txn ReadTransaction) -> RedbReadKv<'txn> {
        RedbReadKv {
            txn,
            open: RefCell::new(HashMap::new()),
        }
    }

    /// Runs `f` on the table named `name` (`None` when the file has no such table).
    fn with<T>(
        &self,
        name: &'static str,
        f: impl FnOnce(Option<&ReadOnlyTable<&'static [u8], &'static [u8]>>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut open = self.open.borrow_mut();
        if !open.contains_key(name) {
            let table = match self.txn.open_table(byte_table(name)) {
                Ok(table) => Some(table),
                Err(TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(e.into()),
            };
            open.insert(name, table);
        }
        f(open.get(name).and_then(Option::as_ref))
    }
}

impl KvRead for RedbReadKv<'_> {
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.with(table, |t| t.map_or(Ok(None), |t| read_one(t, key)))
    }

    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error> {
        self.with(table, |t| t.map_or(Ok(Vec::new()), |t| read_span(t, span)))
    }

    fn count(&self, table: &'static str) -> Result<u64, Error> {
        self.with(table, |t| t.map_or(Ok(0), |t| Ok(t.len()?)))
    }
}

/// Reads straight on a redb read transaction, opening the table at each call: for a read that touches a
/// table once or twice (use [`RedbReadKv`] for many reads of the same tables).
impl KvRead for ReadTransaction {
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        match self.open_table(byte_table(table)) {
            Ok(t) => read_one(&t, key),
            Err(TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error> {
        match self.open_table(byte_table(table)) {
            Ok(t) => read_span(&t, span),
            Err(TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        }
    }

    fn count(&self, table: &'static str) -> Result<u64, Error> {
        match self.open_table(byte_table(table)) {
            Ok(t) => Ok(t.len()?),
            Err(TableError::TableDoesNotExist(_)) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }
}
