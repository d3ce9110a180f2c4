//! Finds what answers a visitor's question: passages of the FAQ's articles and questions the team has
//! answered before, ranked by BM25 over the terms of [`terms`] (English words, Japanese character pairs
//! as written and as read), in both languages whatever the visitor's, with a threshold that tells
//! "found" from "not found". The keyword bot, the AI's answers and the operators' drafts all use it.
//! Pure: the caller brings the articles and answers and keeps the index while they do not change.

pub mod hybrid;
pub mod measure;
pub mod readings;
pub mod terms;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::faq::{Article, ArticleId, plain_text};

/// BM25's term-frequency saturation.
const K1: f64 = 1.2;
/// BM25's length normalisation.
const B: f64 = 0.75;
/// A passage grows to about this many characters before the next starts.
const PASSAGE_CHARS: usize = 400;
/// The share of a question's content words its best match must cover to count as found (with
/// [`FOUND_SCORE`]).
pub const FOUND_COVERAGE: f64 = 0.35;
/// How much a passage's score rests on covering the question's words rather than on its terms alone.
const FIT: f64 = 0.25;
/// The least share of a word's terms that counts as matching part of it.
const PARTIAL: f64 = 0.5;
/// The fewest passages rarity is reckoned over.
const MIN_CORPUS: usize = 50;
/// The share of its content words that makes a short question's best match found whatever its score.
pub const FOUND_ALL_WORDS: f64 = 0.5;
/// The least score that counts as found (BM25 of a good match on this scale is 5 to 30).
pub const FOUND_SCORE: f64 = 3.0;

/// Where a passage comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// An FAQ article.
    Article(ArticleId),
    /// A question answered in a resolved conversation (the conversation's id).
    Answer(u64),
}

/// A question a visitor asked and the reply that answered it, from a resolved conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Answered {
    /// The conversation.
    pub conversation: u64,
    /// The visitor's question.
    pub question: String,
    /// The team's reply.
    pub reply: String,
}

/// A passage found for a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Where it comes from.
    pub source: Source,
    /// The article's title or the answered question.
    pub title: String,
    /// The passage's text.
    pub text: String,
    /// BM25 score.
    pub score: f64,
    /// The share of the question's weight it matched (0 to 1).
    pub coverage: f64,
}

struct Passage {
    source: Source,
    language: String,
    title: String,
    text: String,
    /// Title, keywords and text, lower-cased, to find a question's words in.
    text_lower: String,
    /// How all of that reads, to find a question's sounds in.
    reading: String,
    tf: HashMap<String, f64>,
    len: f64,
}

/// A passage before indexing: where from, language, title, text, and its fields with their weights.
type Unindexed = (Source, String, String, String, Vec<(String, f64)>);

/// The searchable passages of a shop.
pub struct Index {
    passages: Vec<Passage>,
    df: HashMap<String, usize>,
    avg_len: f64,
}

fn add_terms(tf: &mut HashMap<String, f64>, text: &str, weight: f64) {
    for term in terms::of_document(text) {
        *tf.entry(term).or_insert(0.0) += weight;
    }
}

/// An article's body cut at paragraphs into passages of about [`PASSAGE_CHARS`].
fn passages_of(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for paragraph in plain_text(body)
        .split('\n')
        .filter(|p| !p.trim().is_empty())
    {
        match out.last_mut() {
            Some(last) if last.chars().count() + paragraph.chars().count() <= PASSAGE_CHARS => {
                last.push('\n');
                last.push_str(paragraph);
            }
            _ => out.push(paragraph.to_owned()),
        }
    }
    out
}

impl Index {
    /// Indexes the articles, passage by passage (title and keywords weigh three times the text), and
    /// the answered questions (the question weighs twice the reply).
    pub fn new(articles: &[Article], answered: &[Answered]) -> Index {
        let mut raw: Vec<Unindexed> = Vec::new();
        for a in articles {
            for text in passages_of(&a.body) {
                let fields = vec![
                    (a.title.clone(), 3.0),
                    (a.keywords.join("、"), 3.0),
                    (text.clone(), 1.0),
                ];
                raw.push((
                    Source::Article(a.id),
                    a.language.clone(),
                    a.title.clone(),
                    text,
                    fields,
                ));
            }
        }
        for q in answered {
            let language = if terms::is_japanese(&q.question) {
                "ja"
            } else {
                "en"
            };
            let fields = vec![(q.question.clone(), 2.0), (q.reply.clone(), 1.0)];
            raw.push((
                Source::Answer(q.conversation),
                language.to_owned(),
                q.question.clone(),
                q.reply.clone(),
                fields,
            ));
        }
        let mut df: HashMap<String, usize> = HashMap::new();
        let passages: Vec<Passage> = raw
            .into_iter()
            .map(|(source, language, title, text, fields)| {
                let mut tf = HashMap::new();
                for (field, weight) in &fields {
                    add_terms(&mut tf, field, *weight);
                }
                for term in tf.keys() {
                    *df.entry(term.clone()).or_insert(0) += 1;
                }
                let all: Vec<&str> = fields.iter().map(|f| f.0.as_str()).collect();
                let all = all.join("\n");
                Passage {
                    source,
                    language,
                    title,
                    text,
                    text_lower: all.to_lowercase(),
                    reading: readings::reading(&all),
                    len: tf.values().sum(),
                    tf,
                }
            })
            .collect();
        let avg_len = passages.iter().map(|p| p.len).sum::<f64>() / passages.len().max(1) as f64;
        Index {
            passages,
            df,
            avg_len,
        }
    }

