//! Work the server does on its own: applying changed segment definitions to existing customers, re-checking
//! customers whose segments change with time, telling consoles (and the customer's widget, when a
//! proactive message depends on segments) when a customer's segments change, and posting the automatic
//! replies that came due.
//!
//! The tasks hold the store weakly, so they end when the server stops and the data file closes.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use crate::hub::{Audience, Hub, protocol};
use crate::segments::SegmentId;
use crate::store::{Store, WeakStore};
use crate::visitors::VisitorId;

/// Customers evaluated per back-fill transaction: small enough that a chat message queued behind one
/// waits only milliseconds.
pub const BACKFILL_CHUNK: usize = 200;
/// How often due re-checks are looked for.
pub const RECHECK_EVERY: Duration = Duration::from_millis(500);
/// Re-checks per transaction.
const RECHECK_CHUNK: usize = 500;

/// Starts the background tasks on the current runtime.
pub fn start(
    store: &Store,
    hub: Hub,
    public_url: String,
    retry_secs: u64,
    mail_attachments: crate::mail::intake::AttachmentRules,
) {
    let contact = push_contact(&public_url);
    tokio::spawn(mail(store.downgrade(), public_url, retry_secs * 1000));
    tokio::spawn(deliveries(store.downgrade(), retry_secs * 1000));
    tokio::spawn(backfill(store.downgrade(), store.backfill_signal()));
    tokio::spawn(rechecks(store.downgrade()));
    tokio::spawn(announce(
        store.downgrade(),
        store.membership_changes(),
        hub.clone(),
    ));
    tokio::spawn(crate::line::outbox::run(
        store.downgrade(),
        hub.clone(),
        retry_secs * 1000,
    ));
    tokio::spawn(crate::mail::reader::run(
        store.downgrade(),
        hub.clone(),
        store.mailbox_signal(),
        mail_attachments,
    ));
    tokio::spawn(crate::push::outbox::run(
        store.downgrade(),
        contact,
        retry_secs * 1000,
    ));
    tokio::spawn(sessions(store.downgrade(), hub.clone()));
    tokio::spawn(autoreplies(store.downgrade(), hub));
    tokio::spawn(retention(store.downgrade(), store.retention_signal()));
}

/// Who sends pushes, for push services (RFC 8292 `sub`: an https URL or a mailto address).
fn push_contact(public_url: &str) -> String {
    if public_url.starts_with("https://") {
        public_url.to_owned()
    } else {
        "mailto:push@sodan.invalid".to_owned()
    }
}

/// How often expired console sessions are looked for.
const SESSIONS_EVERY: Duration = Duration::from_secs(30);

/// Ends expired console sessions and closes their sockets, so a console left open does not outlive its
/// session.
async fn sessions(store: WeakStore, hub: Hub) {
    loop {
        tokio::time::sleep(SESSIONS_EVERY).await;
        let Some(strong) = store.upgrade() else {
            return;
        };
        if let Err(e) = crate::auth::session::end_expired(&strong, &hub).await {
            tracing::warn!(error = %e, "ending expired sessions failed");
        }
    }
}

/// How often the retention job runs without being woken by a settings change.
const RETENTION_EVERY: Duration = Duration::from_secs(3_600);
/// Rows of each kind one retention pass looks at.
const RETENTION_PASS: usize = 10_000;

/// Deletes what the retention settings no longer allow: at start, every hour, and when they change;
/// pass by pass, with the progress in the log.
async fn retention(store: WeakStore, wanted: std::sync::Arc<tokio::sync::Notify>) {
    let mut every = tokio::time::interval(RETENTION_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = wanted.notified() => {}
        }
        let Some(strong) = store.upgrade() else {
            return;
        };
        let mut total = crate::store::Removed::default();
        loop {
            match strong
                .apply_retention(crate::clock::now_millis(), RETENTION_PASS)
                .await
            {
                Ok(pass) if pass.is_empty() => break,
                Ok(pass) => {
                    total.page_views += pass.page_views;
                    total.events += pass.events;
                    total.conversations += pass.conversations;
                    total.messages += pass.messages;
                    total.visitors += pass.visitors;
                    tracing::info!(
                        page_views = total.page_views,
                        events = total.events,
                        conversations = total.conversations,
                        messages = total.messages,
                        visitors = total.visitors,
                        "retention: removing expired data"
                    );
                }
                Err(e) => {
                    tracing::warn!(error = %e, "retention pass failed");
                    break;
                }
            }
        }
        if !total.is_empty() {
            tracing::info!(
                page_views = total.page_views,
                events = total.events,
                conversations = total.conversations,
                messages = total.messages,
                visitors = total.visitors,
                "retention: done"
            );
        }
    }
}

