//! Conversation actions that are stored and then pushed live: each commits through the store first and
//! only then publishes to the hub, so nothing is broadcast that is not on disk.

use crate::conversations::{
    self, Author, Conversation, ConversationId, Invalid, Message, Origin, Seq, Status,
};
use crate::hub::protocol::{ConversationOut, MessageOut, ToConsole, ToVisitor, encode};
use crate::hub::{Audience, ConnectionId, Hub};
use crate::operators::Operator;
use crate::store::{self, Draft, Names, NewUpload, Posted, Store};
use crate::visitors::VisitorId;

/// Why an action was refused.
#[derive(Debug)]
pub enum Refused {
    /// The input was invalid.
    Invalid(Invalid),
    /// No such conversation, or not one the caller may touch.
    NotFound,
    /// Storage failed.
    Store(store::Error),
}

impl From<store::Error> for Refused {
    fn from(e: store::Error) -> Self {
        Refused::Store(e)
    }
}

impl From<Invalid> for Refused {
    fn from(e: Invalid) -> Self {
        Refused::Invalid(e)
    }
}

/// Tells consoles a conversation changed.
pub async fn publish_conversation(
    store: &Store,
    hub: &Hub,
    conversation: &Conversation,
    new: bool,
) {
    let names = names_of(store, conversation).await;
    let conversation = ConversationOut::new(conversation, crate::clock::now());
    publish_named(hub, conversation, names, new).await;
}

/// The names a server-rendered inbox row shows: the customer's (else their e-mail) and the assignee's. A
/// failed read leaves a name empty (the console then shows "Visitor #N").
async fn names_of(store: &Store, conversation: &Conversation) -> Names {
    let mut names = Names::default();
    if let Ok(Some(v)) = store.visitor(conversation.visitor_id).await {
        names.customer = if v.profile.name.is_empty() {
            v.profile.email
        } else {
            v.profile.name
        };
    }
    if let Some(id) = conversation.assignee
        && let Ok(Some(op)) = store.operator(id).await
    {
        names.assignee = op.name;
    }
    names
}

/// Sends the inbox row with its names.
async fn publish_named(hub: &Hub, mut conversation: ConversationOut, names: Names, new: bool) {
    conversation.customer_name = names.customer;
    conversation.assignee_name = names.assignee;
    hub.publish(
        Audience::Operators,
        encode(&ToConsole::Conversation { conversation, new }),
    )
    .await;
}

/// Pushes a stored message to consoles and (unless a note) to the visitor, skipping the connection it came
/// from: that one gets an ack.
async fn publish_posted(hub: &Hub, posted: &Posted, from: Option<ConnectionId>) {
    let message = MessageOut::from(&posted.message);
    let mut conversation = ConversationOut::new(&posted.conversation, crate::clock::now());
    conversation.segments = posted.segments.clone();
    publish_named(
        hub,
        conversation,
        posted.names.clone(),
        posted.new_conversation,
    )
    .await;
    let to_console = encode(&ToConsole::Message {
        message: message.clone(),
    });
    hub.publish_except(Audience::Operators, to_console, from)
        .await;
    if posted.message.visible_to_visitor() {
        let to_visitor = encode(&ToVisitor::Message { message });
        let visitor = Audience::Visitor(posted.conversation.visitor_id);
        hub.publish_except(visitor, to_visitor, from).await;
    }
}

/// Stores a message from the bot (the REST API's `"as": "bot"`), then pushes it like an automatic one.
pub async fn post_from_bot(
    store: &Store,
    hub: &Hub,
    conversation: ConversationId,
    body: &str,
) -> Result<Message, Refused> {
    let body = conversations::parse_body(body)?;
    let (c, message) = store
        .post_bot_reply(conversation, body)
        .await?
        .ok_or(Refused::NotFound)?;
    publish_automatic(store, hub, &c, &message).await;
    Ok(message)
}

/// Pushes an automatic reply (posted by Sodan itself) to consoles and to every widget of the visitor.
pub async fn publish_automatic(
    store: &Store,
    hub: &Hub,
    conversation: &Conversation,
    message: &Message,
) {
    publish_conversation(store, hub, conversation, false).await;
    let message = MessageOut::from(message);
    let to_console = encode(&ToConsole::Message {
        message: message.clone(),
    });
    hub.publish(Audience::Operators, to_console).await;
    let visitor = Audience::Visitor(conversation.visitor_id);
    hub.publish(visitor, encode(&ToVisitor::Message { message }))
        .await;
}

/// Pushes a private notice Sodan left in a conversation (a message LINE refused, say) to consoles.
pub async fn publish_notice(
    store: &Store,
    hub: &Hub,
    conversation: &Conversation,
    notice: &Message,
) {
    publish_conversation(store, hub, conversation, false).await;
    let frame = encode(&ToConsole::Message {
        message: MessageOut::from(notice),
    });
    hub.publish(Audience::Operators, frame).await;
}

