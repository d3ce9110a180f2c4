//! Posting into conversations, one write each, over the store's transaction interface ([`Tx`]) whatever
//! engine keeps the data: a visitor's message picks or starts their conversation, credits the proactive
//! message that started it, routes a new one by segment, starts the auto-responder's waiting period and
//! may be answered at once; an operator's reply ends that wait; a resolution is announced to webhooks.
//! The store keeps the records (appending with de-duplication, the inbox order); the choices are here.

use crate::conversations::{
    Author, BotState, Conversation, ConversationId, Message, Origin, Status,
};
use crate::operators::OperatorId;
use crate::store::kv::typed::{Typed, TypedRead};
use crate::store::tables::VISITOR_CONVERSATIONS;
use crate::store::tx::Tx;
use crate::store::{
    Draft, Error, HistoryLimits, Names, Posted, SYSTEM_SENDER, append_message, earlier_message,
    latest_conversation_of, load_conversation, names_in, next_id, operator_sender, queue_line_push,
    save_conversation, segments_of, shop_open, touch_visitor,
};
use crate::visitors::{Seen, VisitorId};
use crate::webhooks::{self, Event};

/// The sender key of the bot's messages.
const BOT_SENDER: &str = "b";
/// The counter that numbers conversations.
const NEXT_CONVERSATION_KEY: &str = "next_conversation_id";

/// Appends `draft` to `conversation` (changed in place and saved) and queues what follows a stored
/// message: its webhook, and its copy to the customer's channel (LINE, e-mail) when it goes there.
pub(crate) fn append(
    txn: &Tx<'_>,
    conversation: &mut Conversation,
    previous_activity: Option<u64>,
    sender: &str,
    draft: Draft,
    now: u64,
) -> Result<Message, Error> {
    let message = append_message(txn, conversation, previous_activity, sender, draft, now)?;
    webhooks::emit(txn, Event::MessageCreated, || {
        webhooks::message_json(&message)
    })?;
    match super::outbound(conversation, &message) {
        Some(super::Outbound::Line) => queue_line_push(txn, conversation, &message)?,
        Some(super::Outbound::Mail) => crate::mail::queueing::reply(txn, conversation, &message)?,
        _ => {}
    }
    Ok(message)
}

/// What a retried client id gets back: the message stored the first time, nothing new.
fn duplicate(txn: &Tx<'_>, message: Message) -> Result<Posted, Error> {
    let conversation = load_conversation(txn, message.conversation)?
        .ok_or_else(|| Error::Storage("message without conversation".into()))?;
    Ok(Posted {
        conversation,
        message,
        duplicate: true,
        new_conversation: false,
        segments: None,
        auto_reply: None,
        names: Names::default(),
    })
}

/// The conversation a visitor's message goes to: the one it names if it is theirs, else their latest
/// (unless they asked for a new one); `None` to start one.
fn destination(
    txn: &Tx<'_>,
    visitor: VisitorId,
    origin: &Origin,
) -> Result<Option<Conversation>, Error> {
    let named = match origin.conversation {
        Some(id) => txn
            .get_in(&VISITOR_CONVERSATIONS, &(visitor, id))?
            .map(|()| id),
        None => None,
    };
    let id = match named {
        Some(id) => Some(id),
        None if origin.new_conversation => None,
        None => latest_conversation_of(txn, visitor)?,
    };
    Ok(id
        .map(|id| load_conversation(txn, id))
        .transpose()?
        .flatten())
}

/// Stores a visitor's message in their latest conversation (starting one if they have none), reopening it
/// if it was resolved or snoozed. A client id seen before returns the original message unchanged.
pub(crate) fn visitor_message(
    txn: &Tx<'_>,
    visitor: VisitorId,
    draft: Draft,
    origin: Origin,
    limits: HistoryLimits,
) -> Result<Posted, Error> {
    let sender = format!("v{visitor}");
    if let Some(message) = earlier_message(txn, &sender, draft.client_id.as_deref())? {
        return duplicate(txn, message);
    }
    let now = crate::clock::now_millis();
    let (mut conversation, previous, new_conversation) = match destination(txn, visitor, &origin)? {
        Some(c) => {
            let previous = c.last_activity_at;
            (c, Some(previous), false)
        }
        None => {
            let id = next_id(txn, NEXT_CONVERSATION_KEY)?;
            txn.put_in(&VISITOR_CONVERSATIONS, &(visitor, id), &())?;
            let c =
                Conversation::started(id, visitor, now, origin.page_url.clone(), origin.channel);
            (c, None, true)
        }
    };
    let starting = conversation.starts_afresh(new_conversation);
    // A proactive message gets the credit for a conversation it started or reopened.
    if let Some(id) = origin.trigger.filter(|_| starting)
        && crate::triggers::credit::count_conversation(txn, id)?
    {
        conversation.trigger = Some(id);
    }
    conversation.visitor_wrote(&origin, starting);
    let seen = Seen {
        page: None,
        started_conversation: new_conversation,
    };
    // Seen first, so the customer's segments are current when the conversation is routed.
    let customer = touch_visitor(txn, visitor, seen, now, limits)?;
    if new_conversation {
        conversation.assignee = crate::segments::routing::assignee(txn, visitor)?;
        conversation.stats.in_hours = Some(shop_open(txn, now)?);
        conversation.stats.segments = segments_of(txn, visitor)?;
        webhooks::emit(txn, Event::ConversationCreated, || {
            webhooks::conversation_json(&conversation)
        })?;
    }
    let plan = if conversation.bot == Some(BotState::Active) {
        crate::autoreply::Plan::Nothing
    } else {
        crate::autoreply::waiting::plan(txn, &mut conversation, visitor, now)?
    };
    let message = append(txn, &mut conversation, previous, &sender, draft, now)?;
    let auto_reply = crate::autoreply::waiting::reply_now(txn, &mut conversation, plan, now)?;
    Ok(Posted {
        names: names_in(txn, &conversation, customer)?,
        conversation,
        message,
        duplicate: false,
        new_conversation,
        segments: Some(segments_of(txn, visitor)?),
        auto_reply,
    })
}

