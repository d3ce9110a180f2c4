//! Conversations between a visitor and the team: statuses, messages, and the rules that tie them.
//!
//! Plain types and checks here; [`live`] stores an action and then pushes it through the hub.

pub mod live;
pub mod mail_thread;
pub(crate) mod posting;
mod state;

pub use mail_thread::{MailRef, MailThread};

use serde::{Deserialize, Serialize};

use crate::operators::OperatorId;
use crate::visitors::VisitorId;

/// Identifies a conversation; never reused.
pub type ConversationId = u64;
/// Position of a message in its conversation: 1, 2, 3... in commit order, without gaps.
pub type Seq = u64;

/// The longest message body accepted, in characters.
pub const MAX_BODY_CHARS: usize = 5_000;
/// The longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 40;
/// The longest client-generated message id accepted.
pub const MAX_CLIENT_ID_LEN: usize = 64;

/// Where a conversation stands in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Needs an answer.
    Open,
    /// Waiting on the customer or on someone else.
    Pending,
    /// Hidden until `snoozed_until`, then open again.
    Snoozed,
    /// Done; a new visitor message opens it again.
    Resolved,
}

impl Status {
    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Snoozed => "snoozed",
            Status::Resolved => "resolved",
        }
    }

    /// Parses a status from a form or frame.
    pub fn parse(value: &str) -> Option<Status> {
        match value {
            "open" => Some(Status::Open),
            "pending" => Some(Status::Pending),
            "snoozed" => Some(Status::Snoozed),
            "resolved" => Some(Status::Resolved),
            _ => None,
        }
    }
}

/// A conversation's current state (its messages are stored apart, by sequence number).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// The visitor who started it.
    pub visitor_id: VisitorId,
    /// Inbox status.
    pub status: Status,
    /// With [`Status::Snoozed`]: when it opens again (Unix seconds).
    #[serde(default)]
    pub snoozed_until: Option<u64>,
    /// The operator answering it, if assigned.
    #[serde(default)]
    pub assignee: Option<OperatorId>,
    /// Labels operators gave it.
    #[serde(default)]
    pub labels: Vec<String>,
    /// When it started (Unix milliseconds).
    pub created_at: u64,
    /// When its last message arrived (Unix milliseconds): the inbox sort key.
    pub last_activity_at: u64,
    /// Sequence number of its last message (0: none yet).
    pub last_seq: Seq,
    /// Visitor messages operators have not read yet.
    #[serde(default)]
    pub unread_for_operators: u32,
    /// The last message an operator read (the visitor sees "read" up to here).
    #[serde(default)]
    pub read_by_operator_seq: Seq,
    /// The last message the visitor read.
    #[serde(default)]
    pub read_by_visitor_seq: Seq,
    /// The start of the last message visible to the visitor, for the inbox list.
    #[serde(default)]
    pub preview: String,
    /// The page the visitor wrote the first message from.
    #[serde(default)]
    pub started_on: Option<String>,
    /// The proactive message the visitor had just seen when they started (or reopened) it.
    #[serde(default)]
    pub trigger: Option<crate::triggers::TriggerId>,
    /// Since when the visitor has been waiting for an answer (their first unanswered message, Unix ms).
    #[serde(default)]
    pub waiting_since: Option<u64>,
    /// An automatic reply went out while the visitor waited (at most one per waiting period).
    #[serde(default)]
    pub auto_replied: bool,
    /// When the pending in-hours automatic reply is due (Unix ms), unless an operator answers first.
    #[serde(default)]
    pub autoreply_due: Option<u64>,
    /// The FAQ bot's part in it, if it had one.
    #[serde(default)]
    pub bot: Option<BotState>,
    /// When the reply digest for a visitor who left is due (Unix ms).
    #[serde(default)]
    pub digest_due: Option<u64>,
    /// Where the visitor writes from.
    #[serde(default)]
    pub channel: Channel,
    /// What reports need, kept up to date as the conversation goes.
    #[serde(default)]
    pub stats: ConversationStats,
    /// On the e-mail channel: the thread operators' replies go into.
    #[serde(default)]
    pub mail_thread: Option<MailThread>,
}

/// What reports need about a conversation: how fast and by whom it was answered, when it was resolved,
/// how the visitor rated it, and the circumstances it started in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationStats {
    /// The first reply of an operator (Unix ms).
    #[serde(default)]
    pub first_response_at: Option<u64>,
    /// Who sent it.
    #[serde(default)]
    pub first_responder: Option<OperatorId>,
    /// The FAQ bot or an automatic reply answered.
    #[serde(default)]
    pub automated: bool,
    /// When it was first resolved (Unix ms).
    #[serde(default)]
    pub resolved_at: Option<u64>,
    /// Whether it started inside business hours (`None`: not known, from before this was recorded).
    #[serde(default)]
    pub in_hours: Option<bool>,
    /// The customer's segments when it started.
    #[serde(default)]
    pub segments: Vec<crate::segments::SegmentId>,
    /// The visitor's rating.
    #[serde(default)]
    pub csat: Option<Csat>,
}

