//! Evaluating one customer's segments where their data changed, and storing the answer with its member
//! lists, sizes, re-check times and announcements. The definitions are `segments`'.

use super::kv::typed::{Json, Typed, TypedRead};
use crate::visitors::PageView;
use std::cell::RefCell;
use std::collections::BTreeMap;

use super::Error;
use super::event_heads;
use super::segments::compiled;
use super::tables::{EVENTS, MEMBERSHIPS, PAGE_VIEW_LOG, RECHECKS, SEGMENT_MEMBERS, SEGMENT_SIZES};
use super::tx::Tx;
use super::writer::{MembershipChange, announce};
use crate::customers::events::Event;
use crate::segments::{Change, LazyFacts, Membership};
use crate::visitors::{Visitor, VisitorId};

/// A customer's kept history of one kind, oldest first; a read error is kept for the caller.
fn page_views(txn: &Tx<'_>, id: VisitorId, failed: &RefCell<Option<Error>>) -> Vec<PageView> {
    let read = || -> Result<Vec<PageView>, Error> {
        let mut out = Vec::new();
        txn.scan_prefix_in(&PAGE_VIEW_LOG, &id, false, |_, Json(view)| {
            out.push(view);
            Ok(true)
        })?;
        Ok(out)
    };
    read().unwrap_or_else(|e| {
        *failed.borrow_mut() = Some(e);
        Vec::new()
    })
}

/// The kept events of `id` that some rule counts (`counted`: name -> whether a rule tests its
/// properties), oldest first. Names and times come from the customer's event list (`event_heads`); only
/// events whose properties are tested are read from the history and decoded (an evaluation runs after
/// every tracked event, and a history holds up to thousands of events).
fn counted_events(
    txn: &Tx<'_>,
    id: VisitorId,
    counted: &BTreeMap<&str, bool>,
    failed: &RefCell<Option<Error>>,
) -> Vec<Event> {
    if counted.is_empty() {
        return Vec::new();
    }
    let read = || -> Result<Vec<Event>, Error> {
        event_heads::with_heads(txn, id, |heads| {
            let mut kept = Vec::new();
            for head in heads {
                match counted.get(head.name) {
                    Some(true) => {
                        let Json(event) =
                            txn.get_in(&EVENTS, &(id, head.number))?.ok_or_else(|| {
                                Error::Storage(format!(
                                    "event {} of {id} is listed but missing",
                                    head.number
                                ))
                            })?;
                        kept.push(event);
                    }
                    Some(false) => kept.push(Event {
                        name: head.name.to_owned(),
                        properties: serde_json::Value::Null,
                        at: head.at,
                    }),
                    None => {}
                }
            }
            Ok(kept)
        })
    };
    read().unwrap_or_else(|e| {
        *failed.borrow_mut() = Some(e);
        Vec::new()
    })
}

/// Evaluates one customer against every definition and stores the answer.
pub(super) fn reevaluate(txn: &Tx<'_>, visitor: &Visitor) -> Result<(), Error> {
    reevaluate_after(txn, visitor, Change::Any)
}

/// Evaluates one customer again after `change` (called after every change of a customer record, with the
/// record as saved) and stores the answer: the rules that do not read what changed keep their answer.
pub(super) fn reevaluate_after(
    txn: &Tx<'_>,
    visitor: &Visitor,
    change: Change<'_>,
) -> Result<(), Error> {
    let Some(compiled) = compiled(txn)? else {
        return Ok(());
    };
    let old = super::segments::membership_of(txn, visitor.id)?;
    let next = if visitor.merged_into.is_some() {
        Membership::default()
    } else {
        let failed = RefCell::new(None);
        let counted = compiled.defs.counted_events_after(change);
        let facts = LazyFacts::new(
            visitor,
            || page_views(txn, visitor.id, &failed),
            || counted_events(txn, visitor.id, &counted, &failed),
        );
        let membership = compiled
            .defs
            .reevaluate(&facts, crate::clock::now_millis(), &old, change);
        if let Some(e) = failed.into_inner() {
            return Err(e);
        }
        membership
    };
    store_membership(txn, visitor.id, old, next)
}

/// Stores a customer's new membership (`old` is the stored one), keeping member lists, sizes and re-checks
/// in step.
fn store_membership(
    txn: &Tx<'_>,
    id: VisitorId,
    old: Membership,
    next: Membership,
) -> Result<(), Error> {
    if old == next {
        return Ok(());
    }
    for s in old.segments.iter().filter(|s| !next.segments.contains(s)) {
        txn.delete_in(&SEGMENT_MEMBERS, &(*s, id))?;
        if let Some(n) = txn.get_in(&SEGMENT_SIZES, s)? {
            txn.put_in(&SEGMENT_SIZES, s, &n.saturating_sub(1))?;
        }
    }
    for s in next.segments.iter().filter(|s| !old.segments.contains(s)) {
        crate::webhooks::emit(
            txn,
            crate::webhooks::Event::SegmentEntered,
            || serde_json::json!({ "customer_id": id, "segment_id": s }),
        )?;
        txn.put_in(&SEGMENT_MEMBERS, &(*s, id), &())?;
        let n = txn.get_in(&SEGMENT_SIZES, s)?.unwrap_or(0);
        txn.put_in(&SEGMENT_SIZES, s, &(n + 1))?;
    }
    if old.recheck_at != next.recheck_at {
        if let Some(t) = old.recheck_at {
            txn.delete_in(&RECHECKS, &(t, id))?;
        }
        if let Some(t) = next.recheck_at {
            txn.put_in(&RECHECKS, &(t, id), &())?;
        }
    }
    if next == Membership::default() {
        txn.delete_in(&MEMBERSHIPS, &id)?;
    } else {
        txn.put_in(&MEMBERSHIPS, &id, &Json(next.clone()))?;
    }
    if old.segments != next.segments || old.intent != next.intent {
        announce(MembershipChange {
            visitor: id,
            membership: next,
        });
    }
    Ok(())
}
