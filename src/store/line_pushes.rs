//! The LINE outbox's rows: a push queued in the same transaction as the message it carries, taken with a
//! lease, and recorded after each attempt (a refusal for good leaves a private notice in the
//! conversation). What an answer means is decided in [`crate::line::outbox`].

use std::collections::HashSet;

use super::conversations::next_id;
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{LINE_PUSH_DUE, LINE_PUSHES};
use super::tx::Tx;
use super::{Error, Store};
use crate::conversations::{Conversation, ConversationId, Message};
use crate::line::LineSettings;
use crate::line::outbox::{self, LEASE_MS, MAX_ATTEMPTS, Outcome, Push, PushStatus};
use crate::visitors::Visitor;

const NEXT_PUSH_KEY: &str = "next_line_push_id";

/// Queues `message` for the LINE chat of `conversation`'s customer, due now.
pub(crate) fn queue(
    txn: &Tx<'_>,
    conversation: &Conversation,
    message: &Message,
) -> Result<(), Error> {
    let now = crate::clock::now_millis();
    let text = match &message.attachment {
        Some(a) => format!("📎 {}", a.filename),
        None => message.body.clone(),
    };
    let push = Push {
        id: next_id(txn, NEXT_PUSH_KEY)?,
        conversation: conversation.id,
        seq: message.seq,
        visitor: conversation.visitor_id,
        text,
        retry_key: outbox::retry_key(),
        status: PushStatus::Queued,
        attempts: 0,
        next_at: now,
        last_status: None,
        last_error: String::new(),
        created_at: now,
    };
    txn.put_record_in(&LINE_PUSHES, &push.id, &push)?;
    txn.put_in(&LINE_PUSH_DUE, &(now, push.id), &())?;
    Ok(())
}

/// Removes the pushes of `conversations` (their customer is being deleted).
pub(super) fn drop_for(txn: &Tx<'_>, conversations: &HashSet<ConversationId>) -> Result<(), Error> {
    let doomed = txn.records_where(&LINE_PUSHES, |p| conversations.contains(&p.conversation))?;
    for p in doomed {
        txn.delete_in(&LINE_PUSHES, &p.id)?;
        txn.delete_in(&LINE_PUSH_DUE, &(p.next_at, p.id))?;
    }
    Ok(())
}

fn save(txn: &Tx<'_>, push: &Push) -> Result<(), Error> {
    txn.put_record_in(&LINE_PUSHES, &push.id, push)?;
    Ok(())
}

impl Store {
    /// Takes up to `limit` pushes due by `now_ms`, each with its customer's LINE user id (if they still
    /// have one), and leases them: due again after [`LEASE_MS`] unless recorded first. Nothing while the
    /// channel is not set up.
    pub async fn take_due_line_pushes(
        &self,
        now_ms: u64,
        limit: usize,
    ) -> Result<(LineSettings, Vec<(Push, Option<String>)>), Error> {
        let any = self.any_due(LINE_PUSH_DUE, now_ms).await?;
        if !any {
            return Ok((LineSettings::default(), Vec::new()));
        }
        self.write(move |txn| {
            let settings = super::line::settings_in(txn)?;
            if !settings.configured() {
                return Ok((settings, Vec::new()));
            }
            let due: Vec<(u64, u64)> = super::due_keys(txn, &LINE_PUSH_DUE, now_ms, limit)?;
            let mut taken = Vec::new();
            for (at, id) in due {
                txn.delete_in(&LINE_PUSH_DUE, &(at, id))?;
                let Some(Json(mut push)) = txn.get_in(&LINE_PUSHES, &id)? else {
                    continue;
                };
                let user = super::visitors::follow(txn, push.visitor)?
                    .and_then(|v: Visitor| v.profile.line_user_id);
                push.attempts += 1;
                push.next_at = now_ms + LEASE_MS;
                save(txn, &push)?;
                txn.put_in(&LINE_PUSH_DUE, &(push.next_at, id), &())?;
                taken.push((push, user));
            }
            Ok((settings, taken))
        })
        .await
    }

    /// Records an attempt: delivered; due again after a back-off; or failed (refused for good, or after
    /// [`MAX_ATTEMPTS`]), which leaves a private notice in the conversation, returned for the consoles.
    pub async fn line_push_done(
        &self,
        id: u64,
        outcome: Outcome,
        status: Option<u16>,
        error: String,
        first_retry_ms: u64,
    ) -> Result<Option<(Conversation, Message)>, Error> {
        self.write(move |txn| {
            let Some(Json(mut push)) = txn.get_in(&LINE_PUSHES, &id)? else {
                return Ok(None);
            };
            txn.delete_in(&LINE_PUSH_DUE, &(push.next_at, id))?;
            push.last_status = status;
            push.last_error = error;
            let failed = match outcome {
                Outcome::Delivered => {
                    push.status = PushStatus::Delivered;
                    false
                }
                Outcome::Retry if push.attempts < MAX_ATTEMPTS => {
                    push.next_at = crate::clock::now_millis()
                        + crate::mail::backoff_ms(push.attempts, first_retry_ms);
                    txn.put_in(&LINE_PUSH_DUE, &(push.next_at, id), &())?;
                    false
                }
                Outcome::Retry | Outcome::Refused => {
                    push.status = PushStatus::Failed;
                    true
                }
            };
            save(txn, &push)?;
            if !failed {
                return Ok(None);
            }
            crate::conversations::posting::notice(txn, push.conversation, outbox::notice(&push))
        })
        .await
    }

    /// The pushes of a conversation, oldest first (for the console and tests).
    pub async fn line_pushes(&self, conversation: ConversationId) -> Result<Vec<Push>, Error> {
        self.read(move |txn| txn.records_where(&LINE_PUSHES, |p| p.conversation == conversation))
            .await
    }
}
