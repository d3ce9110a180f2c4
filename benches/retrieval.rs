//! How well the FAQ search finds the article that answers a customer's question, on the question set in
//! `benches/retrieval/shop_faq.json` (see its README): recall@1 and recall@3 over the answerable
//! questions, and the share of unanswerable ones answered "not found".
//!
//! `cargo bench --bench retrieval`

use serde::Deserialize;
use sodan::faq::{Article, search};

#[derive(Deserialize)]
struct Set {
    articles: Vec<Article>,
    questions: Vec<Question>,
}

#[derive(Deserialize)]
struct Question {
    q: String,
    answers: Vec<u64>,
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/retrieval/shop_faq.json"
    );
    let set: Set = serde_json::from_str(&std::fs::read_to_string(path).expect("the question set"))
        .expect("the question set parses");
    let (mut answerable, mut at1, mut at3, mut unanswerable, mut not_found) = (0, 0, 0, 0, 0);
    let mut misses = Vec::new();
    for question in &set.questions {
        let found: Vec<u64> = search(&set.articles, &question.q, 3)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        if question.answers.is_empty() {
            unanswerable += 1;
            not_found += usize::from(found.is_empty());
            continue;
        }
        answerable += 1;
        let hit = |n: usize| found.iter().take(n).any(|id| question.answers.contains(id));
        at1 += usize::from(hit(1));
        at3 += usize::from(hit(3));
        if !hit(3) {
            misses.push(question.q.as_str());
        }
    }
    let share = |n: usize, of: usize| n as f64 / of.max(1) as f64;
    println!(
        "retrieval (lexical, {} articles): recall@1 {:.2}, recall@3 {:.2} over {answerable} questions; \
         \"not found\" for {:.2} of {unanswerable} unanswerable",
        set.articles.len(),
        share(at1, answerable),
        share(at3, answerable),
        share(not_found, unanswerable)
    );
    println!("missed in the top 3: {misses:?}");
}
