//! What evaluating one customer's segments reads (their kept history) and writes (their membership with
//! member lists, sizes and re-check times). When to evaluate, and what follows, is
//! `segments::evaluation`'s.

use std::collections::BTreeMap;

use super::Error;
use super::event_heads;
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{EVENTS, MEMBERSHIPS, PAGE_VIEW_LOG, RECHECKS, SEGMENT_MEMBERS, SEGMENT_SIZES};
use super::tx::Tx;
use crate::customers::events::Event;
use crate::segments::Membership;
use crate::visitors::{PageView, VisitorId};

/// A customer's kept page views, oldest first.
pub(crate) fn page_views_of(txn: &Tx<'_>, id: VisitorId) -> Result<Vec<PageView>, Error> {
    let mut out = Vec::new();
    txn.scan_prefix_in(&PAGE_VIEW_LOG, &id, false, |_, Json(view)| {
        out.push(view);
        Ok(true)
    })?;
    Ok(out)
}

/// The kept events of `id` that some rule counts (`counted`: name -> whether a rule tests its
/// properties), oldest first. Names and times come from the customer's event list (`event_heads`); only
/// events whose properties are tested are read from the history and decoded (an evaluation runs after
/// every tracked event, and a history holds up to thousands of events).
pub(crate) fn counted_events_of(
    txn: &Tx<'_>,
    id: VisitorId,
    counted: &BTreeMap<&str, bool>,
) -> Result<Vec<Event>, Error> {
    if counted.is_empty() {
        return Ok(Vec::new());
    }
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
}

/// Stores a customer's new membership (`old` is the stored one), keeping member lists, sizes and re-checks
/// in step.
pub(crate) fn store_membership(
    txn: &Tx<'_>,
    id: VisitorId,
    old: &Membership,
    next: &Membership,
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
    if *next == Membership::default() {
        txn.delete_in(&MEMBERSHIPS, &id)?;
    } else {
        txn.put_in(&MEMBERSHIPS, &id, &Json(next.clone()))?;
    }
    Ok(())
}
