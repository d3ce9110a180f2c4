//! The auto-responder: what Sodan writes by itself so that a visitor is never left wondering.
//!
//! Inside business hours, a visitor whose first unanswered message gets no operator reply within N seconds
//! receives a message with the expected reply time; outside business hours, a message at once saying when
//! the shop is back. Each fires at most once per waiting period (from a visitor's first unanswered message
//! to an operator's reply) and never after an operator replied. The decisions are pure; `waiting` applies
//! them inside the write that stores the visitor's message (the waiting state on the conversation, the
//! pending replies in a table, so they survive restarts).

use serde::{Deserialize, Serialize};

use crate::hours::{Hours, Opening};

pub(crate) mod waiting;
use crate::i18n::messages::Message;
use crate::msg;

/// The longest text, per language.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// The longest wait before the in-hours reply (one day).
pub const MAX_WAIT_SECS: u32 = 86_400;
/// Where the next opening goes in the out-of-hours text.
pub const NEXT: &str = "{next}";

/// The auto-responder's settings, with texts in English and Japanese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// Reply when no operator answered within `wait_secs` (inside business hours, or always without them).
    pub in_hours: bool,
    /// Seconds to wait for an operator.
    pub wait_secs: u32,
    /// In-hours text, English.
    pub in_hours_en: String,
    /// In-hours text, Japanese.
    pub in_hours_ja: String,
    /// Reply at once outside business hours.
    pub out_of_hours: bool,
    /// Out-of-hours text, English (`{next}`: when the shop opens).
    pub out_of_hours_en: String,
    /// Out-of-hours text, Japanese.
    pub out_of_hours_ja: String,
    /// The widget's greeting outside business hours, English (empty: the usual greeting).
    pub greeting_away_en: String,
    /// The widget's greeting outside business hours, Japanese.
    pub greeting_away_ja: String,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            in_hours: false,
            wait_secs: 60,
            in_hours_en: "Thanks for your message! Our team usually replies within a few minutes. You can \
                          leave this page: the answer will be here when you come back."
                .into(),
            in_hours_ja: "メッセージありがとうございます。通常、数分以内にスタッフがお返事します。ページを離れても、\
                          お返事はこちらに届きます。"
                .into(),
            out_of_hours: false,
            out_of_hours_en: "Thanks for your message. We are closed now and reply from {next}. Leave your \
                              e-mail address here and we will let you know when we answer."
                .into(),
            out_of_hours_ja: "メッセージありがとうございます。ただいま営業時間外です。{next} から順にお返事します。\
                              メールアドレスを残していただければ、お返事の際にお知らせします。"
                .into(),
            greeting_away_en: String::new(),
            greeting_away_ja: String::new(),
        }
    }
}

/// Where a conversation stands when a visitor's message arrives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waiting {
    /// The visitor was already waiting for an answer before this message.
    pub already: bool,
    /// An automatic reply went out in this waiting period.
    pub auto_replied: bool,
}

/// What a visitor's message calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing.
    Nothing,
    /// Post this text now (outside business hours).
    Now(String),
    /// Post the in-hours text at this time (Unix ms) unless an operator answers first.
    At(u64),
}

/// Picks the Japanese text for a Japanese-speaking visitor when there is one, else the English one; and
/// whether it picked Japanese.
pub fn pick<'a>(en: &'a str, ja: &'a str, visitor_language: &str) -> (&'a str, bool) {
    let japanese = visitor_language.to_ascii_lowercase().starts_with("ja");
    if (japanese && !ja.is_empty()) || en.is_empty() {
        (ja, true)
    } else {
        (en, false)
    }
}

/// Fills `{next}` with when the shop opens (or a vague "as soon as we can" when it never does).
pub fn render_next(text: &str, next: Option<&Opening>, ja: bool) -> String {
    let when = match (next, ja) {
        (Some(o), _) => o.describe(ja),
        (None, false) => "as soon as we can".to_owned(),
        (None, true) => "営業再開後".to_owned(),
    };
    text.replace(NEXT, &when)
}

impl Rules {
    /// What to do about a visitor's message at `now_ms` (`hours`: the business hours, if set).
    pub fn plan(
        &self,
        hours: Option<&Hours>,
        waiting: Waiting,
        visitor_language: &str,
        now_ms: u64,
    ) -> Plan {
        if waiting.auto_replied {
            return Plan::Nothing;
        }
        if let Some(h) = hours.filter(|h| !h.is_open(now_ms)) {
            if !self.out_of_hours {
                return Plan::Nothing;
            }
            let (text, ja) = pick(
                &self.out_of_hours_en,
                &self.out_of_hours_ja,
                visitor_language,
            );
            return Plan::Now(render_next(text, h.next_opening(now_ms).as_ref(), ja));
        }
        if self.in_hours && !waiting.already {
            return Plan::At(now_ms + u64::from(self.wait_secs) * 1000);
        }
        Plan::Nothing
    }

    /// The in-hours text for a visitor.
    pub fn in_hours_text(&self, visitor_language: &str) -> String {
        pick(&self.in_hours_en, &self.in_hours_ja, visitor_language)
            .0
            .to_owned()
    }

