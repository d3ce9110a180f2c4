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

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use redb::{ReadableTable, ReadableTableMetadata};
use serde::Deserialize;

use super::Error;
use super::codec::decode_part;
use super::kv::KvRead;
use super::kv::typed::Typed;
use super::ordered_keys::OrderedKey;
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
struct Body<'a> {
    #[serde(borrow)]
    body: Cow<'a, str>,
}

/// Queues `message` (stored under `sender`) to be filed under its terms and client id.
pub(super) fn queue(txn: &Tx<'_>, message: &Message, sender: &str) -> Result<(), Error> {
    let client_id = message.client_id.as_deref().unwrap_or("");
    txn.open_table(INDEX_QUEUE)?.insert(
        message.id,
        (message.conversation, message.seq, sender, client_id),
    )?;
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
    let mut waiting = HashMap::new();
    for entry in txn.open_table(INDEX_QUEUE)?.iter()? {
        let (_, row) = entry?;
        let (conversation, seq, sender, client_id) = row.value();
        if !client_id.is_empty() {
            waiting.insert(
                (sender.to_owned(), client_id.to_owned()),
                (conversation, seq),
            );
        }
    }
    Ok(waiting)
}

/// How many messages wait to be filed.
pub(super) fn waiting(txn: &Tx<'_>) -> Result<u64, Error> {
    Ok(txn.open_table(INDEX_QUEUE)?.len()?)
}

/// Files every waiting message under its terms and client id, in key order, and empties the queue.
/// Returns how many messages were filed. A message removed while it waited is skipped.
pub(super) fn file_all(txn: &Tx<'_>) -> Result<u64, Error> {
    let mut queue = txn.open_table(INDEX_QUEUE)?;
    if queue.is_empty()? {
        return Ok(0);
    }
    let (mut terms, mut sent) = (Vec::new(), Vec::new());
    let mut filed = 0;
    for entry in queue.iter()? {
        let (_, row) = entry?;
        let (conversation, seq, sender, client_id) = row.value();
        let Some(stored) = txn.get(MESSAGES.name(), &(conversation, seq).to_ordered())? else {
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
            sent.push((
                (sender.to_owned(), client_id.to_owned()),
                (conversation, seq),
            ));
        }
        filed += 1;
    }
    terms.sort_unstable();
    terms.dedup();
    sent.sort_unstable();
    let mut index = txn.open_multimap_table(MESSAGE_TERMS)?;
    for (term, conversation) in &terms {
        index.insert(term.as_str(), conversation)?;
    }
    for (sent, at) in &sent {
        txn.put_in(&CLIENT_IDS, sent, at)?;
    }
    queue.retain(|_, _| false)?;
    WAITING.with_borrow_mut(|waiting| *waiting = Some(HashMap::new()));
    Ok(filed)
}

/// Forgets the waiting client ids this thread knows: the batch that added them was not committed.
pub(super) fn forget_all() {
    WAITING.with_borrow_mut(|waiting| *waiting = None);
}

/// The terms of every waiting message with its conversation, for a search to read along with the index.
pub(super) fn waiting_terms(
    queue: &impl ReadableTable<u64, (u64, u64, &'static str, &'static str)>,
    messages: &impl KvRead,
) -> Result<Vec<(ConversationId, BTreeSet<String>)>, Error> {
    let mut out = Vec::new();
    for entry in queue.iter()? {
        let (_, row) = entry?;
        let (conversation, seq, _, _) = row.value();
        if let Some(stored) = messages.get(MESSAGES.name(), &(conversation, seq).to_ordered())? {
            let message: Body = decode_part(&stored)?;
            out.push((conversation, crate::search::terms(&message.body)));
        }
    }
    Ok(out)
}

/// A client id of a waiting message, for a backup to write as a `CLIENT_IDS` row.
pub(super) type WaitingClientId = ((String, String), (u64, u64));

/// Every waiting client id, for a backup (which leaves the queue out).
pub(super) fn waiting_client_ids(
    queue: &impl ReadableTable<u64, (u64, u64, &'static str, &'static str)>,
) -> Result<Vec<WaitingClientId>, Error> {
    let mut out = Vec::new();
    for entry in queue.iter()? {
        let (_, row) = entry?;
        let (conversation, seq, sender, client_id) = row.value();
        if !client_id.is_empty() {
            out.push((
                (sender.to_owned(), client_id.to_owned()),
                (conversation, seq),
            ));
        }
    }
    Ok(out)
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
            Self::open_blocking(&path, super::HistoryLimits::default(), policy)
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
        self.read(|txn| Ok(txn.open_table(INDEX_QUEUE)?.len()?))
            .await
    }
}

#[cfg(test)]
mod tests;
