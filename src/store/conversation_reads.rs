//! Reading conversations and their messages: one by id, a visitor's, message ranges for resume and
//! scroll-back, and the inbox in activity order (all of it or among a search's matches).

use std::ops::Bound;

use super::kv::KvRead;
use super::kv::typed::{Json, TypedRead};
use super::tables::{ACTIVITY, CONVERSATIONS, MESSAGES, VISITOR_CONVERSATIONS};
use super::{Error, Store};
use crate::conversations::{Conversation, ConversationId, Message, Seq};
use crate::visitors::VisitorId;

/// The messages of conversation `id` between `from` and `to` seq, oldest first or (`reverse`) newest.
pub(crate) fn messages(
    kv: &impl KvRead,
    id: ConversationId,
    (from, to): (Bound<Seq>, Bound<Seq>),
    reverse: bool,
    limit: usize,
) -> Result<Vec<Message>, Error> {
    // Within the conversation whatever the bounds: no bound means its first or its last seq.
    let from = match from {
        Bound::Unbounded => Bound::Included((id, 0)),
        b => b.map(|seq| (id, seq)),
    };
    let to = match to {
        Bound::Unbounded => Bound::Included((id, u64::MAX)),
        b => b.map(|seq| (id, seq)),
    };
    let span = (from.as_ref(), to.as_ref());
    let page = kv.range_in(&MESSAGES, span, reverse, limit)?;
    Ok(page.into_iter().map(|(_, Json(m))| m).collect())
}

/// The first and last key a visitor's conversations can have in `VISITOR_CONVERSATIONS`.
fn theirs(visitor: VisitorId) -> [(VisitorId, ConversationId); 2] {
    [(visitor, 0), (visitor, u64::MAX)]
}

/// The visitor's latest conversation.
pub(crate) fn latest_of(
    kv: &impl KvRead,
    visitor: VisitorId,
) -> Result<Option<ConversationId>, Error> {
    let [first, last] = theirs(visitor);
    let span = (Bound::Included(&first), Bound::Included(&last));
    let latest = kv.range_in(&VISITOR_CONVERSATIONS, span, true, 1)?;
    Ok(latest.first().map(|&((_, id), ())| id))
}

/// The ids of a visitor's conversations, oldest first.
pub(super) fn conversation_ids(
    kv: &impl KvRead,
    visitor: VisitorId,
) -> Result<Vec<ConversationId>, Error> {
    let [first, last] = theirs(visitor);
    let span = (Bound::Included(&first), Bound::Included(&last));
    let mut ids = Vec::new();
    kv.scan_in(&VISITOR_CONVERSATIONS, span, false, |(_, id), ()| {
        ids.push(id);
        Ok(true)
    })?;
    Ok(ids)
}

/// Every message of conversation `id`, oldest first.
pub(super) fn all_messages(kv: &impl KvRead, id: ConversationId) -> Result<Vec<Message>, Error> {
    messages(
        kv,
        id,
        (Bound::Unbounded, Bound::Unbounded),
        false,
        usize::MAX,
    )
}

impl Store {
    /// A conversation by id.
    pub async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, Error> {
        self.read(move |txn| {
            let kv = txn;
            Ok(kv.get_in(&CONVERSATIONS, &id)?.map(|Json(c)| c))
        })
        .await
    }

    /// A visitor's conversations, oldest first.
    pub async fn visitor_conversations(
        &self,
        visitor: VisitorId,
    ) -> Result<Vec<Conversation>, Error> {
        self.read(move |txn| {
            let kv = txn;
            let mut out = Vec::new();
            for id in conversation_ids(&kv, visitor)? {
                if let Some(Json(c)) = kv.get_in(&CONVERSATIONS, &id)? {
                    out.push(c);
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
            let after = (Bound::Excluded(after_seq), Bound::Included(u64::MAX));
            messages(txn, id, after, false, limit)
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
            let before = (Bound::Included(0), Bound::Excluded(before_seq));
            let mut page = messages(txn, id, before, true, limit)?;
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
        self.read(move |txn| newest_first(txn, |_| true, &wanted, limit))
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
            let kv = txn;
            let mut out = Vec::new();
            if among.len() <= limit.saturating_mul(4) {
                for id in &among {
                    if let Some(Json(c)) = kv.get_in(&CONVERSATIONS, id)?
                        && wanted(&c)
                    {
                        out.push(c);
                    }
                }
                out.sort_by_key(|c: &Conversation| std::cmp::Reverse((c.last_activity_at, c.id)));
                out.truncate(limit);
                return Ok(out);
            }
            newest_first(&kv, |id| among.contains(&id), &wanted, limit)
        })
        .await
    }
}

/// Up to `limit` conversations in activity order (newest first) whose id passes `listed` (checked before
/// reading the record) and whose record passes `wanted`.
fn newest_first(
    kv: &impl KvRead,
    listed: impl Fn(ConversationId) -> bool,
    wanted: &impl Fn(&Conversation) -> bool,
    limit: usize,
) -> Result<Vec<Conversation>, Error> {
    let mut out = Vec::new();
    let all = (Bound::Unbounded, Bound::Unbounded);
    kv.scan_in(&ACTIVITY, all, true, |(_, id), ()| {
        if out.len() >= limit {
            return Ok(false);
        }
        if listed(id)
            && let Some(Json(c)) = kv.get_in(&CONVERSATIONS, &id)?
            && wanted(&c)
        {
            out.push(c);
        }
        Ok(out.len() < limit)
    })?;
    Ok(out)
}
