//! Erasure: a customer's personal data removed on request (the right to be forgotten), and whole
//! conversations removed by the retention job. Files of removed attachments are deleted after the commit.

use super::tables::MAIL_CUSTOMERS;
use std::collections::HashSet;

use serde_json::Value;

use super::conversations::save;
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{
    ACTIVITY, ANSWERED, AUTOREPLIES, CLIENT_IDS, CONVERSATIONS, CUSTOMER_NOTES, DELIVERIES,
    DELIVERY_DUE, DIGESTS, EVENTS, EXTERNAL_IDS, LINE_USERS, MAIL_DUE, MAILS, MEMBERSHIPS,
    MESSAGES, NOTES, PAGE_VIEW_LOG, RECHECKS, SEEN, SEGMENT_MEMBERS, SEGMENT_SIZES, TRIGGER_SEEN,
    UPLOADS, VISITOR_CONVERSATIONS, VISITOR_TOKENS, VISITORS,
};
use super::tx::Tx;
use super::visitors::follow;
use super::{Error, Store};
use crate::conversations::{Author, Conversation, ConversationId};
use crate::visitors::{Visitor, VisitorId};
use crate::webhooks::{Delivery, Event};

/// What happens to a deleted customer's conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erase {
    /// Kept as anonymised shells (no messages, no preview, resolved), so counts and reports still add up.
    KeepShells,
    /// Removed with everything in them.
    RemoveAll,
}

impl Erase {
    /// The stable name shown in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Erase::KeepShells => "conversations kept as anonymised shells",
            Erase::RemoveAll => "conversations removed",
        }
    }
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// The customer's id (and the ids of visitors merged into them), whose live widgets must be closed.
    pub visitors: Vec<VisitorId>,
    /// Conversations emptied or removed.
    pub conversations: usize,
    /// Messages removed.
    pub messages: usize,
    /// Attachment files removed.
    pub files: usize,
}

/// Removes a conversation's messages and attachments (their file names go to `files`), its pending
/// automatic reply and digest, and then either the conversation itself or everything in it that could
/// identify anyone (a shell). Returns how many messages went.
pub(super) fn drop_conversation(
    txn: &Tx<'_>,
    c: &Conversation,
    keep_shell: bool,
    files: &mut Vec<String>,
) -> Result<usize, Error> {
    // Filed first, so that the terms and client ids removed below are all there is.
    super::index_queue::file_all(txn)?;
    let rows = super::conversation_reads::all_messages(txn, c.id)?;
    super::search_index::remove(txn, c.id, rows.iter().map(|m| m.body.as_str()))?;
    for m in &rows {
        txn.delete_in(&MESSAGES, &(c.id, m.seq))?;
        if let Some(a) = &m.attachment
            && let Some(Json(upload)) = txn.get_in(&UPLOADS, &a.upload_id)?
        {
            txn.delete_in(&UPLOADS, &a.upload_id)?;
            files.push(upload.stored_as);
        }
        let sender = match &m.author {
            Author::Visitor => format!("v{}", c.visitor_id),
            Author::Operator { id, .. } => super::conversations::operator_sender(*id, c.id),
            _ => continue,
        };
        if let Some(client_id) = &m.client_id {
            let key = (sender, client_id.clone());
            if txn.get_in(&CLIENT_IDS, &key)? == Some((c.id, m.seq)) {
                txn.delete_in(&CLIENT_IDS, &key)?;
            }
        }
    }
    if let Some(due) = c.autoreply_due {
        txn.delete_in(&AUTOREPLIES, &(due, c.id))?;
    }
    txn.delete_in(&ANSWERED, &c.id)?;
    if let Some(due) = c.digest_due {
        txn.delete_in(&DIGESTS, &(due, c.id))?;
    }
    if keep_shell {
        let shell = c.erased_shell();
        save(txn, &shell, Some(c.last_activity_at))?;
    } else {
        txn.delete_in(&CONVERSATIONS, &c.id)?;
        txn.delete_in(&ACTIVITY, &(c.last_activity_at, c.id))?;
        txn.delete_in(&VISITOR_CONVERSATIONS, &(c.visitor_id, c.id))?;
    }
    Ok(rows.len())
}

/// Removes queued and sent mails to `address` or about one of `conversations`.
fn drop_mails(
    txn: &Tx<'_>,
    address: &str,
    conversations: &HashSet<ConversationId>,
) -> Result<(), Error> {
    let doomed = txn.records_where(&MAILS, |m| {
        let about = m.purpose.conversation();
        (!address.is_empty() && m.to.eq_ignore_ascii_case(address))
            || about.is_some_and(|c| conversations.contains(&c))
    })?;
    for m in doomed {
        txn.delete_in(&MAILS, &m.id)?;
        txn.delete_in(&MAIL_DUE, &(m.next_at, m.id))?;
    }
    Ok(())
}

/// Whether a webhook body is about the customer `id` or one of `conversations`.
fn delivery_about(d: &Delivery, id: VisitorId, conversations: &HashSet<ConversationId>) -> bool {
    let Ok(body) = serde_json::from_str::<Value>(&d.body) else {
        return false;
    };
    let data = &body["data"];
    let number = |key: &str| data[key].as_u64();
    match d.event {
        Event::CustomerCreated | Event::CustomerUpdated => number("id") == Some(id),
        Event::SegmentEntered => number("customer_id") == Some(id),
        Event::MessageCreated => number("conversation").is_some_and(|c| conversations.contains(&c)),
        _ => {
            number("customer_id") == Some(id)
                || number("id").is_some_and(|c| conversations.contains(&c))
        }
    }
}

