//! The AI connection's settings, and the record of what the AI did.

use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{AI_EVENTS, ANSWERED, VECTORS};
use super::{Error, Store};
use crate::ai::AiSettings;
use crate::ai::hybrid::MAX_VECTORS;
use crate::ai::learn::MAX_CONVERSATIONS;
use crate::ai::stats::{Event, MAX_EVENTS};
use crate::retrieval::Answered;

const AI_SETTING: &str = "ai";

impl Store {
    /// The model connection (off until saved).
    pub async fn ai_settings(&self) -> Result<AiSettings, Error> {
        self.read(|txn| super::settings::get(txn, AI_SETTING).map(Option::unwrap_or_default))
            .await
    }

    /// Replaces the model connection's settings.
    pub async fn set_ai_settings(&self, settings: AiSettings) -> Result<(), Error> {
        self.write(move |txn| {
            super::settings::put(txn, AI_SETTING, &settings)?;
            Ok(())
        })
        .await
    }

    /// Records what the AI did; past [`MAX_EVENTS`], the oldest goes.
    pub async fn record_ai_event(&self, event: Event) -> Result<(), Error> {
        self.write(move |txn| {
            let next = txn.end_in(&AI_EVENTS, true)?.map_or(1, |(k, _)| k + 1);
            txn.put_record_in(&AI_EVENTS, &next, &event)?;
            // Numbered one after another and dropped oldest first: the first kept is the count back.
            if let Some((first, _)) = txn.end_in(&AI_EVENTS, false)?
                && next - first + 1 > MAX_EVENTS
            {
                txn.delete_in(&AI_EVENTS, &first)?;
            }
            Ok(())
        })
        .await
    }

    /// Replaces the answered questions kept from a conversation (none: forgets it); past
    /// [`MAX_CONVERSATIONS`], the oldest conversation's go.
    pub async fn set_answered(&self, conversation: u64, pairs: Vec<Answered>) -> Result<(), Error> {
        self.write(move |txn| {
            if pairs.is_empty() {
                txn.delete_in(&ANSWERED, &conversation)?;
                return Ok(());
            }
            txn.put_record_in(&ANSWERED, &conversation, &pairs)?;
            if txn.count_in(&ANSWERED)? as u64 > MAX_CONVERSATIONS
                && let Some((oldest, _)) = txn.end_in(&ANSWERED, false)?
            {
                txn.delete_in(&ANSWERED, &oldest)?;
            }
            Ok(())
        })
        .await
    }

    /// The stored vectors under `keys` (`None` where there is none).
    pub async fn vectors(&self, keys: Vec<[u8; 32]>) -> Result<Vec<Option<Vec<f32>>>, Error> {
        self.read(move |txn| {
            let kv = txn;
            keys.iter()
                .map(|k| {
                    Ok(kv.get_in(&VECTORS, k)?.map(|v| {
                        v.chunks_exact(4)
                            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                            .collect()
                    }))
                })
                .collect()
        })
        .await
    }

    /// Stores vectors; past [`MAX_VECTORS`], the first keys (in digest order, so at random) go.
    pub async fn put_vectors(&self, rows: Vec<([u8; 32], Vec<f32>)>) -> Result<(), Error> {
        self.write(move |txn| {
            for (key, vector) in &rows {
                let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                txn.put_in(&VECTORS, key, &bytes)?;
            }
            let mut over = (txn.count_in(&VECTORS)? as u64).saturating_sub(MAX_VECTORS);
            while over > 0
                && let Some((first, _)) = txn.end_in(&VECTORS, false)?
            {
                txn.delete_in(&VECTORS, &first)?;
                over -= 1;
            }
            Ok(())
        })
        .await
    }

    /// Every answered question kept.
    pub async fn answered(&self) -> Result<Vec<Answered>, Error> {
        self.read(|txn| {
            let all = txn.records_where(&ANSWERED, |_| true)?;
            Ok(all.into_iter().flatten().collect())
        })
        .await
    }

    /// What the AI did since `since_ms`, oldest first.
    pub async fn ai_events_since(&self, since_ms: u64) -> Result<Vec<Event>, Error> {
        self.read(move |txn| {
            let mut out = Vec::new();
            let all = (std::ops::Bound::Unbounded, std::ops::Bound::Unbounded);
            txn.scan_in(&AI_EVENTS, all, true, |_, Json(event)| {
                let recent = event.at >= since_ms;
                if recent {
                    out.push(event);
                }
                Ok(recent)
            })?;
            out.reverse();
            Ok(out)
        })
        .await
    }
}
