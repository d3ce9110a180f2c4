//! The mail queue (stored, retried with back-off, marked before each send so nothing goes out twice after a
//! crash), the SMTP settings, and reply digests for visitors who left.

use std::ops::Bound;

use super::conversations::{load, next_id, save};
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{DIGESTS, MAIL_DUE, MAILS};
use super::tx::Tx;
use super::visitors::load_visitor;
use super::{Error, Store};
use crate::conversations::{Author, ConversationId, Message};
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

fn settings(txn: &Tx<'_>) -> Result<SmtpSettings, Error> {
    super::settings::get(txn, SMTP_SETTING).map(Option::unwrap_or_default)
}

/// The secret that signs mail links, made on first use.
fn secret(txn: &Tx<'_>) -> Result<String, Error> {
    super::secret_in(txn, SECRET_SETTING)
}

/// Puts a mail in the queue, due now.
fn enqueue(
    txn: &Tx<'_>,
    to: String,
    composed: Composed,
    purpose: Purpose,
    unsubscribe: String,
    reply_to: String,
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
        attachment: None,
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

/// The signed address answers about `conversation` go to, when Sodan reads the mailbox (else empty:
/// answers go to the sender's address as before).
fn signed_reply_to(
    txn: &Tx<'_>,
    smtp: &SmtpSettings,
    secret: &str,
    conversation: ConversationId,
) -> Result<String, Error> {
    let reading = super::settings::get::<crate::mail::imap::ImapSettings>(txn, IMAP_SETTING)?
        .is_some_and(|s| s.enabled);
    Ok(if reading {
        tagged_address(smtp, secret, conversation)
    } else {
        String::new()
    })
}

/// The sender's address with the conversation's signed tag (empty when the sender is not set up).
fn tagged_address(smtp: &SmtpSettings, secret: &str, conversation: ConversationId) -> String {
    match smtp.from.parse::<lettre::message::Mailbox>() {
        Ok(from) => mail::reply_address::reply_address(secret, from.email.as_ref(), conversation),
        Err(_) => String::new(),
    }
}

/// Queues an operator's reply on the e-mail channel to the customer, in their thread, quoting nothing (in
/// the transaction that stores the reply, so a stored reply is never left unsent).
pub(super) fn queue_reply(
    txn: &Tx<'_>,
    conversation: &crate::conversations::Conversation,
    message: &Message,
) -> Result<(), Error> {
    let Some(visitor) = load_visitor(txn, conversation.visitor_id)? else {
        return Ok(());
    };
    let to = visitor.profile.email.trim().to_owned();
    if to.is_empty() {
        return Ok(());
    }
    let smtp = settings(txn)?;
    let secret = secret(txn)?;
    let thread = conversation.mail_thread.clone().unwrap_or_default();
    let subject = if thread.subject.is_empty() {
        "Re:".to_owned()
    } else {
        thread.subject.clone()
    };
    let composed = mail::compose::reply(&subject, &message.body);
    let purpose = Purpose::Reply {
        conversation: conversation.id,
        seq: message.seq,
        in_reply_to: thread.last_message_id,
        references: thread.references,
    };
    let reply_to = tagged_address(&smtp, &secret, conversation.id);
    let id = enqueue(txn, to, composed, purpose, String::new(), reply_to)?;
    if let Some(file) = &message.attachment
        && let Some(Json(mut mail)) = txn.get_in(&MAILS, &id)?
    {
        mail.attachment = Some(file.clone());
        txn.put_record_in(&MAILS, &id, &mail)?;
    }
    Ok(())
}

/// The replies a digest carries: operators' messages after what the visitor read, up to `up_to`.
fn unseen_replies(
    txn: &Tx<'_>,
    conversation: ConversationId,
    after: u64,
) -> Result<Vec<Message>, Error> {
    let after = (Bound::Excluded(after), Bound::Unbounded);
    let mut replies =
        super::conversation_reads::messages(txn, conversation, after, false, usize::MAX)?;
    replies.retain(|m| m.visible_to_visitor() && matches!(m.author, Author::Operator { .. }));
    Ok(replies)
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
        self.write(move |txn| enqueue(txn, to, composed, purpose, String::new(), String::new()))
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
    /// period unless the visitor reads them first (a digest already pending stays as it is).
    pub async fn schedule_digest(&self, conversation: ConversationId) -> Result<(), Error> {
        self.write(move |txn| {
            let grace = settings(txn)?.grace_secs;
            let Some(mut c) = load(txn, conversation)? else {
                return Ok(());
            };
            if c.digest_due.is_some() {
                return Ok(());
            }
            let due = crate::clock::now_millis() + u64::from(grace) * 1000;
            c.digest_due = Some(due);
            txn.put_in(&DIGESTS, &(due, conversation), &())?;
            save(txn, &c, Some(c.last_activity_at))
        })
        .await
    }

    /// Turns the digests due by `now_ms` into queued mails: one per conversation with the replies the
    /// visitor has not read, in their language, with a link to the conversation and an unsubscribe link.
    /// None for a visitor who read them, has no e-mail address, or unsubscribed. Returns how many were
    /// queued.
    pub async fn queue_due_digests(&self, now_ms: u64, base: LinkBase) -> Result<usize, Error> {
        let any = self.any_due(DIGESTS, now_ms).await?;
        if !any {
            return Ok(0);
        }
        self.write(move |txn| {
            let due: Vec<(u64, u64)> = super::due_keys(txn, &DIGESTS, now_ms, 100)?;
            let smtp = settings(txn)?;
            let secret = secret(txn)?;
            let shop = smtp
                .from
                .parse::<lettre::message::Mailbox>()
                .ok()
                .map(|m| m.name.unwrap_or_else(|| m.email.to_string()))
                .unwrap_or_default();
            let mut queued = 0;
            for (at, id) in due {
                txn.delete_in(&DIGESTS, &(at, id))?;
                let Some(mut c) = load(txn, id)? else {
                    continue;
                };
                c.digest_due = None;
                save(txn, &c, Some(c.last_activity_at))?;
                let Some(visitor) = load_visitor(txn, c.visitor_id)? else {
                    continue;
                };
                let to = visitor.profile.email.trim().to_owned();
                if to.is_empty() || visitor.profile.unsubscribed {
                    continue;
                }
                let replies = unseen_replies(txn, id, c.read_by_visitor_seq)?;
                let Some(last) = replies.last().map(|m| m.seq) else {
                    continue;
                };
                let texts: Vec<(String, String)> = replies
                    .iter()
                    .map(|m| match &m.author {
                        Author::Operator { name, .. } => (name.clone(), m.body.clone()),
                        _ => (String::new(), m.body.clone()),
                    })
                    .collect();
                let ja = visitor
                    .profile
                    .language
                    .to_ascii_lowercase()
                    .starts_with("ja");
                let link = format!(
                    "{}/c/{}",
                    base.public_url,
                    mail::conversation_token(&secret, id, now_ms / 1000 + mail::LINK_LIFETIME_SECS)
                );
                let unsubscribe = format!(
                    "{}/unsubscribe/{}",
                    base.public_url,
                    mail::unsubscribe_token(&secret, visitor.id)
                );
                let composed = mail::compose::digest(ja, &shop, &texts, &link, &unsubscribe);
                let purpose = Purpose::Digest {
                    conversation: id,
                    up_to_seq: last,
                };
                let reply_to = signed_reply_to(txn, &smtp, &secret, id)?;
                enqueue(txn, to, composed, purpose, unsubscribe, reply_to)?;
                queued += 1;
            }
            Ok(queued)
        })
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