    /// Checks the texts and the wait; the message names the field to fix.
    pub fn check(&self) -> Result<(), Message> {
        if !(1..=MAX_WAIT_SECS).contains(&self.wait_secs) {
            return Err(msg!("wait: 1 to {0} seconds", MAX_WAIT_SECS));
        }
        let texts = [
            (
                msg!("in-hours text"),
                &self.in_hours_en,
                &self.in_hours_ja,
                self.in_hours,
            ),
            (
                msg!("out-of-hours text"),
                &self.out_of_hours_en,
                &self.out_of_hours_ja,
                self.out_of_hours,
            ),
            (
                msg!("away greeting"),
                &self.greeting_away_en,
                &self.greeting_away_ja,
                false,
            ),
        ];
        for (field, en, ja, needed) in texts {
            if en.chars().count() > MAX_TEXT_CHARS || ja.chars().count() > MAX_TEXT_CHARS {
                return Err(msg!("{0}: at most {1} characters", field, MAX_TEXT_CHARS));
            }
            if needed && en.trim().is_empty() && ja.trim().is_empty() {
                return Err(msg!("{0}: write it in English, Japanese or both", field));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::parse_day;

    fn office() -> Hours {
        // Weekdays 10:00-18:00 Tokyo; closed at weekends.
        let day = parse_day("10:00-18:00").unwrap();
        let mut week: [Vec<crate::hours::Range>; 7] = std::array::from_fn(|_| day.clone());
        week[5].clear();
        week[6].clear();
        Hours {
            zone: "Asia/Tokyo".into(),
            week,
            holidays: Vec::new(),
        }
    }

    /// Unix ms of a Tokyo wall-clock time.
    fn tokyo(d: i8, h: i8) -> u64 {
        jiff::tz::TimeZone::get("Asia/Tokyo")
            .unwrap()
            .to_timestamp(jiff::civil::date(2026, 11, d).at(h, 0, 0, 0))
            .unwrap()
            .as_millisecond() as u64
    }

    fn on() -> Rules {
        Rules {
            in_hours: true,
            out_of_hours: true,
            wait_secs: 30,
            ..Rules::default()
        }
    }

    #[test]
    fn inside_hours_the_first_unanswered_message_schedules_one_reply() {
        let now = tokyo(25, 11); // Wednesday 11:00
        let h = office();
        assert_eq!(
            on().plan(Some(&h), Waiting::default(), "en", now),
            Plan::At(now + 30_000)
        );
        // Without business hours it is always "inside".
        assert_eq!(
            on().plan(None, Waiting::default(), "en", now),
            Plan::At(now + 30_000)
        );
        let already = Waiting {
            already: true,
            auto_replied: false,
        };
        assert_eq!(on().plan(Some(&h), already, "en", now), Plan::Nothing);
        let replied = Waiting {
            already: true,
            auto_replied: true,
        };
        assert_eq!(on().plan(Some(&h), replied, "en", now), Plan::Nothing);
        let off = Rules {
            in_hours: false,
            ..on()
        };
        assert_eq!(
            off.plan(Some(&h), Waiting::default(), "en", now),
            Plan::Nothing
        );
    }

    #[test]
    fn outside_hours_the_reply_comes_at_once_saying_when_the_shop_is_back() {
        let h = office();
        let friday_night = tokyo(27, 20);
        match on().plan(Some(&h), Waiting::default(), "en-US", friday_night) {
            Plan::Now(text) => assert!(text.contains("reply from Monday 10:00."), "{text}"),
            other => panic!("{other:?}"),
        }
        match on().plan(Some(&h), Waiting::default(), "ja-JP", friday_night) {
            Plan::Now(text) => {
                assert!(text.contains("月曜日 10:00 から順にお返事します"), "{text}")
            }
            other => panic!("{other:?}"),
        }
        // Once per waiting period, and not when switched off.
        let replied = Waiting {
            already: true,
            auto_replied: true,
        };
        assert_eq!(
            on().plan(Some(&h), replied, "en", friday_night),
            Plan::Nothing
        );
        let off = Rules {
            out_of_hours: false,
            ..on()
        };
        assert_eq!(
            off.plan(Some(&h), Waiting::default(), "en", friday_night),
            Plan::Nothing
        );
        // A visitor already waiting since before closing time still hears when the shop is back.
        let waiting = Waiting {
            already: true,
            auto_replied: false,
        };
        assert!(matches!(
            on().plan(Some(&h), waiting, "en", friday_night),
            Plan::Now(_)
        ));
    }

    #[test]
    fn texts_follow_the_visitors_language_with_a_fallback() {
        assert_eq!(pick("Hello", "こんにちは", "ja"), ("こんにちは", true));
        assert_eq!(pick("Hello", "こんにちは", "JA-jp"), ("こんにちは", true));
        assert_eq!(pick("Hello", "", "ja"), ("Hello", false));
        assert_eq!(pick("", "こんにちは", "en"), ("こんにちは", true));
        assert_eq!(pick("Hello", "こんにちは", ""), ("Hello", false));
        assert_eq!(
            render_next("back {next}", None, false),
            "back as soon as we can"
        );
        assert_eq!(render_next("{next}に再開", None, true), "営業再開後に再開");
    }

    #[test]
    fn settings_are_checked() {
        assert!(Rules::default().check().is_ok());
        let e = Rules {
            wait_secs: 0,
            ..on()
        }
        .check()
        .unwrap_err();
        assert!(e.english().starts_with("wait"), "{e}");
        let e = Rules {
            in_hours_en: String::new(),
            in_hours_ja: " ".into(),
            ..on()
        }
        .check()
        .unwrap_err();
        assert!(e.english().starts_with("in-hours text"), "{e}");
        let e = Rules {
            greeting_away_ja: "あ".repeat(1_001),
            ..on()
        }
        .check()
        .unwrap_err();
        assert!(e.english().starts_with("away greeting"), "{e}");
    }
}