/// Removes webhook deliveries (queued or done) whose body is about the customer.
fn drop_deliveries(
    txn: &Tx<'_>,
    id: VisitorId,
    conversations: &HashSet<ConversationId>,
) -> Result<(), Error> {
    let doomed = txn.records_where(&DELIVERIES, |d| delivery_about(d, id, conversations))?;
    for d in doomed {
        txn.delete_in(&DELIVERIES, &d.id)?;
        txn.delete_in(&DELIVERY_DUE, &(d.next_at, d.id))?;
    }
    Ok(())
}

/// The visitor records merged (directly or through others) into `id`.
fn merged_into(txn: &Tx<'_>, id: VisitorId) -> Result<Vec<VisitorId>, Error> {
    let merged = txn.records_where(&VISITORS, |v| v.merged_into.is_some())?;
    let mut found = Vec::new();
    for visitor in merged {
        if follow(txn, visitor.id)?.is_some_and(|end| end.id == id) {
            found.push(visitor.id);
        }
    }
    Ok(found)
}

/// Removes the customer's segment memberships, keeping member counts right.
pub(super) fn drop_membership(txn: &Tx<'_>, id: VisitorId) -> Result<(), Error> {
    let Some(Json(membership)) = txn.get_in(&MEMBERSHIPS, &id)? else {
        return Ok(());
    };
    txn.delete_in(&MEMBERSHIPS, &id)?;
    for s in membership.segments {
        if txn.delete_in(&SEGMENT_MEMBERS, &(s, id))? {
            let n = txn.get_in(&SEGMENT_SIZES, &s)?.unwrap_or(0);
            txn.put_in(&SEGMENT_SIZES, &s, &n.saturating_sub(1))?;
        }
    }
    if let Some(t) = membership.recheck_at {
        txn.delete_in(&RECHECKS, &(t, id))?;
    }
    Ok(())
}

/// Deletes the customer `customer` (following merges) inside a write transaction.
fn erase_customer(
    txn: &Tx<'_>,
    customer: Visitor,
    mode: Erase,
    files: &mut Vec<String>,
) -> Result<Erased, Error> {
    // Filed first, so that the client ids removed below are all there is.
    super::index_queue::file_all(txn)?;
    let id = customer.id;
    let mut ids = merged_into(txn, id)?;
    ids.push(id);
    let all: HashSet<VisitorId> = ids.iter().copied().collect();

    txn.retain_in(&VISITOR_TOKENS, |_, v| !all.contains(v))?;
    let p = &customer.profile;
    if let Some(external) = &p.external_id {
        txn.delete_in(&EXTERNAL_IDS, external)?;
    }
    if let Some(line) = &p.line_user_id {
        txn.delete_in(&LINE_USERS, line)?;
    }
    txn.retain_in(&MAIL_CUSTOMERS, |_, v| !all.contains(v))?;
    txn.delete_in(&SEEN, &(customer.last_seen_at, id))?;
    for &v in &ids {
        txn.delete_prefix_in(&PAGE_VIEW_LOG.raw(), &v)?;
        txn.delete_prefix_in(&EVENTS.raw(), &v)?;
        super::event_heads::forget(v);
        super::conversations::forget_sender(txn, &format!("v{v}"))?;
    }
    for n in super::customer_notes::note_ids(txn, id)? {
        txn.delete_in(&CUSTOMER_NOTES, &(id, n))?;
        txn.delete_in(&NOTES, &n)?;
    }
    drop_membership(txn, id)?;
    txn.retain_in(&TRIGGER_SEEN, |(_, v), _| !all.contains(v))?;

    let mut erased = Erased::default();
    let mut conversations = HashSet::new();
    for &v in &ids {
        let list = super::conversation_reads::conversation_ids(txn, v)?;
        for cid in list {
            let Some(c) = super::conversations::load(txn, cid)? else {
                continue;
            };
            let before = files.len();
            erased.messages += drop_conversation(txn, &c, mode == Erase::KeepShells, files)?;
            erased.files += files.len() - before;
            erased.conversations += 1;
            conversations.insert(cid);
        }
    }
    drop_mails(txn, &p.email, &conversations)?;
    super::received::forget(txn, &p.email, &conversations)?;
    super::reports::forget_customer(txn, &all, &conversations)?;
    drop_deliveries(txn, id, &conversations)?;
    super::line_pushes::drop_for(txn, &conversations)?;

    for &v in &ids {
        txn.delete_in(&VISITORS, &v)?;
    }
    if mode == Erase::KeepShells && !conversations.is_empty() {
        // An empty record, so the shells still point at someone: no name, no history, not listed.
        let mut shell = Visitor::new(id, customer.created_at);
        shell.erased = true;
        txn.put_record_in(&VISITORS, &id, &shell)?;
    }
    erased.visitors = ids;
    Ok(erased)
}

impl Store {
    /// Deletes everything personal about a customer: profile, attributes, page views, events, notes,
    /// segment memberships, tokens, message bodies and attachments, mails and webhook deliveries about
    /// them; their conversations become anonymised shells or go entirely, as `mode` says. The deletion is
    /// recorded in the audit log by id only, in the same transaction. `Ok(None)` when there is no such
    /// customer.
    pub async fn delete_customer(
        &self,
        id: VisitorId,
        mode: Erase,
        actor: String,
    ) -> Result<Option<Erased>, Error> {
        let (erased, files) = self
            .write(move |txn| {
                let Some(customer) = follow(txn, id)? else {
                    return Ok((None, Vec::new()));
                };
                let target = format!("customer {} ({})", customer.id, mode.as_str());
                let mut files = Vec::new();
                let erased = erase_customer(txn, customer, mode, &mut files)?;
                super::audit::record(txn, actor, "customer.delete", target)?;
                Ok((Some(erased), files))
            })
            .await?;
        for name in files {
            self.discard_file(name).await;
        }
        Ok(erased)
    }
}