    /// How rare a term is. A shop with a handful of articles is scored as if it had [`MIN_CORPUS`]
    /// passages, so that the "found" threshold means the same for a small FAQ as for a large one.
    fn idf(&self, term: &str) -> f64 {
        let n = self.passages.len().max(MIN_CORPUS) as f64;
        let df = self.df.get(term).copied().unwrap_or(0) as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The share of a question's content words a passage matches, each weighing as rare as it is:
    /// all of a word whose text or sound the passage has, else the share of its terms it has.
    fn coverage(&self, q: &terms::Question, p: &Passage) -> f64 {
        let rarity = |terms: &[String]| terms.iter().map(|t| self.idf(t)).sum::<f64>();
        let (mut found, mut total) = (0.0, 0.0);
        for unit in &q.units {
            let weight = unit.weight * rarity(&unit.own) / unit.own.len().max(1) as f64;
            let outright = unit
                .phrases
                .iter()
                .any(|t| p.text_lower.contains(&t.to_lowercase()))
                || unit.sounds.iter().any(|s| p.reading.contains(s.as_str()));
            let share = if outright {
                1.0
            } else {
                let all = rarity(&unit.terms);
                let seen: Vec<String> = unit
                    .terms
                    .iter()
                    .filter(|t| p.tf.contains_key(*t))
                    .cloned()
                    .collect();
                let share = if all > 0.0 { rarity(&seen) / all } else { 0.0 };
                // A few scattered pairs are chance, not a match.
                if share >= PARTIAL { share } else { 0.0 }
            };
            found += weight * share;
            total += weight;
        }
        if total > 0.0 { found / total } else { 0.0 }
    }

    /// Every source with a match, best first (each with its best passage), found or not.
    pub fn rank(&self, question: &str) -> Vec<Hit> {
        let q = terms::of_question(question);
        let mut wanted: HashMap<&str, f64> = HashMap::new();
        for (term, w) in &q.terms {
            let e = wanted.entry(term).or_insert(0.0);
            *e = e.max(*w);
        }
        let japanese = terms::is_japanese(question);
        let mut best: HashMap<Source, Hit> = HashMap::new();
        for p in &self.passages {
            let mut score = 0.0;
            for (term, w) in &wanted {
                if let Some(&tf) = p.tf.get(*term) {
                    let norm = K1 * (1.0 - B + B * p.len / self.avg_len);
                    score += w * self.idf(term) * tf * (K1 + 1.0) / (tf + norm);
                }
            }
            if score <= 0.0 {
                continue;
            }
            // The visitor's own language goes first when both answer.
            let same = p.language.is_empty() || (p.language == "ja") == japanese;
            if same {
                score *= 1.05;
            }
            // A passage that matches all the question's words beats one that repeats a few.
            let coverage = self.coverage(&q, p);
            score *= FIT + coverage;
            if best.get(&p.source).is_some_and(|b| b.score >= score) {
                continue;
            }
            let hit = Hit {
                source: p.source,
                title: p.title.clone(),
                text: p.text.clone(),
                score,
                coverage,
            };
            best.insert(p.source, hit);
        }
        let mut hits: Vec<Hit> = best.into_values().collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(source_order(a, b)));
        hits
    }

    /// What answers `question`, best first, at most `limit`; empty when nothing answers it well enough
    /// ("not found").
    pub fn search(&self, question: &str, limit: usize) -> Vec<Hit> {
        let mut hits = self.rank(question);
        let found = |h: &Hit| {
            h.coverage >= FOUND_ALL_WORDS
                || (h.coverage >= FOUND_COVERAGE && h.score >= FOUND_SCORE)
        };
        if !hits.first().is_some_and(found) {
            return Vec::new();
        }
        let best = hits[0].score;
        hits.retain(|h| h.score >= best * 0.5);
        hits.truncate(limit);
        hits
    }
}

/// The index of these articles and answered questions, kept between questions while they do not change
/// (one set at a time; a change of any field builds it anew).
pub fn shared(articles: &[Article], answered: &[Answered]) -> Arc<Index> {
    static LAST: Mutex<Option<(u64, Arc<Index>)>> = Mutex::new(None);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for a in articles {
        (a.id, &a.title, &a.body, &a.language, &a.keywords).hash(&mut hasher);
    }
    answered.hash(&mut hasher);
    let key = hasher.finish();
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((k, index)) = last.as_ref()
        && *k == key
    {
        return index.clone();
    }
    let index = Arc::new(Index::new(articles, answered));
    *last = Some((key, index.clone()));
    index
}

fn source_order(a: &Hit, b: &Hit) -> std::cmp::Ordering {
    let key = |h: &Hit| match h.source {
        Source::Article(id) => (0, id),
        Source::Answer(id) => (1, id),
    };
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests;
