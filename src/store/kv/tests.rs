use std::ops::Bound;

use redb::ReadableDatabase;

use super::read::RedbReadKv;
use super::{Kv, KvRead, RedbKv, Span};
use crate::store::ordered_keys::OrderedKey;

/// A new redb file in a directory removed when the test ends.
pub(super) fn database() -> (tempfile::TempDir, redb::Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = redb::Database::create(dir.path().join("kv.redb")).unwrap();
    (dir, db)
}

fn key(conversation: u64, seq: u64) -> Vec<u8> {
    (conversation, seq).to_ordered()
}

fn all(reverse: bool, limit: usize) -> Span<'static> {
    Span {
        from: Bound::Unbounded,
        to: Bound::Unbounded,
        reverse,
        limit,
    }
}

#[test]
fn ranges_come_back_in_key_order_and_writes_last_past_the_commit() {
    let (_dir, db) = database();
    let txn = db.begin_write().unwrap();
    {
        let kv = RedbKv::new(&txn);
        // Inserted out of order, across a byte boundary (255 -> 256) that little-endian keys would misorder.
        for (c, s) in [(2, 1), (1, 256), (1, 255), (1, 1), (3, 0)] {
            kv.put("messages", &key(c, s), format!("{c}/{s}").as_bytes())
                .unwrap();
        }
        kv.put("other", &key(1, 1), b"elsewhere").unwrap();
        let first = key(1, 0);
        let past = key(1, u64::MAX);
        let of_one = kv
            .range(
                "messages",
                Span {
                    from: Bound::Included(&first[..]),
                    to: Bound::Included(&past[..]),
                    reverse: false,
                    limit: 10,
                },
            )
            .unwrap();
        let values: Vec<&[u8]> = of_one.iter().map(|(_, v)| v.as_slice()).collect();
        assert_eq!(values, [&b"1/1"[..], b"1/255", b"1/256"]);
        assert_eq!(<(u64, u64)>::from_ordered(&of_one[2].0), Some((1, 256)));
        let newest = kv.range("messages", all(true, 2)).unwrap();
        let keys: Vec<_> = newest
            .iter()
            .map(|(k, _)| <(u64, u64)>::from_ordered(k).unwrap())
            .collect();
        assert_eq!(keys, [(3, 0), (2, 1)], "newest first, at most the limit");
        assert!(kv.delete("messages", &key(2, 1)).unwrap());
        assert!(!kv.delete("messages", &key(2, 1)).unwrap(), "already gone");
        assert_eq!(kv.get("messages", &key(2, 1)).unwrap(), None);
    }
    txn.commit().unwrap();

    let txn = db.begin_write().unwrap();
    let kv = RedbKv::new(&txn);
    assert_eq!(
        kv.get("messages", &key(1, 255)).unwrap().as_deref(),
        Some(&b"1/255"[..])
    );
    assert_eq!(
        kv.get("other", &key(1, 1)).unwrap().as_deref(),
        Some(&b"elsewhere"[..]),
        "tables are separate"
    );
    let all = kv.range("messages", all(false, 100)).unwrap();
    assert_eq!(all.len(), 4, "the deleted entry stayed deleted");
}

#[test]
fn a_read_transaction_sees_what_was_committed_and_a_missing_table_as_empty() {
    let (_dir, db) = database();
    let txn = db.begin_write().unwrap();
    {
        let kv = RedbKv::new(&txn);
        for seq in [3, 1, 2] {
            kv.put("messages", &key(1, seq), &[seq as u8]).unwrap();
        }
    }
    txn.commit().unwrap();
    let read = db.begin_read().unwrap();
    let kv = RedbReadKv::new(&read);
    assert_eq!(kv.get("messages", &key(1, 2)).unwrap(), Some(vec![2]));
    let newest = kv.range("messages", all(true, 2)).unwrap();
    let values: Vec<Vec<u8>> = newest.into_iter().map(|(_, v)| v).collect();
    assert_eq!(values, [vec![3], vec![2]]);
    assert_eq!(kv.get("never written", &key(1, 1)).unwrap(), None);
    assert!(
        kv.range("never written", all(false, 10))
            .unwrap()
            .is_empty()
    );
}
