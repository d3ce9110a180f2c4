use super::*;

#[test]
fn words_are_whole_except_the_one_being_typed() {
    let q = Query::parse("free ship");
    assert!(q.matches("Free shipping over 5,000 yen"));
    assert!(!q.matches("Carefree shipping"), "free is a whole word");
    assert!(!q.matches("free delivery"));
    let done = Query::parse("ship ");
    assert!(done.matches("we ship today"));
    assert!(!done.matches("shipping"), "a space ends the word");
}

#[test]
fn japanese_runs_match_as_written_and_index_by_pairs() {
    let q = Query::parse("送料");
    assert!(q.matches("送料無料です"));
    assert!(!q.matches("送付します"));
    assert_eq!(q.required_terms(), ["送料"]);
    let t = terms("送料無料 Free SHIPPING");
    assert!(t.contains("送料") && t.contains("料無") && t.contains("無料"));
    assert!(t.contains("free") && t.contains("shipping"));
    // Kanji then kana: one run, pairs across the change of script too.
    assert!(terms("在庫がございます").contains("庫が"));
}

#[test]
fn every_matching_message_has_the_required_terms() {
    let bodies = [
        "Order #1234 shipped to 大阪",
        "注文番号1234の発送",
        "When does the sale end?",
        "セール終了はいつですか",
    ];
    for query in [
        "1234",
        "order 12",
        "大阪",
        "発送",
        "sale end",
        "セール終了",
        "ｾｰﾙ",
    ] {
        let q = Query::parse(query);
        for body in bodies {
            if q.matches(body) {
                let have = terms(body);
                for t in q.required_terms() {
                    assert!(
                        have.contains(&t),
                        "{body:?} matches {query:?} but lacks {t}"
                    );
                }
            }
        }
    }
}

#[test]
fn punctuation_alone_matches_nothing() {
    assert!(Query::parse("?!").is_empty());
    assert!(!Query::parse("?!").matches("?!"));
}

/// A corpus of shop conversations in both languages: every word, every word start and Japanese
/// pieces of every length, asked through the index and by reading every message, give the same
/// conversations.
#[tokio::test]
async fn the_index_finds_exactly_what_reading_every_message_finds() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("sodan.redb")).await.unwrap();
    let bodies = post_corpus(&store, false).await;
    assert_eq!(
        store.index_waiting().await.unwrap(),
        0,
        "an idle writer files at once"
    );
    ask_every_query(&store, &bodies).await;
}

/// The same while the writer is busy: the messages of every other customer still wait to be filed
/// when the queries run, and a search reads them along with the index.
#[tokio::test]
async fn messages_waiting_to_be_indexed_are_found_all_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_queueing(&dir.path().join("sodan.redb")).await;
    let bodies = post_corpus(&store, true).await;
    assert!(store.index_waiting().await.unwrap() > 0, "some still wait");
    ask_every_query(&store, &bodies).await;
    store.file_index_queue().await.unwrap();
    assert_eq!(store.index_waiting().await.unwrap(), 0);
    ask_every_query(&store, &bodies).await;
}

/// Posts a corpus of 60 customers' messages and returns their texts; with `file_some`, the queue is
/// filed before every other customer writes.
async fn post_corpus(store: &Store, file_some: bool) -> Vec<String> {
    use crate::conversations::{Author, Origin};
    use crate::store::Draft;
    let english = [
        "Do you ship to Osaka?",
        "Free shipping over 5,000 yen",
        "Order #1234 has not arrived",
        "Can I return a carefree item?",
        "The sale ends on Sunday",
        "Where is my order?",
        "Is the green tea in stock?",
        "Refund for order 98765 please",
        "I'd like gift-wrapping",
    ];
    let japanese = [
        "送料はいくらですか",
        "送料無料の条件を教えてください",
        "注文番号1234が届きません",
        "返品できますか",
        "セールはいつまでですか",
        "在庫がございます",
        "ｾｰﾙ中です",
        "緑茶の在庫はありますか",
        "大阪へ発送できますか",
        "ギフト包装をお願いします",
    ];
    let mut seed = 7u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    let mut all_bodies = Vec::new();
    for customer in 0..60 {
        if file_some && customer % 2 == 0 {
            store.file_index_queue().await.unwrap();
        }
        let visitor = store
            .create_visitor(crate::tokens::random_bytes::<32>())
            .await
            .unwrap();
        for _ in 0..(1 + next(4)) {
            let body = match next(3) {
                0 => english[next(english.len())].to_owned(),
                1 => japanese[next(japanese.len())].to_owned(),
                _ => format!(
                    "{} {}",
                    english[next(english.len())],
                    japanese[next(japanese.len())]
                ),
            };
            all_bodies.push(body.clone());
            let draft = Draft {
                author: Author::Visitor,
                client_id: None,
                body,
                note: false,
                upload: None,
            };
            store
                .post_visitor_message(visitor.id, draft, Origin::default())
                .await
                .unwrap();
        }
    }
    all_bodies
}

/// Every word, every word start and Japanese pieces of every length of `bodies`, asked through the
/// index and by reading every message, give the same conversations.
async fn ask_every_query(store: &Store, all_bodies: &[String]) {
    let mut queries: BTreeSet<String> = BTreeSet::new();
    for body in all_bodies {
        for piece in pieces(body).0 {
            match piece {
                Piece::Word(w) => {
                    let chars: Vec<char> = w.chars().collect();
                    queries.insert(w.clone());
                    queries.insert(format!("{w} "));
                    queries.insert(chars[..chars.len().min(2)].iter().collect());
                    queries.insert(chars[..chars.len().min(3)].iter().collect());
                }
                Piece::Japanese(run) => {
                    let chars: Vec<char> = run.chars().collect();
                    for len in 1..=4.min(chars.len()) {
                        for start in 0..=chars.len() - len {
                            queries.insert(chars[start..start + len].iter().collect());
                        }
                    }
                }
            }
        }
    }
    queries.extend(
        [
            "order 1234",
            "送料 free",
            "sale 終了",
            "nothing-here",
            "在庫 green",
        ]
        .map(String::from),
    );
    for query in &queries {
        let indexed = conversations(store, query).await.unwrap();
        let parsed = Query::parse(query);
        let read: BTreeSet<ConversationId> = store
            .conversations_with_message(None, move |b| parsed.matches(b))
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(indexed, read, "{query:?}");
    }
    assert!(queries.len() > 200, "{} queries", queries.len());
}
