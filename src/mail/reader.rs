//! Watching the incoming mailbox: connect, log in, open the folder, take in the mails after the cursor (on
//! a first connection or a new UIDVALIDITY: the unseen mails of the last week), then wait with IMAP IDLE
//! (RFC 2177) where the server offers it, else poll. Each mail is taken in and recorded with the cursor in
//! one commit, and only then marked `\Seen` on the server: a crash in between reads it again, and the
//! record (by Message-ID) keeps it from being taken in twice. A mail too large is not downloaded: it is
//! recorded as failed from its header. Errors are shown to admins and retried.

use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use futures_util::TryStreamExt;
use tokio::sync::Notify;

use super::imap::{ImapSecurity, ImapSettings};
use super::inbound::MAX_MAIL_BYTES;
use super::intake::{self, AttachmentRules, Place, Support};
use super::received::Cursor;
use crate::hub::Hub;
use crate::store::WeakStore;

/// How long connecting and each command may take.
const STEP: Duration = Duration::from_secs(60);
/// How long one IDLE lasts before it is renewed (RFC 2177: under 29 minutes).
const IDLE_FOR: Duration = Duration::from_secs(5 * 60);
/// How often a server without IDLE is asked for new mail.
const POLL_EVERY: Duration = Duration::from_secs(60);
/// The wait before connecting again after an error.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// Mails taken in per round (the rest follow in the next one, without waiting).
const BATCH: usize = 50;
/// On a first connection, unseen mail this recent is read.
const FIRST_READ_DAYS: u64 = 7;

/// What the reader works with.
struct Reader<'a> {
    store: &'a WeakStore,
    hub: &'a Hub,
    rules: &'a AttachmentRules,
}

/// Why watching stopped.
enum Stop {
    /// The settings changed: start over with the new ones.
    Changed,
    /// The server is stopping.
    Gone,
}

/// Runs for as long as the store is open: watches the mailbox while it is enabled.
pub async fn run(store: WeakStore, hub: Hub, changed: Arc<Notify>, rules: AttachmentRules) {
    loop {
        let Some(strong) = store.upgrade() else {
            return;
        };
        let settings = strong.imap_settings().await.unwrap_or_default();
        drop(strong);
        if !settings.enabled || settings.check().is_err() {
            wait_or_change(&changed, POLL_EVERY).await;
            continue;
        }
        let reader = Reader {
            store: &store,
            hub: &hub,
            rules: &rules,
        };
        match watch(&reader, &settings, &changed).await {
            Ok(Stop::Changed) => {}
            Ok(Stop::Gone) => return,
            Err(error) => {
                tracing::warn!(%error, "reading the incoming mailbox failed; trying again");
                say(&store, format!("error: {error}")).await;
                wait_or_change(&changed, RETRY_AFTER).await;
            }
        }
    }
}

async fn wait_or_change(changed: &Notify, wait: Duration) -> bool {
    tokio::select! {
        () = changed.notified() => true,
        () = tokio::time::sleep(wait) => false,
    }
}

/// Records what the reader is doing, for Settings → Incoming mailbox.
async fn say(store: &WeakStore, status: String) {
    if let Some(strong) = store.upgrade()
        && let Err(e) = strong.set_mailbox_status(status).await
    {
        tracing::warn!(error = %e, "recording the mailbox status failed");
    }
}

async fn step<T, E: std::fmt::Display>(
    what: &str,
    work: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(STEP, work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer within {} s", STEP.as_secs())),
    }
}

async fn watch(r: &Reader<'_>, settings: &ImapSettings, changed: &Notify) -> Result<Stop, String> {
    let address = (settings.host.trim().to_owned(), settings.port);
    let tcp = step("connect", tokio::net::TcpStream::connect(address)).await?;
    match settings.security {
        ImapSecurity::None => session(r, settings, changed, tcp).await,
        ImapSecurity::Tls => {
            let name = rustls::pki_types::ServerName::try_from(settings.host.trim().to_owned())
                .map_err(|e| format!("TLS: {e}"))?;
            let connector = tokio_rustls::TlsConnector::from(super::imap::tls_config());
            let tls = step("TLS", connector.connect(name, tcp)).await?;
            session(r, settings, changed, tls).await
        }
    }
}

async fn session<S>(
    r: &Reader<'_>,
    settings: &ImapSettings,
    changed: &Notify,
    stream: S,
) -> Result<Stop, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut client = async_imap::Client::new(stream);
    step("greeting", async { client.read_response().await }).await?;
    let login = client.login(settings.username.trim(), &settings.password);
    let mut session = step("LOGIN", async { login.await.map_err(|(e, _)| e) }).await?;
    let idle = step("CAPABILITY", session.capabilities())
        .await?
        .has_str("IDLE");
    let folder = settings.folder.trim();
    let mailbox = step("SELECT", session.select(folder)).await?;
    let uid_validity = mailbox.uid_validity.unwrap_or(0);
    let uid_next = mailbox.uid_next.unwrap_or(1);
    let how = if idle {
        "waiting for mail with IDLE".to_owned()
    } else {
        format!("asking for mail every {} s", POLL_EVERY.as_secs())
    };
    say(r.store, format!("connected: {folder}, {how}")).await;
    loop {
        loop {
            let Some(taken) = sync(&mut session, r, uid_validity, uid_next).await? else {
                return Ok(Stop::Gone);
            };
            if taken < BATCH {
                break;
            }
        }
        if idle {
            let mut handle = session.idle();
            step("IDLE", handle.init()).await?;
            let (wait, stop) = handle.wait_with_timeout(IDLE_FOR);
            let woken = tokio::select! {
                r = wait => r.map(|_| false).map_err(|e| format!("IDLE: {e}"))?,
                () = changed.notified() => true,
            };
            drop(stop);
            session = step("DONE", handle.done()).await?;
            if woken {
                let _ = tokio::time::timeout(STEP, session.logout()).await;
                return Ok(Stop::Changed);
            }
        } else {
            if wait_or_change(changed, POLL_EVERY).await {
                let _ = tokio::time::timeout(STEP, session.logout()).await;
                return Ok(Stop::Changed);
            }
            step("NOOP", session.noop()).await?;
        }
    }
}

