//! What the AI did, for Settings → AI: each answer, hand-over, rating and question it could not answer
//! is an event; weeks are counted from them. Pure.

use serde::{Deserialize, Serialize};

/// Events kept (the oldest go first): about a year of a busy small shop.
pub const MAX_EVENTS: u64 = 20_000;
/// Weeks shown.
pub const WEEKS: usize = 4;
/// Unanswered questions shown per week.
pub const UNANSWERED_SHOWN: usize = 20;

const WEEK_MS: u64 = 7 * 24 * 3_600_000;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The model answered a visitor.
    Answered,
    /// Nothing relevant was found, or the model did not know: the bot offered a person.
    Unanswered,
    /// The endpoint failed or timed out; the keyword answer went instead.
    Fallback,
    /// A visitor asked for a person after an automatic answer.
    HandedOver,
    /// A visitor rated an answer helpful.
    Helpful,
    /// A visitor rated an answer not helpful.
    Unhelpful,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When (Unix ms).
    pub at: u64,
    /// What.
    pub kind: Kind,
    /// The conversation.
    pub conversation: u64,
    /// The visitor's question (for unanswered ones: the FAQ gap to write next).
    #[serde(default)]
    pub question: String,
}

/// One week's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Week {
    /// Its first instant (Unix ms).
    pub start: u64,
    /// Questions the model answered.
    pub answered: u64,
    /// Of those, in conversations nobody asked a person for.
    pub answered_alone: u64,
    /// Questions it could not answer.
    pub unanswered: u64,
    /// Times the endpoint failed and the keyword answer went instead.
    pub fallbacks: u64,
    /// Hand-overs after an automatic answer.
    pub hand_overs: u64,
    /// Ratings.
    pub helpful: u64,
    /// Ratings.
    pub unhelpful: u64,
    /// The questions it could not answer, latest first.
    pub questions: Vec<String>,
}

/// The last [`WEEKS`] weeks ending at `now`, latest first.
pub fn weekly(events: &[Event], now: u64) -> Vec<Week> {
    let mut weeks: Vec<Week> = (0..WEEKS as u64)
        .map(|i| Week {
            start: now.saturating_sub((i + 1) * WEEK_MS),
            ..Week::default()
        })
        .collect();
    let handed: std::collections::HashSet<u64> = events
        .iter()
        .filter(|e| e.kind == Kind::HandedOver)
        .map(|e| e.conversation)
        .collect();
    for e in events.iter().rev() {
        if e.at > now {
            continue;
        }
        let Some(week) = weeks.get_mut(((now - e.at) / WEEK_MS) as usize) else {
            continue;
        };
        match e.kind {
            Kind::Answered => {
                week.answered += 1;
                week.answered_alone += u64::from(!handed.contains(&e.conversation));
            }
            Kind::Unanswered => {
                week.unanswered += 1;
                if week.questions.len() < UNANSWERED_SHOWN && !week.questions.contains(&e.question)
                {
                    week.questions.push(e.question.clone());
                }
            }
            Kind::Fallback => week.fallbacks += 1,
            Kind::HandedOver => week.hand_overs += 1,
            Kind::Helpful => week.helpful += 1,
            Kind::Unhelpful => week.unhelpful += 1,
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: u64, kind: Kind, conversation: u64, question: &str) -> Event {
        Event {
            at,
            kind,
            conversation,
            question: question.into(),
        }
    }

    #[test]
    fn weeks_count_answers_hand_overs_ratings_and_gaps() {
        let now = 10 * WEEK_MS;
        let events = [
            event(now - 1, Kind::Answered, 1, "送料は？"),
            event(now - 2, Kind::Answered, 2, "返品は？"),
            event(now - 3, Kind::HandedOver, 2, ""),
            event(now - 4, Kind::Helpful, 1, ""),
            event(now - 5, Kind::Unanswered, 3, "紅茶はありますか"),
            event(now - 6, Kind::Unanswered, 4, "紅茶はありますか"),
            event(now - WEEK_MS - 1, Kind::Fallback, 5, ""),
            event(now - 9 * WEEK_MS, Kind::Answered, 6, "too old"),
        ];
        let weeks = weekly(&events, now);
        assert_eq!(weeks.len(), WEEKS);
        let this = &weeks[0];
        assert_eq!((this.answered, this.answered_alone), (2, 1));
        assert_eq!((this.hand_overs, this.helpful, this.unanswered), (1, 1, 2));
        assert_eq!(this.questions, ["紅茶はありますか"]);
        assert_eq!(weeks[1].fallbacks, 1);
        assert_eq!(weeks.iter().map(|w| w.answered).sum::<u64>(), 2);
    }
}
