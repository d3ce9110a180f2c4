//! Taking one mail from the mailbox into the inbox. A reply to Sodan's mail (its signed Reply-To tag, or
//! its References naming a conversation's thread, from the customer's own address) becomes the visitor's
//! message in that conversation, whatever its channel; any other mail is the sender's: their open e-mail
//! conversation, or a new one on the e-mail channel with them as the customer (matched by verified
//! address only). Mail no one should answer is recorded as ignored and reopens nothing; mail that cannot be
//! read is recorded as failed, with the reason.

use crate::conversations::{self, Channel, MailRef, Origin, Status, live};
use crate::hub::Hub;
use crate::mail::inbound::{self, Inbound};
use crate::mail::received::{self, MAX_FULL_TEXT, Outcome, Received};
use crate::mail::reply_address;
use crate::store::{self, Store};

/// Where the mailbox's mail is addressed, to recognise the tags in replies.
#[derive(Debug, Clone)]
pub struct Support {
    /// The support address (the sender of Sodan's mail), lower-cased; empty when mail is not set up.
    pub address: String,
    /// The secret that signs reply tags.
    pub secret: String,
}

impl Support {
    /// The support address and secret, from the mail settings.
    pub async fn load(store: &Store) -> Result<Support, store::Error> {
        let smtp = store.smtp_settings().await?;
        let address = smtp
            .from
            .parse::<lettre::message::Mailbox>()
            .map(|m| m.email.to_string().to_lowercase())
            .unwrap_or_default();
        Ok(Support {
            address,
            secret: store.mail_secret().await?,
        })
    }

