//! The typed wire messages of the widget and console sockets: JSON text frames with a `type`.
//!
//! One enum per direction, so every frame is parsed and validated in one place.

use serde::{Deserialize, Serialize};

use crate::conversations::{
    Attachment, Author, Conversation, ConversationId, Message, Seq, Status,
};
use crate::store::Offered;
use crate::triggers::{Kind, Reaction, TriggerId};
use crate::visitors::{PageView, VisitorId};

/// The largest text frame a client may send.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Frames a visitor's widget sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum VisitorFrame {
    /// First frame: who (token from an earlier visit), where (site key and page).
    Hello {
        /// The visitor token from an earlier welcome.
        #[serde(default)]
        token: Option<String>,
        /// The site key from the snippet.
        site: String,
        /// The page the widget is on.
        #[serde(default)]
        page: Option<PageIn>,
        /// What the browser says about itself.
        #[serde(default)]
        env: Option<EnvIn>,
    },
    /// `Sodan.identify(userId, traits, userHash)`: who this visitor is in the shop.
    Identify {
        /// The shop's user id.
        user_id: String,
        /// Hex `HMAC-SHA256(identity secret, user_id)` from the shop's server.
        #[serde(default)]
        user_hash: Option<String>,
        /// `name`, `email`, `phone` and custom attributes.
        #[serde(default)]
        traits: serde_json::Value,
    },
    /// `Sodan.set(attributes)`.
    Set {
        /// Attributes to set (`null` removes one).
        attributes: serde_json::Value,
    },
    /// `Sodan.track(name, properties)`.
    Track {
        /// Event name.
        name: String,
        /// Its details.
        #[serde(default)]
        properties: serde_json::Value,
    },
    /// `Sodan.setCart(items)`.
    Cart {
        /// `[{sku, name, price, quantity}]`.
        items: serde_json::Value,
    },
    /// A new message.
    Message {
        /// The widget's id for it; a retry carries the same id.
        client_id: String,
        /// The text.
        body: String,
    },
    /// The visitor is typing.
    Typing {
        /// In which conversation (absent before the first message).
        #[serde(default)]
        conversation: Option<ConversationId>,
    },
    /// The visitor has seen messages up to a sequence number.
    Read {
        /// Which conversation.
        conversation: ConversationId,
        /// Up to which message.
        up_to_seq: Seq,
    },
    /// After a reconnect: send what came after `after_seq` (answered by `messages`, whose `through_seq`
    /// is where the next resume starts while `more` is true).
    Resume {
        /// Which conversation.
        conversation: ConversationId,
        /// The end of the contiguous range of messages the widget holds.
        after_seq: Seq,
    },
    /// Scrolling up: send the messages before `before_seq` (answered by `history`).
    History {
        /// Which conversation.
        conversation: ConversationId,
        /// The start of the contiguous range of messages the widget holds.
        before_seq: Seq,
    },
    /// The visitor navigated (including single-page-app navigations).
    Page(PageIn),
    /// What happened to a proactive message the server offered.
    Trigger {
        /// Which one.
        id: TriggerId,
        /// Shown, clicked or dismissed.
        reaction: Reaction,
    },
    /// Asks for the proactive messages again (after `triggers_changed`).
    Triggers,
    /// The visitor's e-mail address, for replies that come after they left.
    Email {
        /// The address.
        address: String,
    },
    /// The visitor's rating of a resolved conversation (a second rating replaces the first).
    Rate {
        /// Which conversation.
        conversation: ConversationId,
        /// 1 (bad) to 5 (great).
        rating: u8,
        /// Anything they want to add.
        #[serde(default)]
        comment: String,
    },
    /// A button of the FAQ bot: a menu path (`2.1`), an offered article (`a:ID`), `menu` or `person`.
    Bot {
        /// Which.
        choice: String,
    },
}

