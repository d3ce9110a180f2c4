//! The message search index (`MESSAGE_TERMS`): filed from the messages the writer queued (see
//! `index_queue.rs`; a search reads the waiting ones too), dropped with a conversation's messages, built
//! again from every message by the schema migration and a restore.
//! What the terms are and what a query means is `search`'s; this keeps and reads them.

use std::collections::BTreeSet;
use std::ops::Bound;

use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{MESSAGE_TERMS, MESSAGES};
use super::tx::Tx;
use super::{Error, Store};
use crate::conversations::ConversationId;

/// Forgets `conversation` under the terms of `bodies` (all of its messages, which are going).
pub(super) fn remove<'a>(
    txn: &Tx<'_>,
    conversation: ConversationId,
    bodies: impl Iterator<Item = &'a str>,
) -> Result<(), Error> {
    let mut terms = BTreeSet::new();
    for body in bodies {
        terms.extend(crate::search::terms(body));
    }
    for term in terms {
        txn.delete_in(&MESSAGE_TERMS, &(term, conversation))?;
    }
    Ok(())
}

/// Builds the index from every stored message.
pub(super) fn rebuild(txn: &Tx<'_>) -> Result<(), Error> {
    // Waiting client ids are filed; their terms are filed again below with every other message's.
    super::index_queue::file_all(txn)?;
    txn.retain_in(&MESSAGE_TERMS, |_, ()| false)?;
    let all = (Bound::Unbounded, Bound::Unbounded);
    txn.scan_in(&MESSAGES.raw(), all, false, |(conversation, _), bytes| {
        // An unreadable record must not stop the rebuild: it stays out of the search index.
        match super::codec::decode_part::<super::index_queue::Body>(&bytes) {
            Ok(message) => {
                for term in crate::search::terms(&message.body) {
                    txn.put_in(&MESSAGE_TERMS, &(term, conversation), &())?;
                }
            }
            Err(e) => tracing::error!(conversation, error = %e, "message not indexed"),
        }
        Ok(true)
    })
}

impl Store {
    /// The conversations filed under every one of `terms`, or, with no terms, under any term starting
    /// with `prefix`.
    pub async fn conversations_with_terms(
        &self,
        terms: Vec<String>,
        prefix: Option<String>,
    ) -> Result<BTreeSet<ConversationId>, Error> {
        self.read(move |txn| {
            let kv = txn;
            let waiting = super::index_queue::waiting_terms(&kv)?;
            let mut found: Option<BTreeSet<ConversationId>> = None;
            for term in &terms {
                let mut these = BTreeSet::new();
                let mut keep = |id: ConversationId| {
                    if found.as_ref().is_none_or(|f| f.contains(&id)) {
                        these.insert(id);
                    }
                };
                kv.scan_prefix_in(&MESSAGE_TERMS, term, false, |(_, id), ()| {
                    keep(id);
                    Ok(true)
                })?;
                for (id, _) in waiting.iter().filter(|(_, t)| t.contains(term)) {
                    keep(*id);
                }
                if these.is_empty() {
                    return Ok(these);
                }
                found = Some(these);
            }
            if let (None, Some(prefix)) = (&found, &prefix) {
                let mut these = BTreeSet::new();
                kv.scan_text_prefix_in(&MESSAGE_TERMS, prefix, |(_, id), ()| {
                    these.insert(id);
                    Ok(true)
                })?;
                for (id, waiting_terms) in &waiting {
                    if waiting_terms.iter().any(|t| t.starts_with(prefix.as_str())) {
                        these.insert(*id);
                    }
                }
                found = Some(these);
            }
            Ok(found.unwrap_or_default())
        })
        .await
    }

    /// The conversations among `candidates` (every conversation when `None`) with a message whose text
    /// `matches`, in no particular order.
    pub async fn conversations_with_message(
        &self,
        candidates: Option<BTreeSet<ConversationId>>,
        matches: impl Fn(&str) -> bool + Send + 'static,
    ) -> Result<Vec<ConversationId>, Error> {
        self.read(move |txn| {
            let messages = txn;
            let mut found = Vec::new();
            let mut check = |conversation: ConversationId| -> Result<(), Error> {
                let of = (
                    Bound::Included(&(conversation, 0)),
                    Bound::Included(&(conversation, u64::MAX)),
                );
                messages.scan_in(&MESSAGES, of, false, |_, Json(message)| {
                    let hit = matches(&message.body);
                    if hit {
                        found.push(conversation);
                    }
                    Ok(!hit)
                })
            };
            match candidates {
                Some(ids) => {
                    for id in ids {
                        check(id)?;
                    }
                }
                None => {
                    let mut last = None;
                    let all = (Bound::Unbounded, Bound::Unbounded);
                    messages.scan_in(
                        &MESSAGES,
                        all,
                        false,
                        |(conversation, _), Json(message)| {
                            if last != Some(conversation) && matches(&message.body) {
                                found.push(conversation);
                                last = Some(conversation);
                            }
                            Ok(true)
                        },
                    )?;
                }
            }
            Ok(found)
        })
        .await
    }
}
