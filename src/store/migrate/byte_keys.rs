//! Moves tables from typed redb keys to the byte keys every engine shares (`byte_tables.rs`): each such
//! table still typed in the file is copied, row by row, into a byte table, then takes its place under
//! the same name. Idempotent, so it can run before the migrations of any older file.

use redb::{ReadableTable, TableDefinition, TableError, TableHandle, WriteTransaction};

use crate::store::Error;
use crate::store::byte_tables::{self, KeyLayout, ValueLayout};
use crate::store::kv::typed::{Ordered, Stored};
use crate::store::ordered_keys::OrderedKey;
use crate::store::tables::INDEX_QUEUE;

/// A byte table's definition.
fn bytes(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

/// Copies the typed table `name` (if the file has it typed) into byte keys and values.
fn move_table<K, V>(
    txn: &WriteTransaction,
    name: &'static str,
    key: impl Fn(K::SelfType<'_>) -> Result<Vec<u8>, Error>,
    value: impl Fn(V::SelfType<'_>) -> Result<Vec<u8>, Error>,
) -> Result<(), Error>
where
    K: redb::Key + 'static,
    V: redb::Value + 'static,
{
    if !txn.list_tables()?.any(|t| t.name() == name) {
        return Ok(());
    }
    let typed: TableDefinition<K, V> = TableDefinition::new(name);
    let old = match txn.open_table(typed) {
        Ok(old) => old,
        // Already byte keys.
        Err(TableError::TableTypeMismatch { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let moving = format!("{name}.moving");
    {
        let mut new = txn.open_table(bytes(&moving))?;
        for entry in old.iter()? {
            let (k, v) = entry?;
            new.insert(key(k.value())?.as_slice(), value(v.value())?.as_slice())?;
        }
    }
    txn.delete_table(old)?;
    txn.rename_table(bytes(&moving), bytes(name))?;
    Ok(())
}

/// A typed redb digest key as a digest.
fn digest(bytes: &[u8]) -> Result<[u8; 32], Error> {
    bytes
        .try_into()
        .map_err(|_| Error::Storage(format!("a digest key of {} bytes", bytes.len())))
}

/// Moves every table `byte_tables::ALL` lists that the file still has typed.
pub(super) fn move_typed_tables(txn: &WriteTransaction) -> Result<(), Error> {
    for layout in byte_tables::ALL {
        move_one(txn, layout.name, layout.key, layout.value)?;
    }
    // Derived from the messages, so not in backups (nor in `ALL`), but moved all the same.
    move_table::<u64, (u64, u64, &str, &str)>(
        txn,
        INDEX_QUEUE.name(),
        |k| Ok(k.to_ordered()),
        |(conversation, seq, sender, client_id)| {
            let queued = (
                (conversation, seq),
                (sender.to_owned(), client_id.to_owned()),
            );
            Ordered(queued).to_stored()
        },
    )
}

/// Moves the table `name`, typed with the redb types of these layouts.
fn move_one(
    txn: &WriteTransaction,
    name: &'static str,
    key: KeyLayout,
    value: ValueLayout,
) -> Result<(), Error> {
    use KeyLayout as K;
    use ValueLayout as V;
    let record = |v: &[u8]| Ok(v.to_vec());
    let number = |v: u64| v.to_stored();
    let unit = |()| ().to_stored();
    match (key, value) {
        (K::Id, V::Record) => move_table::<u64, &[u8]>(txn, name, |k| Ok(k.to_ordered()), record),
        (K::Id, V::Number) => move_table::<u64, u64>(txn, name, |k| Ok(k.to_ordered()), number),
        (K::Pair, V::Record) => {
            move_table::<(u64, u64), &[u8]>(txn, name, |k| Ok(k.to_ordered()), record)
        }
        (K::Pair, V::Unit) => move_table::<(u64, u64), ()>(txn, name, |k| Ok(k.to_ordered()), unit),
        (K::Triple, V::Number) => {
            move_table::<(u64, u64, u64), u64>(txn, name, |k| Ok(k.to_ordered()), number)
        }
        (K::Text, V::Record) => {
            move_table::<&str, &[u8]>(txn, name, |k| Ok(k.to_owned().to_ordered()), record)
        }
        (K::Text, V::Number) => {
            move_table::<&str, u64>(txn, name, |k| Ok(k.to_owned().to_ordered()), number)
        }
        (K::TextPair, V::Pair) => move_table::<(&str, &str), (u64, u64)>(
            txn,
            name,
            |(a, b)| Ok((a.to_owned(), b.to_owned()).to_ordered()),
            |v| v.to_stored(),
        ),
        (K::Digest, V::Record | V::Bytes) => {
            move_table::<&[u8], &[u8]>(txn, name, |k| Ok(digest(k)?.to_ordered()), record)
        }
        (K::Digest, V::Number) => {
            move_table::<&[u8], u64>(txn, name, |k| Ok(digest(k)?.to_ordered()), number)
        }
        (K::IdDigest, V::Unit) => move_table::<(u64, &[u8]), ()>(
            txn,
            name,
            |(a, b)| Ok((a, digest(b)?).to_ordered()),
            unit,
        ),
        (key, value) => Err(Error::Storage(format!(
            "no typed table of {key:?} keys and {value:?} values to move ({name})"
        ))),
    }
}

#[cfg(test)]
mod tests;
