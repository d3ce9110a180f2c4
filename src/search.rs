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
mod tests;