    fn domain(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

/// What a mail's attachments may take: the widget's limits (largest file, accepted kinds, each
/// sender's daily upload budget) and the disk's room.
#[derive(Debug)]
pub struct AttachmentRules {
    /// The largest file kept, in bytes.
    pub max_bytes: u64,
    /// Daily upload budgets, per sender.
    pub meter: crate::budgets::Meter,
    /// Free space on the data disk.
    pub disk: crate::disk_guard::DiskGuard,
}

/// Where a mail in the mailbox sits.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    /// The mailbox's UIDVALIDITY.
    pub uid_validity: u32,
    /// The mail's UID.
    pub uid: u32,
    /// Its size in bytes.
    pub size: u64,
}

fn record(place: Place, key: String, outcome: Outcome, reason: &str) -> Received {
    Received {
        id: 0,
        key,
        uid_validity: place.uid_validity,
        uid: place.uid,
        size: place.size,
        from: String::new(),
        subject: String::new(),
        outcome,
        reason: reason.to_owned(),
        conversation: None,
        full_text: String::new(),
        at: crate::clock::now_millis(),
    }
}

/// A mail too large to read: recorded as failed with what its header said.
pub fn too_large(place: Place, from: &str, subject: &str) -> Received {
    let why = format!(
        "the mail has {} bytes; at most {} are read",
        place.size,
        inbound::MAX_MAIL_BYTES
    );
    unreadable(place, from, subject, &why)
}

/// A mail that could not be fetched or read: recorded as failed with the reason and what its header said.
pub fn unreadable(place: Place, from: &str, subject: &str, why: &str) -> Received {
    let mut r = record(
        place,
        format!("uid:{}:{}", place.uid_validity, place.uid),
        Outcome::Failed,
        why,
    );
    r.from = from.chars().take(254).collect();
    r.subject = subject.chars().take(300).collect();
    r
}

/// Takes one mail in. `Ok(None)`: it was taken in before. `Err`: storage failed (read it again later).
pub async fn take(
    store: &Store,
    hub: &Hub,
    support: &Support,
    rules: &AttachmentRules,
    place: Place,
    raw: &[u8],
) -> Result<Option<Received>, store::Error> {
    let mail = match inbound::read(raw) {
        Ok(mail) => mail,
        Err(reason) => {
            let key = received::key("", raw);
            if store.received_key_known(key.clone()).await? {
                return Ok(None);
            }
            return Ok(Some(record(place, key, Outcome::Failed, &reason)));
        }
    };
    let key = received::key(&mail.message_id, raw);
    if store.received_key_known(key.clone()).await? {
        return Ok(None);
    }
    let mut item = record(place, key, Outcome::Delivered, "");
    item.from = mail.from.clone();
    item.subject = mail.subject.chars().take(300).collect();
    item.full_text = mail.full.chars().take(MAX_FULL_TEXT).collect();
    if let Some(why) = mail.automatic {
        item.outcome = Outcome::Ignored;
        item.reason = why.to_owned();
        return Ok(Some(item));
    }
    match deliver(store, hub, support, &mail, &item.key).await? {
        Ok((posted, fresh)) => {
            item.conversation = Some(posted.conversation.id);
            if fresh {
                let refused = attach(store, hub, rules, &mail, &posted).await?;
                if !refused.is_empty() {
                    item.reason = refused.join("; ");
                }
            }
        }
        Err(reason) => {
            item.outcome = Outcome::Failed;
            item.reason = reason;
        }
    }
    Ok(Some(item))
}

/// The conversation a reply belongs to: named by a signed tag, or by the thread id from the address of
/// the conversation's customer.
async fn answered_conversation(
    store: &Store,
    support: &Support,
    mail: &Inbound,
) -> Result<Option<conversations::Conversation>, store::Error> {
    if support.address.is_empty() {
        return Ok(None);
    }
    let tagged = mail
        .to
        .iter()
        .find_map(|a| reply_address::conversation_of(&support.secret, &support.address, a));
    if let Some(id) = tagged {
        return store.conversation(id).await;
    }
    let Some(id) = reply_address::conversation_in_thread(&mail.answers, support.domain()) else {
        return Ok(None);
    };
    let Some(c) = store.conversation(id).await? else {
        return Ok(None);
    };
    let owner = store.visitor(c.visitor_id).await?;
    let theirs = owner.is_some_and(|v| v.profile.email.trim().eq_ignore_ascii_case(&mail.from));
    Ok(theirs.then_some(c))
}

/// What the visitor's message says: the new text (the subject first, for a new conversation), within the
/// message limit.
fn body(mail: &Inbound, new_thread: bool) -> String {
    let text = if mail.text.is_empty() {
        mail.full.trim()
    } else {
        mail.text.as_str()
    };
    let mut body = if new_thread && !mail.subject.trim().is_empty() {
        format!("{}\n\n{text}", mail.subject.trim())
    } else {
        text.to_owned()
    };
    if body.trim().is_empty() {
        body = mail.subject.trim().to_owned();
    }
    if body.trim().is_empty() {
        body = "(no text)".to_owned();
    }
    if body.chars().count() > conversations::MAX_BODY_CHARS {
        body = body
            .chars()
            .take(conversations::MAX_BODY_CHARS - 1)
            .chain(['…'])
            .collect();
    }
    body
}

/// Posts the mail's attachments after its text, in the same conversation, each under the widget's rules;
/// returns why any was left out.
async fn attach(
    store: &Store,
    hub: &Hub,
    rules: &AttachmentRules,
    mail: &Inbound,
    posted: &store::Posted,
) -> Result<Vec<String>, store::Error> {
    let mut refused = Vec::new();
    if mail.attachments_left_out > 0 {
        refused.push(format!(
            "{} attachments left out (at most {} per mail)",
            mail.attachments_left_out,
            inbound::MAX_ATTACHMENTS
        ));
    }
    let visitor = posted.conversation.visitor_id;
    for (name, bytes) in &mail.attachments {
        let size = bytes.len() as u64;
        let Some(kind) = crate::uploads::sniff(bytes) else {
            refused.push(format!("{name}: not an image or PDF"));
            continue;
        };
        if size > rules.max_bytes {
            refused.push(format!("{name}: larger than {} bytes", rules.max_bytes));
            continue;
        }
        if !rules.disk.allows_extras() {
            refused.push(format!("{name}: the disk is nearly full"));
            continue;
        }
        if rules
            .meter
            .spend_upload(visitor, &format!("mail:{}", mail.from), size)
            .is_err()
        {
            refused.push(format!(
                "{name}: the sender's upload budget for today is spent"
            ));
            continue;
        }
        let stored_as = store.save_file(bytes.clone()).await?;
        let upload = store::NewUpload {
            stored_as,
            filename: kind.named(&crate::uploads::clean_filename(name)),
            content_type: kind.content_type().to_owned(),
            size,
        };
        let origin = Origin {
            channel: posted.conversation.channel,
            conversation: Some(posted.conversation.id),
            ..Origin::default()
        };
        match live::attach_from_visitor(store, hub, None, visitor, upload, origin).await {
            Ok(_) => {}
            Err(live::Refused::Store(e)) => return Err(e),
            Err(_) => refused.push(format!("{name}: not kept")),
        }
    }
    Ok(refused)
}

/// Posts the mail as the visitor's message (with whether it is new, not a repeat); the inner `Err` is why
/// it could not be (kept as failed).
async fn deliver(
    store: &Store,
    hub: &Hub,
    support: &Support,
    mail: &Inbound,
    key: &str,
) -> Result<Result<(store::Posted, bool), String>, store::Error> {
    let mail_ref = MailRef {
        message_id: mail.message_id.clone(),
        subject: mail.subject.clone(),
    };
    let (visitor, origin, new_thread) = match answered_conversation(store, support, mail).await? {
        Some(c) => (
            c.visitor_id,
            Origin {
                channel: c.channel,
                conversation: Some(c.id),
                mail: Some(mail_ref),
                ..Origin::default()
            },
            false,
        ),
        None => {
            let customer = store
                .mail_customer(mail.from.clone(), mail.name.clone())
                .await?;
            // A customer's new mail joins their e-mail conversation that is still going (so a flood of
            // mails from one sender is one conversation); otherwise it starts one.
            let going = store
                .visitor_conversations(customer.id)
                .await?
                .into_iter()
                .rev()
                .find(|c| c.channel == Channel::Email)
                .filter(|c| c.status != Status::Resolved);
            (
                customer.id,
                Origin {
                    channel: Channel::Email,
                    conversation: going.as_ref().map(|c| c.id),
                    new_conversation: going.is_none(),
                    mail: Some(mail_ref),
                    ..Origin::default()
                },
                going.is_none(),
            )
        }
    };
    let client_id = received::client_id(key);
    let posted = live::post_from_visitor(
        store,
        hub,
        None,
        visitor,
        &client_id,
        &body(mail, new_thread),
        origin,
    )
    .await;
    match posted {
        Ok(p) => {
            let fresh = !p.duplicate;
            Ok(Ok((p, fresh)))
        }
        Err(live::Refused::Invalid(invalid)) => Ok(Err(invalid.message().to_owned())),
        Err(live::Refused::NotFound) => Ok(Err("the conversation is gone".to_owned())),
        Err(live::Refused::Store(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(subject: &str, text: &str, full: &str) -> Inbound {
        Inbound {
            message_id: String::new(),
            from: "a@b.example".into(),
            name: String::new(),
            subject: subject.into(),
            text: text.into(),
            full: full.into(),
            to: vec![],
            answers: vec![],
            automatic: None,
            attachments: vec![],
            attachments_left_out: 0,
        }
    }

    #[test]
    fn a_message_says_the_new_text_with_the_subject_only_when_it_starts_a_thread() {
        assert_eq!(
            body(&mail("在庫", "青は？", "青は？"), true),
            "在庫\n\n青は？"
        );
        assert_eq!(
            body(&mail("Re: 在庫", "ありがとう", "x"), false),
            "ありがとう"
        );
        assert_eq!(
            body(&mail("Re: x", "", "> only a quote"), false),
            "> only a quote",
            "a mail that is all quote keeps it rather than saying nothing"
        );
        assert_eq!(body(&mail("件名だけ", "", ""), false), "件名だけ");
        assert_eq!(body(&mail("", "", ""), false), "(no text)");
        let long = "あ".repeat(conversations::MAX_BODY_CHARS + 10);
        let cut = body(&mail("", &long, &long), false);
        assert_eq!(cut.chars().count(), conversations::MAX_BODY_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn only_an_address_the_shop_or_the_mail_vouched_for_matches_a_customer() {
        let mut p = crate::customers::Profile {
            email: "Taro@Example.com".into(),
            ..Default::default()
        };
        assert_eq!(p.verified_email(), None, "typed into the widget");
        p.email_from_mail = true;
        assert_eq!(p.verified_email().as_deref(), Some("taro@example.com"));
        p.email_from_mail = false;
        p.external_id = Some("u1".into());
        assert_eq!(p.verified_email().as_deref(), Some("taro@example.com"));
    }
}
