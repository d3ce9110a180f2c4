//! What a proactive message earns, counted inside the write that records it: the conversations it started
//! and what visitors did when it showed (seen, clicked, dismissed), remembered per customer for the
//! limits on showing it again. Runs over the store's transaction interface ([`Tx`]).

use crate::store::kv::typed::{Json, Typed, TypedRead};
use crate::store::tables::{TRIGGER_COUNTS, TRIGGER_SEEN, TRIGGERS};
use crate::store::tx::Tx;
use crate::store::{Error, follow_visitor};
use crate::triggers::{Counts, Reaction, Seen, TriggerId};
use crate::visitors::VisitorId;

/// Trigger `id`'s counts as stored (zero before any).
fn counts(txn: &Tx<'_>, id: TriggerId) -> Result<Counts, Error> {
    Ok(txn
        .get_in(&TRIGGER_COUNTS, &id)?
        .map(|Json(c)| c)
        .unwrap_or_default())
}

/// Counts a conversation started by a visitor who had just seen trigger `id` (no-op for a deleted one);
/// whether it was counted.
pub(crate) fn count_conversation(txn: &Tx<'_>, id: TriggerId) -> Result<bool, Error> {
    if txn.get_in(&TRIGGERS, &id)?.is_none() {
        return Ok(false);
    }
    let mut c = counts(txn, id)?;
    c.conversations += 1;
    txn.put_record_in(&TRIGGER_COUNTS, &id, &c)?;
    Ok(true)
}

/// Records what a visitor's widget reported about trigger `id` (no-op for a deleted one): it counts, and
/// a showing or a dismissal is remembered for the customer (after a merge, the surviving one).
pub(crate) fn react(
    txn: &Tx<'_>,
    id: TriggerId,
    visitor: VisitorId,
    reaction: Reaction,
) -> Result<(), Error> {
    if txn.get_in(&TRIGGERS, &id)?.is_none() {
        return Ok(());
    }
    let customer = follow_visitor(txn, visitor)?.map_or(visitor, |v| v.id);
    let mut c = counts(txn, id)?;
    match reaction {
        Reaction::Shown => c.shown += 1,
        Reaction::Clicked => c.clicked += 1,
        Reaction::Dismissed => c.dismissed += 1,
    }
    txn.put_record_in(&TRIGGER_COUNTS, &id, &c)?;
    if reaction == Reaction::Clicked {
        return Ok(());
    }
    let mut seen: Seen = txn
        .get_in(&TRIGGER_SEEN, &(id, customer))?
        .map(|Json(seen)| seen)
        .unwrap_or_default();
    match reaction {
        Reaction::Shown => seen.last_shown = crate::clock::now_millis(),
        _ => seen.dismissed = true,
    }
    txn.put_record_in(&TRIGGER_SEEN, &(id, customer), &seen)?;
    Ok(())
}
