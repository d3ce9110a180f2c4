//! Proactive messages: their definitions, their counts, and which visitor saw or closed which.
//!
//! The decision whether a trigger is offered is `Trigger::offered_to` (pure); this module gathers what it
//! needs about one visitor in one read transaction.

use std::ops::Bound;

use super::conversations::next_id;
use super::kv::KvRead;
use super::kv::typed::{Json, Typed, TypedRead};
use super::rx::Rx;
use super::tables::{CONVERSATIONS, OPERATORS, SEGMENTS, TRIGGER_COUNTS, TRIGGER_SEEN, TRIGGERS};
use super::tx::Tx;
use super::visitors::follow;
use super::{Error, Store};
use crate::conversations::Status;
use crate::customers::Invalid;
use crate::triggers::{self, Counts, MAX_TRIGGERS, Reaction, Trigger, TriggerId};
use crate::visitors::VisitorId;

const NEXT_TRIGGER_KEY: &str = "next_trigger_id";

/// A trigger offered to a widget, with the name of the operator it comes from.
#[derive(Debug, Clone)]
pub struct Offered {
    /// The trigger.
    pub trigger: Trigger,
    /// Its operator's name, when it names one who can still work.
    pub from: Option<String>,
}

fn all_triggers(kv: &impl KvRead) -> Result<Vec<Trigger>, Error> {
    kv.records_where(&TRIGGERS, |_| true)
}

fn counts(kv: &impl KvRead, id: TriggerId) -> Result<Counts, Error> {
    Ok(kv
        .get_in(&TRIGGER_COUNTS, &id)?
        .map(|Json(c)| c)
        .unwrap_or_default())
}

/// Whether the visitor's latest conversation is still going (open or snoozed).
fn in_conversation(txn: &Rx<'_>, visitor: VisitorId) -> Result<bool, Error> {
    let kv = txn;
    let Some(id) = super::conversation_reads::latest_of(&kv, visitor)? else {
        return Ok(false);
    };
    let conversation = kv.get_in(&CONVERSATIONS, &id)?;
    Ok(conversation.is_some_and(|Json(c)| c.status != Status::Resolved))
}

fn check_references(txn: &Tx<'_>, t: &Trigger) -> Result<Result<(), Invalid>, Error> {
    if let Some(segment) = t.segment
        && txn.get_in(&SEGMENTS, &segment)?.is_none()
    {
        return Ok(Err(Invalid(crate::msg!("segment: no such segment"))));
    }
    if let Some(operator) = t.from_operator
        && txn.get_in(&OPERATORS, &operator)?.is_none()
    {
        return Ok(Err(Invalid(crate::msg!("from: no such operator"))));
    }
    Ok(Ok(()))
}

impl Store {
    /// Every trigger, by id, with its counts.
    pub async fn triggers(&self) -> Result<Vec<(Trigger, Counts)>, Error> {
        self.read(|txn| {
            let kv = txn;
            all_triggers(&kv)?
                .into_iter()
                .map(|t| {
                    let c = counts(&kv, t.id)?;
                    Ok((t, c))
                })
                .collect()
        })
        .await
    }

    /// Creates (`id` `None`) or changes a trigger checked by `triggers::Draft::check`; its segment and
    /// operator must exist. Going from off to on starts a new before/after comparison. `Ok(None)` when the
    /// trigger to change does not exist.
    pub async fn save_trigger(
        &self,
        id: Option<TriggerId>,
        mut trigger: Trigger,
    ) -> Result<Option<Result<Trigger, Invalid>>, Error> {
        self.write(move |txn| {
            let now = crate::clock::now_millis();
            let old: Option<Trigger> = match id {
                Some(id) => match txn.get_in(&TRIGGERS, &id)? {
                    Some(Json(old)) => Some(old),
                    None => return Ok(None),
                },
                None => None,
            };
            if let Err(invalid) = check_references(txn, &trigger)? {
                return Ok(Some(Err(invalid)));
            }
            match old {
                Some(old) => {
                    trigger.id = old.id;
                    trigger.created_at = old.created_at;
                    trigger.live_since = match (old.enabled, trigger.enabled) {
                        (true, true) => old.live_since,
                        (false, true) => Some(now),
                        (_, false) => None,
                    };
                }
                None => {
                    if txn.count_in(&TRIGGERS)? >= MAX_TRIGGERS {
                        return Ok(Some(Err(Invalid(crate::msg!(
                            "at most {0} proactive messages can be defined",
                            MAX_TRIGGERS
                        )))));
                    }
                    trigger.id = next_id(txn, NEXT_TRIGGER_KEY)?;
                    trigger.created_at = now;
                    trigger.live_since = trigger.enabled.then_some(now);
                }
            }
            txn.put_record_in(&TRIGGERS, &trigger.id, &trigger)?;
            Ok(Some(Ok(trigger)))
        })
        .await
    }

