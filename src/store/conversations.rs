//! Conversations and their messages as they are written: the records, appending with de-duplication by
//! client id, the inbox order. What a post decides (which conversation, routing, auto-replies) is
//! `conversations::posting`'s; reading them is `conversation_reads`.

use super::kv::KvRead;
use super::kv::typed::{Json, Typed, TypedRead};
use super::posted::{Draft, Posted};
use super::tables::{ACTIVITY, CLIENT_IDS, CONVERSATIONS, MESSAGES, UPLOADS};
use super::tx::Tx;
use super::{Error, Store};
use crate::conversations::{Attachment, Conversation, ConversationId, Message, Origin, posting};
use crate::operators::OperatorId;
use crate::uploads::Upload;
use crate::visitors::VisitorId;

const NEXT_MESSAGE_KEY: &str = "next_message_id";
const NEXT_UPLOAD_KEY: &str = "next_upload_id";

/// Takes the next number of the counter `key` in META.
pub(super) fn next_id(txn: &Tx<'_>, key: &str) -> Result<u64, Error> {
    super::counters::next(txn, key)
}

pub(crate) fn load(txn: &Tx<'_>, id: ConversationId) -> Result<Option<Conversation>, Error> {
    Ok(txn.get_in(&CONVERSATIONS, &id)?.map(|Json(c)| c))
}

/// Writes a conversation back, moving it in the inbox order when its activity changed.
pub(crate) fn save(
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

/// The sender key of Sodan's own messages (they carry no client id).
pub(crate) const SYSTEM_SENDER: &str = "s";

/// The sender key under which an operator's client ids are remembered: idempotency keys are per
/// conversation, so the same client id sent to two conversations stores two messages.
pub(crate) fn operator_sender(operator: OperatorId, conversation: ConversationId) -> String {
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
pub(crate) fn earlier(
    txn: &Tx<'_>,
    sender: &str,
    client_id: Option<&str>,
) -> Result<Option<Message>, Error> {
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

/// Appends `draft` to `conversation` (already loaded, changed in place and saved), queued for the search
/// index. What follows a stored message (webhooks, other channels) is `conversations::posting::append`'s.
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
    Ok(message)
}

impl Store {
    /// Stores a visitor's message (`conversations::posting::visitor_message` says where and what follows).
    /// A client id seen before returns the original message unchanged.
    pub async fn post_visitor_message(
        &self,
        visitor: VisitorId,
        draft: Draft,
        origin: Origin,
    ) -> Result<Posted, Error> {
        self.queue_visitor_message(visitor, draft, origin)
            .await?
            .await
    }

    /// Queues a visitor's message like [`Store::post_visitor_message`] and returns, once it is queued,
    /// what answers when it is stored: a socket queues the visitor's next message meanwhile, and their
    /// messages are stored in the order they were queued.
    pub async fn queue_visitor_message(
        &self,
        visitor: VisitorId,
        draft: Draft,
        origin: Origin,
    ) -> Result<impl Future<Output = Result<Posted, Error>> + use<>, Error> {
        let limits = self.inner.limits;
        let store = self.clone();
        let answer = self
            .inner
            .writer
            .submit(move |txn| posting::visitor_message(txn, visitor, draft, origin, limits))
            .await?;
        Ok(async move {
            let posted = answer.await?;
            if !posted.duplicate {
                store.inner.writer.count_message();
            }
            Ok(posted)
        })
    }

    /// Stores an operator's reply or private note. `Ok(None)` when the conversation does not exist.
    pub async fn post_operator_message(
        &self,
        conversation: ConversationId,
        operator: OperatorId,
        draft: Draft,
    ) -> Result<Option<Posted>, Error> {
        let posted = self
            .write(move |txn| posting::operator_message(txn, conversation, operator, draft))
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
        self.write(move |txn| posting::notice(txn, conversation, text))
            .await
    }

    /// Changes a conversation in place; `Ok(None)` when it does not exist. `change` must not fail.
    pub async fn update_conversation(
        &self,
        id: ConversationId,
        change: impl FnOnce(&mut Conversation) + Send + 'static,
    ) -> Result<Option<Conversation>, Error> {
        self.write(move |txn| posting::update(txn, id, change))
            .await
    }
}
