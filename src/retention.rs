//! Retention: how long the shop keeps visitors' browsing history and finished conversations, so data is
//! not kept longer than it is needed (APPI and GDPR both ask for this).

use serde::{Deserialize, Serialize};

/// One day in milliseconds.
const DAY_MS: u64 = 86_400_000;
/// A month, for retention, is 30 days.
const MONTH_DAYS: u64 = 30;
/// The longest period that can be set (ten years), so a typo cannot overflow anything.
pub const MAX_DAYS: u32 = 3_650;

/// The retention settings; 0 keeps forever.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Page views and tracked events older than this many days are deleted.
    #[serde(default)]
    pub history_days: u32,
    /// Resolved conversations whose last message is older than this many months (of 30 days) are deleted
    /// with their messages and attachments.
    #[serde(default)]
    pub conversation_months: u32,
}

/// Where retention stands at `now`: what is older than these Unix-ms times goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cutoffs {
    /// Page views and events before this go.
    pub history: Option<u64>,
    /// Resolved conversations last active before this go.
    pub conversations: Option<u64>,
}

impl Retention {
    /// Checks the numbers typed in the settings form.
    pub fn parse(history_days: &str, conversation_months: &str) -> Result<Retention, String> {
        let number = |text: &str, what: &str, max: u32| -> Result<u32, String> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(0);
            }
            match text.parse::<u32>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(format!(
                    "{what} must be a whole number from 0 (keep forever) to {max}."
                )),
            }
        };
        Ok(Retention {
            history_days: number(history_days, "Days of history", MAX_DAYS)?,
            conversation_months: number(
                conversation_months,
                "Months of conversations",
                MAX_DAYS / MONTH_DAYS as u32,
            )?,
        })
    }

    /// The cutoffs at `now_ms`.
    pub fn cutoffs(&self, now_ms: u64) -> Cutoffs {
        let before = |days: u64| (days > 0).then(|| now_ms.saturating_sub(days * DAY_MS));
        Cutoffs {
            history: before(u64::from(self.history_days)),
            conversations: before(u64::from(self.conversation_months) * MONTH_DAYS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_keeps_forever_and_periods_count_back_from_now() {
        let now = 1_000 * DAY_MS;
        assert_eq!(Retention::default().cutoffs(now), Cutoffs::default());
        let r = Retention::parse("90", "2").unwrap();
        assert_eq!(
            r.cutoffs(now),
            Cutoffs {
                history: Some(910 * DAY_MS),
                conversations: Some(940 * DAY_MS)
            }
        );
    }

    #[test]
    fn form_numbers_are_checked() {
        assert_eq!(Retention::parse("", " ").unwrap(), Retention::default());
        assert!(Retention::parse("-1", "").is_err());
        assert!(Retention::parse("30", "x").is_err());
        assert!(Retention::parse("9999", "").is_err());
    }
}