/// The visitor's rating of a resolved conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csat {
    /// 1 (bad) to 5 (great).
    pub rating: u8,
    /// What they added, if anything.
    #[serde(default)]
    pub comment: String,
    /// When (Unix ms).
    pub at: u64,
}

/// The longest CSAT comment kept.
pub const MAX_CSAT_COMMENT: usize = 1_000;

impl Csat {
    /// Checks a rating sent by the widget.
    pub fn parse(rating: u8, comment: &str, at: u64) -> Result<Csat, &'static str> {
        if !(1..=5).contains(&rating) {
            return Err("The rating must be from 1 to 5. / 評価は1から5で選んでください。");
        }
        let comment = comment.trim();
        if comment.chars().count() > MAX_CSAT_COMMENT {
            return Err(
                "The comment is too long (1,000 characters at most). / コメントは1,000文字までです。",
            );
        }
        Ok(Csat {
            rating,
            comment: comment
                .chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .collect(),
            at,
        })
    }
}

/// Where a conversation happens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The widget on the shop's site.
    #[default]
    Web,
    /// The shop's LINE official account.
    Line,
    /// E-mail to the shop's support address (read from the incoming mailbox).
    Email,
}

/// How a stored message reaches a visitor who is not watching the widget: the one rule every caller
/// (operators' replies, the bot, automatic replies, the API) goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbound {
    /// Pushed to the customer's LINE chat, from the stored queue.
    Line,
    /// E-mailed in a digest if the visitor has no widget open (operators' replies on the web).
    MailIfAway,
    /// E-mailed as a reply in the customer's thread (operators' replies on the e-mail channel).
    Mail,
}

/// Where `message` goes beyond the live sockets, in `conversation`'s channel: every message the visitor
/// should see of a LINE conversation goes to LINE; on the web, operators' replies may be mailed. Notes and
/// the visitor's own messages go nowhere.
pub fn outbound(conversation: &Conversation, message: &Message) -> Option<Outbound> {
    if !message.visible_to_visitor() || message.author == Author::Visitor {
        return None;
    }
    match (conversation.channel, &message.author) {
        (Channel::Line, _) => Some(Outbound::Line),
        (Channel::Web, Author::Operator { .. }) => Some(Outbound::MailIfAway),
        (Channel::Web, _) => None,
        // Only people answer by mail: an automatic reply to a mail could start a loop of auto-replies.
        (Channel::Email, Author::Operator { .. }) => Some(Outbound::Mail),
        (Channel::Email, _) => None,
    }
}

/// Where the FAQ bot stands in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BotState {
    /// The bot is answering (the conversation waits as pending, out of the team's way).
    Active,
    /// The visitor asked for a person: the team has it.
    HandedOver,
}

/// Where a visitor's message was written: the page, the proactive message they had just seen, and whether
/// the FAQ bot answers now.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The page's URL.
    pub page_url: Option<String>,
    /// The proactive message shown (or taken up) on that page, if any.
    pub trigger: Option<crate::triggers::TriggerId>,
    /// The FAQ bot answers now: a conversation this message starts (or reopens) goes to the bot first.
    pub bot: bool,
    /// Where the message came from (a new conversation is on this channel).
    pub channel: Channel,
    /// The conversation it answers (a reply by e-mail names one); the visitor's latest otherwise.
    pub conversation: Option<ConversationId>,
    /// Start a new conversation even if the visitor has one (a new e-mail, not a reply).
    pub new_conversation: bool,
    /// The mail it came in, so replies thread with it.
    pub mail: Option<MailRef>,
}

impl Conversation {
    /// An open web conversation with nothing in it, for tests that set what they need.
    #[cfg(test)]
    pub fn blank(id: ConversationId, visitor_id: VisitorId) -> Conversation {
        Conversation::started(id, visitor_id, 0, None, Channel::Web)
    }

