//! The AI connection's settings, and the record of what the AI did.

use redb::{ReadableTable, ReadableTableMetadata};

use super::codec::{decode, encode};
use super::tables::{AI_EVENTS, SETTINGS};
use super::{Error, Store};
use crate::ai::AiSettings;
use crate::ai::stats::{Event, MAX_EVENTS};

const AI_SETTING: &str = "ai";

impl Store {
    /// The model connection (off until saved).
    pub async fn ai_settings(&self) -> Result<AiSettings, Error> {
        self.read(|txn| {
            txn.open_table(SETTINGS)?
                .get(AI_SETTING)?
                .map(|v| decode(v.value()))
                .transpose()
                .map(Option::unwrap_or_default)
        })
        .await
    }

    /// Replaces the model connection's settings.
    pub async fn set_ai_settings(&self, settings: AiSettings) -> Result<(), Error> {
        self.write(move |txn| {
            txn.open_table(SETTINGS)?
                .insert(AI_SETTING, encode(&settings)?.as_slice())?;
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
