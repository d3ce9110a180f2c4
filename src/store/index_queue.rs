//! Messages whose search terms and client id are filed a little later, many at once.
//!
//! Filing a message under its search terms (`MESSAGE_TERMS`) and its client id (`CLIENT_IDS`) means
//! inserts at random places of two big trees: a page of each written per message, which under load cost
//! the writer as much as storing the message itself. So every stored message is first appended to
//! `INDEX_QUEUE` (one row at the end of a small table), and the writer files the queue in key order at
//! the end of a batch: at once when the batch is small (an idle shop files each message in the
//! transaction that stores it), and under load when enough has waited or the writer has nothing else to
//! do, so that one page of each tree takes the entries of many messages.
//!
//! The queue is part of the data: a search reads the waiting messages too, a retried client id finds its
//! waiting message, and after a crash the queue is still there to be filed. Writes that remove or move
//! messages and client ids (erasure, retention, merges) file the queue first, so they only ever see
//! filed entries. The writer thread remembers the waiting client ids; a batch that is not committed
//! makes it read them again from the table.

use super::kv::typed::{Ordered, Typed, TypedRead};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;

use super::Error;
use super::codec::decode_part;
use super::kv::KvRead;
use super::tables::{CLIENT_IDS, INDEX_QUEUE, MESSAGE_TERMS, MESSAGES};
use super::tx::Tx;
use crate::conversations::{ConversationId, Message};

/// A waiting client id: `(sender key, client id)`.
type Sent = (String, String);

thread_local! {
    /// The client ids waiting in the queue as of the transaction being written on this thread, with the
    /// message each names; `None` until read from the table (again after a batch that was not committed).
    static WAITING: RefCell<Option<HashMap<Sent, (ConversationId, u64)>>> =
        const { RefCell::new(None) };
}

/// The part of a stored message filing needs.
#[derive(Deserialize)]
pub(super) struct Body<'a> {
    /// The text.
    #[serde(borrow)]
    pub body: Cow<'a, str>,
}

/// Queues `message` (stored under `sender`) to be filed under its terms and client id.
pub(super) fn queue(txn: &Tx<'_>, message: &Message, sender: &str) -> Result<(), Error> {
    let client_id = message.client_id.as_deref().unwrap_or("");
    let queued = (
        (message.conversation, message.seq),
        (sender.to_owned(), client_id.to_owned()),
    );
    txn.put_in(&INDEX_QUEUE, &message.id, &Ordered(queued))?;
    if !client_id.is_empty() {
        WAITING.with_borrow_mut(|waiting| {
            if let Some(waiting) = waiting {
                let sent = (sender.to_owned(), client_id.to_owned());
                waiting.insert(sent, (message.conversation, message.seq));
            }
        });
    }
    Ok(())
}

/// The message a waiting client id names, if `sender` sent `client_id` and it is not filed yet.
pub(super) fn waiting_client_id(
    txn: &Tx<'_>,
    sender: &str,
    client_id: &str,
) -> Result<Option<(ConversationId, u64)>, Error> {
    WAITING.with_borrow_mut(|waiting| {
        let waiting = match waiting {
            Some(known) => known,
            None => waiting.insert(read_waiting(txn)?),
        };
        if waiting.is_empty() {
            return Ok(None);
        }
        Ok(waiting
            .get(&(sender.to_owned(), client_id.to_owned()))
            .copied())
    })
}

fn read_waiting(txn: &Tx<'_>) -> Result<HashMap<Sent, (ConversationId, u64)>, Error> {
    Ok(waiting_client_ids(txn)?.into_iter().collect())
}

/// How many messages wait to be filed.
pub(super) fn waiting(txn: &Tx<'_>) -> Result<u64, Error> {
    Ok(txn.count_in(&INDEX_QUEUE)? as u64)
}

