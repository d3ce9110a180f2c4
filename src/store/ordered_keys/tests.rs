use std::fmt::Debug;

use proptest::prelude::*;

use super::OrderedKey;

/// Bytes compare as the keys do, and read back as the same keys.
fn agrees<K: OrderedKey + Ord + Debug>(a: &K, b: &K) -> Result<(), TestCaseError> {
    let (x, y) = (a.to_ordered(), b.to_ordered());
    prop_assert_eq!(x.cmp(&y), a.cmp(b), "{:?} {:?} as {:?} {:?}", a, b, x, y);
    let back = K::from_ordered(&x);
    prop_assert_eq!(back.as_ref(), Some(a));
    Ok(())
}

/// Byte strings biased towards 0x00 and 0xFF, where escaping and end marks can go wrong.
fn edgy_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![Just(0u8), Just(1u8), Just(0xFF), any::<u8>()],
        0..6,
    )
}

fn edgy_text() -> impl Strategy<Value = String> {
    prop_oneof!["[\u{0}\u{1}a-c\u{FF}日本]{0,5}", any::<String>()]
}

fn edgy_number() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(u64::MAX), 0..300u64, any::<u64>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn digests_sort_as_bytes(a in any::<[u8; 32]>(), b in any::<[u8; 32]>(), n in edgy_number()) {
        agrees(&a, &b)?;
        agrees(&(n, a), &(n, b))?;
    }

    #[test]
    fn numbers_sort_as_bytes(a in edgy_number(), b in edgy_number()) {
        agrees(&a, &b)?;
    }

    #[test]
    fn byte_strings_sort_as_bytes(a in edgy_bytes(), b in edgy_bytes()) {
        agrees(&a, &b)?;
    }

    #[test]
    fn texts_sort_as_bytes(a in edgy_text(), b in edgy_text()) {
        agrees(&a, &b)?;
    }

    #[test]
    fn a_string_then_a_number_sorts_as_the_pair(
        a in (edgy_bytes(), edgy_number()),
        b in (edgy_bytes(), edgy_number()),
    ) {
        agrees(&a, &b)?;
    }

    #[test]
    fn pairs_and_triples_of_the_tables_sort_as_bytes(
        pair in ((edgy_number(), edgy_number()), (edgy_number(), edgy_number())),
        texts in ((edgy_text(), edgy_text()), (edgy_text(), edgy_text())),
        mixed in ((edgy_number(), edgy_bytes()), (edgy_number(), edgy_bytes())),
        triple in (
            (edgy_number(), edgy_number(), edgy_number()),
            (edgy_number(), edgy_number(), edgy_number()),
        ),
    ) {
        agrees(&pair.0, &pair.1)?;
        agrees(&texts.0, &texts.1)?;
        agrees(&mixed.0, &mixed.1)?;
        agrees(&triple.0, &triple.1)?;
    }

    #[test]
    fn any_bytes_read_back_as_a_key_or_as_nothing(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
        // Never a panic; and whatever reads back writes the same bytes.
        if let Some(key) = <(String, Vec<u8>)>::from_ordered(&bytes) {
            prop_assert_eq!(key.to_ordered(), bytes.clone());
        }
        if let Some(key) = <(u64, String)>::from_ordered(&bytes) {
            prop_assert_eq!(key.to_ordered(), bytes);
        }
    }
}

#[test]
fn a_prefix_sorts_first_even_before_a_next_part_starting_with_0xff() {
    let short = (b"ab".to_vec(), u64::MAX);
    let long = (b"ab\0".to_vec(), 0u64);
    assert!(short < long);
    assert!(short.to_ordered() < long.to_ordered());
    assert_eq!(
        b"a\0".to_vec().to_ordered(),
        vec![b'a', 0, 1, 0, 0],
        "0x00 is escaped, then the end mark"
    );
    assert_eq!(7u64.to_ordered(), vec![0, 0, 0, 0, 0, 0, 0, 7]);
    assert_eq!(<(u64, u64)>::from_ordered(&[0; 15]), None, "too short");
    assert_eq!(String::from_ordered(&[0xC3, 0, 0]), None, "not UTF-8");
    assert_eq!(Vec::<u8>::from_ordered(&[b'a', 0, 2]), None, "a bad escape");
}
