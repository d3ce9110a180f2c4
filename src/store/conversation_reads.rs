//! Reading conversations and their messages: one by id, a visitor's, message ranges for resume and
//! scroll-back, and the inbox in activity order (all of it or among a search's matches).

use redb::ReadableTable;

use super::codec::decode;
use super::tables::{ACTIVITY, CONVERSATIONS, MESSAGES, VISITOR_CONVERSATIONS};
use super::{Error, Store};
use crate::conversations::{Conversation, ConversationId, Message, Seq};
use crate::visitors::VisitorId;

impl Store {
    /// A conversation by id.
    pub async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, Error> {
        self.read(move |txn| {
            txn.open_table(CONVERSATIONS)?
                .get(id)?
                .map(|v| decode(v.value()))
                .transpose()
        })
        .await
    }

    /// A visitor's conversations, oldest first.
    pub async fn visitor_conversations(
        &self,
        visitor: VisitorId,
    ) -> Result<Vec<Conversation>, Error> {
        self.read(move |txn| {
            let conversations = txn.open_table(CONVERSATIONS)?;
            let mut out = Vec::new();
            for entry in txn
                .open_table(VISITOR_CONVERSATIONS)?
                .range((visitor, 0)..=(visitor, u64::MAX))?
            {
                let id = entry?.0.value().1;
                if let Some(v) = conversations.get(id)? {
                    out.push(decode(v.value())?);
                }
            }
            Ok(out)
        })
        .await
    }

    /// Up to `limit` messages after `after_seq`, oldest first: what a reconnecting client missed.
    pub async fn messages_after(
        &self,
        id: ConversationId,
        after_seq: Seq,
        limit: usize,
    ) -> Result<Vec<Message>, Error> {
        self.read(move |txn| {
            txn.open_table(MESSAGES)?
                .range((id, after_seq.saturating_add(1))..=(id, u64::MAX))?
                .take(limit)
                .map(|entry| decode(entry?.1.value()))
                .collect()
        })
        .await
    }

    /// Up to `limit` messages before `before_seq`, oldest first: scrolling back, or the latest page with
    /// `before_seq = u64::MAX`.
    pub async fn messages_before(
        &self,
        id: ConversationId,
        before_seq: Seq,
        limit: usize,
    ) -> Result<Vec<Message>, Error> {
        self.read(move |txn| {
            let mut page: Vec<Message> = txn
                .open_table(MESSAGES)?
                .range((id, 0)..(id, before_seq))?
                .rev()
                .take(limit)
                .map(|entry| decode(entry?.1.value()))
                .collect::<Result<_, Error>>()?;
            page.reverse();
            Ok(page)
        })
        .await
    }

    /// Up to `limit` conversations that pass `wanted`, most recent activity first. Stops reading as soon as
    /// it has `limit`, so a store with many conversations does not slow the inbox down.
    pub async fn inbox(
        &self,
        wanted: impl Fn(&Conversation) -> bool + Send + 'static,
        limit: usize,
    ) -> Result<Vec<Conversation>, Error> {
        self.read(move |txn| {
            let conversations = txn.open_table(CONVERSATIONS)?;
            newest_first(txn, &conversations, |_| true, &wanted, limit)
        })
        .await
    }

    /// [`Store::inbox`] among the conversations `among` (a search's matches): a few are read and sorted,
    /// many are taken in activity order skipping the others unread.
    pub async fn inbox_among(
        &self,
        among: std::collections::BTreeSet<ConversationId>,
        wanted: impl Fn(&Conversation) -> bool + Send + 'static,
        limit: usize,
    ) -> Result<Vec<Conversation>, Error> {
        self.read(move |txn| {
            let conversations = txn.open_table(CONVERSATIONS)?;
            let mut out = Vec::new();
            if among.len() <= limit.saturating_mul(4) {
                for id in &among {
                    if let Some(v) = conversations.get(*id)? {
                        let c: Conversation = decode(v.value())?;
                        if wanted(&c) {
                            out.push(c);
                        }
                    }
                }
                out.sort_by_key(|c: &Conversation| std::cmp::Reverse((c.last_activity_at, c.id)));
                out.truncate(limit);
                return Ok(out);
            }
            newest_first(
                txn,
                &conversations,
                |id| among.contains(&id),
                &wanted,
                limit,
            )
        })
        .await
    }
}

/// Up to `limit` conversations in activity order (newest first) whose id passes `listed` (checked before
/// reading the record) and whose record passes `wanted`.
fn newest_first(
    txn: &redb::ReadTransaction,
    conversations: &impl ReadableTable<ConversationId, &'static [u8]>,
    listed: impl Fn(ConversationId) -> bool,
    wanted: &impl Fn(&Conversation) -> bool,
    limit: usize,
) -> Result<Vec<Conversation>, Error> {
    let mut out = Vec::new();
    for entry in txn.open_table(ACTIVITY)?.iter()?.rev() {
        if out.len() >= limit {
            break;
        }
        let id = entry?.0.value().1;
        if !listed(id) {
            continue;
        }
        if let Some(v) = conversations.get(id)? {
            let c: Conversation = decode(v.value())?;
            if wanted(&c) {
                out.push(c);
            }
        }
    }
    Ok(out)
}