/// Stores an operator's reply or private note; a reply ends the visitor's wait. `Ok(None)` when the
/// conversation does not exist.
pub(crate) fn operator_message(
    txn: &Tx<'_>,
    conversation: ConversationId,
    operator: OperatorId,
    draft: Draft,
) -> Result<Option<Posted>, Error> {
    let sender = operator_sender(operator, conversation);
    if let Some(message) = earlier_message(txn, &sender, draft.client_id.as_deref())? {
        return duplicate(txn, message).map(Some);
    }
    let Some(mut c) = load_conversation(txn, conversation)? else {
        return Ok(None);
    };
    let previous = c.last_activity_at;
    if !draft.note {
        // Answering means the operator read everything before, and ends the visitor's wait.
        c.operator_answered();
        crate::autoreply::waiting::answered(txn, &mut c)?;
    }
    let now = crate::clock::now_millis();
    let message = append(txn, &mut c, Some(previous), &sender, draft, now)?;
    Ok(Some(Posted {
        names: names_in(txn, &c, None)?,
        conversation: c,
        message,
        duplicate: false,
        new_conversation: false,
        segments: None,
        auto_reply: None,
    }))
}

/// Appends a private notice from Sodan for the team (such as a failed delivery to another channel);
/// `Ok(None)` when the conversation does not exist.
pub(crate) fn notice(
    txn: &Tx<'_>,
    conversation: ConversationId,
    text: String,
) -> Result<Option<(Conversation, Message)>, Error> {
    let Some(mut c) = load_conversation(txn, conversation)? else {
        return Ok(None);
    };
    let now = crate::clock::now_millis();
    let message = append_own(txn, &mut c, Author::System, text, true, now)?;
    Ok(Some((c, message)))
}

/// Changes a conversation in place (`change` must not fail), dating a resolution and announcing it;
/// `Ok(None)` when it does not exist.
pub(crate) fn update(
    txn: &Tx<'_>,
    id: ConversationId,
    change: impl FnOnce(&mut Conversation),
) -> Result<Option<Conversation>, Error> {
    let Some(mut c) = load_conversation(txn, id)? else {
        return Ok(None);
    };
    let previous = c.last_activity_at;
    let was_resolved = c.status == Status::Resolved;
    change(&mut c);
    c.note_resolution(crate::clock::now_millis());
    save_conversation(txn, &c, Some(previous))?;
    if c.status == Status::Resolved && !was_resolved {
        webhooks::emit(txn, Event::ConversationResolved, || {
            webhooks::conversation_json(&c)
        })?;
    }
    Ok(Some(c))
}

/// Appends Sodan's own `text` to `c` as `author` (the system or the bot); a `note` only the team sees.
pub(crate) fn append_own(
    txn: &Tx<'_>,
    c: &mut Conversation,
    author: Author,
    text: String,
    note: bool,
    now: u64,
) -> Result<Message, Error> {
    let sender = match author {
        Author::Bot => BOT_SENDER,
        _ => SYSTEM_SENDER,
    };
    let draft = Draft {
        author,
        client_id: None,
        body: text,
        note,
        upload: None,
    };
    let previous = c.last_activity_at;
    append(txn, c, Some(previous), sender, draft, now)
}

/// Posts the bot's `text` in a conversation; `only_handling`: only while the bot is handling it (its own
/// answers), else in any (a message sent as the bot through the REST API). `Ok(None)` when it does not
/// exist or, with `only_handling`, the visitor was handed over.
pub(crate) fn bot_message(
    txn: &Tx<'_>,
    conversation: ConversationId,
    text: String,
    only_handling: bool,
) -> Result<Option<(Conversation, Message)>, Error> {
    let Some(mut c) = load_conversation(txn, conversation)? else {
        return Ok(None);
    };
    if only_handling && c.bot != Some(BotState::Active) {
        return Ok(None);
    }
    let now = crate::clock::now_millis();
    let message = append_own(txn, &mut c, Author::Bot, text, false, now)?;
    Ok(Some((c, message)))
}

/// Hands a bot conversation over to the team: open, in the inbox, waiting for an answer (the
/// auto-responder applies from here), with the bot's note `text` and the automatic reply it calls for at
/// once. `Ok(None)` when the bot was not handling it.
pub(crate) fn hand_over(
    txn: &Tx<'_>,
    conversation: ConversationId,
    text: String,
) -> Result<Option<(Conversation, Message, Option<Message>)>, Error> {
    let Some(mut c) = load_conversation(txn, conversation)? else {
        return Ok(None);
    };
    if !c.hand_over_from_bot() {
        return Ok(None);
    }
    let now = crate::clock::now_millis();
    let visitor = c.visitor_id;
    let plan = crate::autoreply::waiting::plan(txn, &mut c, visitor, now)?;
    let message = append_own(txn, &mut c, Author::Bot, text, false, now)?;
    let auto = crate::autoreply::waiting::reply_now(txn, &mut c, plan, now)?;
    Ok(Some((c, message, auto)))
}
