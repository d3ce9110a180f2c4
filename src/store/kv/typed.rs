//! Typed tables over the byte-level [`KvRead`] and [`Kv`]: keys written with [`OrderedKey`], values with
//! [`Stored`].
//!
//! Code that reads and writes through these runs the same on every engine that implements them.

use std::marker::PhantomData;
use std::ops::Bound;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Kv, KvRead, Span};
use crate::store::Error;
use crate::store::ordered_keys::OrderedKey;

/// A value as a byte table keeps it.
pub trait Stored: Sized {
    /// The value's bytes.
    fn to_stored(&self) -> Result<Vec<u8>, Error>;
    /// The value these bytes hold; an error for bytes no such value writes.
    fn from_stored(bytes: &[u8]) -> Result<Self, Error>;
}

impl Stored for u64 {
    fn to_stored(&self) -> Result<Vec<u8>, Error> {
        Ok(self.to_be_bytes().to_vec())
    }

    fn from_stored(bytes: &[u8]) -> Result<u64, Error> {
        let bytes: [u8; 8] = bytes
            .try_into()
            .map_err(|_| Error::Storage(format!("a number of {} bytes", bytes.len())))?;
        Ok(u64::from_be_bytes(bytes))
    }
}

/// Two numbers (where a message is: conversation and seq).
impl Stored for (u64, u64) {
    fn to_stored(&self) -> Result<Vec<u8>, Error> {
        Ok(crate::store::ordered_keys::OrderedKey::to_ordered(self))
    }

    fn from_stored(bytes: &[u8]) -> Result<(u64, u64), Error> {
        crate::store::ordered_keys::OrderedKey::from_ordered(bytes)
            .ok_or_else(|| Error::Storage(format!("a pair of numbers of {} bytes", bytes.len())))
    }
}

/// An entry that only marks its key (a set, an index).
impl Stored for () {
    fn to_stored(&self) -> Result<Vec<u8>, Error> {
        Ok(Vec::new())
    }

    fn from_stored(_: &[u8]) -> Result<(), Error> {
        Ok(())
    }
}

/// Bytes kept as they are (an embedding's numbers).
impl Stored for Vec<u8> {
    fn to_stored(&self) -> Result<Vec<u8>, Error> {
        Ok(self.clone())
    }

    fn from_stored(bytes: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(bytes.to_vec())
    }
}

/// A value written the way keys are (a tuple of numbers and texts), so it needs no record format.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<T>(pub T);

impl<T: OrderedKey> Stored for Ordered<T> {
    fn to_stored(&self) -> Result<Vec<u8>, Error> {
        Ok(self.0.to_ordered())
    }

    fn from_stored(bytes: &[u8]) -> Result<Ordered<T>, Error> {
        T::from_ordered(bytes).map(Ordered).ok_or_else(|| {
            Error::Storage(format!(
                "a value of {} bytes that does not read back",
                bytes.len()
            ))
        })
    }
}

/// A record kept as JSON, as the typed redb tables keep records (`store::codec`).
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

impl<T: Serialize + DeserializeOwned> Stored for Json<T> {
    fn to_stored(&self) -> Result<Vec<u8>, Error> {
        crate::store::codec::encode(&self.0)
    }

    fn from_stored(bytes: &[u8]) -> Result<Json<T>, Error> {
        crate::store::codec::decode(bytes).map(Json)
    }
}

/// A table named `name` of `K` keys and `V` values.
pub struct Table<K, V> {
    name: &'static str,
    types: PhantomData<fn() -> (K, V)>,
}

// Not derived: that would ask `K` and `V` to be `Clone` and `Copy` too.
impl<K, V> Clone for Table<K, V> {
    fn clone(&self) -> Table<K, V> {
        *self
    }
}

impl<K, V> Copy for Table<K, V> {}

impl<K, V> Table<K, V> {
    /// The table named `name` (one name, one key and value type: keep the constants in one place).
    pub const fn new(name: &'static str) -> Table<K, V> {
        Table {
            name,
            types: PhantomData,
        }
    }

    /// The table's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The same table with its values as stored bytes (to move rows without decoding them, or to decode
    /// only part of each).
    pub const fn raw(&self) -> Table<K, Vec<u8>> {
        Table::new(self.name)
    }
}

fn key_of<K: OrderedKey>(bytes: &[u8]) -> Result<K, Error> {
    K::from_ordered(bytes).ok_or_else(|| Error::Storage("a key that does not read back".into()))
}