/// A page as the widget reports it.
#[derive(Debug, Deserialize)]
pub struct PageIn {
    /// URL.
    pub url: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Referrer.
    #[serde(default)]
    pub referrer: String,
}

/// The browser's language, time zone and screen, sent with hello.
#[derive(Debug, Default, Deserialize)]
pub struct EnvIn {
    /// `navigator.language`.
    #[serde(default)]
    pub language: String,
    /// `Intl.DateTimeFormat().resolvedOptions().timeZone`.
    #[serde(default)]
    pub time_zone: String,
    /// `WIDTHxHEIGHT`.
    #[serde(default)]
    pub screen: String,
}

/// Frames the console sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConsoleFrame {
    /// A reply or private note.
    Message {
        /// Which conversation.
        conversation: ConversationId,
        /// The console's id for it; a retry carries the same id.
        client_id: String,
        /// The text.
        body: String,
        /// A private note for the team.
        #[serde(default)]
        note: bool,
    },
    /// The operator is typing a reply.
    Typing {
        /// Which conversation.
        conversation: ConversationId,
    },
    /// The operator has seen messages up to a sequence number.
    Read {
        /// Which conversation.
        conversation: ConversationId,
        /// Up to which message.
        up_to_seq: Seq,
    },
}

/// A message as clients see it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageOut {
    /// Global id.
    pub id: u64,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Its place in the conversation.
    pub seq: Seq,
    /// Who wrote it.
    pub author: Author,
    /// Text (to be shown as text, never as HTML).
    pub body: String,
    /// A private note (console only).
    pub note: bool,
    /// An attached file.
    pub attachment: Option<Attachment>,
    /// When (Unix milliseconds).
    pub created_at: u64,
}

impl From<&Message> for MessageOut {
    fn from(m: &Message) -> Self {
        MessageOut {
            id: m.id,
            conversation: m.conversation,
            seq: m.seq,
            author: m.author.clone(),
            body: m.body.clone(),
            note: m.note,
            attachment: m.attachment.clone(),
            created_at: m.created_at,
        }
    }
}

/// A conversation as the widget sees it.
#[derive(Debug, Serialize)]
pub struct VisitorConversation {
    /// Id.
    pub id: ConversationId,
    /// Status.
    pub status: Status,
    /// Last message's sequence number.
    pub last_seq: Seq,
    /// The visitor's messages up to here were read by an operator.
    pub read_by_operator_seq: Seq,
    /// The visitor has read up to here (on any page or device): replies after it are unread.
    pub read_by_visitor_seq: Seq,
    /// Replies (operator, bot, automatic) after `read_by_visitor_seq` among `messages`: the launcher's badge
    /// on every page and after a return visit, until the visitor reads them.
    pub unread: u32,
    /// The visitor's rating, once given (a resolved conversation without one asks for it).
    pub rating: Option<u8>,
    /// The latest messages (no notes), oldest first.
    pub messages: Vec<MessageOut>,
    /// `messages` cover every sequence number from here to `through_seq` (notes left out): the widget
    /// asks for older ones with `history {before_seq: from_seq}`.
    pub from_seq: Seq,
    /// The newest sequence number read for `messages`; anything after it arrives as a live frame.
    pub through_seq: Seq,
}

/// The widget settings a widget needs.
#[derive(Debug, Serialize)]
pub struct SiteOut {
    /// Accent colour, `#rrggbb`.
    pub color: String,
    /// Greeting in English.
    pub greeting_en: String,
    /// Greeting in Japanese.
    pub greeting_ja: String,
    /// Path patterns (`*` wildcards) on which the launcher shows; empty: everywhere.
    pub launcher_paths: Vec<String>,
    /// Outside business hours.
    pub away: bool,
    /// An operator is online now (inside business hours, console open, not away).
    pub online: bool,
    /// The greeting outside business hours, English (empty: the usual one).
    pub greeting_away_en: String,
    /// The greeting outside business hours, Japanese.
    pub greeting_away_ja: String,
}

