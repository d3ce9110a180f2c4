//! Retention: the settings, and the passes of the background job that delete what is older than they allow.

use super::kv::typed::{Json, Table as KvTable, Typed, TypedRead};
use serde::Deserialize;
use std::ops::Bound;

use super::codec::decode;
use super::erasure::drop_conversation;
use super::tables::{
    ACTIVITY, CONVERSATIONS, EVENTS, OUTCOME_EVENTS, PAGE_VIEW_LOG, PAGE_VISITORS, TRIGGER_SEEN,
    VISITOR_TOKENS, VISITORS,
};
use super::{Error, Store};
use crate::conversations::Status;
use crate::retention::Retention;

const SETTING: &str = "retention";
/// Rows removed per write transaction, so chat messages queued behind a pass wait only milliseconds.
const CHUNK: usize = 500;
/// Conversations removed per write transaction (each takes its messages along).
const CONVERSATION_CHUNK: usize = 50;

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// Page views.
    pub page_views: usize,
    /// Tracked events.
    pub events: usize,
    /// Resolved conversations.
    pub conversations: usize,
    /// Their messages.
    pub messages: usize,
    /// Anonymous visitors forgotten.
    pub visitors: usize,
}

impl Removed {
    /// Whether the pass found nothing to remove.
    pub fn is_empty(&self) -> bool {
        self.page_views + self.events + self.conversations + self.visitors == 0
    }
}

/// Only the time of a history entry (page view or event), read without the rest.
#[derive(Deserialize)]
struct When {
    #[serde(default)]
    at: u64,
}

impl Store {
    /// The retention settings (keep everything until set).
    pub async fn retention(&self) -> Result<Retention, Error> {
        self.read(|txn| super::settings::get(txn, SETTING).map(Option::unwrap_or_default))
            .await
    }

    /// Saves the retention settings and wakes the retention job.
    pub async fn set_retention(&self, retention: Retention) -> Result<(), Error> {
        self.write(move |txn| {
            super::settings::put(txn, SETTING, &retention)?;
            Ok(())
        })
        .await?;
        self.inner.retention_wanted.notify_one();
        Ok(())
    }

    /// Woken when the retention settings change.
    pub fn retention_signal(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.inner.retention_wanted.clone()
    }

    /// One pass of the retention job at `now_ms`: finds up to `limit` expired rows of each kind, then
    /// removes them a chunk per transaction. Call again until it returns an empty [`Removed`].
    pub async fn apply_retention(&self, now_ms: u64, limit: usize) -> Result<Removed, Error> {
        let cutoffs = self.retention().await?.cutoffs(now_ms);
        let mut removed = Removed::default();
        if let Some(before) = cutoffs.history {
            removed.page_views = self
                .drop_old_history(PAGE_VIEW_LOG.raw(), before, limit)
                .await?;
            removed.events = self.drop_old_history(EVENTS.raw(), before, limit).await?;
            // The report indexes of the same page views and events.
            self.drop_old_triples(&PAGE_VISITORS, 1, before, limit)
                .await?;
            self.drop_old_triples(&OUTCOME_EVENTS, 2, before, limit)
                .await?;
        }
        if let Some(before) = cutoffs.conversations {
            let candidates: Vec<(u64, u64)> = self
                .read(move |txn| {
                    let kv = txn;
                    let mut found = Vec::new();
                    let older = (Bound::Unbounded, Bound::Excluded(&(before, 0)));
                    kv.scan_in(&ACTIVITY, older, false, |key, ()| {
                        let resolved = kv
                            .get_in(&CONVERSATIONS, &key.1)?
                            .is_some_and(|Json(c)| c.status == Status::Resolved);
                        if resolved {
                            found.push(key);
                        }
                        Ok(found.len() < limit)
                    })?;
                    Ok(found)
                })
                .await?;
            for chunk in candidates.chunks(CONVERSATION_CHUNK) {
                let chunk = chunk.to_vec();
                let (conversations, messages, files) = self
                    .write(move |txn| {
                        let (mut conversations, mut messages, mut files) = (0, 0, Vec::new());
                        let mut gone = std::collections::HashSet::new();
                        for (_, id) in chunk {
                            let Some(c) = super::conversations::load(txn, id)? else {
                                continue;
                            };
                            if c.status == Status::Resolved && c.last_activity_at < before {
                                messages += drop_conversation(txn, &c, false, &mut files)?;
                                conversations += 1;
                                gone.insert(c.id);
                            }
                        }
                        // The mails they came in go with them.
                        if !gone.is_empty() {
                            super::received::forget(txn, "", &gone)?;
                        }
                        Ok((conversations, messages, files))
                    })
                    .await?;
                removed.conversations += conversations;
                removed.messages += messages;
                for name in files {
                    self.discard_file(name).await;
                }
            }
        }
        if let Some(before) = cutoffs.anonymous {
            removed.visitors = self.forget_anonymous(before, limit).await?;
        }
        Ok(removed)
    }

