//! Segment definitions, intent-score rules and memberships, kept current as customers change.
//!
//! Every write of a customer record ends in [`reevaluate`], so one customer's segments are re-evaluated
//! where their data changed, in the same transaction, never by rescanning everyone. Answers that change by
//! themselves (a window moving on) are re-checked at the time the evaluator gave (`RECHECKS`). A changed
//! definition is applied to existing customers by a back-fill in small batches (`segment_backfill.rs`), so
//! the writer keeps serving chat in between.

use super::kv::typed::{Json, Typed, TypedRead};
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::conversations::next_id;
use super::kv::KvRead;
use super::rx::Rx;
use super::segment_backfill::Backfill;
use super::tables::{MEMBERSHIPS, META, SEGMENT_MEMBERS, SEGMENT_SIZES, SEGMENTS, VISITORS};
use super::tx::Tx;
use super::visitors::follow;
use super::writer::MembershipChange;
use super::{Error, Store};
use crate::customers::Invalid;
pub use crate::segments::SegmentDraft;
use crate::segments::{self, Definitions, Membership, ScoreRule, Segment, SegmentId};
use crate::visitors::VisitorId;

/// `META` key of the definitions' version: changes (to a random value) whenever a definition does.
const VERSION_KEY: &str = "segments_version";
const NEXT_SEGMENT_KEY: &str = "next_segment_id";
const SCORE_SETTING: &str = "intent_rules";
/// `SETTINGS` key of the back-fill under way.
pub(super) const BACKFILL_SETTING: &str = "segment_backfill";

/// Definitions parsed once per version, with what routing needs.
pub(crate) struct Compiled {
    version: u64,
    /// The parsed rules.
    pub(crate) defs: Definitions,
    /// `(segment, operator)`, in segment order.
    routes: Vec<(SegmentId, u64)>,
}

thread_local! {
    /// The writer thread's parsed definitions (one writer thread per data file).
    static COMPILED: RefCell<Option<Arc<Compiled>>> = const { RefCell::new(None) };
}

fn version(txn: &Tx<'_>) -> Result<u64, Error> {
    Ok(txn.get_in(&META, &VERSION_KEY.to_owned())?.unwrap_or(0))
}

pub(super) fn read_json<T: DeserializeOwned>(txn: &Tx<'_>, key: &str) -> Result<Option<T>, Error> {
    super::settings::get(txn, key)
}

fn all_segments(kv: &impl KvRead) -> Result<Vec<Segment>, Error> {
    kv.records_where(&SEGMENTS, |_| true)
}

/// The current definitions, parsed; `None` when none were ever made.
pub(crate) fn compiled(txn: &Tx<'_>) -> Result<Option<Arc<Compiled>>, Error> {
    let version = version(txn)?;
    if version == 0 {
        return Ok(None);
    }
    if let Some(c) = COMPILED
        .with_borrow(|c| c.clone())
        .filter(|c| c.version == version)
    {
        return Ok(Some(c));
    }
    let list = all_segments(txn)?;
    let score: Vec<ScoreRule> = read_json(txn, SCORE_SETTING)?.unwrap_or_default();
    let compiled = Arc::new(Compiled {
        version,
        defs: Definitions::new(&list, &score),
        routes: list
            .iter()
            .filter_map(|s| s.route_to.map(|o| (s.id, o)))
            .collect(),
    });
    COMPILED.with_borrow_mut(|c| *c = Some(compiled.clone()));
    Ok(Some(compiled))
}

/// Records that definitions changed: a new version, and a back-fill from the first customer.
fn definitions_changed(txn: &Tx<'_>) -> Result<(), Error> {
    let version = u64::from_str_radix(&crate::tokens::random()[..15], 16).unwrap_or(1) + 1;
    txn.put_in(&META, &VERSION_KEY.to_owned(), &version)?;
    // Counts keys only: no visitor record is decoded.
    let total = txn.count_in(&VISITORS)? as u64;
    let backfill = Backfill {
        next: 0,
        done: 0,
        total,
    };
    super::settings::put(txn, BACKFILL_SETTING, &backfill)?;
    Ok(())
}

/// Every `(segment, operator)` route, in segment order (none before any segment was made), from the
/// parsed definitions the writer keeps.
pub(crate) fn segment_routes(txn: &Tx<'_>) -> Result<Vec<(SegmentId, u64)>, Error> {
    Ok(compiled(txn)?.map_or_else(Vec::new, |c| c.routes.clone()))
}

/// A customer's segments and score as last evaluated (none stored: in no segment, no score).
pub(crate) fn membership_of(kv: &impl KvRead, id: VisitorId) -> Result<Membership, Error> {
    Ok(kv
        .get_in(&MEMBERSHIPS, &id)?
        .map(|Json(m)| m)
        .unwrap_or_default())
}

/// A customer's segments, as last evaluated, in a write transaction.
pub(crate) fn segments_of(txn: &Tx<'_>, id: VisitorId) -> Result<Vec<SegmentId>, Error> {
    Ok(membership_of(txn, id)?.segments)
}

