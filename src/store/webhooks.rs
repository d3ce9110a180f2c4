//! Webhooks: the receivers, and their deliveries (queued by `crate::webhooks::emit` in the same
//! transaction as the change they report, so none is lost), sent with a lease (a crash mid-send means a
//! resend, never a loss) and retried with back-off.

use super::conversations::next_id;
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{DELIVERIES, DELIVERY_DUE, WEBHOOKS};
use super::{Error, Store};
use crate::customers::Invalid;
use crate::webhooks::{
    Delivery, DeliveryStatus, Event, LEASE_MS, MAX_ATTEMPTS, MAX_WEBHOOKS, Webhook, WebhookId,
};

const NEXT_WEBHOOK_KEY: &str = "next_webhook_id";

impl Store {
    /// Every webhook, by id.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, Error> {
        self.read(|txn| {
            let all = txn.all_in(&WEBHOOKS)?;
            Ok(all.into_iter().map(|(_, Json(w))| w).collect())
        })
        .await
    }

    /// Registers a receiver (URL checked by the caller) with a new signing secret.
    pub async fn add_webhook(
        &self,
        url: String,
        events: Vec<Event>,
    ) -> Result<Result<Webhook, Invalid>, Error> {
        self.write(move |txn| {
            if txn.all_in(&WEBHOOKS)?.len() >= MAX_WEBHOOKS {
                return Ok(Err(Invalid(crate::msg!(
                    "at most {0} webhooks",
                    MAX_WEBHOOKS
                ))));
            }
            let hook = Webhook {
                id: next_id(txn, NEXT_WEBHOOK_KEY)?,
                url,
                events,
                secret: format!("whsec_{}", crate::tokens::random()),
                created_at: crate::clock::now_millis(),
            };
            txn.put_record_in(&WEBHOOKS, &hook.id, &hook)?;
            Ok(Ok(hook))
        })
        .await
    }

    /// Removes a receiver (its queued deliveries are dropped when they come due); whether it existed.
    pub async fn delete_webhook(&self, id: WebhookId) -> Result<bool, Error> {
        self.write(move |txn| txn.delete_in(&WEBHOOKS, &id)).await
    }

    /// The latest deliveries, newest first.
    pub async fn recent_deliveries(&self, limit: usize) -> Result<Vec<Delivery>, Error> {
        self.read(move |txn| txn.newest_in(&DELIVERIES, limit))
            .await
    }

    /// Takes up to `limit` deliveries due by `now_ms`, each with its webhook, and leases them: due again
    /// after [`LEASE_MS`] unless their result is recorded first (so a crash mid-send resends).
    pub async fn take_due_deliveries(
        &self,
        now_ms: u64,
        limit: usize,
    ) -> Result<Vec<(Delivery, Webhook)>, Error> {
        let any = self.any_due(DELIVERY_DUE, now_ms).await?;
        if !any {
            return Ok(Vec::new());
        }
        self.write(move |txn| {
            let due: Vec<(u64, u64)> = super::due_keys(txn, &DELIVERY_DUE, now_ms, limit)?;
            let mut taken = Vec::new();
            for (at, id) in due {
                txn.delete_in(&DELIVERY_DUE, &(at, id))?;
                let Some(Json(mut d)) = txn.get_in(&DELIVERIES, &id)? else {
                    continue;
                };
                let hook = txn.get_in(&WEBHOOKS, &d.webhook)?.map(|Json(w)| w);
                let Some(hook) = hook else {
                    d.status = DeliveryStatus::Failed;
                    d.last_error = "the webhook was removed".into();
                    txn.put_record_in(&DELIVERIES, &id, &d)?;
                    continue;
                };
                d.attempts += 1;
                d.next_at = now_ms + LEASE_MS;
                txn.put_record_in(&DELIVERIES, &id, &d)?;
                txn.put_in(&DELIVERY_DUE, &(d.next_at, id), &())?;
                taken.push((d, hook));
            }
            Ok(taken)
        })
        .await
    }

    /// Records an attempt: delivered (2xx), or due again after a back-off, or failed after
    /// [`MAX_ATTEMPTS`].
    pub async fn delivery_done(
        &self,
        id: u64,
        status: Option<u16>,
        error: String,
        first_retry_ms: u64,
    ) -> Result<(), Error> {
        self.write(move |txn| {
            let Some(Json(mut d)) = txn.get_in(&DELIVERIES, &id)? else {
                return Ok(());
            };
            txn.delete_in(&DELIVERY_DUE, &(d.next_at, id))?;
            d.last_status = status;
            d.last_error = error;
            if status.is_some_and(|s| (200..300).contains(&s)) {
                d.status = DeliveryStatus::Delivered;
            } else if d.attempts >= MAX_ATTEMPTS {
                d.status = DeliveryStatus::Failed;
            } else {
                d.next_at = crate::clock::now_millis()
                    + crate::mail::backoff_ms(d.attempts, first_retry_ms);
                txn.put_in(&DELIVERY_DUE, &(d.next_at, id), &())?;
            }
            txn.put_record_in(&DELIVERIES, &id, &d)?;
            Ok(())
        })
        .await
    }
}
