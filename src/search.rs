//! The console's message search: what a query means, and the terms a message is indexed under.
//!
//! A query is read as words and Japanese: a conversation matches when one of its messages has every word
//! of the query as a whole word, the last one also as the start of a word (so "ship" finds "shipping" while
//! the operator types), and every run of Japanese characters of the query as written (kana and kanji have
//! no spaces between words). Letters are compared lower-cased.
//!
//! The store keeps, per conversation, the words of its messages and each pair of neighbouring Japanese
//! characters (the character classes the FAQ search uses). Any message that matches a query has all of the
//! query's whole words and pairs, so the conversations that have them all are the only ones that need to be
//! read; reading them with [`Query::matches`] gives exactly what reading every message would.

use std::collections::BTreeSet;

use crate::conversations::ConversationId;
use crate::retrieval::terms::is_cjk;
use crate::store::{Error, Store};

/// A piece of text: a word (letters and digits) or a run of Japanese characters.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Word(String),
    Japanese(String),
}

/// The pieces of `text`, lower-cased, in order; `true` when the text ends inside its last piece.
fn pieces(text: &str) -> (Vec<Piece>, bool) {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut japanese = false;
    let mut ends_inside = false;
    let flush = |current: &mut String, japanese: bool, out: &mut Vec<Piece>| {
        if !current.is_empty() {
            let piece = std::mem::take(current);
            out.push(if japanese {
                Piece::Japanese(piece)
            } else {
                Piece::Word(piece)
            });
        }
    };
    for c in text.chars() {
        let cjk = is_cjk(c);
        if cjk || c.is_alphanumeric() {
            if !current.is_empty() && cjk != japanese {
                flush(&mut current, japanese, &mut out);
            }
            japanese = cjk;
            current.extend(c.to_lowercase());
            ends_inside = true;
        } else {
            flush(&mut current, japanese, &mut out);
            ends_inside = false;
        }
    }
    flush(&mut current, japanese, &mut out);
    (out, ends_inside)
}

/// The pairs of neighbouring characters of a Japanese run.
fn pairs(run: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = run.chars().collect();
    (1..chars.len())
        .map(move |i| chars[i - 1..=i].iter().collect::<String>())
        .collect::<Vec<_>>()
        .into_iter()
}

/// The terms a message is indexed under: its words and the pairs of its Japanese runs, once each.
pub fn terms(body: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for piece in pieces(body).0 {
        match piece {
            Piece::Word(w) => {
                out.insert(w);
            }
            Piece::Japanese(run) => out.extend(pairs(&run)),
        }
    }
    out
}

/// A parsed search query.
#[derive(Debug, Clone)]
pub struct Query {
    /// Words that must appear whole.
    words: Vec<String>,
    /// The last word, when the query ends inside it: it may be the start of a longer word.
    prefix: Option<String>,
    /// Japanese runs that must appear as written.
    runs: Vec<String>,
}

impl Query {
    /// Reads what the operator typed.
    pub fn parse(text: &str) -> Query {
        let (mut pieces, ends_inside) = pieces(text);
        let prefix = match pieces.last() {
            Some(Piece::Word(_)) if ends_inside => match pieces.pop() {
                Some(Piece::Word(w)) => Some(w),
                _ => None,
            },
            _ => None,
        };
        let mut words = Vec::new();
        let mut runs = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Word(w) => words.push(w),
                Piece::Japanese(r) => runs.push(r),
            }
        }
        Query {
            words,
            prefix,
            runs,
        }
    }

    /// Whether the query asks for anything (punctuation alone matches nothing).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.prefix.is_none() && self.runs.is_empty()
    }

    /// Whether a message's text matches.
    pub fn matches(&self, body: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        let (pieces, _) = pieces(body);
        let has_word = |w: &str| pieces.iter().any(|p| matches!(p, Piece::Word(x) if x == w));
        let lower = body.to_lowercase();
        self.words.iter().all(|w| has_word(w))
            && self.prefix.as_ref().is_none_or(|p| {
                pieces
                    .iter()
                    .any(|x| matches!(x, Piece::Word(x) if x.starts_with(p.as_str())))
            })
            && self.runs.iter().all(|r| lower.contains(r.as_str()))
    }

    /// Whether the index alone answers: one word, one word start, or one pair of Japanese characters is
    /// in a conversation exactly when one of its messages has it (messages are never edited, and a
    /// conversation leaves the index with all of its messages).
    fn answered_by_index(&self) -> bool {
        match (
            self.words.len(),
            self.prefix.is_some(),
            self.runs.as_slice(),
        ) {
            (1, false, []) | (0, true, []) => true,
            (0, false, [run]) => run.chars().count() == 2,
            _ => false,
        }
    }

    /// The index terms every matching message has (whole words and Japanese pairs).
    fn required_terms(&self) -> Vec<String> {
        let mut out: BTreeSet<String> = self.words.iter().cloned().collect();
        for run in &self.runs {
            out.extend(pairs(run));
        }
        out.into_iter().collect()
    }
}

/// Conversations with a message that matches `query`.
pub async fn conversations(store: &Store, query: &str) -> Result<BTreeSet<ConversationId>, Error> {
    let query = Query::parse(query);
    if query.is_empty() {
        return Ok(BTreeSet::new());
    }
    let required = query.required_terms();
    // A lone word prefix is looked up as the words that start with it, when it is long enough to narrow.
    let prefix = query
        .prefix
        .clone()
        .filter(|p| required.is_empty() && p.chars().count() >= 2);
    let candidates = if required.is_empty() && prefix.is_none() {
        // A single Japanese character or a one-letter word: every message is read.
        None
    } else {
        let found = store.conversations_with_terms(required, prefix).await?;
        if query.answered_by_index() {
            return Ok(found);
        }
        Some(found)
    };
    Ok(store
        .conversations_with_message(candidates, move |body| query.matches(body))
        .await?
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
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
}
