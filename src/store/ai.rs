//! The AI connection's settings.

use super::codec::{decode, encode};
use super::tables::SETTINGS;
use super::{Error, Store};
use crate::ai::AiSettings;

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
}