/// A reply to a visitor with no widget open is e-mailed after a grace period, unless they read it first
/// (where the conversation's channel says so: LINE conversations are pushed by the store's outbox).
async fn digest_if_away(store: &Store, hub: &Hub, posted: &Posted) -> Result<(), Refused> {
    let mailed = conversations::outbound(&posted.conversation, &posted.message)
        == Some(conversations::Outbound::MailIfAway);
    if mailed && !hub.visitor_online(posted.conversation.visitor_id).await {
        store.schedule_digest(posted.conversation.id).await?;
    }
    Ok(())
}

/// What an operator writes: a reply, or a private note for the team.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    /// The console's id for it, for de-duplicating retries (`None` from a plain form).
    pub client_id: Option<&'a str>,
    /// The text as typed.
    pub body: &'a str,
    /// A private note: never sent to the visitor.
    pub note: bool,
}

/// Stores a visitor's message (durably), then pushes it to the visitor's other tabs and to consoles.
pub async fn post_from_visitor(
    store: &Store,
    hub: &Hub,
    from: Option<ConnectionId>,
    visitor: VisitorId,
    client_id: &str,
    body: &str,
    origin: Origin,
) -> Result<Posted, Refused> {
    let posted = queue_from_visitor(store, visitor, client_id, body, origin)
        .await?
        .await?;
    posted_by_visitor(store, hub, from, &posted).await;
    Ok(posted)
}

/// Checks a visitor's message and queues it for storing; what it returns answers once it is stored, and
/// [`posted_by_visitor`] then tells everyone else. A socket queues the visitor's next message meanwhile:
/// messages queued one after the other are stored in that order.
pub async fn queue_from_visitor(
    store: &Store,
    visitor: VisitorId,
    client_id: &str,
    body: &str,
    origin: Origin,
) -> Result<impl Future<Output = Result<Posted, store::Error>> + use<>, Refused> {
    let draft = Draft {
        author: Author::Visitor,
        client_id: Some(conversations::parse_client_id(client_id)?),
        body: conversations::parse_body(body)?,
        note: false,
        upload: None,
    };
    Ok(store.queue_visitor_message(visitor, draft, origin).await?)
}

/// What follows a stored visitor message: the visitor's other tabs (all but `from`), consoles and
/// operators' phones hear of it, and an automatic reply it earned goes out.
pub async fn posted_by_visitor(
    store: &Store,
    hub: &Hub,
    from: Option<ConnectionId>,
    posted: &Posted,
) {
    if !posted.duplicate {
        publish_posted(hub, posted, from).await;
        crate::push::outbox::notify(store, hub, posted);
    }
    if let Some(auto) = &posted.auto_reply {
        publish_automatic(store, hub, &posted.conversation, auto).await;
    }
}

/// Stores an operator's reply or private note, then pushes it to consoles (and, unless a note, to the
/// visitor).
pub async fn post_from_operator(
    store: &Store,
    hub: &Hub,
    from: Option<ConnectionId>,
    operator: &Operator,
    conversation: ConversationId,
    reply: Reply<'_>,
) -> Result<Posted, Refused> {
    let draft = Draft {
        author: Author::Operator {
            id: operator.id,
            name: operator.name.clone(),
        },
        client_id: reply
            .client_id
            .map(conversations::parse_client_id)
            .transpose()?,
        body: conversations::parse_body(reply.body)?,
        note: reply.note,
        upload: None,
    };
    let posted = store
        .post_operator_message(conversation, operator.id, draft)
        .await?
        .ok_or(Refused::NotFound)?;
    if !posted.duplicate {
        publish_posted(hub, &posted, from).await;
        digest_if_away(store, hub, &posted).await?;
    }
    Ok(posted)
}

/// Stores a visitor's attachment (its file already saved) as a message, then pushes it like any message.
pub async fn attach_from_visitor(
    store: &Store,
    hub: &Hub,
    from: Option<ConnectionId>,
    visitor: VisitorId,
    upload: NewUpload,
    origin: Origin,
) -> Result<Posted, Refused> {
    let draft = Draft {
        author: Author::Visitor,
        client_id: None,
        body: upload.filename.clone(),
        note: false,
        upload: Some(upload),
    };
    let posted = store.post_visitor_message(visitor, draft, origin).await?;
    publish_posted(hub, &posted, from).await;
    crate::push::outbox::notify(store, hub, &posted);
    if let Some(auto) = &posted.auto_reply {
        publish_automatic(store, hub, &posted.conversation, auto).await;
    }
    Ok(posted)
}

