//! Conversations and their messages as they are written: appending with de-duplication, posting from
//! visitors, operators and Sodan itself, and changing a conversation. Reading them is `conversation_reads`.

use super::kv::KvRead;
use super::kv::typed::{Json, Typed, TypedRead};
use super::posted::{Draft, Names, Posted, names_in};
use super::tables::{
    ACTIVITY, CLIENT_IDS, CONVERSATIONS, MESSAGES, UPLOADS, VISITOR_CONVERSATIONS,
};
use super::tx::Tx;
use super::visitors::touch;
use super::{Error, Store};
use crate::conversations::{
    self, Attachment, Author, BotState, Conversation, ConversationId, Message, Origin, Status,
};
use crate::operators::OperatorId;
use crate::uploads::Upload;
use crate::visitors::{Seen, VisitorId};
use crate::webhooks::{self, Event};

const NEXT_CONVERSATION_KEY: &str = "next_conversation_id";
const NEXT_MESSAGE_KEY: &str = "next_message_id";
const NEXT_UPLOAD_KEY: &str = "next_upload_id";

/// Takes the next number of the counter `key` in META.
pub(super) fn next_id(txn: &Tx<'_>, key: &str) -> Result<u64, Error> {
    super::counters::next(txn, key)
}

pub(super) fn load(txn: &Tx<'_>, id: ConversationId) -> Result<Option<Conversation>, Error> {
    Ok(txn.get_in(&CONVERSATIONS, &id)?.map(|Json(c)| c))
}

/// Writes a conversation back, moving it in the inbox order when its activity changed.
pub(super) fn save(
    txn: &Tx<'_>,
    conversation: &Conversation,
    previous_activity: Option<u64>,
) -> Result<(), Error> {
    if let Some(previous) = previous_activity {
        txn.delete_in(&ACTIVITY, &(previous, conversation.id))?;
    }
    txn.put_in(
        &ACTIVITY,
        &(conversation.last_activity_at, conversation.id),
        &(),
    )?;
    txn.put_record_in(&CONVERSATIONS, &conversation.id, conversation)?;
    super::reports::record(txn, conversation)
}

/// The sender key under which an operator's client ids are remembered: idempotency keys are per
/// conversation, so the same client id sent to two conversations stores two messages.
pub(super) fn operator_sender(operator: OperatorId, conversation: ConversationId) -> String {
    format!("o{operator}/{conversation}")
}

/// A client id and where its message is (conversation, seq).
pub(super) type Sent = (String, (ConversationId, u64));

/// Every client id remembered for `sender`, with where its message is.
pub(super) fn sent_by(kv: &impl KvRead, sender: &str) -> Result<Vec<Sent>, Error> {
    let mut rows = Vec::new();
    kv.scan_prefix_in(
        &CLIENT_IDS,
        &sender.to_owned(),
        false,
        |(_, client_id), at| {
            rows.push((client_id, at));
            Ok(true)
        },
    )?;
    Ok(rows)
}

/// Forgets every client id remembered for `sender` (their customer is gone).
pub(super) fn forget_sender(txn: &Tx<'_>, sender: &str) -> Result<(), Error> {
    for (client_id, _) in sent_by(txn, sender)? {
        txn.delete_in(&CLIENT_IDS, &(sender.to_owned(), client_id))?;
    }
    Ok(())
}

/// The message stored earlier under this sender's client id, if any.
fn earlier(txn: &Tx<'_>, sender: &str, client_id: Option<&str>) -> Result<Option<Message>, Error> {
    let Some(client_id) = client_id else {
        return Ok(None);
    };
    let waiting = super::index_queue::waiting_client_id(txn, sender, client_id)?;
    let filed = match waiting {
        Some(_) => None,
        None => txn.get_in(&CLIENT_IDS, &(sender.to_owned(), client_id.to_owned()))?,
    };
    let Some((conversation, seq)) = waiting.or(filed) else {
        return Ok(None);
    };
    Ok(txn
        .get_in(&MESSAGES, &(conversation, seq))?
        .map(|Json(m)| m))
}