/// How often the mail queue and the reply digests are looked at.
const MAIL_EVERY: Duration = Duration::from_millis(1000);

/// Sends queued mail: first marks what a crash left half-sent, then every [`MAIL_EVERY`] turns due digests
/// into mails and sends what is due, each marked before it is handed to the SMTP server.
async fn mail(store: WeakStore, public_url: String, first_retry_ms: u64) {
    if let Some(strong) = store.upgrade() {
        match strong.reconcile_mails().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                mails = n,
                "mails being sent when the server stopped are marked unknown"
            ),
            Err(e) => tracing::warn!(error = %e, "reconciling the mail queue failed"),
        }
    }
    loop {
        tokio::time::sleep(MAIL_EVERY).await;
        let Some(strong) = store.upgrade() else {
            return;
        };
        let now = crate::clock::now_millis();
        let base = crate::store::LinkBase {
            public_url: public_url.clone(),
        };
        if let Err(e) = strong.queue_due_digests(now, base).await {
            tracing::warn!(error = %e, "queuing reply digests failed");
        }
        let (settings, due) = match strong.take_due_mails(now, 20).await {
            Ok(taken) => taken,
            Err(e) => {
                tracing::warn!(error = %e, "reading the mail queue failed");
                continue;
            }
        };
        for m in due {
            let file = attached_file(&strong, &m).await;
            let result = crate::mail::transport::send(&settings, &m, file.as_deref()).await;
            if let Err(e) = &result {
                tracing::warn!(mail = m.id, error = %e.message, permanent = e.permanent, "a mail was not accepted");
            }
            if let Err(e) = strong.mail_sent(m.id, result, first_retry_ms).await {
                tracing::error!(mail = m.id, error = %e, "recording a sent mail failed");
            }
        }
    }
}

/// The bytes of a mail's attachment (none when the mail has none or the file is gone: the text goes alone).
async fn attached_file(store: &Store, mail: &crate::mail::Outgoing) -> Option<Vec<u8>> {
    let id = mail.attachment.as_ref()?.upload_id;
    let upload = store.upload(id).await.ok().flatten()?;
    store.read_file(&upload).await.ok()
}

/// Sends due webhook deliveries every [`MAIL_EVERY`], signed, each with a lease so that a crash mid-send
/// means a resend rather than a loss.
async fn deliveries(store: WeakStore, first_retry_ms: u64) {
    let mut client = crate::outbound::OnFirstUse::new("webhooks", || {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("Sodan-Webhooks/", env!("CARGO_PKG_VERSION")))
            // A redirect would turn the POST into a body-less GET (and could point anywhere): a 3xx
            // answer is a failed attempt, retried and finally shown as failed, as Stripe and Standard
            // Webhooks treat it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
    });
    loop {
        tokio::time::sleep(MAIL_EVERY).await;
        let Some(strong) = store.upgrade() else {
            return;
        };
        let due = match strong
            .take_due_deliveries(crate::clock::now_millis(), 20)
            .await
        {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "reading webhook deliveries failed");
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
        for (d, hook) in due {
            let signature = crate::webhooks::signature(&hook.secret, crate::clock::now(), &d.body);
            let sent = client
                .post(&hook.url)
                .header("content-type", "application/json")
                .header("x-sodan-event", d.event.as_str())
                .header("x-sodan-delivery", d.id.to_string())
                .header("x-sodan-signature", signature)
                .body(d.body.clone())
                .send()
                .await;
            let (status, error) = match sent {
                Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), String::new()),
                Ok(r) => (
                    Some(r.status().as_u16()),
                    format!("the receiver answered {}", r.status()),
                ),
                Err(e) => (None, e.to_string()),
            };
            if let Err(e) = strong
                .delivery_done(d.id, status, error, first_retry_ms)
                .await
            {
                tracing::error!(delivery = d.id, error = %e, "recording a webhook delivery failed");
            }
        }
    }
}