/// Files every waiting message under its terms and client id, in key order, and empties the queue.
/// Returns how many messages were filed. A message removed while it waited is skipped.
pub(super) fn file_all(txn: &Tx<'_>) -> Result<u64, Error> {
    if txn.count_in(&INDEX_QUEUE)? == 0 {
        return Ok(0);
    }
    let (mut terms, mut sent) = (Vec::new(), Vec::new());
    let mut filed = 0;
    for (_, Ordered(((conversation, seq), (sender, client_id)))) in txn.all_in(&INDEX_QUEUE)? {
        let Some(stored) = txn.get_in(&MESSAGES.raw(), &(conversation, seq))? else {
            continue;
        };
        // An unreadable record must not stop every later batch: it stays out of the search index.
        match decode_part::<Body>(&stored) {
            Ok(message) => terms.extend(
                crate::search::terms(&message.body)
                    .into_iter()
                    .map(|t| (t, conversation)),
            ),
            Err(e) => tracing::error!(conversation, seq, error = %e, "message not indexed"),
        }
        if !client_id.is_empty() {
            sent.push(((sender, client_id), (conversation, seq)));
        }
        filed += 1;
    }
    terms.sort_unstable();
    terms.dedup();
    sent.sort_unstable();
    for key in terms {
        txn.put_in(&MESSAGE_TERMS, &key, &())?;
    }
    for (sent, at) in &sent {
        txn.put_in(&CLIENT_IDS, sent, at)?;
    }
    txn.retain_in(&INDEX_QUEUE, |_, _| false)?;
    WAITING.with_borrow_mut(|waiting| *waiting = Some(HashMap::new()));
    Ok(filed)
}

/// Forgets the waiting client ids this thread knows: the batch that added them was not committed.
pub(super) fn forget_all() {
    WAITING.with_borrow_mut(|waiting| *waiting = None);
}

/// The terms of every waiting message with its conversation, for a search to read along with the index.
pub(super) fn waiting_terms(
    kv: &impl KvRead,
) -> Result<Vec<(ConversationId, BTreeSet<String>)>, Error> {
    let mut out = Vec::new();
    for (_, Ordered(((conversation, seq), _))) in kv.all_in(&INDEX_QUEUE)? {
        if let Some(stored) = kv.get_in(&MESSAGES.raw(), &(conversation, seq))? {
            let message: Body = decode_part(&stored)?;
            out.push((conversation, crate::search::terms(&message.body)));
        }
    }
    Ok(out)
}

/// A client id of a waiting message, for a backup to write as a `CLIENT_IDS` row.
pub(super) type WaitingClientId = ((String, String), (u64, u64));

/// Every waiting client id, for a backup (which leaves the queue out).
pub(super) fn waiting_client_ids(kv: &impl KvRead) -> Result<Vec<WaitingClientId>, Error> {
    Ok(kv
        .all_in(&INDEX_QUEUE)?
        .into_iter()
        .filter(|(_, Ordered((_, (_, client_id))))| !client_id.is_empty())
        .map(|(_, Ordered((at, sent)))| (sent, at))
        .collect())
}

#[cfg(test)]
impl super::Store {
    /// A store whose writer never files the queue by itself (for tests of what waits).
    pub(crate) async fn open_queueing(path: &std::path::Path) -> super::Store {
        let policy = super::writer::IndexPolicy {
            file_below: 0,
            most_waiting: u64::MAX,
            when_idle: false,
        };
        Self::open_with_policy(path, policy).await
    }

    /// A store whose writer files the queue as `policy` says.
    pub(super) async fn open_with_policy(
        path: &std::path::Path,
        policy: super::writer::IndexPolicy,
    ) -> super::Store {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            let files = super::Files::Folder(path.with_extension("uploads"));
            Self::open_blocking(&path, super::HistoryLimits::default(), policy, files)
        })
        .await
        .unwrap()
        .unwrap()
    }

    /// Files the queue now.
    pub(crate) async fn file_index_queue(&self) -> Result<u64, Error> {
        self.write(file_all).await
    }

    /// How many messages wait to be filed.
    pub(crate) async fn index_waiting(&self) -> Result<u64, Error> {
        self.read(|txn| Ok(txn.count_in(&INDEX_QUEUE)? as u64))
            .await
    }
}

#[cfg(test)]
mod tests;