/// Appends `draft` to `conversation` (already loaded, changed in place and saved).
pub(crate) fn append(
    txn: &Tx<'_>,
    conversation: &mut Conversation,
    previous_activity: Option<u64>,
    sender: &str,
    draft: Draft,
    now_ms: u64,
) -> Result<Message, Error> {
    let attachment = match draft.upload {
        Some(new) => {
            let upload = Upload {
                id: next_id(txn, NEXT_UPLOAD_KEY)?,
                conversation: conversation.id,
                stored_as: new.stored_as,
                filename: new.filename,
                content_type: new.content_type,
                size: new.size,
                created_at: now_ms,
            };
            txn.put_record_in(&UPLOADS, &upload.id, &upload)?;
            Some(Attachment {
                upload_id: upload.id,
                filename: upload.filename,
                content_type: upload.content_type,
                size: upload.size,
            })
        }
        None => None,
    };
    let message = Message {
        id: next_id(txn, NEXT_MESSAGE_KEY)?,
        conversation: conversation.id,
        seq: conversation.last_seq + 1,
        author: draft.author,
        body: draft.body,
        note: draft.note,
        attachment,
        client_id: draft.client_id,
        created_at: now_ms,
    };
    conversation.took(&message, now_ms);
    txn.put_record_in(&MESSAGES, &(conversation.id, message.seq), &message)?;
    super::index_queue::queue(txn, &message, sender)?;
    save(txn, conversation, previous_activity)?;
    crate::webhooks::emit(txn, Event::MessageCreated, || {
        webhooks::message_json(&message)
    })?;
    match conversations::outbound(conversation, &message) {
        Some(conversations::Outbound::Line) => {
            super::line_pushes::queue(txn, conversation, &message)?;
        }
        Some(conversations::Outbound::Mail) => {
            super::mail::queue_reply(txn, conversation, &message)?
        }
        _ => {}
    }
    Ok(message)
}

impl Store {
    /// Stores a visitor's message in their latest conversation (starting one if they have none), reopening
    /// it if it was resolved or snoozed. A client id seen before returns the original message unchanged.
    pub async fn post_visitor_message(
        &self,
        visitor: VisitorId,
        draft: Draft,
        origin: Origin,
    ) -> Result<Posted, Error> {
        let limits = self.inner.limits;
        let posted = self
            .write(move |txn| {
                let sender = format!("v{visitor}");
                if let Some(message) = earlier(txn, &sender, draft.client_id.as_deref())? {
                    let conversation = load(txn, message.conversation)?
                        .ok_or_else(|| Error::Storage("message without conversation".into()))?;
                    return Ok(Posted {
                        conversation,
                        message,
                        duplicate: true,
                        new_conversation: false,
                        segments: None,
                        auto_reply: None,
                        names: Names::default(),
                    });
                }
                let now = crate::clock::now_millis();
                // The conversation the message names, if it is the visitor's; else their latest.
                let named = match origin.conversation {
                    Some(id) => txn
                        .get_in(&VISITOR_CONVERSATIONS, &(visitor, id))?
                        .map(|()| id),
                    None => None,
                };
                let latest = match named {
                    Some(id) => Some(id),
                    None if origin.new_conversation => None,
                    None => super::conversation_reads::latest_of(txn, visitor)?,
                };
                let (mut conversation, previous, new_conversation) =
                    match latest.map(|id| load(txn, id)).transpose()?.flatten() {
                        Some(c) => {
                            let previous = c.last_activity_at;
                            (c, Some(previous), false)
                        }
                        None => {
                            let id = next_id(txn, NEXT_CONVERSATION_KEY)?;
                            txn.put_in(&VISITOR_CONVERSATIONS, &(visitor, id), &())?;
                            let c = Conversation::started(
                                id,
                                visitor,
                                now,
                                origin.page_url.clone(),
                                origin.channel,
                            );
                            (c, None, true)
                        }
                    };
                let starting = conversation.starts_afresh(new_conversation);
                // A proactive message gets the credit for a conversation it started or reopened.
                if let Some(id) = origin.trigger.filter(|_| starting)
                    && super::triggers::count_conversation(txn, id)?
                {
                    conversation.trigger = Some(id);
                }
                conversation.visitor_wrote(&origin, starting);
                let seen = Seen {
                    page: None,
                    started_conversation: new_conversation,
                };
                // Seen first, so the customer's segments are current when the conversation is routed.
                let customer = touch(txn, visitor, seen, now, limits)?;
                if new_conversation {
                    conversation.assignee = super::segments::route(txn, visitor)?;
                    conversation.stats.in_hours = Some(super::autoreplies::shop_open(txn, now)?);
                    conversation.stats.segments = super::segments::segments_of(txn, visitor)?;
                }
                if new_conversation {
                    crate::webhooks::emit(txn, Event::ConversationCreated, || {
                        webhooks::conversation_json(&conversation)
                    })?;
                }
                let plan = if conversation.bot == Some(BotState::Active) {
                    crate::autoreply::Plan::Nothing
                } else {
                    crate::autoreply::waiting::plan(txn, &mut conversation, visitor, now)?
                };
                let message = append(txn, &mut conversation, previous, &sender, draft, now)?;
                let auto_reply =
                    crate::autoreply::waiting::reply_now(txn, &mut conversation, plan, now)?;
                Ok(Posted {
                    names: names_in(txn, &conversation, customer)?,
                    conversation,
                    message,
                    duplicate: false,
                    new_conversation,
                    segments: Some(super::segments::segments_of(txn, visitor)?),
                    auto_reply,
                })
            })
            .await?;
        if !posted.duplicate {
            self.inner.writer.count_message();
        }
        Ok(posted)
    }

