//! Turning a visitor's message into pushes (who gets one: [`super::recipients`]) and sending the queued
//! pushes in the background, each marked before it is sent and retried with back-off.

use std::time::Duration;

use crate::hub::Hub;
use crate::store::{Posted, Store, WeakStore};

/// How often the queue is looked at.
const EVERY: Duration = Duration::from_millis(1000);

/// Queues pushes for a visitor's message just stored, in the background: the visitor's acknowledgement does
/// not wait for it, and a problem is only logged.
pub fn notify(store: &Store, hub: &Hub, posted: &Posted) {
    let bot = posted.conversation.bot == Some(crate::conversations::BotState::Active);
    if posted.duplicate || bot || !store.may_push() {
        return;
    }
    let (store, hub, posted) = (store.clone(), hub.clone(), posted.clone());
    tokio::spawn(async move {
        if let Err(e) = queue(&store, &hub, &posted).await {
            tracing::warn!(error = %e, "queuing pushes failed");
        }
    });
}

async fn queue(store: &Store, hub: &Hub, posted: &Posted) -> Result<(), crate::store::Error> {
    let Some(audience) = store.push_audience().await? else {
        return Ok(());
    };
    let online = hub.connected_operators().await;
    let who = super::recipients(
        &posted.conversation,
        &audience.operators,
        &online,
        audience.shop_open,
    );
    if who.is_empty() {
        return Ok(());
    }
    let title = match posted.names.customer.as_str() {
        "" => format!("#{}", posted.conversation.visitor_id),
        name => name.to_owned(),
    };
    let title = if posted.new_conversation {
        format!("💬 {title}")
    } else {
        title
    };
    let url = format!("/inbox/{}", posted.conversation.id);
    store
        .queue_pushes(who, title, super::preview(&posted.message.body), url)
        .await?;
    Ok(())
}

/// Sends due pushes every second for as long as the store is open.
pub async fn run(store: WeakStore, contact: String, first_retry_ms: u64) {
    let mut client = crate::outbound::OnFirstUse::new("web push", || {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Sodan/", env!("CARGO_PKG_VERSION")))
            .build()
    });
    loop {
        tokio::time::sleep(EVERY).await;
        let Some(strong) = store.upgrade() else {
            return;
        };
        let due = match strong.take_due_pushes(crate::clock::now_millis(), 20).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "reading the push queue failed");
                continue;
            }
        };
        if due.is_empty() {
            continue;
        }
        // Taken but not sent: their leases run out and they are taken again next round.
        let Some(client) = client.get() else {
            continue;
        };
        let key = match strong.vapid_key(super::vapid::new_private_key).await {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(error = %e, "reading the VAPID key failed");
                continue;
            }
        };
        for (job, subscription) in due {
            let outcome = super::send::send(client, &key, &contact, &subscription, &job).await;
            if !matches!(outcome, super::send::Outcome::Delivered) {
                tracing::info!(push = job.id, ?outcome, "a push was not delivered");
            }
            let backoff = crate::mail::backoff_ms(job.attempts, first_retry_ms);
            if let Err(e) = strong.push_done(job, outcome, backoff).await {
                tracing::warn!(error = %e, "recording a push failed");
            }
        }
    }
}
