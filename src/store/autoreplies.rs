//! Business hours and the auto-responder's settings, and the transaction of the sweep that posts automatic
//! replies when due. What is posted, and when, is `autoreply::waiting`'s.

use serde::Serialize;

use super::kv::KvRead;
use super::rx::Rx;
use super::settings::get;
use super::tables::AUTOREPLIES;
use super::tx::Tx;
use super::{Error, Store};
use crate::autoreply::Rules;
use crate::autoreply::waiting::{HOURS_SETTING, RULES_SETTING};
use crate::conversations::{Conversation, Message};
use crate::hours::Hours;

fn put<T: Serialize>(txn: &Tx<'_>, key: &str, value: Option<&T>) -> Result<(), Error> {
    match value {
        Some(v) => super::settings::put(txn, key, v),
        None => super::settings::delete(txn, key),
    }
}

/// Whether the shop is inside its business hours at `now` (always, without hours), from the settings.
pub(crate) fn shop_open(kv: &impl KvRead, now: u64) -> Result<bool, Error> {
    let hours: Option<Hours> = get(kv, HOURS_SETTING)?;
    Ok(hours.is_none_or(|h| h.is_open(now)))
}

/// The business hours, if set, read inside a transaction.
pub(super) fn hours_in(txn: &Rx<'_>) -> Result<Option<Hours>, Error> {
    get(txn, HOURS_SETTING)
}

impl Store {
    /// The business hours, if set.
    pub async fn business_hours(&self) -> Result<Option<Hours>, Error> {
        self.read(|txn| get(txn, HOURS_SETTING)).await
    }

    /// Sets (or, with `None`, removes) the business hours.
    pub async fn set_business_hours(&self, hours: Option<Hours>) -> Result<(), Error> {
        self.write(move |txn| put(txn, HOURS_SETTING, hours.as_ref()))
            .await
    }

    /// The auto-responder's settings (defaults until saved).
    pub async fn autoreply_rules(&self) -> Result<Rules, Error> {
        self.read(|txn| Ok(get(txn, RULES_SETTING)?.unwrap_or_default()))
            .await
    }

    /// Replaces the auto-responder's settings (checked by the caller).
    pub async fn set_autoreply_rules(&self, rules: Rules) -> Result<(), Error> {
        self.write(move |txn| put(txn, RULES_SETTING, Some(&rules)))
            .await
    }

    /// Posts the automatic replies due by `now_ms` (at most `limit`) that are still called for
    /// (`autoreply::waiting::post_due` decides); an idle sweep costs no commit. Returns what was posted,
    /// to be pushed to the clients.
    pub async fn post_due_autoreplies(
        &self,
        now_ms: u64,
        limit: usize,
    ) -> Result<Vec<(Conversation, Message)>, Error> {
        if !self.any_due(AUTOREPLIES, now_ms).await? {
            return Ok(Vec::new());
        }
        self.write(move |txn| crate::autoreply::waiting::post_due(txn, now_ms, limit))
            .await
    }
}
