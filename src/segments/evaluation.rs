//! Keeping one customer's segments current inside the write that changed their data, over the store's
//! transaction interface ([`Tx`]): only the rules that read what changed are evaluated again, a segment
//! entered is announced to webhooks in the same write, and a changed membership is published to the
//! consoles after the commit. The store keeps member lists, sizes and re-check times.

use std::cell::RefCell;

use super::{Change, LazyFacts, Membership};
use crate::store::tx::Tx;
use crate::store::{
    Error, MembershipChange, announce_membership, counted_events_of, membership_of, page_views_of,
    segment_definitions, store_membership,
};
use crate::visitors::Visitor;
use crate::webhooks::{self, Event};

/// What a history read gave; on an error, nothing, with the error kept in `failed` for the caller.
fn kept<T>(failed: &RefCell<Option<Error>>, read: Result<Vec<T>, Error>) -> Vec<T> {
    read.unwrap_or_else(|e| {
        *failed.borrow_mut() = Some(e);
        Vec::new()
    })
}

/// Evaluates one customer against every definition and stores the answer (a back-fill, a re-check).
pub(crate) fn reevaluate(txn: &Tx<'_>, visitor: &Visitor) -> Result<(), Error> {
    reevaluate_after(txn, visitor, Change::Any)
}

/// Evaluates one customer again after `change` (called after every change of a customer record, with the
/// record as saved) and stores the answer: the rules that do not read what changed keep their answer. A
/// merged-away customer is in no segment.
pub(crate) fn reevaluate_after(
    txn: &Tx<'_>,
    visitor: &Visitor,
    change: Change<'_>,
) -> Result<(), Error> {
    let Some(compiled) = segment_definitions(txn)? else {
        return Ok(());
    };
    let old = membership_of(txn, visitor.id)?;
    let next = if visitor.merged_into.is_some() {
        Membership::default()
    } else {
        // The history is read only if a rule asks for it; a read error is kept and returned.
        let failed = RefCell::new(None);
        let counted = compiled.defs.counted_events_after(change);
        let facts = LazyFacts::new(
            visitor,
            || kept(&failed, page_views_of(txn, visitor.id)),
            || kept(&failed, counted_events_of(txn, visitor.id, &counted)),
        );
        let membership = compiled
            .defs
            .reevaluate(&facts, crate::clock::now_millis(), &old, change);
        if let Some(e) = failed.into_inner() {
            return Err(e);
        }
        membership
    };
    if old == next {
        return Ok(());
    }
    for s in next.segments.iter().filter(|s| !old.segments.contains(s)) {
        webhooks::emit(
            txn,
            Event::SegmentEntered,
            || serde_json::json!({ "customer_id": visitor.id, "segment_id": s }),
        )?;
    }
    store_membership(txn, visitor.id, &old, &next)?;
    if old.segments != next.segments || old.intent != next.intent {
        announce_membership(MembershipChange {
            visitor: visitor.id,
            membership: next,
        });
    }
    Ok(())
}
