use redb::{ReadableDatabase, TableDefinition, TableHandle};

use super::move_typed_tables;
use crate::store::byte_tables::{self, KeyLayout as K, ValueLayout as V};
use crate::store::kv::KvRead;
use crate::store::kv::read::RedbReadKv;
use crate::store::kv::typed::TypedRead;
use crate::store::ordered_keys::OrderedKey;
use crate::store::tables::{REPORT_FACTS, REPORT_STARTS};

const TYPED_FACTS: TableDefinition<u64, &[u8]> = TableDefinition::new("conversation_id_fact");
const TYPED_STARTS: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("startedms_conversationid");

#[test]
fn typed_rows_read_back_through_byte_keys_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = redb::Database::create(dir.path().join("old.redb")).unwrap();
    let fact = |id: u64| serde_json::json!({ "id": id, "created_at": 1000 + id });
    let txn = db.begin_write().unwrap();
    {
        let mut facts = txn.open_table(TYPED_FACTS).unwrap();
        let mut starts = txn.open_table(TYPED_STARTS).unwrap();
        // 255 and 256 differ in their low byte first: typed keys compare as numbers, and so must the bytes.
        for id in [256, 2, 255] {
            facts
                .insert(id, serde_json::to_vec(&fact(id)).unwrap().as_slice())
                .unwrap();
            starts.insert((1000 + id, id), ()).unwrap();
        }
    }
    txn.commit().unwrap();
    for _ in 0..2 {
        let txn = db.begin_write().unwrap();
        move_typed_tables(&txn).unwrap();
        txn.commit().unwrap();
    }

    let txn = db.begin_read().unwrap();
    let kv = RedbReadKv::new(&txn);
    let all = (std::ops::Bound::Unbounded, std::ops::Bound::Unbounded);
    let starts: Vec<(u64, u64)> = kv
        .range_in(&REPORT_STARTS, all, false, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(k, ())| k)
        .collect();
    assert_eq!(starts, [(1002, 2), (1255, 255), (1256, 256)]);
    let stored = kv
        .get(REPORT_FACTS.name(), &255u64.to_ordered())
        .unwrap()
        .map(|b| serde_json::from_slice::<serde_json::Value>(&b).unwrap());
    assert_eq!(stored, Some(fact(255)), "records keep their JSON");
    assert!(
        txn.list_tables()
            .unwrap()
            .all(|t| !t.name().ends_with(".moving")),
        "no table left half-moved"
    );
}

/// A typed row of each layout, and the JSON a backup writes for it.
fn sample(key: K, value: V) -> (serde_json::Value, serde_json::Value) {
    use serde_json::json;
    let digest = "ab".repeat(32);
    let k = match key {
        K::Id => json!(256),
        K::Pair => json!([7, 256]),
        K::Triple => json!([1, 2, 3]),
        K::Text => json!("a\u{0}b 日本"),
        K::TextPair => json!(["v1", "c\u{0}"]),
        K::Digest => json!(digest),
        K::IdDigest => json!([5, digest]),
    };
    let v = match value {
        V::Record => json!({ "x": 1, "名": "値" }),
        V::Unit => json!(null),
        V::Number => json!(42),
        V::Pair => json!([3, 4]),
        V::Bytes => json!("010203ff"),
    };
    (k, v)
}

/// Writes `sample(key, value)` into the typed redb table `name`, as versions before 13 kept it.
fn put_typed(txn: &redb::WriteTransaction, name: &str, key: K, value: V) {
    let digest = [0xab_u8; 32];
    let record = r#"{"x":1,"名":"値"}"#.as_bytes();
    let bytes = [1_u8, 2, 3, 0xff];
    macro_rules! put {
        ($k:ty, $v:ty, $key:expr, $value:expr) => {{
            let def: TableDefinition<$k, $v> = TableDefinition::new(name);
            txn.open_table(def).unwrap().insert($key, $value).unwrap();
        }};
    }
    match (key, value) {
        (K::Id, V::Record) => put!(u64, &[u8], 256, record),
        (K::Id, V::Number) => put!(u64, u64, 256, 42),
        (K::Pair, V::Record) => put!((u64, u64), &[u8], (7, 256), record),
        (K::Pair, V::Unit) => put!((u64, u64), (), (7, 256), ()),
        (K::Triple, V::Number) => put!((u64, u64, u64), u64, (1, 2, 3), 42),
        (K::Text, V::Record) => put!(&str, &[u8], "a\u{0}b 日本", record),
        (K::Text, V::Number) => put!(&str, u64, "a\u{0}b 日本", 42),
        (K::TextPair, V::Pair) => put!((&str, &str), (u64, u64), ("v1", "c\u{0}"), (3, 4)),
        (K::Digest, V::Record) => put!(&[u8], &[u8], digest.as_slice(), record),
        (K::Digest, V::Bytes) => put!(&[u8], &[u8], digest.as_slice(), bytes.as_slice()),
        (K::Digest, V::Number) => put!(&[u8], u64, digest.as_slice(), 42),
        (K::IdDigest, V::Unit) => put!((u64, &[u8]), (), (5, digest.as_slice()), ()),
        other => panic!("no sample of {other:?} ({name})"),
    }
}

/// Every table of the backup format, typed as an older file keeps it, moves to byte keys that a backup
/// writes as the very JSON the typed row stood for.
#[test]
fn every_table_moves_to_byte_keys_that_back_up_as_the_typed_row_did() {
    let dir = tempfile::tempdir().unwrap();
    let db = redb::Database::create(dir.path().join("old.redb")).unwrap();
    let txn = db.begin_write().unwrap();
    for layout in byte_tables::ALL {
        put_typed(&txn, layout.name, layout.key, layout.value);
    }
    txn.commit().unwrap();
    let txn = db.begin_write().unwrap();
    move_typed_tables(&txn).unwrap();
    txn.commit().unwrap();

    let txn = db.begin_read().unwrap();
    let kv = RedbReadKv::new(&txn);
    for layout in byte_tables::ALL {
        let rows = kv
            .range(layout.name, crate::store::kv::Span::all())
            .unwrap();
        let [(k, v)] = rows.as_slice() else {
            panic!("{}: {} rows", layout.name, rows.len());
        };
        let seen = (layout.key_json(k).unwrap(), layout.value_json(v).unwrap());
        assert_eq!(seen, sample(layout.key, layout.value), "{}", layout.name);
        assert_eq!(
            layout.key_bytes(&seen.0).unwrap(),
            *k,
            "{}: the backup's key reads back",
            layout.name
        );
    }
}
