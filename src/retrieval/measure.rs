//! How well retrieval does on a question set (`benches/retrieval/shop_faq.json`): the bench prints these
//! figures and a unit test holds them.

use serde::Deserialize;

use super::{Index, Source};
use crate::faq::Article;

/// A question set: a shop's articles and its customers' questions.
#[derive(Debug, Deserialize)]
pub struct Set {
    /// The FAQ.
    pub articles: Vec<Article>,
    /// The questions.
    pub questions: Vec<Question>,
}

/// A customer's question and the articles that answer it (none: no article does).
#[derive(Debug, Deserialize)]
pub struct Question {
    /// As the customer wrote it.
    pub q: String,
    /// The ids of the articles that answer it.
    pub answers: Vec<u64>,
}

/// The figures, as shares of the answerable or unanswerable questions.
#[derive(Debug, Default)]
pub struct Figures {
    /// Answerable questions.
    pub answerable: usize,
    /// Unanswerable questions.
    pub unanswerable: usize,
    /// Ranking: an answering article first.
    pub recall_1: f64,
    /// Ranking: an answering article among the first three.
    pub recall_3: f64,
    /// What the bot does: an answering article first and the question counted as found.
    pub answered_1: f64,
    /// What the bot does: an answering article among those it offers (up to three).
    pub answered_3: f64,
    /// Unanswerable questions answered "not found".
    pub not_found: f64,
    /// What went wrong, one line per question.
    pub misses: Vec<String>,
}

fn ids(hits: &[super::Hit]) -> Vec<u64> {
    hits.iter()
        .filter_map(|h| match h.source {
            Source::Article(id) => Some(id),
            Source::Answer(_) => None,
        })
        .collect()
}

/// Measures lexical retrieval on `set`.
pub fn measure(set: &Set) -> Figures {
    measure_with(
        set,
        &|index, question| index.rank(question),
        &|index, question| index.search(question, 3),
    )
}

/// Measures hybrid retrieval on `set`, with `vector(text)` from an embeddings model.
pub fn measure_hybrid(set: &Set, vector: &dyn Fn(&str) -> Vec<f32>) -> Figures {
    let index = Index::new(&set.articles, &[]);
    let passages: Vec<Option<Vec<f32>>> = index.texts().iter().map(|t| Some(vector(t))).collect();
    measure_with(
        set,
        &|index, question| index.rank_hybrid(question, &vector(question), &passages),
        &|index, question| index.search_hybrid(question, &vector(question), &passages, 3),
    )
}

/// A ranking of every source, or what the bot offers (none when not found).
type Search<'a> = dyn Fn(&Index, &str) -> Vec<super::Hit> + 'a;

fn measure_with(set: &Set, rank: &Search, offer: &Search) -> Figures {
    let index = Index::new(&set.articles, &[]);
    let mut f = Figures::default();
    let (mut r1, mut r3, mut a1, mut a3, mut nf) = (0, 0, 0, 0, 0);
    for q in &set.questions {
        let offered = ids(&offer(&index, &q.q));
        let ranked = ids(&rank(&index, &q.q));
        if q.answers.is_empty() {
            f.unanswerable += 1;
            nf += usize::from(offered.is_empty());
            if !offered.is_empty() {
                f.misses
                    .push(format!("unanswerable, offered {offered:?}: {}", q.q));
            }
            continue;
        }
        f.answerable += 1;
        let within = |ids: &[u64], n: usize| ids.iter().take(n).any(|id| q.answers.contains(id));
        r1 += usize::from(within(&ranked, 1));
        r3 += usize::from(within(&ranked, 3));
        a1 += usize::from(within(&offered, 1));
        a3 += usize::from(within(&offered, 3));
        if !within(&offered, 1) {
            let top: Vec<u64> = ranked.iter().take(3).copied().collect();
            f.misses.push(format!(
                "wanted {:?}, ranked {top:?}, offered {offered:?}: {}",
                q.answers, q.q
            ));
        }
    }
    let share = |n: usize, of: usize| n as f64 / of.max(1) as f64;
    f.recall_1 = share(r1, f.answerable);
    f.recall_3 = share(r3, f.answerable);
    f.answered_1 = share(a1, f.answerable);
    f.answered_3 = share(a3, f.answerable);
    f.not_found = share(nf, f.unanswerable);
    f
}
