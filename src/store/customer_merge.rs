//! Merging an anonymous visitor into the customer they turned out to be: conversations, history, notes,
//! retried message ids, counters and what the profile lacks.

use super::kv::typed::{Json, Table as KvTable, Typed, TypedRead};

use super::tables::{
    CLIENT_IDS, CONVERSATIONS, CUSTOMER_NOTES, EVENTS, NOTES, PAGE_VIEW_LOG, VISITOR_CONVERSATIONS,
};
use super::tx::Tx;
use super::visitors::{append_bounded, save_visitor};
use super::{Error, HistoryLimits};
use crate::visitors::{Visitor, VisitorId};

/// Moves the numbered history of `from` (page views or events) to the end of `into`'s; `total_from` and
/// `total_into` are the lifetime counts, so numbering stays monotonic and counts stay right.
fn move_history(
    txn: &Tx<'_>,
    table: KvTable<(u64, u64), Vec<u8>>,
    from: VisitorId,
    into: VisitorId,
    total_from: u64,
    total_into: u64,
    keep: usize,
) -> Result<(), Error> {
    let mut rows = Vec::new();
    txn.scan_prefix_in(&table, &from, false, |(_, n), bytes| {
        rows.push((n, bytes));
        Ok(true)
    })?;
    let base = total_into + total_from - rows.len() as u64;
    for (i, (n, bytes)) in rows.into_iter().enumerate() {
        txn.delete_in(&table, &(from, n))?;
        append_bounded(txn, &table, into, base + i as u64 + 1, &bytes, keep)?;
    }
    Ok(())
}

/// Merges the anonymous visitor `from` into the customer `into`: conversations, history, notes, retried
/// message ids, counters and what the profile lacks. `from` is kept as a pointer to `into`.
pub(crate) fn merge(
    txn: &Tx<'_>,
    mut from: Visitor,
    into: &mut Visitor,
    limits: HistoryLimits,
) -> Result<(), Error> {
    // Filed first, so that the client ids moved below are all there is.
    super::index_queue::file_all(txn)?;
    let previous_from = from.clone();
    for id in super::conversation_reads::conversation_ids(txn, from.id)? {
        txn.delete_in(&VISITOR_CONVERSATIONS, &(from.id, id))?;
        txn.put_in(&VISITOR_CONVERSATIONS, &(into.id, id), &())?;
        if let Some(Json(mut c)) = txn.get_in(&CONVERSATIONS, &id)? {
            c.visitor_id = into.id;
            txn.put_in(&CONVERSATIONS, &id, &Json(c))?;
        }
    }
    {
        // A message whose ack was lost before the merge may be retried after it, under the new id.
        let (old, new) = (format!("v{}", from.id), format!("v{}", into.id));
        for (client, at) in super::conversations::sent_by(txn, &old)? {
            txn.put_in(&CLIENT_IDS, &(new.clone(), client), &at)?;
        }
    }
    move_history(
        txn,
        PAGE_VIEW_LOG.raw(),
        from.id,
        into.id,
        from.counts.page_views,
        into.counts.page_views,
        limits.page_views,
    )?;
    move_history(
        txn,
        EVENTS.raw(),
        from.id,
        into.id,
        from.counts.events,
        into.counts.events,
        limits.events,
    )?;
    super::event_heads::forget(from.id);
    super::event_heads::forget(into.id);
    for id in super::customer_notes::note_ids(txn, from.id)? {
        txn.delete_in(&CUSTOMER_NOTES, &(from.id, id))?;
        txn.put_in(&CUSTOMER_NOTES, &(into.id, id), &())?;
        if let Some(Json(mut note)) = txn.get_in(&NOTES, &id)? {
            note.customer = into.id;
            txn.put_record_in(&NOTES, &id, &note)?;
        }
    }
    into.counts.add(&from.counts);
    into.created_at = into.created_at.min(from.created_at);
    if from.last_seen_at >= into.last_seen_at {
        into.current_page = from.current_page.take().or(into.current_page.take());
    }
    into.last_seen_at = into.last_seen_at.max(from.last_seen_at);
    into.profile.absorb(std::mem::take(&mut from.profile));
    from.merged_into = Some(into.id);
    from.counts = Default::default();
    save_visitor(txn, &from, Some(&previous_from))
}