impl From<&crate::sites::Site> for SiteOut {
    fn from(site: &crate::sites::Site) -> Self {
        SiteOut {
            color: site.color.clone(),
            greeting_en: site.greeting_en.clone(),
            greeting_ja: site.greeting_ja.clone(),
            launcher_paths: site.launcher_paths.clone(),
            away: false,
            online: false,
            greeting_away_en: String::new(),
            greeting_away_ja: String::new(),
        }
    }
}

/// A proactive message as a widget needs it: what to show, and the page conditions to watch for.
#[derive(Debug, Serialize)]
pub struct TriggerOut {
    /// Id, for the reactions.
    pub id: TriggerId,
    /// `bubble`, `answer` or `question`.
    pub kind: Kind,
    /// The operator it comes from.
    pub from: Option<String>,
    /// Text in English.
    pub text_en: String,
    /// Text in Japanese.
    pub text_ja: String,
    /// With an answer: where "read more" leads.
    pub link: String,
    /// Seconds without input.
    pub idle_secs: Option<u32>,
    /// Seconds on the page.
    pub time_on_page_secs: Option<u32>,
    /// Scroll depth in percent.
    pub scroll_percent: Option<u8>,
    /// Show when the pointer leaves towards the browser's tabs (desktop).
    pub exit_intent: bool,
    /// Not once the visitor has written.
    pub quiet_in_conversation: bool,
}

impl From<Offered> for TriggerOut {
    fn from(o: Offered) -> Self {
        let t = o.trigger;
        TriggerOut {
            id: t.id,
            kind: t.kind,
            from: o.from,
            text_en: t.text_en,
            text_ja: t.text_ja,
            link: t.link,
            idle_secs: t.idle_secs,
            time_on_page_secs: t.time_on_page_secs,
            scroll_percent: t.scroll_percent,
            exit_intent: t.exit_intent,
            quiet_in_conversation: t.quiet_in_conversation,
        }
    }
}

/// A button the FAQ bot offers.
#[derive(Debug, Serialize)]
pub struct ChoiceOut {
    /// What the widget sends back (`bot {choice}`).
    pub id: String,
    /// Label in English.
    pub label_en: String,
    /// Label in Japanese.
    pub label_ja: String,
}

/// An FAQ article as the widget shows it.
#[derive(Debug, Serialize)]
pub struct ArticleOut {
    /// Id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// The body as HTML, made safe by the server (`faq::render_markdown`).
    pub html: String,
    /// Its page in the help center (absolute).
    pub url: String,
}

