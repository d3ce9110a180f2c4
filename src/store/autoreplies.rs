//! Business hours and the auto-responder's settings, and the sweep that posts automatic replies when due.
//!
//! A visitor's message starts (or continues) a waiting period on its conversation
//! (`autoreply::waiting`, in the same transaction): a reply at once, or one due later kept in
//! `AUTOREPLIES` (so it survives a restart). An operator's reply ends the waiting period and cancels what
//! was pending; the due sweep here checks again before it posts.

use serde::Serialize;

use super::conversations::load;
use super::kv::KvRead;
use super::kv::typed::Typed;
use super::rx::Rx;
use super::settings::get;
use super::tables::AUTOREPLIES;
use super::tx::Tx;
use super::visitors::load_visitor;
use super::{Error, Store};
use crate::autoreply::Rules;
use crate::autoreply::waiting::{HOURS_SETTING, RULES_SETTING, system_message};
use crate::conversations::{Conversation, Message, Status};
use crate::hours::Hours;

fn put<T: Serialize>(txn: &Tx<'_>, key: &str, value: Option<&T>) -> Result<(), Error> {
    match value {
        Some(v) => super::settings::put(txn, key, v),
        None => super::settings::delete(txn, key),
    }
}

/// Whether the shop is inside its business hours at `now` (always, without hours), from the settings.
pub(super) fn shop_open(kv: &impl KvRead, now: u64) -> Result<bool, Error> {
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

    /// Posts the automatic replies due by `now_ms` (at most `limit`) that are still called for: the
    /// visitor still waiting, no automatic reply yet, the conversation not resolved. Replies that are no
    /// longer wanted are dropped. Returns what was posted, to be pushed to the clients.
    pub async fn post_due_autoreplies(
        &self,
        now_ms: u64,
        limit: usize,
    ) -> Result<Vec<(Conversation, Message)>, Error> {
        let any_due = self.any_due(AUTOREPLIES, now_ms).await?;
        if !any_due {
            return Ok(Vec::new());
        }
        self.write(move |txn| {
            let due: Vec<(u64, u64)> = super::due_keys(txn, &AUTOREPLIES, now_ms, limit)?;
            let rules: Rules = get(txn, RULES_SETTING)?.unwrap_or_default();
            let mut posted = Vec::new();
            for (at, id) in due {
                txn.delete_in(&AUTOREPLIES, &(at, id))?;
                let Some(mut c) = load(txn, id)? else {
                    continue;
                };
                let wanted = c.autoreply_due == Some(at)
                    && c.waiting_since.is_some()
                    && !c.auto_replied
                    && c.status != Status::Resolved;
                c.autoreply_due = None;
                if !wanted || !rules.in_hours {
                    super::conversations::save(txn, &c, Some(c.last_activity_at))?;
                    continue;
                }
                let language = load_visitor(txn, c.visitor_id)?
                    .map(|v| v.profile.language)
                    .unwrap_or_default();
                c.auto_replied = true;
                let message = system_message(txn, &mut c, rules.in_hours_text(&language), now_ms)?;
                posted.push((c, message));
            }
            Ok(posted)
        })
        .await
    }
}