/// Posts due automatic replies every [`RECHECK_EVERY`]; after a restart the first sweep handles what came
/// due while the server was down.
async fn autoreplies(store: WeakStore, hub: Hub) {
    loop {
        let Some(strong) = store.upgrade() else {
            return;
        };
        match strong
            .post_due_autoreplies(crate::clock::now_millis(), RECHECK_CHUNK)
            .await
        {
            Ok(posted) => {
                for (conversation, message) in &posted {
                    crate::conversations::live::publish_automatic(
                        &strong,
                        &hub,
                        conversation,
                        message,
                    )
                    .await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "posting automatic replies failed"),
        }
        drop(strong);
        tokio::time::sleep(RECHECK_EVERY).await;
    }
}

async fn backfill(store: WeakStore, signal: std::sync::Arc<tokio::sync::Notify>) {
    loop {
        let Some(strong) = store.upgrade() else {
            return;
        };
        match strong.backfill_step(BACKFILL_CHUNK).await {
            Ok(Some(progress)) => {
                tracing::debug!(
                    done = progress.done,
                    total = progress.total,
                    "segment back-fill"
                );
                drop(strong);
                tokio::task::yield_now().await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "segment back-fill paused"),
        }
        drop(strong);
        tokio::select! {
            () = signal.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

async fn rechecks(store: WeakStore) {
    loop {
        tokio::time::sleep(RECHECK_EVERY).await;
        let Some(strong) = store.upgrade() else {
            return;
        };
        loop {
            match strong
                .recheck_due(crate::clock::now_millis(), RECHECK_CHUNK)
                .await
            {
                Ok(n) if n == RECHECK_CHUNK => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "segment re-check failed");
                    break;
                }
            }
        }
    }
}

/// A segment as the console shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentTag {
    /// Id.
    pub id: SegmentId,
    /// Name.
    pub name: String,
}

/// The console frame for a customer's new segments.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename = "segments")]
struct SegmentsFrame {
    visitor_id: VisitorId,
    segments: Vec<SegmentTag>,
    intent: i64,
}

async fn announce(
    store: WeakStore,
    mut changes: tokio::sync::broadcast::Receiver<crate::store::MembershipChange>,
    hub: Hub,
) {
    let mut names: HashMap<SegmentId, String> = HashMap::new();
    // Names are re-read when an unknown segment shows up or they are older than this (renames).
    let mut read_at: Option<std::time::Instant> = None;
    // Whether some proactive message depends on segments or the score (re-read with the names).
    let mut widgets_care = false;
    loop {
        let change = match changes.recv().await {
            Ok(change) => change,
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "consoles missed segment changes");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let m = &change.membership;
        let stale = read_at.is_none_or(|t| t.elapsed() > Duration::from_secs(10));
        if stale || m.segments.iter().any(|s| !names.contains_key(s)) {
            let Some(strong) = store.upgrade() else {
                return;
            };
            if let Ok(list) = strong.segments().await {
                names = list.into_iter().map(|(s, _)| (s.id, s.name)).collect();
                read_at = Some(std::time::Instant::now());
            }
            if let Ok(triggers) = strong.triggers().await {
                widgets_care = triggers
                    .iter()
                    .any(|(t, _)| t.enabled && t.uses_membership());
            }
        }
        let frame = SegmentsFrame {
            visitor_id: change.visitor,
            segments: m
                .segments
                .iter()
                .filter_map(|id| {
                    names.get(id).map(|name| SegmentTag {
                        id: *id,
                        name: name.clone(),
                    })
                })
                .collect(),
            intent: m.intent,
        };
        hub.publish(Audience::Operators, protocol::encode(&frame))
            .await;
        if widgets_care {
            let frame = protocol::encode(&protocol::ToVisitor::TriggersChanged);
            hub.publish(Audience::Visitor(change.visitor), frame).await;
        }
    }
}