/// A customer's segments (id, name) and intent score, in a read transaction.
pub(super) fn named_membership(
    txn: &Rx<'_>,
    id: VisitorId,
) -> Result<(Vec<(SegmentId, String)>, i64), Error> {
    let kv = txn;
    let membership = membership_of(&kv, id)?;
    let mut named = Vec::new();
    for s in &membership.segments {
        if let Some(Json(segment)) = kv.get_in(&SEGMENTS, s)? {
            named.push((*s, segment.name));
        }
    }
    Ok((named, membership.intent))
}

impl Store {
    /// Every segment, by id, with its member count.
    pub async fn segments(&self) -> Result<Vec<(Segment, u64)>, Error> {
        self.read(|txn| {
            let kv = txn;
            all_segments(&kv)?
                .into_iter()
                .map(|s| {
                    let n = kv.get_in(&SEGMENT_SIZES, &s.id)?.unwrap_or(0);
                    Ok((s, n))
                })
                .collect()
        })
        .await
    }

    /// Creates or changes a segment (checked: name, unique name, rule) and starts the back-fill of its
    /// members. `Ok(None)` when the segment to change does not exist.
    pub async fn save_segment(
        &self,
        draft: SegmentDraft,
    ) -> Result<Option<Result<Segment, Invalid>>, Error> {
        let saved = self
            .write(move |txn| {
                let list = all_segments(txn)?;
                let existing = match draft.id {
                    Some(id) => match list.iter().find(|s| s.id == id) {
                        Some(s) => Some(s.clone()),
                        None => return Ok(None),
                    },
                    None => None,
                };
                let (name, rule) = match draft.check(&list) {
                    Ok(checked) => checked,
                    Err(invalid) => return Ok(Some(Err(invalid))),
                };
                let segment = Segment {
                    id: match existing.as_ref() {
                        Some(s) => s.id,
                        None => next_id(txn, NEXT_SEGMENT_KEY)?,
                    },
                    name,
                    rule,
                    route_to: draft.route_to,
                    priority: draft.priority,
                    created_at: existing
                        .as_ref()
                        .map_or_else(crate::clock::now_millis, |s| s.created_at),
                };
                txn.put_record_in(&SEGMENTS, &segment.id, &segment)?;
                if existing.is_none() {
                    txn.put_in(&SEGMENT_SIZES, &segment.id, &0)?;
                }
                definitions_changed(txn)?;
                Ok(Some(Ok(segment)))
            })
            .await?;
        self.inner.backfill_wanted.notify_one();
        Ok(saved)
    }

    /// Deletes a segment and its member list. `false` when there is no such segment.
    pub async fn delete_segment(&self, id: SegmentId) -> Result<bool, Error> {
        let deleted = self
            .write(move |txn| {
                if !txn.delete_in(&SEGMENTS, &id)? {
                    return Ok(false);
                }
                txn.delete_in(&SEGMENT_SIZES, &id)?;
                txn.delete_prefix_in(&SEGMENT_MEMBERS, &id)?;
                definitions_changed(txn)?;
                Ok(true)
            })
            .await?;
        self.inner.backfill_wanted.notify_one();
        Ok(deleted)
    }

    /// The intent-score rules.
    pub async fn score_rules(&self) -> Result<Vec<ScoreRule>, Error> {
        self.read(|txn| super::settings::get(txn, SCORE_SETTING).map(Option::unwrap_or_default))
            .await
    }

    /// Replaces the intent-score rules (each checked) and starts the back-fill.
    pub async fn set_score_rules(
        &self,
        rules: Vec<ScoreRule>,
    ) -> Result<Result<(), Invalid>, Error> {
        let checked = match segments::check_score_rules(rules) {
            Ok(checked) => checked,
            Err(invalid) => return Ok(Err(invalid)),
        };
        self.write(move |txn| {
            super::settings::put(txn, SCORE_SETTING, &checked)?;
            definitions_changed(txn)
        })
        .await?;
        self.inner.backfill_wanted.notify_one();
        Ok(Ok(()))
    }

    /// A customer's segments and score (following a merge).
    pub async fn membership(&self, id: VisitorId) -> Result<Membership, Error> {
        self.read(move |txn| {
            let id = follow(txn, id)?.map_or(id, |v| v.id);
            membership_of(txn, id)
        })
        .await
    }

    /// Every member of a segment.
    pub async fn segment_members(&self, id: SegmentId) -> Result<HashSet<VisitorId>, Error> {
        self.read(move |txn| {
            let mut members = HashSet::new();
            txn.scan_prefix_in(&SEGMENT_MEMBERS, &id, false, |(_, visitor), ()| {
                members.insert(visitor);
                Ok(true)
            })?;
            Ok(members)
        })
        .await
    }

    /// Segment membership changes as they are committed (for live consoles).
    pub fn membership_changes(&self) -> tokio::sync::broadcast::Receiver<MembershipChange> {
        self.inner.writer.subscribe()
    }
}
