//! Retention: how long the shop keeps visitors' browsing history and finished conversations, so data is
//! not kept longer than it is needed (APPI and GDPR both ask for this).

use serde::{Deserialize, Serialize};

use crate::i18n::messages::Message;
use crate::msg;

/// One day in milliseconds.
const DAY_MS: u64 = 86_400_000;
/// A month, for retention, is 30 days.
const MONTH_DAYS: u64 = 30;
/// The longest period that can be set (ten years), so a typo cannot overflow anything.
pub const MAX_DAYS: u32 = 3_650;

/// Days after which an anonymous visitor who never chatted is forgotten, unless the admin says otherwise.
pub const DEFAULT_ANONYMOUS_DAYS: u32 = 90;

fn default_anonymous_days() -> u32 {
    DEFAULT_ANONYMOUS_DAYS
}

/// The retention settings; 0 keeps forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Page views and tracked events older than this many days are deleted.
    #[serde(default)]
    pub history_days: u32,
    /// Resolved conversations whose last message is older than this many months (of 30 days) are deleted
    /// with their messages and attachments.
    #[serde(default)]
    pub conversation_months: u32,
    /// Visitors who never identified, gave no name or address and never chatted are deleted (with their
    /// page views and events) this many days after they were last seen: otherwise every anonymous visit
    /// would be kept for ever.
    #[serde(default = "default_anonymous_days")]
    pub anonymous_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            history_days: 0,
            conversation_months: 0,
            anonymous_days: DEFAULT_ANONYMOUS_DAYS,
        }
    }
}

/// Whether retention may forget `visitor` once `before` (Unix ms) has passed their last visit: an
/// anonymous visitor nobody knows anything of (not identified, no name or address, no conversation, not a
/// record others were merged into or that was merged into someone).
pub fn forgettable(visitor: &crate::visitors::Visitor, before: u64) -> bool {
    !visitor.listed()
        && !visitor.erased
        && visitor.merged_into.is_none()
        && visitor.counts.conversations == 0
        && visitor.profile.line_user_id.is_none()
        && visitor.last_seen_at < before
}

/// Where retention stands at `now`: what is older than these Unix-ms times goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cutoffs {
    /// Page views and events before this go.
    pub history: Option<u64>,
    /// Resolved conversations last active before this go.
    pub conversations: Option<u64>,
    /// Anonymous visitors last seen before this go.
    pub anonymous: Option<u64>,
}

impl Retention {
    /// Checks the numbers typed in the settings form.
    pub fn parse(
        history_days: &str,
        conversation_months: &str,
        anonymous_days: &str,
    ) -> Result<Retention, Message> {
        let number = |text: &str, what: Message, max: u32| -> Result<u32, Message> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(0);
            }
            match text.parse::<u32>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(msg!(
                    "{0} must be a whole number from 0 (keep forever) to {1}.",
                    what,
                    max
                )),
            }
        };
        Ok(Retention {
            history_days: number(history_days, msg!("Days of history"), MAX_DAYS)?,
            conversation_months: number(
                conversation_months,
                msg!("Months of conversations"),
                MAX_DAYS / MONTH_DAYS as u32,
            )?,
            anonymous_days: number(anonymous_days, msg!("Days of anonymous visitors"), MAX_DAYS)?,
        })
    }

    /// The cutoffs at `now_ms`.
    pub fn cutoffs(&self, now_ms: u64) -> Cutoffs {
        let before = |days: u64| (days > 0).then(|| now_ms.saturating_sub(days * DAY_MS));
        Cutoffs {
            history: before(u64::from(self.history_days)),
            conversations: before(u64::from(self.conversation_months) * MONTH_DAYS),
            anonymous: before(u64::from(self.anonymous_days)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_keeps_forever_and_periods_count_back_from_now() {
        let now = 1_000 * DAY_MS;
        let forever = Retention::parse("0", "0", "0").unwrap();
        assert_eq!(forever.cutoffs(now), Cutoffs::default());
        assert_eq!(
            Retention::default().cutoffs(now).anonymous,
            Some(910 * DAY_MS),
            "anonymous visitors go after 90 days unless told otherwise"
        );
        let r = Retention::parse("90", "2", "30").unwrap();
        assert_eq!(
            r.cutoffs(now),
            Cutoffs {
                history: Some(910 * DAY_MS),
                conversations: Some(940 * DAY_MS),
                anonymous: Some(970 * DAY_MS),
            }
        );
    }

    #[test]
    fn form_numbers_are_checked() {
        assert_eq!(
            Retention::parse("", " ", "90").unwrap(),
            Retention::default()
        );
        assert!(Retention::parse("-1", "", "").is_err());
        assert!(Retention::parse("30", "x", "").is_err());
        assert!(Retention::parse("9999", "", "").is_err());
        assert!(Retention::parse("", "", "x").is_err());
    }

    #[test]
    fn only_visitors_nobody_knows_anything_of_are_forgotten() {
        let mut v = crate::visitors::Visitor::new(1, 10 * DAY_MS);
        assert!(forgettable(&v, 20 * DAY_MS));
        assert!(!forgettable(&v, 5 * DAY_MS), "seen since");
        v.counts.conversations = 1;
        assert!(!forgettable(&v, 20 * DAY_MS), "chatted");
        v.counts.conversations = 0;
        v.profile.email = "a@b.jp".into();
        assert!(!forgettable(&v, 20 * DAY_MS), "left an address");
        v.profile.email.clear();
        v.merged_into = Some(7);
        assert!(
            !forgettable(&v, 20 * DAY_MS),
            "tokens lead to a customer through it"
        );
    }
}
