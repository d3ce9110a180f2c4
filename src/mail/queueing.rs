//! What goes into the mail queue, decided inside the write that calls for it (over the store's transaction
//! interface, [`Tx`]): an operator's reply to a customer who wrote by e-mail, in their thread; and the
//! digest of replies a visitor who left has not read, after a grace period, unless they read them first
//! or asked for no more mail. The store keeps the queue and sends it (`Store::take_due_mails`).

use std::ops::Bound;

use super::{LINK_LIFETIME_SECS, Purpose, SmtpSettings};
use crate::conversations::{Author, Conversation, ConversationId, Message};
use crate::store::kv::typed::Typed;
use crate::store::tables::DIGESTS;
use crate::store::tx::Tx;
use crate::store::{
    Error, LinkBase, conversation_messages, due_keys, enqueue_mail, load_conversation,
    load_visitor, mail_secret_in, mailbox_read_in, save_conversation, smtp_settings_in,
};

/// The sender's address with the conversation's signed tag, so answers find their conversation (empty
/// when the sender is not set up).
fn tagged_address(smtp: &SmtpSettings, secret: &str, conversation: ConversationId) -> String {
    match smtp.from.parse::<lettre::message::Mailbox>() {
        Ok(from) => super::reply_address::reply_address(secret, from.email.as_ref(), conversation),
        Err(_) => String::new(),
    }
}

/// Queues an operator's reply on the e-mail channel to the customer, in their thread, quoting nothing (in
/// the transaction that stores the reply, so a stored reply is never left unsent). Nothing for a customer
/// without an address.
pub(crate) fn reply(
    txn: &Tx<'_>,
    conversation: &Conversation,
    message: &Message,
) -> Result<(), Error> {
    let Some(visitor) = load_visitor(txn, conversation.visitor_id)? else {
        return Ok(());
    };
    let to = visitor.profile.email.trim().to_owned();
    if to.is_empty() {
        return Ok(());
    }
    let smtp = smtp_settings_in(txn)?;
    let secret = mail_secret_in(txn)?;
    let thread = conversation.mail_thread.clone().unwrap_or_default();
    let subject = if thread.subject.is_empty() {
        "Re:".to_owned()
    } else {
        thread.subject.clone()
    };
    let composed = super::compose::reply(&subject, &message.body);
    let purpose = Purpose::Reply {
        conversation: conversation.id,
        seq: message.seq,
        in_reply_to: thread.last_message_id,
        references: thread.references,
    };
    let reply_to = tagged_address(&smtp, &secret, conversation.id);
    let attachment = message.attachment.clone();
    enqueue_mail(
        txn,
        to,
        composed,
        purpose,
        String::new(),
        reply_to,
        attachment,
    )?;
    Ok(())
}

/// After an operator's reply to a visitor with no widget open: e-mail the replies after the grace period
/// unless the visitor reads them first (a digest already pending stays as it is).
pub(crate) fn schedule_digest(txn: &Tx<'_>, conversation: ConversationId) -> Result<(), Error> {
    let grace = smtp_settings_in(txn)?.grace_secs;
    let Some(mut c) = load_conversation(txn, conversation)? else {
        return Ok(());
    };
    if c.digest_due.is_some() {
        return Ok(());
    }
    let due = crate::clock::now_millis() + u64::from(grace) * 1000;
    c.digest_due = Some(due);
    txn.put_in(&DIGESTS, &(due, conversation), &())?;
    save_conversation(txn, &c, Some(c.last_activity_at))
}

/// The replies a digest carries: operators' messages the visitor can see, after what they read.
fn unseen_replies(
    txn: &Tx<'_>,
    conversation: ConversationId,
    after: u64,
) -> Result<Vec<Message>, Error> {
    let after = (Bound::Excluded(after), Bound::Unbounded);
    let mut replies = conversation_messages(txn, conversation, after, false, usize::MAX)?;
    replies.retain(|m| m.visible_to_visitor() && matches!(m.author, Author::Operator { .. }));
    Ok(replies)
}

/// Turns the digests due by `now` (at most 100) into queued mails: one per conversation with the replies
/// the visitor has not read, in their language, with a link to the conversation and an unsubscribe link.
/// None for a visitor who read them, has no e-mail address, or unsubscribed. Returns how many were
/// queued.
pub(crate) fn queue_due_digests(txn: &Tx<'_>, now: u64, base: &LinkBase) -> Result<usize, Error> {
    let due = due_keys(txn, &DIGESTS, now, 100)?;
    let smtp = smtp_settings_in(txn)?;
    let secret = mail_secret_in(txn)?;
    let shop = smtp
        .from
        .parse::<lettre::message::Mailbox>()
        .ok()
        .map(|m| m.name.unwrap_or_else(|| m.email.to_string()))
        .unwrap_or_default();
    // Answers go to the conversation's signed address only when Sodan reads the mailbox.
    let reading = mailbox_read_in(txn)?;
    let mut queued = 0;
    for (at, id) in due {
        txn.delete_in(&DIGESTS, &(at, id))?;
        let Some(mut c) = load_conversation(txn, id)? else {
            continue;
        };
        c.digest_due = None;
        save_conversation(txn, &c, Some(c.last_activity_at))?;
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
            super::conversation_token(&secret, id, now / 1000 + LINK_LIFETIME_SECS)
        );
        let unsubscribe = format!(
            "{}/unsubscribe/{}",
            base.public_url,
            super::unsubscribe_token(&secret, visitor.id)
        );
        let composed = super::compose::digest(ja, &shop, &texts, &link, &unsubscribe);
        let purpose = Purpose::Digest {
            conversation: id,
            up_to_seq: last,
        };
        let reply_to = if reading {
            tagged_address(&smtp, &secret, id)
        } else {
            String::new()
        };
        enqueue_mail(txn, to, composed, purpose, unsubscribe, reply_to, None)?;
        queued += 1;
    }
    Ok(queued)
}
