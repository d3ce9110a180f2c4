//! Hybrid ranking, when the shop configured an embeddings model: the lexical ranking and the ranking by
//! vector similarity are fused by reciprocal rank (each source scores `1/(K + rank)` in each list), so that
//! a question sharing no word with its article ("寝る前に飲んでも大丈夫？" for the caffeine article) can still
//! find it. "Found" stays the lexical rule, or a passage whose vector is at least [`FOUND_SIMILARITY`]
//! close to the question's. Pure: vectors come from the caller.

use std::collections::HashMap;

use super::{Hit, Index, Source};

/// Reciprocal-rank fusion's constant (the usual 60).
const K: f64 = 60.0;
/// Cosine similarity that counts as found by itself.
pub const FOUND_SIMILARITY: f64 = 0.75;

/// Cosine similarity of two vectors (0 when either is empty or their lengths differ).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

impl Index {
    /// Each passage's text as an embeddings model should read it (title, then text), in index order.
    pub fn texts(&self) -> Vec<String> {
        self.passages
            .iter()
            .map(|p| format!("{}\n{}", p.title, p.text))
            .collect()
    }

    /// Like [`Index::search`], ranked by both words and vectors: `vectors[i]` is passage `i`'s (see
    /// [`Index::texts`]; `None` where it is missing), `question` the question's.
    pub fn search_hybrid(
        &self,
        text: &str,
        question: &[f32],
        vectors: &[Option<Vec<f32>>],
        limit: usize,
    ) -> Vec<Hit> {
        let (hits, found) = self.fuse(text, question, vectors);
        if !found {
            return Vec::new();
        }
        hits.into_iter().take(limit).collect()
    }

    /// Every source by fused rank, found or not (for measuring the ranking).
    pub fn rank_hybrid(
        &self,
        text: &str,
        question: &[f32],
        vectors: &[Option<Vec<f32>>],
    ) -> Vec<Hit> {
        self.fuse(text, question, vectors).0
    }

    /// The fused ranking, and whether its best counts as found.
    fn fuse(&self, text: &str, question: &[f32], vectors: &[Option<Vec<f32>>]) -> (Vec<Hit>, bool) {
        let lexical = self.rank(text);
        let lexically_found = !self.search(text, 1).is_empty();
        // Each source's best passage by similarity.
        let mut similar: HashMap<Source, (f64, usize)> = HashMap::new();
        for (i, p) in self.passages.iter().enumerate() {
            let Some(Some(v)) = vectors.get(i) else {
                continue;
            };
            let s = cosine(question, v);
            if similar.get(&p.source).is_none_or(|(best, _)| s > *best) {
                similar.insert(p.source, (s, i));
            }
        }
        let mut by_vector: Vec<(Source, f64, usize)> = similar
            .into_iter()
            .map(|(s, (sim, i))| (s, sim, i))
            .collect();
        by_vector.sort_by(|a, b| b.1.total_cmp(&a.1));
        let best_similarity = by_vector.first().map_or(0.0, |v| v.1);
        let found = lexically_found || best_similarity >= FOUND_SIMILARITY;
        let mut fused: HashMap<Source, (f64, Option<Hit>)> = HashMap::new();
        // Matches too weak to count as found are noise, not a ranking.
        let lexical = if lexically_found { lexical } else { Vec::new() };
        for (rank, hit) in lexical.into_iter().enumerate() {
            let e = fused.entry(hit.source).or_insert((0.0, None));
            e.0 += 1.0 / (K + rank as f64 + 1.0);
            e.1 = Some(hit);
        }
        for (rank, (source, _, i)) in by_vector.into_iter().enumerate() {
            let p = &self.passages[i];
            let e = fused.entry(source).or_insert((0.0, None));
            e.0 += 1.0 / (K + rank as f64 + 1.0);
            e.1.get_or_insert_with(|| Hit {
                source,
                title: p.title.clone(),
                text: p.text.clone(),
                score: 0.0,
                coverage: 0.0,
            });
        }
        let mut hits: Vec<(f64, Hit)> = fused
            .into_values()
            .filter_map(|(score, hit)| hit.map(|h| (score, h)))
            .collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0));
        let hits = hits
            .into_iter()
            .map(|(score, mut h)| {
                h.score = score;
                h
            })
            .collect();
        (hits, found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::Article;

    fn article(id: u64, title: &str, body: &str) -> Article {
        Article {
            id,
            title: title.into(),
            body: body.into(),
            language: "ja".into(),
            keywords: Vec::new(),
            category: String::new(),
            created_at: 0,
        }
    }

    #[test]
    fn vectors_find_what_shares_no_word_and_nothing_close_stays_not_found() {
        let index = Index::new(
            &[
                article(1, "カフェインについて", "煎茶にはカフェインが含まれます。"),
                article(2, "送料について", "送料は全国一律550円です。"),
            ],
            &[],
        );
        assert_eq!(index.texts().len(), 2);
        let vectors = vec![Some(vec![1.0, 0.0]), Some(vec![0.0, 1.0])];
        let question = "寝る前に飲んでも大丈夫？";
        assert!(index.search(question, 3).is_empty(), "no shared word");
        let hits = index.search_hybrid(question, &[0.9, 0.1], &vectors, 3);
        assert_eq!(hits.first().map(|h| h.source), Some(Source::Article(1)));
        assert!(
            index
                .search_hybrid(question, &[0.5, 0.5], &vectors, 3)
                .is_empty()
        );
        let hits = index.search_hybrid("送料はいくら？", &[0.0, 1.0], &vectors, 3);
        assert_eq!(hits.first().map(|h| h.source), Some(Source::Article(2)));
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-9);
        assert_eq!(cosine(&[1.0], &[1.0, 2.0]), 0.0);
    }
}
