//! Applying segment definitions to customers outside their own writes: the back-fill of changed
//! definitions over every customer, a chunk per transaction, and the re-check of answers that change by
//! themselves (a window moving on) at the time the evaluator gave.

use std::ops::Bound;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::kv::typed::{Json, Typed, TypedRead};
use super::segments::{BACKFILL_SETTING, read_json};
use super::tables::{MEMBERSHIPS, RECHECKS, VISITORS};
use super::{Error, Store};
use crate::segments::Membership;
use crate::segments::evaluation::reevaluate;
use crate::visitors::Visitor;

/// How far the back-fill of changed definitions has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backfill {
    /// The next visitor id to evaluate.
    pub next: u64,
    /// Customers evaluated so far.
    pub done: u64,
    /// Customer records when it started.
    pub total: u64,
}

impl Store {
    /// The back-fill under way, if any.
    pub async fn backfill_progress(&self) -> Result<Option<Backfill>, Error> {
        self.read(|txn| super::settings::get(txn, BACKFILL_SETTING))
            .await
    }

    /// Evaluates the next `chunk` customers of the back-fill in one transaction; `None` once it is done
    /// (or when there is none).
    pub async fn backfill_step(&self, chunk: usize) -> Result<Option<Backfill>, Error> {
        self.write(move |txn| {
            let Some(mut state) = read_json::<Backfill>(txn, BACKFILL_SETTING)? else {
                return Ok(None);
            };
            let from = (Bound::Included(&state.next), Bound::Unbounded);
            let visitors: Vec<Visitor> = txn
                .range_in(&VISITORS, from, false, chunk)?
                .into_iter()
                .map(|(_, Json(v))| v)
                .collect();
            for visitor in &visitors {
                reevaluate(txn, visitor)?;
            }
            state.done += visitors.len() as u64;
            match visitors.last() {
                Some(last) if visitors.len() == chunk => {
                    state.next = last.id + 1;
                    super::settings::put(txn, BACKFILL_SETTING, &state)?;
                    Ok(Some(state))
                }
                _ => {
                    super::settings::delete(txn, BACKFILL_SETTING)?;
                    Ok(None)
                }
            }
        })
        .await
    }

    /// Signalled whenever a definition changed (a back-fill is due); waiting on it does not keep the store
    /// open.
    pub fn backfill_signal(&self) -> Arc<tokio::sync::Notify> {
        self.inner.backfill_wanted.clone()
    }

    /// Evaluates again up to `limit` customers whose answer was due to change by `now_ms`; returns how many.
    pub async fn recheck_due(&self, now_ms: u64, limit: usize) -> Result<usize, Error> {
        // Look first, so an idle server does not commit (and fsync) twice a second.
        let any_due = self.any_due(RECHECKS, now_ms).await?;
        if !any_due {
            return Ok(0);
        }
        self.write(move |txn| {
            let due = super::due_keys(txn, &RECHECKS, now_ms, limit)?;
            for (at, id) in &due {
                txn.delete_in(&RECHECKS, &(*at, *id))?;
                // Forget the re-check time so the new one is stored even if nothing else changes.
                if let Some(Json(mut m)) = txn.get_in(&MEMBERSHIPS, id)? {
                    m.recheck_at = None;
                    if m == Membership::default() {
                        txn.delete_in(&MEMBERSHIPS, id)?;
                    } else {
                        txn.put_in(&MEMBERSHIPS, id, &Json(m))?;
                    }
                }
                if let Some(Json(visitor)) = txn.get_in(&VISITORS, id)? {
                    reevaluate(txn, &visitor)?;
                }
            }
            Ok(due.len())
        })
        .await
    }
}