/// Frames the server sends to a widget.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToVisitor {
    /// Answer to hello: the token to keep, how the widget looks, and the visitor's conversations.
    Welcome {
        /// Keep this in the site's storage and send it in the next hello.
        token: String,
        /// The widget's look and where its launcher shows.
        site: SiteOut,
        /// Conversations, oldest first.
        conversations: Vec<VisitorConversation>,
        /// The e-mail address replies go to when the visitor has left (empty: none yet; the widget asks).
        email: String,
    },
    /// The conversation was resolved: the widget asks for a rating.
    Resolved {
        /// Which.
        conversation: ConversationId,
    },
    /// The rating was saved.
    Rated {
        /// Which conversation.
        conversation: ConversationId,
        /// As stored.
        rating: u8,
    },
    /// The e-mail address the visitor gave was saved.
    EmailSaved {
        /// As stored.
        email: String,
    },
    /// Identify was applied (a new welcome follows when the visitor joined another customer's history).
    Identified {
        /// The user id, as stored.
        user_id: String,
        /// Whether it came with a valid user hash (only then is history shared across devices).
        verified: bool,
        /// The customer's e-mail address as the shop gave it (empty: none): the widget does not ask for
        /// one it already has.
        email: String,
    },
    /// A message was stored: sent only after the commit.
    Ack {
        /// The widget's id for it.
        client_id: String,
        /// Global id.
        id: u64,
        /// Conversation.
        conversation: ConversationId,
        /// Place in the conversation.
        seq: Seq,
    },
    /// A new message in one of the visitor's conversations.
    Message {
        /// The message.
        message: MessageOut,
    },
    /// Messages after a resume point, oldest first.
    Messages {
        /// Conversation.
        conversation: ConversationId,
        /// The messages (notes left out, so a batch may be empty and still not the end).
        messages: Vec<MessageOut>,
        /// Every sequence number up to here was read: the next resume starts after it.
        through_seq: Seq,
        /// Whether the conversation has messages after `through_seq`.
        more: bool,
    },
    /// Older messages, answering `history`, oldest first.
    History {
        /// Conversation.
        conversation: ConversationId,
        /// The messages (notes left out, so a batch may be empty and still not the start).
        messages: Vec<MessageOut>,
        /// Every sequence number from here up to the request's `before_seq` was read.
        from_seq: Seq,
        /// Whether the conversation has messages before `from_seq`.
        more: bool,
    },
    /// An operator is typing.
    Typing {
        /// Conversation.
        conversation: ConversationId,
        /// Who.
        name: String,
    },
    /// An operator read the visitor's messages up to here.
    Read {
        /// Conversation.
        conversation: ConversationId,
        /// Up to which message.
        up_to_seq: Seq,
    },
    /// The proactive messages to watch for on `page` (replaces any earlier list).
    Triggers {
        /// The page they were chosen for, as the widget reported it: a list for an earlier page is stale.
        page: String,
        /// Triggers, first to show first.
        triggers: Vec<TriggerOut>,
    },
    /// The visitor's segments changed: ask for the proactive messages again.
    TriggersChanged,
    /// What the FAQ bot shows now: a line of text, perhaps an article, and buttons (none: the bot is done).
    Bot {
        /// Text in English.
        text_en: String,
        /// Text in Japanese.
        text_ja: String,
        /// An article to show.
        article: Option<ArticleOut>,
        /// Buttons.
        choices: Vec<ChoiceOut>,
    },
    /// A piece of the model's answer as it is written (the widget shows the answer grow); the stored
    /// message and a `bot` frame with sources and ratings follow when it is done.
    BotDelta {
        /// The next piece of text.
        text: String,
    },
    /// A frame was refused; the socket stays open.
    Error {
        /// Stable code.
        code: String,
        /// What went wrong, for people.
        message: String,
    },
}

/// A conversation as the console's inbox sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationOut {
    /// Id.
    pub id: ConversationId,
    /// Visitor.
    pub visitor_id: VisitorId,
    /// Status now (an expired snooze reads as open).
    pub status: Status,
    /// Assigned operator.
    pub assignee: Option<u64>,
    /// Labels.
    pub labels: Vec<String>,
    /// Last activity (Unix milliseconds).
    pub last_activity_at: u64,
    /// Last message's sequence number.
    pub last_seq: Seq,
    /// Unread visitor messages.
    pub unread: u32,
    /// The last visible message, shortened.
    pub preview: String,
    /// The customer's segments, when the frame comes from their message (a segment-filtered inbox uses it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<crate::segments::SegmentId>>,
    /// The customer's name, else their e-mail (empty: an anonymous visitor), as the inbox row shows it.
    pub customer_name: String,
    /// The assignee's name (empty: unassigned).
    pub assignee_name: String,
}

impl ConversationOut {
    /// The inbox view of a conversation at `now_secs`.
    pub fn new(c: &Conversation, now_secs: u64) -> Self {
        ConversationOut {
            id: c.id,
            visitor_id: c.visitor_id,
            status: c.effective_status(now_secs),
            assignee: c.assignee,
            labels: c.labels.clone(),
            last_activity_at: c.last_activity_at,
            last_seq: c.last_seq,
            unread: c.unread_for_operators,
            preview: c.preview.clone(),
            segments: None,
            customer_name: String::new(),
            assignee_name: String::new(),
        }
    }
}