/// Typed reads, for every [`KvRead`].
pub trait TypedRead: KvRead {
    /// The value under `key`.
    fn get_in<K: OrderedKey, V: Stored>(
        &self,
        table: &Table<K, V>,
        key: &K,
    ) -> Result<Option<V>, Error> {
        self.get(table.name, &key.to_ordered())?
            .map(|bytes| V::from_stored(&bytes))
            .transpose()
    }

    /// Up to `limit` entries between `from` and `to`, in key order or (`reverse`) highest first.
    fn range_in<K: OrderedKey, V: Stored>(
        &self,
        table: &Table<K, V>,
        (from, to): (Bound<&K>, Bound<&K>),
        reverse: bool,
        limit: usize,
    ) -> Result<Vec<(K, V)>, Error> {
        let bytes = |b: Bound<&K>| b.map(K::to_ordered);
        let (from, to) = (bytes(from), bytes(to));
        let span = Span {
            from: from.as_ref().map(Vec::as_slice),
            to: to.as_ref().map(Vec::as_slice),
            reverse,
            limit,
        };
        self.range(table.name, span)?
            .into_iter()
            .map(|(k, v)| Ok((key_of(&k)?, V::from_stored(&v)?)))
            .collect()
    }

    /// Every entry, in key order: for the small tables that hold a bounded list (webhooks, segments...).
    fn all_in<K: OrderedKey, V: Stored>(&self, table: &Table<K, V>) -> Result<Vec<(K, V)>, Error> {
        self.range_in(
            table,
            (Bound::Unbounded, Bound::Unbounded),
            false,
            usize::MAX,
        )
    }

