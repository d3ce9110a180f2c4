//! The mail queue (stored, retried with back-off, marked before each send so nothing goes out twice after a
//! crash), and the SMTP and mailbox settings. What is queued (replies, digests) is `mail::queueing`'s.

use super::conversations::next_id;
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{DIGESTS, MAIL_DUE, MAILS};
use super::tx::Tx;
use super::visitors::load_visitor;
use super::{Error, Store};
use crate::conversations::{Attachment, ConversationId};
use crate::mail::compose::Composed;
use crate::mail::transport::SendError;
use crate::mail::{self, MAX_ATTEMPTS, MailId, Outgoing, Purpose, SmtpSettings, Status};

const SMTP_SETTING: &str = "smtp";
/// The settings key of the incoming mailbox.
const IMAP_SETTING: &str = "imap";
const SECRET_SETTING: &str = "mail_secret";
const NEXT_MAIL_KEY: &str = "next_mail_id";

/// What a digest needs from the server: where links point.
#[derive(Debug, Clone)]
pub struct LinkBase {
    /// The server's public URL (`https://chat.shop.example`).
    pub public_url: String,
}

/// The SMTP settings (empty until saved), inside a transaction.
pub(crate) fn settings(txn: &Tx<'_>) -> Result<SmtpSettings, Error> {
    super::settings::get(txn, SMTP_SETTING).map(Option::unwrap_or_default)
}

/// The secret that signs mail links, made on first use.
pub(crate) fn secret(txn: &Tx<'_>) -> Result<String, Error> {
    super::secret_in(txn, SECRET_SETTING)
}

/// Puts a mail in the queue, due now.
pub(crate) fn enqueue(
    txn: &Tx<'_>,
    to: String,
    composed: Composed,
    purpose: Purpose,
    unsubscribe: String,
    reply_to: String,
    attachment: Option<Attachment>,
) -> Result<MailId, Error> {
    let now = crate::clock::now_millis();
    let mail = Outgoing {
        id: next_id(txn, NEXT_MAIL_KEY)?,
        to,
        subject: composed.subject,
        body: composed.text,
        html: composed.html,
        unsubscribe,
        reply_to,
        attachment,
        purpose,
        status: Status::Queued,
        attempts: 0,
        next_at: now,
        last_error: String::new(),
        created_at: now,
    };
    txn.put_record_in(&MAILS, &mail.id, &mail)?;
    txn.put_in(&MAIL_DUE, &(now, mail.id), &())?;
    Ok(mail.id)
}

/// Whether Sodan reads the shop's mailbox (so answers can go to a conversation's signed address).
pub(crate) fn mailbox_read(txn: &Tx<'_>) -> Result<bool, Error> {
    Ok(
        super::settings::get::<crate::mail::imap::ImapSettings>(txn, IMAP_SETTING)?
            .is_some_and(|s| s.enabled),
    )
}

impl Store {
    /// The SMTP settings (empty until saved).
    pub async fn smtp_settings(&self) -> Result<SmtpSettings, Error> {
        self.read(|txn| super::settings::get(txn, SMTP_SETTING).map(Option::unwrap_or_default))
            .await
    }

    /// The incoming mailbox (off until saved).
    pub async fn imap_settings(&self) -> Result<crate::mail::imap::ImapSettings, Error> {
        self.read(|txn| super::settings::get(txn, IMAP_SETTING).map(Option::unwrap_or_default))
            .await
    }

    /// Replaces the incoming mailbox's settings (checked by the caller).
    pub async fn set_imap_settings(
        &self,
        settings: crate::mail::imap::ImapSettings,
    ) -> Result<(), Error> {
        self.write(move |txn| {
            super::settings::put(txn, IMAP_SETTING, &settings)?;
            Ok(())
        })
        .await?;
        self.inner.mailbox_changed.notify_one();
        Ok(())
    }

    /// Replaces the SMTP settings (checked by the caller).
    pub async fn set_smtp_settings(&self, settings: SmtpSettings) -> Result<(), Error> {
        self.write(move |txn| {
            super::settings::put(txn, SMTP_SETTING, &settings)?;
            Ok(())
        })
        .await
    }

    /// The secret that signs links in mails. Read without the writer once it exists, so opening a link
    /// (even a forged one) costs no commit.
    pub async fn mail_secret(&self) -> Result<String, Error> {
        self.secret_setting(SECRET_SETTING).await
    }

    /// Queues a mail; it goes out with the next sweep.
    pub async fn queue_mail(
        &self,
        to: String,
        composed: Composed,
        purpose: Purpose,
    ) -> Result<MailId, Error> {
        self.write(move |txn| {
            enqueue(
                txn,
                to,
                composed,
                purpose,
                String::new(),
                String::new(),
                None,
            )
        })
        .await
    }