    /// Deletes up to `limit` anonymous visitors last seen before `before` (see
    /// [`crate::retention::forgettable`]), with their tokens, page views, events, client ids, segment
    /// memberships and proactive-message records, in chunks.
    async fn forget_anonymous(&self, before: u64, limit: usize) -> Result<usize, Error> {
        let candidates: Vec<u64> = self
            .read(move |txn| {
                let mut found = Vec::new();
                let all = (Bound::Unbounded, Bound::Unbounded);
                txn.scan_in(&VISITORS, all, false, |id, Json(visitor)| {
                    if crate::retention::forgettable(&visitor, before) {
                        found.push(id);
                    }
                    Ok(found.len() < limit)
                })?;
                Ok(found)
            })
            .await?;
        let mut forgotten = 0;
        for chunk in candidates.chunks(CHUNK) {
            let chunk = chunk.to_vec();
            forgotten += self
                .write(move |txn| {
                    // Filed first, so that the client ids removed below are all there is.
                    super::index_queue::file_all(txn)?;
                    let mut gone = std::collections::HashSet::new();
                    for id in chunk {
                        let Some(v) = super::visitors::load_visitor(txn, id)? else {
                            continue;
                        };
                        // Checked again: they may have come back or written since the read.
                        if !crate::retention::forgettable(&v, before) {
                            continue;
                        }
                        txn.delete_in(&VISITORS, &id)?;
                        txn.delete_prefix_in(&PAGE_VIEW_LOG.raw(), &id)?;
                        txn.delete_prefix_in(&EVENTS.raw(), &id)?;
                        super::event_heads::forget(id);
                        super::conversations::forget_sender(txn, &format!("v{id}"))?;
                        super::erasure::drop_membership(txn, id)?;
                        gone.insert(id);
                    }
                    if !gone.is_empty() {
                        txn.retain_in(&VISITOR_TOKENS, |_, v| !gone.contains(v))?;
                        txn.retain_in(&TRIGGER_SEEN, |(_, v), _| !gone.contains(v))?;
                    }
                    Ok(gone.len())
                })
                .await?;
        }
        Ok(forgotten)
    }

    /// Removes up to `limit` rows of a report index whose key's `time`-th part is before `before`.
    async fn drop_old_triples(
        &self,
        table: &'static KvTable<(u64, u64, u64), u64>,
        time: usize,
        before: u64,
        limit: usize,
    ) -> Result<usize, Error> {
        let old: Vec<(u64, u64, u64)> = self
            .read(move |txn| {
                let mut old = Vec::new();
                let all = (Bound::Unbounded, Bound::Unbounded);
                txn.scan_in(table, all, false, |key, _| {
                    if [key.0, key.1, key.2][time] < before {
                        old.push(key);
                    }
                    Ok(old.len() < limit)
                })?;
                Ok(old)
            })
            .await?;
        for chunk in old.chunks(CHUNK) {
            let chunk = chunk.to_vec();
            self.write(move |txn| {
                for key in &chunk {
                    txn.delete_in(table, key)?;
                }
                Ok(())
            })
            .await?;
        }
        Ok(old.len())
    }

    /// Removes up to `limit` rows of a customer history table older than `before`; returns how many.
    async fn drop_old_history(
        &self,
        table: KvTable<(u64, u64), Vec<u8>>,
        before: u64,
        limit: usize,
    ) -> Result<usize, Error> {
        let old: Vec<(u64, u64)> = self
            .read(move |txn| {
                let mut old = Vec::new();
                let all = (Bound::Unbounded, Bound::Unbounded);
                txn.scan_in(&table, all, false, |key, bytes| {
                    if decode::<When>(&bytes)?.at < before {
                        old.push(key);
                    }
                    Ok(old.len() < limit)
                })?;
                Ok(old)
            })
            .await?;
        for chunk in old.chunks(CHUNK) {
            let chunk = chunk.to_vec();
            self.write(move |txn| {
                for key in &chunk {
                    txn.delete_in(&table, key)?;
                }
                // Customers' event lists follow their events.
                if table.name() == EVENTS.name() {
                    for (id, _) in chunk {
                        super::event_heads::forget(id);
                    }
                }
                Ok(())
            })
            .await?;
        }
        Ok(old.len())
    }
}
