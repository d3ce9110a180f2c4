use std::ops::Bound;

use serde::{Deserialize, Serialize};

use super::{Json, Stored, Table, Typed, TypedRead};
use crate::store::kv::tests::database;
use crate::store::kv::{Kv, RedbKv};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    text: String,
}

const NOTES: Table<u64, Json<Note>> = Table::new("notes");
const MINE: Table<(u64, u64), ()> = Table::new("mine");
const IDS: Table<String, u64> = Table::new("ids");

#[test]
fn typed_tables_read_back_what_they_wrote_in_key_order() {
    let (_dir, db) = database();
    let txn = db.begin_write().unwrap();
    let kv = RedbKv::new(&txn);
    let note = Json(Note {
        text: "こんにちは".into(),
    });
    kv.put_in(&NOTES, &7, &note).unwrap();
    assert_eq!(kv.get_in(&NOTES, &7).unwrap(), Some(note));
    assert_eq!(kv.get_in(&NOTES, &8).unwrap(), None);

    for (visitor, conversation) in [(2, 300), (1, 256), (1, 255), (2, 1)] {
        kv.put_in(&MINE, &(visitor, conversation), &()).unwrap();
    }
    let latest_of_1 = kv
        .range_in(
            &MINE,
            (Bound::Included(&(1, 0)), Bound::Included(&(1, u64::MAX))),
            true,
            1,
        )
        .unwrap();
    assert_eq!(
        latest_of_1,
        [((1, 256), ())],
        "the visitor's latest conversation"
    );
    let of_2: Vec<_> = kv
        .range_in(
            &MINE,
            (Bound::Excluded(&(1, u64::MAX)), Bound::Unbounded),
            false,
            10,
        )
        .unwrap()
        .into_iter()
        .map(|(k, ())| k)
        .collect();
    assert_eq!(of_2, [(2, 1), (2, 300)]);

    kv.put_in(&IDS, &"a@shop.example".to_string(), &42).unwrap();
    assert!(kv.delete_in(&IDS, &"a@shop.example".to_string()).unwrap());
    assert_eq!(
        kv.get_in(&IDS, &"a@shop.example".to_string()).unwrap(),
        None
    );
}

#[test]
fn bytes_that_no_value_writes_are_an_error_not_a_panic() {
    assert!(u64::from_stored(&[1, 2, 3]).is_err());
    assert_eq!(u64::from_stored(&7u64.to_stored().unwrap()).unwrap(), 7);
    assert!(Json::<Note>::from_stored(b"{not json").is_err());
    let (_dir, db) = database();
    let txn = db.begin_write().unwrap();
    let kv = RedbKv::new(&txn);
    kv.put("ids", b"no end mark", &[0; 8]).unwrap();
    assert!(
        kv.range_in(&IDS, (Bound::Unbounded, Bound::Unbounded), false, 10)
            .is_err(),
        "a key written some other way is reported"
    );
}

#[test]
fn scans_cross_pages_in_both_directions_and_stop_when_told() {
    let (_dir, db) = database();
    let txn = db.begin_write().unwrap();
    let kv = RedbKv::new(&txn);
    // More than two pages of one visitor, between rows of two others.
    for conversation in 0..600u64 {
        kv.put_in(&MINE, &(5, conversation), &()).unwrap();
    }
    kv.put_in(&MINE, &(4, 9), &()).unwrap();
    kv.put_in(&MINE, &(6, 0), &()).unwrap();
    let of_5 = (Bound::Included(&(5, 0)), Bound::Included(&(5, u64::MAX)));
    let mut seen = Vec::new();
    kv.scan_in(&MINE, of_5, false, |(_, c), ()| {
        seen.push(c);
        Ok(true)
    })
    .unwrap();
    assert_eq!(seen, (0..600).collect::<Vec<_>>());
    let mut newest = Vec::new();
    kv.scan_in(&MINE, of_5, true, |(_, c), ()| {
        newest.push(c);
        Ok(newest.len() < 300)
    })
    .unwrap();
    assert_eq!(
        newest,
        (300..600).rev().collect::<Vec<_>>(),
        "stops where told"
    );
}

const SENT: Table<(String, String), u64> = Table::new("sent");

#[test]
fn a_prefix_scan_reads_one_first_part_and_no_longer_one_that_starts_the_same() {
    let (_dir, db) = database();
    let txn = db.begin_write().unwrap();
    let kv = RedbKv::new(&txn);
    // "v1" is a prefix of "v12" as text; and a first part may hold 0x00 and 0xFF-sorting characters.
    let rows = [
        ("v1", "a"),
        ("v1", "ÿ"),
        ("v12", "a"),
        ("v", "z"),
        ("v1\0", "b"),
    ];
    for (n, (sender, client)) in rows.iter().enumerate() {
        kv.put_in(
            &SENT,
            &(sender.to_string(), client.to_string()),
            &(n as u64),
        )
        .unwrap();
    }
    let of = |first: &str, reverse: bool| {
        let mut seen = Vec::new();
        kv.scan_prefix_in(&SENT, &first.to_string(), reverse, |(_, client), n| {
            seen.push((client, n));
            Ok(true)
        })
        .unwrap();
        seen
    };
    assert_eq!(
        of("v1", false),
        [("a".to_string(), 0), ("ÿ".to_string(), 1)]
    );
    assert_eq!(of("v1", true), [("ÿ".to_string(), 1), ("a".to_string(), 0)]);
    assert_eq!(of("v1\0", false), [("b".to_string(), 4)]);
    assert_eq!(of("w", false), []);
}
