//! What a widget is sent of a conversation's past: the latest page in the welcome, what it missed while
//! offline (`resume`), and older pages as the visitor scrolls up (`history`).
//!
//! Every answer says which range of sequence numbers it read (notes included, though they are never sent),
//! so a widget always knows the contiguous range it holds: a batch of nothing but private notes is not
//! mistaken for the end. A message may reach a widget twice (the live frame and a catch-up read on the same
//! socket); widgets drop a message whose id they already hold.

use crate::conversations::{Author, Conversation, ConversationId, Message, Seq};
use crate::hub::protocol::{MessageOut, ToVisitor, VisitorConversation};
use crate::store::{Error, Store};

/// How many messages (notes included) a welcome reads per conversation.
const WELCOME_MESSAGES: usize = 50;
/// How many messages one `resume` reads at most; the widget asks again while `more` is true.
const RESUME_BATCH: usize = 500;
/// How many messages one `history` reads at most.
const HISTORY_BATCH: usize = 50;

fn visible(messages: &[Message]) -> Vec<MessageOut> {
    messages
        .iter()
        .filter(|m| m.visible_to_visitor())
        .map(MessageOut::from)
        .collect()
}

/// A conversation as the welcome shows it: the latest page of messages and the range that page covers.
pub async fn welcome(store: &Store, c: Conversation) -> Result<VisitorConversation, Error> {
    let messages = store
        .messages_before(c.id, Seq::MAX, WELCOME_MESSAGES)
        .await?;
    let (from_seq, through_seq) = match (messages.first(), messages.last()) {
        (Some(first), Some(last)) => (first.seq, last.seq),
        _ => (1, 0),
    };
    let unread = messages
        .iter()
        .filter(|m| m.seq > c.read_by_visitor_seq && m.visible_to_visitor())
        .filter(|m| m.author != Author::Visitor)
        .count();
    Ok(VisitorConversation {
        id: c.id,
        status: c.effective_status(crate::clock::now()),
        last_seq: c.last_seq,
        read_by_operator_seq: c.read_by_operator_seq,
        read_by_visitor_seq: c.read_by_visitor_seq,
        unread: u32::try_from(unread).unwrap_or(u32::MAX),
        rating: c.stats.csat.as_ref().map(|r| r.rating),
        messages: visible(&messages),
        from_seq,
        through_seq,
    })
}

/// The answer to `resume`: what came after `after_seq`, and where the next resume starts.
pub async fn resume(
    store: &Store,
    conversation: ConversationId,
    after_seq: Seq,
) -> Result<ToVisitor, Error> {
    let messages = store
        .messages_after(conversation, after_seq, RESUME_BATCH)
        .await?;
    Ok(ToVisitor::Messages {
        conversation,
        through_seq: messages.last().map_or(after_seq, |m| m.seq),
        more: messages.len() == RESUME_BATCH,
        messages: visible(&messages),
    })
}

/// The answer to `history`: the page before `before_seq`, and where the next one ends.
pub async fn older(
    store: &Store,
    conversation: ConversationId,
    before_seq: Seq,
) -> Result<ToVisitor, Error> {
    let messages = store
        .messages_before(conversation, before_seq, HISTORY_BATCH)
        .await?;
    let from_seq = messages.first().map_or(1, |m| m.seq);
    Ok(ToVisitor::History {
        conversation,
        more: messages.len() == HISTORY_BATCH && from_seq > 1,
        from_seq,
        messages: visible(&messages),
    })
}
