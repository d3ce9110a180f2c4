//! Business hours and the auto-responder's settings, and the automatic replies they call for.
//!
//! A visitor's message starts (or continues) a waiting period on its conversation; the auto-responder's
//! decision (`autoreply::Rules::plan`) is applied in the same transaction: a reply at once, or one due
//! later kept in `AUTOREPLIES` (so it survives a restart). An operator's reply ends the waiting period and
//! cancels what was pending; the due sweep checks again before it posts.

use serde::Serialize;

use super::conversations::{append, load};
use super::kv::KvRead;
use super::kv::typed::Typed;
use super::rx::Rx;
use super::settings::get;
use super::tables::AUTOREPLIES;
use super::tx::Tx;
use super::visitors::load_visitor;
use super::{Draft, Error, Store};
use crate::autoreply::{Plan, Rules, Waiting};
use crate::conversations::{Author, Conversation, Message, Status};
use crate::hours::Hours;
use crate::visitors::VisitorId;

const HOURS_SETTING: &str = "business_hours";
const RULES_SETTING: &str = "autoreply";
/// The sender key of Sodan's own messages.
const SYSTEM_SENDER: &str = "s";

fn put<T: Serialize>(txn: &Tx<'_>, key: &str, value: Option<&T>) -> Result<(), Error> {
    match value {
        Some(v) => super::settings::put(txn, key, v),
        None => super::settings::delete(txn, key),
    }
}

fn system_message(
    txn: &Tx<'_>,
    conversation: &mut Conversation,
    text: String,
    now: u64,
) -> Result<Message, Error> {
    let draft = Draft {
        author: Author::System,
        client_id: None,
        body: text,
        note: false,
        upload: None,
    };
    let previous = conversation.last_activity_at;
    append(txn, conversation, Some(previous), SYSTEM_SENDER, draft, now)
}

/// Marks the visitor as waiting and decides what the auto-responder does about their message; a reply due
/// later is scheduled here. Called before the visitor's message is appended (which saves the conversation).
pub(super) fn plan(
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
    let rules: Rules = get(txn, RULES_SETTING)?.unwrap_or_default();
    if !rules.in_hours && !rules.out_of_hours {
        return Ok(Plan::Nothing);
    }
    let hours: Option<Hours> = get(txn, HOURS_SETTING)?;
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

/// Whether the shop is inside its business hours at `now` (always, without hours), from the settings.
pub(super) fn shop_open(kv: &impl KvRead, now: u64) -> Result<bool, Error> {
    let hours: Option<Hours> = get(kv, HOURS_SETTING)?;
    Ok(hours.is_none_or(|h| h.is_open(now)))
}

/// Posts the reply a plan calls for at once, after the visitor's message.
pub(super) fn reply_now(
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

/// An operator answered: the waiting period ends and a pending automatic reply is cancelled.
pub(super) fn answered(txn: &Tx<'_>, conversation: &mut Conversation) -> Result<(), Error> {
    conversation.waiting_since = None;
    conversation.auto_replied = false;
    if let Some(due) = conversation.autoreply_due.take() {
        txn.delete_in(&AUTOREPLIES, &(due, conversation.id))?;
    }
    Ok(())
}

/// The business hours, if set, read inside a transaction.
pub(super) fn hours_in(txn: &Rx<'_>) -> Result<Option<Hours>, Error> {
    get(txn, HOURS_SETTING)
}

impl Store {
    /// The business hours, if set.
    pub async fn business_hours(&self) -> Result<Option<Hours>, Error> {
        self.read(|txn| get(txn, HOURS_SETTING)).await
    }

    /// Sets (or, with `None`, removes) the business hours.
    pub async fn set_business_hours(&self, hours: Option<Hours>) -> Result<(), Error> {
        self.write(move |txn| put(txn, HOURS_SETTING, hours.as_ref()))
            .await
    }

    /// The auto-responder's settings (defaults until saved).
    pub async fn autoreply_rules(&self) -> Result<Rules, Error> {
        self.read(|txn| Ok(get(txn, RULES_SETTING)?.unwrap_or_default()))
            .await
    }

    /// Replaces the auto-responder's settings (checked by the caller).
    pub async fn set_autoreply_rules(&self, rules: Rules) -> Result<(), Error> {
        self.write(move |txn| put(txn, RULES_SETTING, Some(&rules)))
            .await
    }

    /// Posts the automatic replies due by `now_ms` (at most `limit`) that are still called for: the
    /// visitor still waiting, no automatic reply yet, the conversation not resolved. Replies that are no
    /// longer wanted are dropped. Returns what was posted, to be pushed to the clients.
    pub async fn post_due_autoreplies(
        &self,
        now_ms: u64,
        limit: usize,
    ) -> Result<Vec<(Conversation, Message)>, Error> {
        let any_due = self.any_due(AUTOREPLIES, now_ms).await?;
        if !any_due {
            return Ok(Vec::new());
        }
        self.write(move |txn| {
            let due: Vec<(u64, u64)> = super::due_keys(txn, &AUTOREPLIES, now_ms, limit)?;
            let rules: Rules = get(txn, RULES_SETTING)?.unwrap_or_default();
            let mut posted = Vec::new();
            for (at, id) in due {
                txn.delete_in(&AUTOREPLIES, &(at, id))?;
                let Some(mut c) = load(txn, id)? else {
                    continue;
                };
                let wanted = c.autoreply_due == Some(at)
                    && c.waiting_since.is_some()
                    && !c.auto_replied
                    && c.status != Status::Resolved;
                c.autoreply_due = None;
                if !wanted || !rules.in_hours {
                    super::conversations::save(txn, &c, Some(c.last_activity_at))?;
                    continue;
                }
                let language = load_visitor(txn, c.visitor_id)?
                    .map(|v| v.profile.language)
                    .unwrap_or_default();
                c.auto_replied = true;
                let message = system_message(txn, &mut c, rules.in_hours_text(&language), now_ms)?;
                posted.push((c, message));
            }
            Ok(posted)
        })
        .await
    }
}