/// Stores an operator's attachment (its file already saved) in `conversation`, then pushes it.
pub async fn attach_from_operator(
    store: &Store,
    hub: &Hub,
    from: Option<ConnectionId>,
    operator: &Operator,
    conversation: ConversationId,
    upload: NewUpload,
) -> Result<Posted, Refused> {
    let draft = Draft {
        author: Author::Operator {
            id: operator.id,
            name: operator.name.clone(),
        },
        client_id: None,
        body: upload.filename.clone(),
        note: false,
        upload: Some(upload),
    };
    let posted = store
        .post_operator_message(conversation, operator.id, draft)
        .await?
        .ok_or(Refused::NotFound)?;
    publish_posted(hub, &posted, from).await;
    digest_if_away(store, hub, &posted).await?;
    Ok(posted)
}

/// Changes a conversation (status, assignee, labels) and tells consoles.
pub async fn update(
    store: &Store,
    hub: &Hub,
    conversation: ConversationId,
    change: impl FnOnce(&mut Conversation) + Send + 'static,
) -> Result<Conversation, Refused> {
    let updated = store
        .update_conversation(conversation, change)
        .await?
        .ok_or(Refused::NotFound)?;
    publish_conversation(store, hub, &updated, false).await;
    Ok(updated)
}

/// Stores the visitor's rating of their resolved conversation and tells consoles. `Ok(Err(reason))` when
/// the rating is refused (not resolved yet, out of range, comment too long).
pub async fn rate(
    store: &Store,
    hub: &Hub,
    visitor: VisitorId,
    conversation: ConversationId,
    rating: u8,
    comment: String,
) -> Result<Result<u8, &'static str>, Refused> {
    let c = owned_by(store, visitor, conversation).await?;
    if c.status != Status::Resolved {
        return Ok(Err(
            "A conversation can be rated once it is resolved. / 解決済みの会話だけ評価できます。",
        ));
    }
    let csat = match super::Csat::parse(rating, &comment, crate::clock::now_millis()) {
        Ok(csat) => csat,
        Err(why) => return Ok(Err(why)),
    };
    update(store, hub, conversation, move |c| c.stats.csat = Some(csat)).await?;
    Ok(Ok(rating))
}

/// Sets a conversation's status; snoozing needs `until` (Unix seconds).
pub async fn set_status(
    store: &Store,
    hub: &Hub,
    conversation: ConversationId,
    status: Status,
    until: Option<u64>,
) -> Result<Conversation, Refused> {
    let was = store
        .conversation(conversation)
        .await?
        .ok_or(Refused::NotFound)?
        .status;
    let updated = update(store, hub, conversation, move |c| {
        c.status = status;
        c.snoozed_until = if status == Status::Snoozed {
            until
        } else {
            None
        };
    })
    .await?;
    if status == Status::Resolved && was != Status::Resolved {
        let frame = encode(&ToVisitor::Resolved { conversation });
        hub.publish(Audience::Visitor(updated.visitor_id), frame)
            .await;
        crate::ai::learn::remember(store, &updated).await;
    }
    Ok(updated)
}

/// An operator has seen the conversation up to `up_to_seq`: clears its unread count and tells the visitor
/// their messages were read.
pub async fn read_by_operator(
    store: &Store,
    hub: &Hub,
    conversation: ConversationId,
    up_to_seq: Seq,
) -> Result<Conversation, Refused> {
    let updated = update(store, hub, conversation, move |c| {
        let up_to = up_to_seq.min(c.last_seq);
        if up_to > c.read_by_operator_seq {
            c.read_by_operator_seq = up_to;
        }
        if up_to >= c.last_seq {
            c.unread_for_operators = 0;
        }
    })
    .await?;
    let frame = ToVisitor::Read {
        conversation,
        up_to_seq: updated.read_by_operator_seq,
    };
    hub.publish(Audience::Visitor(updated.visitor_id), encode(&frame))
        .await;
    Ok(updated)
}

/// The visitor has seen their conversation up to `up_to_seq`; only their own conversations count.
pub async fn read_by_visitor(
    store: &Store,
    hub: &Hub,
    visitor: VisitorId,
    conversation: ConversationId,
    up_to_seq: Seq,
) -> Result<(), Refused> {
    owned_by(store, visitor, conversation).await?;
    let updated = store
        .update_conversation(conversation, move |c| {
            let up_to = up_to_seq.min(c.last_seq);
            if up_to > c.read_by_visitor_seq {
                c.read_by_visitor_seq = up_to;
            }
        })
        .await?
        .ok_or(Refused::NotFound)?;
    let frame = ToConsole::Read {
        conversation,
        up_to_seq: updated.read_by_visitor_seq,
    };
    hub.publish(Audience::Operators, encode(&frame)).await;
    Ok(())
}

/// The conversation, if `visitor` started it; anyone else's reads as not found.
pub async fn owned_by(
    store: &Store,
    visitor: VisitorId,
    conversation: ConversationId,
) -> Result<Conversation, Refused> {
    match store.conversation(conversation).await? {
        Some(c) if c.visitor_id == visitor => Ok(c),
        _ => Err(Refused::NotFound),
    }
}