/// Frames the server sends to consoles.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToConsole {
    /// A conversation started or changed (status, assignee, labels, unread count, preview).
    Conversation {
        /// Its inbox view.
        conversation: ConversationOut,
        /// It was just started.
        new: bool,
    },
    /// A message was stored.
    Message {
        /// The message.
        message: MessageOut,
    },
    /// A console message was stored: sent to its sender only after the commit.
    Ack {
        /// The console's id for it.
        client_id: String,
        /// Global id.
        id: u64,
        /// Conversation.
        conversation: ConversationId,
        /// Place in the conversation.
        seq: Seq,
    },
    /// Someone is typing.
    Typing {
        /// Conversation.
        conversation: ConversationId,
        /// `"visitor"` or the operator's name.
        name: String,
        /// The visitor (rather than an operator) is typing.
        visitor: bool,
    },
    /// The visitor read operators' messages up to here.
    Read {
        /// Conversation.
        conversation: ConversationId,
        /// Up to which message.
        up_to_seq: Seq,
    },
    /// A visitor is on a new page (or connected, or left).
    Presence {
        /// Who.
        visitor_id: VisitorId,
        /// Where, when connected.
        page: Option<PageView>,
        /// Whether any widget of theirs is connected.
        online: bool,
    },
    /// The customer's data changed (attributes, events, cart, identity): a console showing their card
    /// reads it again (`GET /inbox/{id}/card`).
    Customer {
        /// Who.
        visitor_id: VisitorId,
    },
    /// A frame was refused; the socket stays open.
    Error {
        /// Stable code.
        code: String,
        /// What went wrong.
        message: String,
    },
}

/// Serialises a frame once, for every recipient.
pub fn encode(frame: &impl Serialize) -> super::Frame {
    serde_json::to_string(frame)
        .unwrap_or_else(|e| {
            format!("{{\"type\":\"error\",\"code\":\"internal\",\"message\":\"{e}\"}}")
        })
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_by_type_and_refuse_unknown_fields() {
        let hello: VisitorFrame = serde_json::from_str(r#"{"type":"hello","site":"k"}"#).unwrap();
        assert!(matches!(hello, VisitorFrame::Hello { token: None, .. }));
        let page: VisitorFrame =
            serde_json::from_str(r#"{"type":"page","url":"https://s.example/","title":"t"}"#)
                .unwrap();
        assert!(matches!(page, VisitorFrame::Page(PageIn { .. })));
        assert!(serde_json::from_str::<VisitorFrame>(r#"{"type":"message","body":"x"}"#).is_err());
        assert!(serde_json::from_str::<VisitorFrame>(r#"{"type":"nope"}"#).is_err());
        let reaction: VisitorFrame =
            serde_json::from_str(r#"{"type":"trigger","id":4,"reaction":"dismissed"}"#).unwrap();
        assert!(matches!(
            reaction,
            VisitorFrame::Trigger {
                id: 4,
                reaction: Reaction::Dismissed
            }
        ));
        assert!(
            serde_json::from_str::<VisitorFrame>(r#"{"type":"trigger","id":4,"reaction":"x"}"#)
                .is_err()
        );
        assert!(matches!(
            serde_json::from_str(r#"{"type":"triggers"}"#).unwrap(),
            VisitorFrame::Triggers
        ));
        assert!(
            serde_json::from_str::<ConsoleFrame>(r#"{"type":"typing","conversation":1,"x":2}"#)
                .is_err()
        );
    }

    #[test]
    fn outgoing_frames_carry_their_type() {
        let frame = encode(&ToVisitor::Read {
            conversation: 3,
            up_to_seq: 9,
        });
        assert_eq!(&*frame, r#"{"type":"read","conversation":3,"up_to_seq":9}"#);
    }
}