    /// Stores an operator's reply or private note. `Ok(None)` when the conversation does not exist.
    pub async fn post_operator_message(
        &self,
        conversation: ConversationId,
        operator: OperatorId,
        draft: Draft,
    ) -> Result<Option<Posted>, Error> {
        let posted = self
            .write(move |txn| {
                let sender = operator_sender(operator, conversation);
                if let Some(message) = earlier(txn, &sender, draft.client_id.as_deref())? {
                    let conversation = load(txn, message.conversation)?
                        .ok_or_else(|| Error::Storage("message without conversation".into()))?;
                    return Ok(Some(Posted {
                        conversation,
                        message,
                        duplicate: true,
                        new_conversation: false,
                        segments: None,
                        auto_reply: None,
                        names: Names::default(),
                    }));
                }
                let Some(mut c) = load(txn, conversation)? else {
                    return Ok(None);
                };
                let previous = c.last_activity_at;
                if !draft.note {
                    // Answering means the operator read everything before, and ends the visitor's wait.
                    c.operator_answered();
                    crate::autoreply::waiting::answered(txn, &mut c)?;
                }
                let message = append(
                    txn,
                    &mut c,
                    Some(previous),
                    &sender,
                    draft,
                    crate::clock::now_millis(),
                )?;
                Ok(Some(Posted {
                    names: names_in(txn, &c, None)?,
                    conversation: c,
                    message,
                    duplicate: false,
                    new_conversation: false,
                    segments: None,
                    auto_reply: None,
                }))
            })
            .await?;
        if posted.as_ref().is_some_and(|p| !p.duplicate) {
            self.inner.writer.count_message();
        }
        Ok(posted)
    }

    /// Posts a private notice from Sodan for the team (such as a failed delivery to another channel);
    /// `Ok(None)` when the conversation does not exist.
    pub async fn post_notice(
        &self,
        conversation: ConversationId,
        text: String,
    ) -> Result<Option<(Conversation, Message)>, Error> {
        self.write(move |txn| {
            let Some(mut c) = load(txn, conversation)? else {
                return Ok(None);
            };
            let draft = Draft {
                author: Author::System,
                client_id: None,
                body: text,
                note: true,
                upload: None,
            };
            let previous = c.last_activity_at;
            let message = append(
                txn,
                &mut c,
                Some(previous),
                "s",
                draft,
                crate::clock::now_millis(),
            )?;
            Ok(Some((c, message)))
        })
        .await
    }

    /// Changes a conversation in place; `Ok(None)` when it does not exist. `change` must not fail.
    pub async fn update_conversation(
        &self,
        id: ConversationId,
        change: impl FnOnce(&mut Conversation) + Send + 'static,
    ) -> Result<Option<Conversation>, Error> {
        self.write(move |txn| {
            let Some(mut c) = load(txn, id)? else {
                return Ok(None);
            };
            let previous = c.last_activity_at;
            let was_resolved = c.status == Status::Resolved;
            change(&mut c);
            c.note_resolution(crate::clock::now_millis());
            save(txn, &c, Some(previous))?;
            if c.status == Status::Resolved && !was_resolved {
                crate::webhooks::emit(txn, Event::ConversationResolved, || {
                    webhooks::conversation_json(&c)
                })?;
            }
            Ok(Some(c))
        })
        .await
    }
}
