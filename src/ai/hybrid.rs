//! Search with the shop's embeddings model, when one is configured: passage vectors are computed once per
//! model and text and stored in the data file, the question's for each search, and ranking is hybrid
//! (see [`crate::retrieval::hybrid`]). Without a model, or when it fails, search is lexical: the bot
//! never waits on a missing vector.

use sha2::{Digest, Sha256};

use super::AiSettings;
use super::client::{self, Stats};
use crate::retrieval::{Hit, Index};
use crate::store::Store;

/// Vectors kept.
pub const MAX_VECTORS: u64 = 50_000;
/// Texts per embeddings request.
const BATCH: usize = 32;
/// Requests for missing passage vectors per search; the rest wait for the next search.
const BATCHES_PER_SEARCH: usize = 8;

fn key(model: &str, text: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(model.as_bytes());
    hash.update([0]);
    hash.update(text.as_bytes());
    hash.finalize().into()
}

/// The passages that answer `question`, best first, at most `limit` (empty: not found).
pub async fn search(
    store: &Store,
    settings: &AiSettings,
    stats: &Stats,
    index: &Index,
    question: &str,
    limit: usize,
) -> Vec<Hit> {
    if settings.embed_model.trim().is_empty() {
        return index.search(question, limit);
    }
    match vectors(store, settings, stats, index, question).await {
        Ok((asked, passages)) => index.search_hybrid(question, &asked, &passages, limit),
        Err(why) => {
            tracing::warn!(error = %why, "searching with vectors failed; searching by words");
            index.search(question, limit)
        }
    }
}

/// The question's vector and the passages' (computing and storing those missing, a bounded number).
async fn vectors(
    store: &Store,
    settings: &AiSettings,
    stats: &Stats,
    index: &Index,
    question: &str,
) -> Result<(Vec<f32>, Vec<Option<Vec<f32>>>), String> {
    let model = settings.embed_model.trim();
    let texts = index.texts();
    let keys: Vec<[u8; 32]> = texts.iter().map(|t| key(model, t)).collect();
    let mut passages = store
        .vectors(keys.clone())
        .await
        .map_err(|e| e.to_string())?;
    let missing: Vec<usize> = (0..texts.len())
        .filter(|&i| passages[i].is_none())
        .collect();
    for chunk in missing.chunks(BATCH).take(BATCHES_PER_SEARCH) {
        let batch: Vec<String> = chunk.iter().map(|&i| texts[i].clone()).collect();
        let found = client::embed(settings, stats, &batch)
            .await
            .map_err(|f| f.0)?;
        let rows: Vec<([u8; 32], Vec<f32>)> = chunk
            .iter()
            .zip(found)
            .map(|(&i, v)| (keys[i], v))
            .collect();
        for (&i, (_, v)) in chunk.iter().zip(&rows) {
            passages[i] = Some(v.clone());
        }
        store.put_vectors(rows).await.map_err(|e| e.to_string())?;
    }
    let asked = client::embed(settings, stats, &[question.to_owned()])
        .await
        .map_err(|f| f.0)?
        .pop()
        .unwrap_or_default();
    Ok((asked, passages))
}
