//! The auto-responder inside a write: a visitor's message starts (or continues) a waiting period on its
//! conversation, and what [`super::Rules::plan`] decides is applied in the same transaction as the message
//! (a reply at once, or one due later kept in the store's `AUTOREPLIES` table, so it survives a restart);
//! an operator's reply ends the waiting period and cancels what was pending, and the due sweep checks
//! again before it posts.

use crate::autoreply::{Plan, Rules, Waiting};
use crate::conversations::{Author, Conversation, Message, Status};
use crate::hours::Hours;
use crate::store::kv::typed::Typed;
use crate::store::tables::AUTOREPLIES;
use crate::store::tx::Tx;
use crate::store::{Error, due_keys, load_conversation, load_visitor, save_conversation, setting};
use crate::visitors::VisitorId;

/// The setting holding the business hours.
pub(crate) const HOURS_SETTING: &str = "business_hours";
/// The setting holding the auto-responder's rules.
pub(crate) const RULES_SETTING: &str = "autoreply";

/// Appends Sodan's own message `text` to `conversation` (an automatic reply).
pub(crate) fn system_message(
    txn: &Tx<'_>,
    conversation: &mut Conversation,
    text: String,
    now: u64,
) -> Result<Message, Error> {
    crate::conversations::posting::append_own(txn, conversation, Author::System, text, false, now)
}

/// Marks the visitor as waiting and decides what the auto-responder does about their message; a reply due
/// later is scheduled here. Called before the visitor's message is appended (which saves the conversation).
pub(crate) fn plan(
    txn: &Tx<'_>,
    conversation: &mut Conversation,
    visitor: VisitorId,
    now: u64,
) -> Result<Plan, Error> {
    let waiting = Waiting {
        already: conversation.waiting_since.is_some(),
        auto_replied: conversation.auto_replied,
    };
    if conversation.waiting_since.is_none() {
        conversation.waiting_since = Some(now);
    }
    let rules: Rules = setting(txn, RULES_SETTING)?.unwrap_or_default();
    if !rules.in_hours && !rules.out_of_hours {
        return Ok(Plan::Nothing);
    }
    let hours: Option<Hours> = setting(txn, HOURS_SETTING)?;
    let language = load_visitor(txn, visitor)?
        .map(|v| v.profile.language)
        .unwrap_or_default();
    let plan = rules.plan(hours.as_ref(), waiting, &language, now);
    if let Plan::At(due) = plan {
        txn.put_in(&AUTOREPLIES, &(due, conversation.id), &())?;
        conversation.autoreply_due = Some(due);
    }
    Ok(plan)
}

/// An operator answered: the waiting period ends and a pending automatic reply is cancelled.
pub(crate) fn answered(txn: &Tx<'_>, conversation: &mut Conversation) -> Result<(), Error> {
    conversation.waiting_since = None;
    conversation.auto_replied = false;
    if let Some(due) = conversation.autoreply_due.take() {
        txn.delete_in(&AUTOREPLIES, &(due, conversation.id))?;
    }
    Ok(())
}

/// Posts the reply a plan calls for at once, after the visitor's message.
pub(crate) fn reply_now(
    txn: &Tx<'_>,
    conversation: &mut Conversation,
    plan: Plan,
    now: u64,
) -> Result<Option<Message>, Error> {
    let Plan::Now(text) = plan else {
        return Ok(None);
    };
    conversation.auto_replied = true;
    system_message(txn, conversation, text, now).map(Some)
}

/// Posts the automatic replies due by `now` (at most `limit`) that are still called for: the visitor still
/// waiting, no automatic reply yet, the conversation not resolved, the in-hours reply still switched on.
/// Replies no longer wanted are dropped. Returns what was posted, to be pushed to the clients.
pub(crate) fn post_due(
    txn: &Tx<'_>,
    now: u64,
    limit: usize,
) -> Result<Vec<(Conversation, Message)>, Error> {
    let due = due_keys(txn, &AUTOREPLIES, now, limit)?;
    let rules: Rules = setting(txn, RULES_SETTING)?.unwrap_or_default();
    let mut posted = Vec::new();
    for (at, id) in due {
        txn.delete_in(&AUTOREPLIES, &(at, id))?;
        let Some(mut c) = load_conversation(txn, id)? else {
            continue;
        };
        let wanted = c.autoreply_due == Some(at)
            && c.waiting_since.is_some()
            && !c.auto_replied
            && c.status != Status::Resolved;
        c.autoreply_due = None;
        if !wanted || !rules.in_hours {
            save_conversation(txn, &c, Some(c.last_activity_at))?;
            continue;
        }
        let language = load_visitor(txn, c.visitor_id)?
            .map(|v| v.profile.language)
            .unwrap_or_default();
        c.auto_replied = true;
        let message = system_message(txn, &mut c, rules.in_hours_text(&language), now)?;
        posted.push((c, message));
    }
    Ok(posted)
}