    /// The status an inbox shows now: a snooze that ran out reads as open.
    pub fn effective_status(&self, now_secs: u64) -> Status {
        match (self.status, self.snoozed_until) {
            (Status::Snoozed, Some(until)) if until <= now_secs => Status::Open,
            (status, _) => status,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Author {
    /// The visitor.
    Visitor,
    /// An operator, with the name shown at the time.
    Operator {
        /// Who.
        id: OperatorId,
        /// Their display name.
        name: String,
    },
    /// Sodan itself (auto-replies, notices).
    System,
    /// The FAQ bot.
    Bot,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The upload's id, for its download URL.
    pub upload_id: u64,
    /// The name the sender gave it.
    pub filename: String,
    /// The sniffed content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// One message in a conversation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    /// Globally unique id.
    pub id: u64,
    /// The conversation it belongs to.
    pub conversation: ConversationId,
    /// Its place in the conversation.
    pub seq: Seq,
    /// Who wrote it.
    pub author: Author,
    /// Text, stored as typed and escaped wherever it is shown.
    pub body: String,
    /// A private note: shown to operators only, never to the visitor.
    #[serde(default)]
    pub note: bool,
    /// An attached file.
    #[serde(default)]
    pub attachment: Option<Attachment>,
    /// The id the sender's client gave it, for de-duplicating retries.
    #[serde(default)]
    pub client_id: Option<String>,
    /// When it was stored (Unix milliseconds).
    pub created_at: u64,
}

impl Message {
    /// Message `seq` of conversation 1, for tests that set what they need.
    #[cfg(test)]
    pub fn numbered(seq: Seq, author: Author, body: &str, note: bool) -> Message {
        Message {
            id: seq,
            conversation: 1,
            seq,
            author,
            body: body.into(),
            note,
            attachment: None,
            client_id: None,
            created_at: 0,
        }
    }

    /// Whether the visitor may see it.
    pub fn visible_to_visitor(&self) -> bool {
        !self.note
    }
}

/// Why a message or label was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Nothing but white space.
    Empty,
    /// Longer than [`MAX_BODY_CHARS`].
    TooLong,
    /// A client id that is empty, too long or not printable ASCII.
    ClientId,
    /// A label that is empty, too long or has control characters.
    Label,
}

impl Invalid {
    /// A message for the sender, in English (the widget translates by `code`).
    pub fn message(self) -> &'static str {
        match self {
            Invalid::Empty => "The message is empty.",
            Invalid::TooLong => "The message is too long (at most 5,000 characters).",
            Invalid::ClientId => "The message id is invalid.",
            Invalid::Label => "A label has 1 to 40 characters.",
        }
    }

    /// A stable code the widget and API clients can match on.
    pub fn code(self) -> &'static str {
        match self {
            Invalid::Empty => "empty",
            Invalid::TooLong => "too_long",
            Invalid::ClientId => "bad_client_id",
            Invalid::Label => "bad_label",
        }
    }
}

/// Checks a message body: trims surrounding white space, refuses empty and over-long text, drops control
/// characters other than line breaks and tabs.
pub fn parse_body(input: &str) -> Result<String, Invalid> {
    let body: String = input
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    if body.is_empty() {
        Err(Invalid::Empty)
    } else if body.chars().count() > MAX_BODY_CHARS {
        Err(Invalid::TooLong)
    } else {
        Ok(body)
    }
}

/// Checks a client-generated message id: 1 to 64 printable ASCII characters.
pub fn parse_client_id(input: &str) -> Result<String, Invalid> {
    if input.is_empty()
        || input.len() > MAX_CLIENT_ID_LEN
        || !input.bytes().all(|b| b.is_ascii_graphic())
    {
        Err(Invalid::ClientId)
    } else {
        Ok(input.to_owned())
    }
}

/// Checks a label: trimmed, 1 to 40 characters, no control characters.
pub fn parse_label(input: &str) -> Result<String, Invalid> {
    let label = input.trim();
    if label.is_empty()
        || label.chars().count() > MAX_LABEL_CHARS
        || label.chars().any(char::is_control)
    {
        Err(Invalid::Label)
    } else {
        Ok(label.to_owned())
    }
}

/// The inbox line for a message body: its first 120 characters on one line.
pub fn preview(body: &str) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(parse_body("  hello\n"), Ok("hello".into()));
        assert_eq!(parse_body("   "), Err(Invalid::Empty));
        assert_eq!(parse_body(&"あ".repeat(5_001)), Err(Invalid::TooLong));
        assert_eq!(parse_body("a\u{0}b\nc"), Ok("ab\nc".into()));
        assert_eq!(
            parse_body("<img src=x onerror=alert(1)>"),
            Ok("<img src=x onerror=alert(1)>".into())
        );
    }

    #[test]
    fn client_ids_are_short_printable_ascii() {
        assert!(parse_client_id("c-123").is_ok());
        assert!(parse_client_id("").is_err());
        assert!(parse_client_id("has space").is_err());
        assert!(parse_client_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn an_expired_snooze_reads_as_open() {
        let mut c = Conversation::blank(1, 1);
        c.status = Status::Snoozed;
        c.snoozed_until = Some(100);
        assert_eq!(c.effective_status(99), Status::Snoozed);
        assert_eq!(c.effective_status(100), Status::Open);
        c.status = Status::Pending;
        assert_eq!(c.effective_status(1_000), Status::Pending);
    }

    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(preview("a\n\nb   c"), "a b c");
        assert_eq!(preview(&"x".repeat(200)).chars().count(), 121);
    }
}
