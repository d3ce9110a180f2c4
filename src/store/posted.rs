//! What storing a message takes and gives back: the draft, a file to attach, and the result with the names
//! the consoles show beside it.

use super::kv::typed::{Json, TypedRead};

use super::Error;
use super::tables::OPERATORS;
use super::tx::Tx;
use super::visitors::follow;
use crate::conversations::{Author, Conversation, Message};
use crate::visitors::Visitor;

/// What posting a message did.
#[derive(Debug, Clone)]
pub struct Posted {
    /// The conversation after the message.
    pub conversation: Conversation,
    /// The stored message (the original one for a retried client id).
    pub message: Message,
    /// The client id was seen before: nothing new was stored.
    pub duplicate: bool,
    /// The message started a new conversation.
    pub new_conversation: bool,
    /// The customer's segments after a visitor's message (for consoles filtering by segment).
    pub segments: Option<Vec<crate::segments::SegmentId>>,
    /// The automatic reply the message called for at once (outside business hours).
    pub auto_reply: Option<Message>,
    /// The names the inbox row shows, read in the same transaction (so publishing reads nothing).
    pub names: Names,
}

/// The names beside a conversation in the inbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// The customer's name, else their e-mail address; empty when neither is known.
    pub customer: String,
    /// The assignee's name; empty when nobody is assigned.
    pub assignee: String,
}

/// The names for `conversation` as of this transaction (a merged customer's current record); `known` is
/// the customer's record when the caller holds it already.
pub(crate) fn names_in(
    txn: &Tx<'_>,
    conversation: &Conversation,
    known: Option<Visitor>,
) -> Result<Names, Error> {
    let customer = known
        .filter(|v| v.id == conversation.visitor_id && v.merged_into.is_none())
        .map_or_else(|| follow(txn, conversation.visitor_id), |v| Ok(Some(v)))?
        .map(|v| {
            if v.profile.name.is_empty() {
                v.profile.email
            } else {
                v.profile.name
            }
        })
        .unwrap_or_default();
    let assignee = match conversation.assignee {
        Some(id) => txn
            .get_in(&OPERATORS, &id)?
            .map(|Json(r)| r)
            .map(|op| op.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Names { customer, assignee })
}

/// A message about to be stored.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Who writes.
    pub author: Author,
    /// The sender's id for the message, for de-duplication.
    pub client_id: Option<String>,
    /// The checked text.
    pub body: String,
    /// Operators only.
    pub note: bool,
    /// A file saved with [`Store::save_file`] to attach.
    pub upload: Option<NewUpload>,
}

/// A saved file about to be attached to a message.
#[derive(Debug, Clone)]
pub struct NewUpload {
    /// Its name under `uploads/`.
    pub stored_as: String,
    /// The sender's (cleaned) file name.
    pub filename: String,
    /// The sniffed content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

#[cfg(test)]
impl super::Store {
    /// Posts `body` from `visitor` under `client_id` in their latest conversation (for tests).
    pub(crate) async fn say_as_visitor(
        &self,
        visitor: crate::visitors::VisitorId,
        client_id: &str,
        body: &str,
    ) -> Posted {
        let draft = Draft {
            author: Author::Visitor,
            client_id: Some(client_id.to_owned()),
            body: body.to_owned(),
            note: false,
            upload: None,
        };
        self.post_visitor_message(visitor, draft, Default::default())
            .await
            .unwrap()
    }
}
