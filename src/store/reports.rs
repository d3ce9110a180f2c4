//! The data behind reports, kept as it arrives: one fact per conversation (indexed by when it started),
//! who visited which page when, and every tracked event's total by name, so a report reads only the
//! rows of its range and never scans messages.

use sha2::{Digest, Sha256};

use std::ops::Bound;

use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{CONVERSATIONS, OUTCOME_EVENTS, PAGE_VISITORS, REPORT_FACTS, REPORT_STARTS};
use super::tx::Tx;
use super::{Error, Store};
use crate::conversations::Conversation;
use crate::reports::{Fact, Outcome};
use crate::visitors::VisitorId;

const DAY_MS: u64 = 86_400_000;

/// A short, stable key for a page path or an event name.
pub(super) fn key_of(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().unwrap_or_default())
}

/// Keeps the conversation's fact in step (called whenever a conversation is saved).
pub(super) fn record(tx: &Tx<'_>, c: &Conversation) -> Result<(), Error> {
    let fact = Fact::of(c);
    let known = tx.get_in(&REPORT_FACTS, &c.id)?.map(|Json(f)| f);
    if known.as_ref() == Some(&fact) {
        // Most messages change nothing a report counts: the page stays as it was.
        return Ok(());
    }
    tx.put_in(&REPORT_FACTS, &c.id, &Json(fact))?;
    match known {
        Some(old) if old.created_at == c.created_at => {}
        Some(old) => {
            tx.delete_in(&REPORT_STARTS, &(old.created_at, c.id))?;
            tx.put_in(&REPORT_STARTS, &(c.created_at, c.id), &())?;
        }
        None => {
            tx.put_in(&REPORT_STARTS, &(c.created_at, c.id), &())?;
        }
    }
    Ok(())
}

/// Records a page view for the "visitors of the same pages" comparison.
pub(super) fn page_visited(
    txn: &Tx<'_>,
    url: &str,
    visitor: VisitorId,
    at: u64,
) -> Result<(), Error> {
    let page = crate::reports::page_of(url);
    txn.put_in(&PAGE_VISITORS, &(key_of(&page), at, visitor), &0)
}

/// Records a tracked event's total (`total`, `value` or `revenue`, in cents) for outcomes.
pub(super) fn event_tracked(
    txn: &Tx<'_>,
    name: &str,
    properties: &serde_json::Value,
    visitor: VisitorId,
    at: u64,
) -> Result<(), Error> {
    let total = ["total", "value", "revenue"]
        .iter()
        .find_map(|k| properties.get(*k).and_then(|v| v.as_f64()))
        .unwrap_or(0.0);
    let cents = (total * 100.0).round().max(0.0) as u64;
    txn.put_in(&OUTCOME_EVENTS, &(key_of(name), visitor, at), &cents)
}

/// Unlinks report data from a deleted customer: their facts keep counting without them, their page
/// visits and event totals go.
pub(super) fn forget_customer(
    txn: &Tx<'_>,
    visitors: &std::collections::HashSet<VisitorId>,
    conversations: &std::collections::HashSet<u64>,
) -> Result<(), Error> {
    for &id in conversations {
        if let Some(Json(mut fact)) = txn.get_in(&REPORT_FACTS, &id)? {
            fact.customer = 0;
            txn.put_in(&REPORT_FACTS, &id, &Json(fact))?;
        }
    }
    txn.retain_in(&PAGE_VISITORS, |(_, _, v), _| !visitors.contains(v))?;
    txn.retain_in(&OUTCOME_EVENTS, |(_, v, _), _| !visitors.contains(v))?;
    Ok(())
}

/// Facts of the conversations of a data file from before facts were kept (schema 6 migration).
pub(super) fn rebuild(txn: &Tx<'_>) -> Result<(), Error> {
    let mut conversations = Vec::new();
    let all = (Bound::Unbounded, Bound::Unbounded);
    txn.scan_in(&CONVERSATIONS, all, false, |_, Json(c)| {
        conversations.push(c);
        Ok(true)
    })?;
    for c in conversations {
        record(txn, &c)?;
    }
    Ok(())
}

impl Store {
    /// The facts of the conversations started in `[from_ms, to_ms)`.
    pub async fn report_facts(&self, from_ms: u64, to_ms: u64) -> Result<Vec<Fact>, Error> {
        self.read(move |txn| {
            let kv = txn;
            let span = (Bound::Included(&(from_ms, 0)), Bound::Excluded(&(to_ms, 0)));
            let mut out = Vec::new();
            for ((_, id), ()) in kv.range_in(&REPORT_STARTS, span, false, usize::MAX)? {
                if let Some(Json(fact)) = kv.get_in(&REPORT_FACTS, &id)? {
                    out.push(fact);
                }
            }
            Ok(out)
        })
        .await
    }

    /// Conversions after chat: of the customers in `facts`, who had `event` within `window_days` after
    /// their first conversation, and the events' totals; compared with the visitors of the same start
    /// pages in `[from_ms, to_ms)` who did not chat.
    pub async fn outcome(
        &self,
        facts: Vec<Fact>,
        event: String,
        window_days: u64,
        from_ms: u64,
        to_ms: u64,
    ) -> Result<Outcome, Error> {
        self.read(move |txn| {
            let kv = txn;
            let name = key_of(&event);
            let window = window_days.saturating_mul(DAY_MS);
            // Totals of the event by `visitor` in [at, at + window].
            let after = |visitor: u64, at: u64| -> Result<Option<u64>, Error> {
                let mut found = None;
                let (from, to) = (
                    (name, visitor, at),
                    (name, visitor, at.saturating_add(window)),
                );
                let span = (Bound::Included(&from), Bound::Included(&to));
                kv.scan_in(&OUTCOME_EVENTS, span, false, |_, cents| {
                    *found.get_or_insert(0) += cents;
                    Ok(true)
                })?;
                Ok(found)
            };
            let mut first_chat: std::collections::BTreeMap<u64, u64> = Default::default();
            let mut pages = std::collections::BTreeSet::new();
            for f in facts.iter().filter(|f| f.customer != 0) {
                let at = first_chat.entry(f.customer).or_insert(f.created_at);
                *at = (*at).min(f.created_at);
                if let Some(page) = &f.started_on {
                    pages.insert(key_of(page));
                }
            }
            let mut outcome = Outcome {
                chatted: first_chat.len() as u64,
                ..Outcome::default()
            };
            let mut revenue_cents = 0;
            for (&customer, &at) in &first_chat {
                if let Some(cents) = after(customer, at)? {
                    outcome.chatted_converted += 1;
                    revenue_cents += cents;
                }
            }
            outcome.revenue = revenue_cents as f64 / 100.0;
            let mut others: std::collections::BTreeMap<u64, u64> = Default::default();
            for page in pages {
                let (from, to) = ((page, from_ms, 0), (page, to_ms, 0));
                let span = (Bound::Included(&from), Bound::Excluded(&to));
                kv.scan_in(&PAGE_VISITORS, span, false, |(_, at, visitor), _: u64| {
                    if !first_chat.contains_key(&visitor) {
                        let first = others.entry(visitor).or_insert(at);
                        *first = (*first).min(at);
                    }
                    Ok(true)
                })?;
            }
            outcome.others = others.len() as u64;
            for (&visitor, &at) in &others {
                if after(visitor, at)?.is_some() {
                    outcome.others_converted += 1;
                }
            }
            Ok(outcome)
        })
        .await
    }
}
