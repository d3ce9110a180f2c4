//! Operators' push devices and the queue of pushes to them (see `push`).

use super::autoreplies::shop_open;
use super::conversations::next_id;
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{OPERATORS, PUSH_DUE, PUSH_JOBS, PUSH_SUBSCRIPTIONS};
use super::tx::Tx;
use super::{Error, Store};
use crate::operators::{Operator, OperatorId};
use crate::push::send::Outcome;
use crate::push::{Job, MAX_ATTEMPTS, MAX_DEVICES, Subscription};

const VAPID_SETTING: &str = "vapid_private_key";
const NEXT_SUBSCRIPTION_KEY: &str = "next_push_subscription_id";
const NEXT_JOB_KEY: &str = "next_push_job_id";
/// How long a taken push waits before it is tried again if its attempt never reports back.
const LEASE_MS: u64 = 60_000;

/// Whether any device is subscribed, remembered between changes so that a shop without push devices reads
/// nothing for each visitor's message. A change forgets it; a read that overlapped a change is not
/// remembered (its answer may predate the change).
#[derive(Debug, Default)]
pub(super) struct Devices {
    /// How many changes so far, and what the last read after the last change found.
    state: std::sync::Mutex<(u64, Option<bool>)>,
}

impl Devices {
    fn known(&self) -> (u64, Option<bool>) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn learned(&self, version: u64, any: bool) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.0 == version {
            state.1 = Some(any);
        }
    }

    fn changed(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        *state = (state.0 + 1, None);
    }
}

/// Who could be sent a push now: the operators with at least one device, and whether the shop is open.
#[derive(Debug, Clone)]
pub struct PushAudience {
    /// Operators with a device.
    pub operators: Vec<Operator>,
    /// Inside business hours (always, without hours).
    pub shop_open: bool,
}

fn subscriptions(txn: &Tx<'_>) -> Result<Vec<Subscription>, Error> {
    txn.records_where(&PUSH_SUBSCRIPTIONS, |_| true)
}

fn remove_subscription_in(txn: &Tx<'_>, id: u64) -> Result<(), Error> {
    txn.delete_in(&PUSH_SUBSCRIPTIONS, &id)?;
    let jobs = txn.records_where(&PUSH_JOBS, |j| j.subscription == id)?;
    for j in jobs {
        txn.delete_in(&PUSH_JOBS, &j.id)?;
        txn.delete_in(&PUSH_DUE, &(j.next_at, j.id))?;
    }
    Ok(())
}

impl Store {
    /// `false` when no device is known to be subscribed (nothing is read to say so).
    pub fn may_push(&self) -> bool {
        self.devices_known() != Some(false)
    }

    /// What this process knows of subscribed devices: nothing when other nodes may subscribe some.
    fn devices_known(&self) -> Option<bool> {
        if self.inner.backend.shared() {
            None
        } else {
            self.inner.push_devices.known().1
        }
    }

    /// The operators a push could reach and whether the shop is open, in one read; `None` (without reading)
    /// when no device is subscribed.
    pub async fn push_audience(&self) -> Result<Option<PushAudience>, Error> {
        let (version, known) = self.inner.push_devices.known();
        if known == Some(false) && self.devices_known().is_some() {
            return Ok(None);
        }
        let audience = self
            .read(|txn| {
                let owners: Vec<OperatorId> = txn
                    .records_where(&PUSH_SUBSCRIPTIONS, |_| true)?
                    .into_iter()
                    .map(|s| s.operator)
                    .collect();
                if owners.is_empty() {
                    return Ok(None);
                }
                let operators = txn.records_where(&OPERATORS, |op| owners.contains(&op.id))?;
                let now = crate::clock::now_millis();
                let shop_open = shop_open(txn, now)?;
                Ok(Some(PushAudience {
                    operators,
                    shop_open,
                }))
            })
            .await?;
        self.inner.push_devices.learned(version, audience.is_some());
        Ok(audience)
    }

    /// The VAPID private key, made by `make` on first use and kept.
    pub async fn vapid_key(&self, make: fn() -> String) -> Result<String, Error> {
        self.write(move |txn| {
            if let Some(key) = super::settings::get(txn, VAPID_SETTING)? {
                return Ok(key);
            }
            let key = make();
            super::settings::put(txn, VAPID_SETTING, &key)?;
            Ok(key)
        })
        .await
    }

    /// Adds a device (the same endpoint again replaces the old record); at most [`MAX_DEVICES`] per
    /// operator, the oldest going first.
    pub async fn add_push_subscription(&self, mut sub: Subscription) -> Result<u64, Error> {
        let added = self
            .write(move |txn| {
                let all = subscriptions(txn)?;
                for old in all.iter().filter(|s| s.endpoint == sub.endpoint) {
                    remove_subscription_in(txn, old.id)?;
                }
                let mut mine: Vec<&Subscription> = all
                    .iter()
                    .filter(|s| s.operator == sub.operator && s.endpoint != sub.endpoint)
                    .collect();
                mine.sort_by_key(|s| s.created_at);
                while mine.len() >= MAX_DEVICES {
                    remove_subscription_in(txn, mine.remove(0).id)?;
                }
                sub.id = next_id(txn, NEXT_SUBSCRIPTION_KEY)?;
                txn.put_record_in(&PUSH_SUBSCRIPTIONS, &sub.id, &sub)?;
                Ok(sub.id)
            })
            .await;
        self.inner.push_devices.changed();
        added
    }