/// `D-Mon-YYYY` (RFC 3501 `date`) of a Unix time.
fn imap_date(unix_secs: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let date = crate::clock::date(unix_secs);
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next(), parts.next(), parts.next());
    let month: usize = m.and_then(|m| m.parse().ok()).unwrap_or(1);
    let day: u32 = d.and_then(|d| d.parse().ok()).unwrap_or(1);
    format!(
        "{day}-{}-{}",
        MONTHS[month.clamp(1, 12) - 1],
        y.unwrap_or("1970")
    )
}

/// Takes in the mails after the cursor (at most [`BATCH`]); returns how many it looked at (`None`: the
/// server is stopping). The store is held only while it is used, never across the mail server's answers,
/// so a stopping server closes its data file at once.
async fn sync<S>(
    session: &mut Session<S>,
    r: &Reader<'_>,
    uid_validity: u32,
    uid_next: u32,
) -> Result<Option<usize>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let stored = |e: crate::store::Error| format!("storage: {e}");
    let Some(store) = r.store.upgrade() else {
        return Ok(None);
    };
    let mut cursor = store.mailbox_cursor().await.map_err(stored)?;
    let support = Support::load(&store).await.map_err(stored)?;
    drop(store);
    let known = cursor.uid_validity == uid_validity && cursor.last_uid > 0;
    let query = if known {
        format!("UID {}:*", cursor.last_uid + 1)
    } else {
        let since = crate::clock::now().saturating_sub(FIRST_READ_DAYS * 86_400);
        format!("UNSEEN SINCE {}", imap_date(since))
    };
    let mut uids: Vec<u32> = step("UID SEARCH", session.uid_search(&query))
        .await?
        .into_iter()
        .filter(|&uid| !known || uid > cursor.last_uid)
        .collect();
    uids.sort_unstable();
    uids.truncate(BATCH);
    if !known {
        cursor = Cursor {
            uid_validity,
            last_uid: uid_next.saturating_sub(1),
        };
    }
    for &uid in &uids {
        let (size, from, subject) = header(session, uid).await?;
        let place = Place {
            uid_validity,
            uid,
            size,
        };
        let raw = if size > MAX_MAIL_BYTES as u64 {
            Err(intake::too_large(place, &from, &subject))
        } else {
            body(session, uid)
                .await?
                .map_err(|why| intake::unreadable(place, &from, &subject, &why))
        };
        let Some(store) = r.store.upgrade() else {
            return Ok(None);
        };
        let item = match raw {
            Err(failed) => Some(failed),
            Ok(raw) => intake::take(&store, r.hub, &support, r.rules, place, &raw)
                .await
                .map_err(stored)?,
        };
        cursor.last_uid = cursor.last_uid.max(uid);
        store.record_received(item, cursor).await.map_err(stored)?;
        drop(store);
        let flagged = async {
            session
                .uid_store(uid.to_string(), "+FLAGS (\\Seen)")
                .await?
                .try_collect::<Vec<_>>()
                .await
        };
        step("UID STORE", flagged).await?;
    }
    if uids.is_empty() && !known {
        let Some(store) = r.store.upgrade() else {
            return Ok(None);
        };
        store.record_received(None, cursor).await.map_err(stored)?;
    }
    Ok(Some(uids.len()))
}

/// A mail's size, sender and subject, without downloading it.
async fn header<S>(session: &mut Session<S>, uid: u32) -> Result<(u64, String, String), String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let fetches = step("UID FETCH header", async {
        session
            .uid_fetch(
                uid.to_string(),
                "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])",
            )
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await?;
    let fetch = fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .ok_or_else(|| format!("UID FETCH {uid}: the server sent no such mail"))?;
    let size = u64::from(fetch.size.unwrap_or(0));
    let parsed = fetch
        .header()
        .and_then(|h| mail_parser::MessageParser::default().parse(h));
    let from = parsed
        .as_ref()
        .and_then(|m| m.from()?.first()?.address().map(str::to_owned))
        .unwrap_or_default();
    let subject = parsed
        .as_ref()
        .and_then(|m| m.subject().map(str::to_owned))
        .unwrap_or_default();
    Ok((size, from, subject))
}

/// A mail's bytes, without marking it seen. The inner `Err` is about this mail only (the server said NO
/// or BAD to it, or sent no body): it is recorded as failed so it never blocks the next one; the outer
/// one is the connection's.
async fn body<S>(session: &mut Session<S>, uid: u32) -> Result<Result<Vec<u8>, String>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let fetched = tokio::time::timeout(STEP, async {
        session
            .uid_fetch(uid.to_string(), "BODY.PEEK[]")
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await
    .map_err(|_| format!("UID FETCH: no answer within {} s", STEP.as_secs()))?;
    let fetches = match fetched {
        Ok(f) => f,
        Err(e @ (async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_))) => {
            return Ok(Err(format!("the server would not send the mail: {e}")));
        }
        Err(e) => return Err(format!("UID FETCH: {e}")),
    };
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body())
        .map(<[u8]>::to_vec)
        .ok_or_else(|| "the server sent no body for the mail".to_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_dates_are_written_as_imap_wants() {
        assert_eq!(super::imap_date(0), "1-Jan-1970");
        assert_eq!(super::imap_date(1_796_083_200), "1-Dec-2026");
    }
}