    /// Deletes a trigger with its counts and who saw it; whether it existed.
    pub async fn delete_trigger(&self, id: TriggerId) -> Result<bool, Error> {
        self.write(move |txn| {
            if !txn.delete_in(&TRIGGERS, &id)? {
                return Ok(false);
            }
            txn.delete_in(&TRIGGER_COUNTS, &id)?;
            txn.delete_prefix_in(&TRIGGER_SEEN, &id)?;
            Ok(true)
        })
        .await
    }

    /// The triggers a widget of `visitor` on page `url` should watch for (see `Trigger::offered_to`), in id
    /// order.
    pub async fn offered_triggers(
        &self,
        visitor: VisitorId,
        url: String,
    ) -> Result<Vec<Offered>, Error> {
        self.read(move |txn| {
            let kv = txn;
            let list = all_triggers(&kv)?;
            if !list.iter().any(|t| t.enabled) {
                return Ok(Vec::new());
            }
            let Some(customer) = follow(txn, visitor)? else {
                return Ok(Vec::new());
            };
            let membership = super::segments::membership_of(&kv, customer.id)?;
            let who = triggers::Visitor {
                url: &url,
                visits: customer.counts.visits,
                segments: &membership.segments,
                cart_value: customer.profile.cart_value(),
                intent: membership.intent,
                in_conversation: in_conversation(txn, customer.id)?,
                shop_open: super::autoreplies::shop_open(txn, crate::clock::now_millis())?,
            };
            let now = crate::clock::now_millis();
            let mut offered = Vec::new();
            for trigger in list {
                let seen = kv
                    .get_in(&TRIGGER_SEEN, &(trigger.id, customer.id))?
                    .map(|Json(seen)| seen);
                if !trigger.offered_to(&who, seen.as_ref(), now) {
                    continue;
                }
                let from = match trigger.from_operator {
                    Some(id) => kv
                        .get_in(&OPERATORS, &id)?
                        .map(|Json(o)| o)
                        .filter(|o| !o.disabled)
                        .map(|o| o.name),
                    None => None,
                };
                offered.push(Offered { trigger, from });
            }
            Ok(offered)
        })
        .await
    }

    /// Records what a visitor's widget reported about trigger `id` (`triggers::credit::react`). The caller
    /// checks that the trigger was offered to this visitor.
    pub async fn record_reaction(
        &self,
        id: TriggerId,
        visitor: VisitorId,
        reaction: Reaction,
    ) -> Result<(), Error> {
        self.write(move |txn| crate::triggers::credit::react(txn, id, visitor, reaction))
            .await
    }

    /// When each conversation whose first message came from a page matching `pattern` started (Unix ms),
    /// for the before/after comparison. Reads every conversation: it serves one console page.
    pub async fn conversation_starts(&self, pattern: String) -> Result<Vec<u64>, Error> {
        self.read(move |txn| {
            let mut starts = Vec::new();
            let all = (Bound::Unbounded, Bound::Unbounded);
            txn.scan_in(&CONVERSATIONS, all, false, |_, Json(c)| {
                let on_page = c.started_on.as_deref().is_some_and(|url| {
                    pattern.is_empty() || crate::segments::rule::url_matches(&pattern, url)
                });
                if on_page {
                    starts.push(c.created_at);
                }
                Ok(true)
            })?;
            Ok(starts)
        })
        .await
    }
}
