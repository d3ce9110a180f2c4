//! How well the FAQ search finds the article that answers a customer's question, on the question set in
//! `benches/retrieval/shop_faq.json` (see its README): recall@1 and recall@3 of the ranking, how often the
//! bot offers the right article (after its "found" threshold), and the share of unanswerable questions
//! answered "not found".
//!
//! `cargo bench --bench retrieval`

use sodan::retrieval::measure::{Set, measure};

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/retrieval/shop_faq.json"
    );
    let set: Set = serde_json::from_str(&std::fs::read_to_string(path).expect("the question set"))
        .expect("the question set parses");
    let f = measure(&set);
    println!(
        "retrieval (lexical, {} articles, {} answerable and {} unanswerable questions):",
        set.articles.len(),
        f.answerable,
        f.unanswerable
    );
    println!(
        "  ranking: recall@1 {:.3}, recall@3 {:.3}",
        f.recall_1, f.recall_3
    );
    println!(
        "  offered by the bot: right article first {:.3}, among those offered {:.3}",
        f.answered_1, f.answered_3
    );
    println!("  unanswerable answered \"not found\": {:.3}", f.not_found);
    println!("misses:");
    for m in &f.misses {
        println!("  {m}");
    }
}