    /// The records of a table of JSON records that `keep` keeps, in key order (read a page at a time).
    fn records_where<K: OrderedKey, T: Serialize + DeserializeOwned>(
        &self,
        table: &Table<K, Json<T>>,
        mut keep: impl FnMut(&T) -> bool,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        let all = (Bound::Unbounded, Bound::Unbounded);
        self.scan_in(table, all, false, |_, Json(record)| {
            if keep(&record) {
                out.push(record);
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// The last `limit` records of a table of JSON records, highest key (newest) first.
    fn newest_in<K: OrderedKey, T: Serialize + DeserializeOwned>(
        &self,
        table: &Table<K, Json<T>>,
        limit: usize,
    ) -> Result<Vec<T>, Error> {
        let all = (Bound::Unbounded, Bound::Unbounded);
        let newest = self.range_in(table, all, true, limit)?;
        Ok(newest.into_iter().map(|(_, Json(record))| record).collect())
    }

    /// Calls `each` on the entries between `from` and `to`, in key order or (`reverse`) highest first,
    /// until it returns `false`. Reads a page of entries at a time, so a scan of a big table holds only
    /// one page in memory and stops reading where `each` stops.
    fn scan_in<K: OrderedKey, V: Stored>(
        &self,
        table: &Table<K, V>,
        (from, to): (Bound<&K>, Bound<&K>),
        reverse: bool,
        mut each: impl FnMut(K, V) -> Result<bool, Error>,
    ) -> Result<(), Error> {
        let (from, to) = (from.map(K::to_ordered), to.map(K::to_ordered));
        scan_bytes(self, table.name, (from, to), reverse, |k, v| {
            each(key_of(k)?, V::from_stored(v)?)
        })
    }

    /// How many entries the table holds.
    fn count_in<K: OrderedKey, V: Stored>(&self, table: &Table<K, V>) -> Result<usize, Error> {
        Ok(usize::try_from(self.count(table.name)?).unwrap_or(usize::MAX))
    }

    /// The first (or, `last`, the last) entry in key order.
    fn end_in<K: OrderedKey, V: Stored>(
        &self,
        table: &Table<K, V>,
        last: bool,
    ) -> Result<Option<(K, V)>, Error> {
        let all = (Bound::Unbounded, Bound::Unbounded);
        Ok(self.range_in(table, all, last, 1)?.into_iter().next())
    }

    /// [`TypedRead::scan_in`] over the keys whose first part is a text starting with `prefix`.
    fn scan_text_prefix_in<B: OrderedKey, V: Stored>(
        &self,
        table: &Table<(String, B), V>,
        prefix: &str,
        mut each: impl FnMut((String, B), V) -> Result<bool, Error>,
    ) -> Result<(), Error> {
        // A text's bytes without their end mark start the bytes of every text that starts with it.
        let mut start = prefix.to_owned().to_ordered();
        start.truncate(start.len() - 2);
        let to = prefix_end(&start).map_or(Bound::Unbounded, Bound::Excluded);
        scan_bytes(
            self,
            table.name,
            (Bound::Included(start), to),
            false,
            |k, v| each(key_of(k)?, V::from_stored(v)?),
        )
    }

    /// [`TypedRead::scan_in`] over the keys whose first part is `first`: a customer's rows, a sender's
    /// client ids.
    fn scan_prefix_in<A: OrderedKey, B: OrderedKey, V: Stored>(
        &self,
        table: &Table<(A, B), V>,
        first: &A,
        reverse: bool,
        mut each: impl FnMut((A, B), V) -> Result<bool, Error>,
    ) -> Result<(), Error> {
        let prefix = first.to_ordered();
        let to = prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
        scan_bytes(
            self,
            table.name,
            (Bound::Included(prefix), to),
            reverse,
            |k, v| each(key_of(k)?, V::from_stored(v)?),
        )
    }
}

/// The smallest byte string greater than every string that starts with `prefix` (`None`: there is none,
/// the prefix is all 0xFF).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The byte entries of `table` between the bounds, a page at a time, until `each` returns `false`.
fn scan_bytes<R: KvRead + ?Sized>(
    kv: &R,
    table: &'static str,
    (mut from, mut to): (Bound<Vec<u8>>, Bound<Vec<u8>>),
    reverse: bool,
    mut each: impl FnMut(&[u8], &[u8]) -> Result<bool, Error>,
) -> Result<(), Error> {
    const PAGE: usize = 256;
    loop {
        let span = Span {
            from: from.as_ref().map(Vec::as_slice),
            to: to.as_ref().map(Vec::as_slice),
            reverse,
            limit: PAGE,
        };
        let page = kv.range(table, span)?;
        let more = page.len() == PAGE;
        let mut last = None;
        for (k, v) in page {
            if !each(&k, &v)? {
                return Ok(());
            }
            last = Some(k);
        }
        match last {
            Some(k) if more && reverse => to = Bound::Excluded(k),
            Some(k) if more => from = Bound::Excluded(k),
            _ => return Ok(()),
        }
    }
}

impl<T: KvRead + ?Sized> TypedRead for T {}

/// Typed writes, for every [`Kv`].
pub trait Typed: Kv {
    /// Stores `value` under `key`.
    fn put_in<K: OrderedKey, V: Stored>(
        &self,
        table: &Table<K, V>,
        key: &K,
        value: &V,
    ) -> Result<(), Error> {
        self.put(table.name, &key.to_ordered(), &value.to_stored()?)
    }

    /// Stores `record` under `key` in a table of JSON records, without copying it into a [`Json`] first.
    fn put_record_in<K: OrderedKey, T: Serialize + DeserializeOwned>(
        &self,
        table: &Table<K, Json<T>>,
        key: &K,
        record: &T,
    ) -> Result<(), Error> {
        self.put(
            table.name,
            &key.to_ordered(),
            &crate::store::codec::encode(record)?,
        )
    }

    /// Removes `key`; whether it was there.
    fn delete_in<K: OrderedKey, V: Stored>(
        &self,
        table: &Table<K, V>,
        key: &K,
    ) -> Result<bool, Error> {
        self.delete(table.name, &key.to_ordered())
    }

    /// Removes every entry `keep` does not keep (reads the whole table: for small or occasional passes);
    /// how many went.
    fn retain_in<K: OrderedKey, V: Stored>(
        &self,
        table: &Table<K, V>,
        mut keep: impl FnMut(&K, &V) -> bool,
    ) -> Result<usize, Error> {
        let mut gone = 0;
        let all = (Bound::Unbounded, Bound::Unbounded);
        scan_bytes(self, table.name, all, false, |k, v| {
            if !keep(&key_of(k)?, &V::from_stored(v)?) {
                self.delete(table.name, k)?;
                gone += 1;
            }
            Ok(true)
        })?;
        Ok(gone)
    }

    /// Removes every entry whose key's first part is `first` (a customer's rows); how many went.
    fn delete_prefix_in<A: OrderedKey, B: OrderedKey, V: Stored>(
        &self,
        table: &Table<(A, B), V>,
        first: &A,
    ) -> Result<usize, Error> {
        let mut keys = Vec::new();
        self.scan_prefix_in(table, first, false, |key, _| {
            keys.push(key);
            Ok(true)
        })?;
        for key in &keys {
            self.delete_in(table, key)?;
        }
        Ok(keys.len())
    }
}

impl<T: Kv + ?Sized> Typed for T {}

#[cfg(test)]
mod tests;
