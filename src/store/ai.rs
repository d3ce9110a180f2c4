//! The AI connection's settings, and the record of what the AI did.

use redb::{ReadableTable, ReadableTableMetadata};

use super::codec::{decode, encode};
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
            let mut table = txn.open_table(AI_EVENTS)?;
            let next = table.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
            table.insert(next, encode(&event)?.as_slice())?;
            if table.len()? > MAX_EVENTS {
                table.pop_first()?;
            }
            Ok(())
        })
        .await
    }

    /// Replaces the answered questions kept from a conversation (none: forgets it); past
    /// [`MAX_CONVERSATIONS`], the oldest conversation's go.
    pub async fn set_answered(&self, conversation: u64, pairs: Vec<Answered>) -> Result<(), Error> {
        self.write(move |txn| {
            let mut table = txn.open_table(ANSWERED)?;
            if pairs.is_empty() {
                table.remove(conversation)?;
                return Ok(());
            }
            table.insert(conversation, encode(&pairs)?.as_slice())?;
            if table.len()? > MAX_CONVERSATIONS {
                table.pop_first()?;
            }
            Ok(())
        })
        .await
    }

    /// The stored vectors under `keys` (`None` where there is none).
    pub async fn vectors(&self, keys: Vec<[u8; 32]>) -> Result<Vec<Option<Vec<f32>>>, Error> {
        self.read(move |txn| {
            let table = txn.open_table(VECTORS)?;
            keys.iter()
                .map(|k| {
                    Ok(table.get(k.as_slice())?.map(|v| {
                        v.value()
                            .chunks_exact(4)
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
            let mut table = txn.open_table(VECTORS)?;
            for (key, vector) in &rows {
                let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                table.insert(key.as_slice(), bytes.as_slice())?;
            }
            while table.len()? > MAX_VECTORS {
                table.pop_first()?;
            }
            Ok(())
        })
        .await
    }

    /// Every answered question kept.
    pub async fn answered(&self) -> Result<Vec<Answered>, Error> {
        self.read(|txn| {
            let mut out = Vec::new();
            for row in txn.open_table(ANSWERED)?.iter()? {
                let pairs: Vec<Answered> = decode(row?.1.value())?;
                out.extend(pairs);
            }
            Ok(out)
        })
        .await
    }

    /// What the AI did since `since_ms`, oldest first.
    pub async fn ai_events_since(&self, since_ms: u64) -> Result<Vec<Event>, Error> {
        self.read(move |txn| {
            let table = txn.open_table(AI_EVENTS)?;
            let mut out = Vec::new();
            for row in table.iter()?.rev() {
                let event: Event = decode(row?.1.value())?;
                if event.at < since_ms {
                    break;
                }
                out.push(event);
            }
            out.reverse();
            Ok(out)
        })
        .await
    }
}
