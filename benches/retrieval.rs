//! How well the FAQ search finds the article that answers a customer's question, on the question set in
//! `benches/retrieval/shop_faq.json` (see its README): recall@1 and recall@3 of the ranking, how often the
//! bot offers the right article (after its "found" threshold), and the share of unanswerable questions
//! answered "not found".
//!
//! `cargo bench --bench retrieval`; with an embeddings model (Ollama: `ollama pull bge-m3`) also the
//! hybrid figures: `SODAN_BENCH_EMBEDDINGS=http://127.0.0.1:11434/v1 SODAN_BENCH_EMBED_MODEL=bge-m3 cargo
//! bench --bench retrieval`.

use sodan::retrieval::measure::{Figures, Set, measure, measure_hybrid};

fn report(name: &str, f: &Figures) {
    println!(
        "{name}: ranking recall@1 {:.3}, recall@3 {:.3}; offered by the bot: right article first {:.3}, \
         among those offered {:.3}; unanswerable answered \"not found\" {:.3}",
        f.recall_1, f.recall_3, f.answered_1, f.answered_3, f.not_found
    );
}

/// Hybrid figures from the embeddings endpoint the environment names, if any.
fn hybrid(set: &Set) -> Option<Figures> {
    let base = std::env::var("SODAN_BENCH_EMBEDDINGS").ok()?;
    let settings = sodan::ai::AiSettings {
        enabled: true,
        base_url: base,
        embed_model: std::env::var("SODAN_BENCH_EMBED_MODEL").unwrap_or_else(|_| "bge-m3".into()),
        timeout_secs: 120,
        ..sodan::ai::AiSettings::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let stats = sodan::ai::client::Stats::default();
    let cache = std::cell::RefCell::new(std::collections::HashMap::<String, Vec<f32>>::new());
    let vector = |text: &str| {
        if let Some(v) = cache.borrow().get(text) {
            return v.clone();
        }
        let v = runtime
            .block_on(sodan::ai::client::embed(
                &settings,
                &stats,
                &[text.to_owned()],
            ))
            .expect("the embeddings endpoint answers")
            .pop()
            .unwrap_or_default();
        cache.borrow_mut().insert(text.to_owned(), v.clone());
        v
    };
    Some(measure_hybrid(set, &vector))
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/retrieval/shop_faq.json"
    );
    let set: Set = serde_json::from_str(&std::fs::read_to_string(path).expect("the question set"))
        .expect("the question set parses");
    let f = measure(&set);
    println!(
        "retrieval ({} articles, {} answerable and {} unanswerable questions)",
        set.articles.len(),
        f.answerable,
        f.unanswerable
    );
    report("lexical", &f);
    match hybrid(&set) {
        Some(h) => report("hybrid", &h),
        None => {
            println!("hybrid: not measured (set SODAN_BENCH_EMBEDDINGS to an embeddings endpoint)")
        }
    }
    println!("lexical misses:");
    for m in &f.misses {
        println!("  {m}");
    }
}