    /// An operator's devices, oldest first.
    pub async fn push_subscriptions(
        &self,
        operator: OperatorId,
    ) -> Result<Vec<Subscription>, Error> {
        self.read(move |txn| txn.records_where(&PUSH_SUBSCRIPTIONS, |s| s.operator == operator))
            .await
    }

    /// Removes one of `operator`'s devices (and what was queued for it); whether it was theirs.
    pub async fn remove_push_subscription(
        &self,
        operator: OperatorId,
        id: u64,
    ) -> Result<bool, Error> {
        let removed = self
            .write(move |txn| {
                let theirs = txn
                    .get_in(&PUSH_SUBSCRIPTIONS, &id)?
                    .map(|Json(r)| r)
                    .is_some_and(|s| s.operator == operator);
                if theirs {
                    remove_subscription_in(txn, id)?;
                }
                Ok(theirs)
            })
            .await;
        self.inner.push_devices.changed();
        removed
    }

    /// Queues one push for each device of `operators`.
    pub async fn queue_pushes(
        &self,
        operators: Vec<OperatorId>,
        title: String,
        body: String,
        url: String,
    ) -> Result<usize, Error> {
        self.write(move |txn| {
            let now = crate::clock::now_millis();
            let mut queued = 0;
            for sub in subscriptions(txn)?
                .into_iter()
                .filter(|s| operators.contains(&s.operator))
            {
                let job = Job {
                    id: next_id(txn, NEXT_JOB_KEY)?,
                    subscription: sub.id,
                    title: title.clone(),
                    body: body.clone(),
                    url: url.clone(),
                    attempts: 0,
                    next_at: now,
                    created_at: now,
                };
                txn.put_record_in(&PUSH_JOBS, &job.id, &job)?;
                txn.put_in(&PUSH_DUE, &(now, job.id), &())?;
                queued += 1;
            }
            Ok(queued)
        })
        .await
    }

    /// Takes up to `limit` pushes due by `now_ms`, each with its device; each is put back a minute later
    /// (a lease) until its attempt reports.
    pub async fn take_due_pushes(
        &self,
        now_ms: u64,
        limit: usize,
    ) -> Result<Vec<(Job, Subscription)>, Error> {
        if !self.any_due(PUSH_DUE, now_ms).await? {
            return Ok(Vec::new());
        }
        self.write(move |txn| {
            let mut taken = Vec::new();
            for (at, id) in super::due_keys(txn, &PUSH_DUE, now_ms, limit)? {
                txn.delete_in(&PUSH_DUE, &(at, id))?;
                let Some(mut job) = txn.get_in(&PUSH_JOBS, &id)?.map(|Json(r)| r) else {
                    continue;
                };
                let Some(sub) = txn
                    .get_in(&PUSH_SUBSCRIPTIONS, &job.subscription)?
                    .map(|Json(r)| r)
                else {
                    txn.delete_in(&PUSH_JOBS, &id)?;
                    continue;
                };
                job.attempts += 1;
                job.next_at = now_ms + LEASE_MS;
                txn.put_record_in(&PUSH_JOBS, &id, &job)?;
                txn.put_in(&PUSH_DUE, &(job.next_at, id), &())?;
                taken.push((job, sub));
            }
            Ok(taken)
        })
        .await
    }

    /// Records how an attempt went: delivered (the push is done), gone (the device is removed), retry
    /// after `backoff_ms` or the service's wait (dropped after [`MAX_ATTEMPTS`]), or dropped.
    pub async fn push_done(
        &self,
        job: Job,
        outcome: Outcome,
        backoff_ms: u64,
    ) -> Result<(), Error> {
        let gone = matches!(outcome, Outcome::Gone);
        let done = self
            .write(move |txn| {
                txn.delete_in(&PUSH_DUE, &(job.next_at, job.id))?;
                let now = crate::clock::now_millis();
                match outcome {
                    Outcome::Delivered => {
                        txn.delete_in(&PUSH_JOBS, &job.id)?;
                        if let Some(Json(mut s)) =
                            txn.get_in(&PUSH_SUBSCRIPTIONS, &job.subscription)?
                        {
                            s.last_used_at = now;
                            txn.put_record_in(&PUSH_SUBSCRIPTIONS, &s.id, &s)?;
                        }
                    }
                    Outcome::Gone => remove_subscription_in(txn, job.subscription)?,
                    Outcome::Retry(after, _) if job.attempts < MAX_ATTEMPTS => {
                        let wait = after.map_or(backoff_ms, |s| s.saturating_mul(1000));
                        let mut next = job;
                        next.next_at = now + wait;
                        txn.put_record_in(&PUSH_JOBS, &next.id, &next)?;
                        txn.put_in(&PUSH_DUE, &(next.next_at, next.id), &())?;
                    }
                    Outcome::Retry(..) | Outcome::Dropped(_) => {
                        txn.delete_in(&PUSH_JOBS, &job.id)?;
                    }
                }
                Ok(())
            })
            .await;
        if gone {
            self.inner.push_devices.changed();
        }
        done
    }
}