    /// The latest mails, newest first (for the console).
    pub async fn recent_mails(&self, limit: usize) -> Result<Vec<Outgoing>, Error> {
        self.read(move |txn| txn.newest_in(&MAILS, limit)).await
    }

    /// After a restart: mails that were being sent when the server stopped may have gone out; they are
    /// marked unknown rather than sent again. Returns how many.
    pub async fn reconcile_mails(&self) -> Result<usize, Error> {
        self.write(|txn| {
            let sending = txn.records_where(&MAILS, |m| m.status == Status::Sending)?;
            for mut m in sending.iter().cloned() {
                m.status = Status::Unknown;
                m.last_error = "the server stopped while sending it; not sent again".into();
                txn.put_record_in(&MAILS, &m.id, &m)?;
            }
            Ok(sending.len())
        })
        .await
    }

    /// Takes up to `limit` mails due by `now_ms` and marks them as being sent (durably, before any is
    /// sent), with the settings to send them with. Nothing when SMTP is not set up.
    pub async fn take_due_mails(
        &self,
        now_ms: u64,
        limit: usize,
    ) -> Result<(SmtpSettings, Vec<Outgoing>), Error> {
        let any = self.any_due(MAIL_DUE, now_ms).await?;
        if !any {
            return Ok((SmtpSettings::default(), Vec::new()));
        }
        self.write(move |txn| {
            let settings = settings(txn)?;
            if !settings.configured() {
                return Ok((settings, Vec::new()));
            }
            let due: Vec<(u64, u64)> = super::due_keys(txn, &MAIL_DUE, now_ms, limit)?;
            let mut taken = Vec::new();
            for (at, id) in due {
                txn.delete_in(&MAIL_DUE, &(at, id))?;
                let Some(Json(mut mail)) = txn.get_in(&MAILS, &id)? else {
                    continue;
                };
                mail.status = Status::Sending;
                mail.attempts += 1;
                txn.put_record_in(&MAILS, &id, &mail)?;
                taken.push(mail);
            }
            Ok((settings, taken))
        })
        .await
    }

    /// Records how sending a mail went: sent; queued again after a back-off; or failed for good.
    pub async fn mail_sent(
        &self,
        id: MailId,
        result: Result<(), SendError>,
        first_retry_ms: u64,
    ) -> Result<(), Error> {
        self.write(move |txn| {
            let Some(Json(mut mail)) = txn.get_in(&MAILS, &id)? else {
                return Ok(());
            };
            match result {
                Ok(()) => {
                    mail.status = Status::Sent;
                    mail.last_error.clear();
                }
                Err(e) if e.permanent || mail.attempts >= MAX_ATTEMPTS => {
                    mail.status = Status::Failed;
                    mail.last_error = e.message;
                }
                Err(e) => {
                    mail.status = Status::Queued;
                    mail.last_error = e.message;
                    mail.next_at = crate::clock::now_millis()
                        + mail::backoff_ms(mail.attempts, first_retry_ms);
                    txn.put_in(&MAIL_DUE, &(mail.next_at, id), &())?;
                }
            }
            txn.put_record_in(&MAILS, &id, &mail)?;
            Ok(())
        })
        .await
    }

    /// After an operator's reply to a visitor with no widget open: e-mail the replies after the grace
    /// period unless the visitor reads them first (`mail::queueing::schedule_digest`).
    pub async fn schedule_digest(&self, conversation: ConversationId) -> Result<(), Error> {
        self.write(move |txn| crate::mail::queueing::schedule_digest(txn, conversation))
            .await
    }

    /// Turns the digests due by `now_ms` into queued mails (`mail::queueing::queue_due_digests`);
    /// an idle sweep costs no commit. Returns how many were queued.
    pub async fn queue_due_digests(&self, now_ms: u64, base: LinkBase) -> Result<usize, Error> {
        if !self.any_due(DIGESTS, now_ms).await? {
            return Ok(0);
        }
        self.write(move |txn| crate::mail::queueing::queue_due_digests(txn, now_ms, &base))
            .await
    }

    /// Records that a customer asked for no more e-mails; whether they exist.
    pub async fn unsubscribe(&self, visitor: crate::visitors::VisitorId) -> Result<bool, Error> {
        self.write(move |txn| {
            let Some(old) = load_visitor(txn, visitor)? else {
                return Ok(false);
            };
            let mut v = old.clone();
            v.profile.unsubscribed = true;
            super::visitors::save_visitor(txn, &v, Some(&old))?;
            Ok(true)
        })
        .await
    }
}
