//! How a conversation's state follows what happens in it: a visitor writing, an operator answering, a
//! message stored, a status changed. Pure rules over [`Conversation`]; the store calls them inside the write
//! that persists the result, so every backend applies the same rules.

use super::{Author, BotState, Channel, Conversation, ConversationId, Message, Origin, Status};
use crate::visitors::VisitorId;

impl Conversation {
    /// The open conversation a visitor's first message starts, on the page and channel it came from.
    pub fn started(
        id: ConversationId,
        visitor_id: VisitorId,
        now_ms: u64,
        page_url: Option<String>,
        channel: Channel,
    ) -> Conversation {
        Conversation {
            id,
            visitor_id,
            status: Status::Open,
            snoozed_until: None,
            assignee: None,
            labels: Vec::new(),
            created_at: now_ms,
            last_activity_at: now_ms,
            last_seq: 0,
            unread_for_operators: 0,
            read_by_operator_seq: 0,
            read_by_visitor_seq: 0,
            preview: String::new(),
            started_on: page_url,
            trigger: None,
            waiting_since: None,
            auto_replied: false,
            autoreply_due: None,
            bot: None,
            digest_due: None,
            channel,
            stats: Default::default(),
            mail_thread: None,
        }
    }

    /// Whether a visitor's message starts this conversation afresh: it is new, or it had been resolved.
    /// Such a start is what a proactive message gets the credit for, and what the FAQ bot answers first.
    pub fn starts_afresh(&self, new: bool) -> bool {
        new || self.status == Status::Resolved
    }

    /// What a visitor's message does before it is stored: a conversation it starts afresh goes to the bot
    /// first when the bot answers now (pending until a person is wanted); otherwise a resolved or snoozed
    /// one opens again. The message is unread for the team, and the visitor has read everything up to it.
    pub fn visitor_wrote(&mut self, origin: &Origin, starting: bool) {
        if origin.bot && starting {
            self.bot = Some(BotState::Active);
            self.status = Status::Pending;
            self.snoozed_until = None;
        } else if matches!(self.status, Status::Resolved | Status::Snoozed) {
            self.status = Status::Open;
            self.snoozed_until = None;
        }
        if let Some(mail) = &origin.mail {
            self.mail_thread
                .get_or_insert_with(Default::default)
                .received(mail);
        }
        self.unread_for_operators += 1;
        self.read_by_visitor_seq = self.last_seq + 1;
    }

    /// The visitor asked for a person: a conversation the bot is handling goes to the team, open (the
    /// auto-responder applies from here). `false`, and nothing changes, when the bot was not handling it.
    pub fn hand_over_from_bot(&mut self) -> bool {
        if self.bot != Some(BotState::Active) {
            return false;
        }
        self.bot = Some(BotState::HandedOver);
        self.status = Status::Open;
        true
    }

    /// An operator's reply (not a private note): they have read everything before it.
    pub fn operator_answered(&mut self) {
        self.read_by_operator_seq = self.last_seq + 1;
        self.unread_for_operators = 0;
    }

    /// Takes a message just numbered for this conversation: its sequence number and time become the
    /// latest, the first operator reply is the first response, an automatic one marks the conversation as
    /// helped by automation, and what the visitor can see becomes the preview.
    pub fn took(&mut self, message: &Message, now_ms: u64) {
        self.last_seq = message.seq;
        self.last_activity_at = now_ms;
        if !message.note {
            let stats = &mut self.stats;
            match &message.author {
                Author::Operator { id, .. } if stats.first_response_at.is_none() => {
                    stats.first_response_at = Some(now_ms);
                    stats.first_responder = Some(*id);
                }
                Author::Bot | Author::System => stats.automated = true,
                _ => {}
            }
        }
        if message.visible_to_visitor() {
            self.preview = super::preview(&message.body);
        }
    }

    /// What is kept of a conversation whose customer was erased while the shop keeps conversations for
    /// its reports: resolved, with nothing waiting, no preview, no rating comment, and the page it started
    /// on without its query and fragment (which may carry personal data, `?email=`). The messages go
    /// separately.
    pub fn erased_shell(&self) -> Conversation {
        let mut shell = self.clone();
        shell.preview = String::new();
        shell.status = Status::Resolved;
        shell.snoozed_until = None;
        shell.unread_for_operators = 0;
        shell.waiting_since = None;
        shell.autoreply_due = None;
        shell.digest_due = None;
        shell.started_on = shell.started_on.as_deref().map(bare_url);
        if let Some(csat) = &mut shell.stats.csat {
            csat.comment = String::new();
        }
        shell
    }

    /// After a status change: the first time a conversation is resolved is its resolution time (reports
    /// count from it; reopening and resolving again keeps the first).
    pub fn note_resolution(&mut self, now_ms: u64) {
        if self.status == Status::Resolved && self.stats.resolved_at.is_none() {
            self.stats.resolved_at = Some(now_ms);
        }
    }
}

/// A page address without its query and fragment.
fn bare_url(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests;
