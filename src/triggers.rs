//! Proactive messages ("triggers"): help a visitor before they ask, on the page where they hesitate.
//!
//! A trigger has conditions in two halves. Data conditions (visit count, segment, cart value, intent score)
//! and the limits (how often, not during a conversation, not after a dismissal) are checked on the server
//! by [`Trigger::offered_to`], so the widget only learns which triggers apply to its own visitor. Page
//! conditions (idle time, time on page, scroll depth, exit intent) can only be seen in the browser: the
//! widget watches them for the triggers it was given and reports what it showed, and what the visitor did.
//! Everything here is pure but `credit` (what a trigger earns, counted inside a write); the store keeps
//! triggers, their counts and who saw what.

pub(crate) mod credit;

use serde::{Deserialize, Serialize};

use crate::customers::Invalid;
use crate::i18n::messages::Message;
use crate::msg;
use crate::segments::SegmentId;

/// A trigger's id.
pub type TriggerId = u64;

/// The most triggers a site may define.
pub const MAX_TRIGGERS: usize = 100;
/// The longest message text, per language.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// The longest name.
pub const MAX_NAME_CHARS: usize = 80;
/// The longest page pattern or link.
pub const MAX_URL_CHARS: usize = 500;
/// The longest wait a page condition may ask for (one day).
pub const MAX_SECONDS: u32 = 86_400;
/// The longest pause between two showings to one visitor (ten years).
pub const MAX_EVERY_DAYS: u32 = 3_650;

const DAY_MS: u64 = 86_400_000;

/// What the visitor sees when a trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A message bubble from a named operator beside the launcher; a click opens the chat.
    Bubble,
    /// A short answer (an FAQ entry) with a link to read more.
    Answer,
    /// The chat opens with a question ready to send.
    Question,
}

impl Kind {
    /// Every kind, in the order the console lists them.
    pub const ALL: [Kind; 3] = [Kind::Bubble, Kind::Answer, Kind::Question];

    /// The form value and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bubble => "bubble",
            Kind::Answer => "answer",
            Kind::Question => "question",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A proactive message: when it shows, what it shows, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// Id.
    pub id: TriggerId,
    /// Name, for the console.
    pub name: String,
    /// Switched on.
    pub enabled: bool,
    /// Page pattern (`*` wildcards; the path unless it has `://`, as in segment rules); empty: every page.
    #[serde(default)]
    pub url: String,
    /// The visitor has not moved, typed or scrolled for this long.
    #[serde(default)]
    pub idle_secs: Option<u32>,
    /// The visitor has been on the page this long.
    #[serde(default)]
    pub time_on_page_secs: Option<u32>,
    /// The visitor has scrolled this far down the page (percent).
    #[serde(default)]
    pub scroll_percent: Option<u8>,
    /// The pointer left the page towards the browser's tabs (desktop only).
    #[serde(default)]
    pub exit_intent: bool,
    /// At least this many visits.
    #[serde(default)]
    pub min_visits: Option<u64>,
    /// Only members of this segment.
    #[serde(default)]
    pub segment: Option<SegmentId>,
    /// Cart value at least this much.
    #[serde(default)]
    pub min_cart_value: Option<f64>,
    /// Intent score at least this much.
    #[serde(default)]
    pub min_intent: Option<i64>,
    /// What shows.
    pub kind: Kind,
    /// The operator the message comes from (name and initial shown); `None`: the team.
    #[serde(default)]
    pub from_operator: Option<u64>,
    /// Text in English.
    #[serde(default)]
    pub text_en: String,
    /// Text in Japanese.
    #[serde(default)]
    pub text_ja: String,
    /// With [`Kind::Answer`]: where "read more" leads.
    #[serde(default)]
    pub link: String,
    /// Show to one visitor at most once per this many days; 0: on every page where it applies.
    #[serde(default)]
    pub every_days: u32,
    /// Not while the visitor has a conversation open.
    #[serde(default)]
    pub quiet_in_conversation: bool,
    /// Never again for a visitor who dismissed it.
    #[serde(default)]
    pub stop_after_dismiss: bool,
    /// Only inside business hours (when they are set).
    #[serde(default)]
    pub only_in_hours: bool,
    /// When it was created (Unix ms).
    pub created_at: u64,
    /// When it was last switched on (Unix ms), for the before/after comparison.
    #[serde(default)]
    pub live_since: Option<u64>,
}

/// How a trigger has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Times it was shown.
    pub shown: u64,
    /// Times a visitor clicked it (opened the chat, followed the link, sent the question).
    pub clicked: u64,
    /// Times a visitor closed it.
    pub dismissed: u64,
    /// Conversations started by a visitor who had just seen it.
    pub conversations: u64,
}

impl Counts {
    /// Clicks per showing, in whole percent.
    pub fn click_rate(&self) -> u64 {
        (self.clicked * 100).checked_div(self.shown).unwrap_or(0)
    }
}

/// What one visitor did with one trigger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// When it was last shown to them (Unix ms).
    pub last_shown: u64,
    /// They closed it.
    pub dismissed: bool,
}

/// What the widget reports about a trigger it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    /// It is on screen.
    Shown,
    /// The visitor took it up.
    Clicked,
    /// The visitor closed it.
    Dismissed,
}

/// What the server knows about the visitor a widget belongs to, for the data conditions.
#[derive(Debug, Clone, Default)]
pub struct Visitor<'a> {
    /// The page the widget is on.
    pub url: &'a str,
    /// Visits so far.
    pub visits: u64,
    /// Segments they are in.
    pub segments: &'a [SegmentId],
    /// Their cart's value.
    pub cart_value: f64,
    /// Their intent score.
    pub intent: i64,
    /// They have a conversation that is not resolved.
    pub in_conversation: bool,
    /// The shop is inside its business hours (or has none).
    pub shop_open: bool,
}

impl Trigger {
    /// Whether the widget of `who` should watch for this trigger now: switched on, the page, the data
    /// conditions and the limits hold. (The page conditions are the widget's to check.)
    pub fn offered_to(&self, who: &Visitor, seen: Option<&Seen>, now_ms: u64) -> bool {
        if !self.enabled {
            return false;
        }
        if !self.url.is_empty() && !crate::segments::rule::url_matches(&self.url, who.url) {
            return false;
        }
        let data = self.min_visits.is_none_or(|n| who.visits >= n)
            && self.segment.is_none_or(|s| who.segments.contains(&s))
            && self.min_cart_value.is_none_or(|v| who.cart_value >= v)
            && self.min_intent.is_none_or(|n| who.intent >= n);
        if !data || (self.quiet_in_conversation && who.in_conversation) {
            return false;
        }
        if self.only_in_hours && !who.shop_open {
            return false;
        }
        match seen {
            None => true,
            Some(seen) if seen.dismissed && self.stop_after_dismiss => false,
            Some(seen) => {
                self.every_days == 0
                    || seen.last_shown == 0
                    || now_ms >= seen.last_shown + u64::from(self.every_days) * DAY_MS
            }
        }
    }

    /// Whether a change of the visitor's segments or intent score can change what is offered.
    pub fn uses_membership(&self) -> bool {
        self.segment.is_some() || self.min_intent.is_some()
    }
}

/// A trigger as the console's form submits it: every field as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Draft {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Present when switched on.
    #[serde(default)]
    pub enabled: Option<String>,
    /// Page pattern.
    #[serde(default)]
    pub url: String,
    /// Seconds idle.
    #[serde(default)]
    pub idle_secs: String,
    /// Seconds on the page.
    #[serde(default)]
    pub time_on_page_secs: String,
    /// Scroll depth in percent.
    #[serde(default)]
    pub scroll_percent: String,
    /// Present for exit intent.
    #[serde(default)]
    pub exit_intent: Option<String>,
    /// Least visits.
    #[serde(default)]
    pub min_visits: String,
    /// Segment id.
    #[serde(default)]
    pub segment: String,
    /// Least cart value.
    #[serde(default)]
    pub min_cart_value: String,
    /// Least intent score.
    #[serde(default)]
    pub min_intent: String,
    /// `bubble`, `answer` or `question`.
    #[serde(default)]
    pub kind: String,
    /// Operator id.
    #[serde(default)]
    pub from_operator: String,
    /// English text.
    #[serde(default)]
    pub text_en: String,
    /// Japanese text.
    #[serde(default)]
    pub text_ja: String,
    /// Link of an answer.
    #[serde(default)]
    pub link: String,
    /// Days between showings.
    #[serde(default)]
    pub every_days: String,
    /// Present for "not during a conversation".
    #[serde(default)]
    pub quiet_in_conversation: Option<String>,
    /// Present for "stop after dismissal".
    #[serde(default)]
    pub stop_after_dismiss: Option<String>,
    /// Present for "only during business hours".
    #[serde(default)]
    pub only_in_hours: Option<String>,
}

impl Draft {
    /// The form showing `t`, for editing.
    pub fn of(t: &Trigger) -> Draft {
        let text = |v: Option<String>| v.unwrap_or_default();
        let flag = |b: bool| b.then(|| "on".to_owned());
        Draft {
            name: t.name.clone(),
            enabled: flag(t.enabled),
            url: t.url.clone(),
            idle_secs: text(t.idle_secs.map(|v| v.to_string())),
            time_on_page_secs: text(t.time_on_page_secs.map(|v| v.to_string())),
            scroll_percent: text(t.scroll_percent.map(|v| v.to_string())),
            exit_intent: flag(t.exit_intent),
            min_visits: text(t.min_visits.map(|v| v.to_string())),
            segment: text(t.segment.map(|v| v.to_string())),
            min_cart_value: text(t.min_cart_value.map(|v| v.to_string())),
            min_intent: text(t.min_intent.map(|v| v.to_string())),
            kind: t.kind.as_str().to_owned(),
            from_operator: text(t.from_operator.map(|v| v.to_string())),
            text_en: t.text_en.clone(),
            text_ja: t.text_ja.clone(),
            link: t.link.clone(),
            every_days: t.every_days.to_string(),
            quiet_in_conversation: flag(t.quiet_in_conversation),
            stop_after_dismiss: flag(t.stop_after_dismiss),
            only_in_hours: flag(t.only_in_hours),
        }
    }

    /// The form for a new trigger, with the usual limits ticked.
    pub fn new_trigger() -> Draft {
        Draft {
            enabled: Some("on".into()),
            kind: Kind::Bubble.as_str().into(),
            every_days: "7".into(),
            quiet_in_conversation: Some("on".into()),
            stop_after_dismiss: Some("on".into()),
            ..Draft::default()
        }
    }

    /// Checks every field; the trigger's id and times are the store's to fill in. The message names the
    /// field to fix.
    pub fn check(&self) -> Result<Trigger, Invalid> {
        let name = self.name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name.contains(char::is_control)
        {
            return Err(Invalid(msg!("name: 1 to {0} characters", MAX_NAME_CHARS)));
        }
        let url = self.url.trim();
        check_url_text(msg!("page"), url)?;
        let kind = Kind::parse(self.kind.trim()).ok_or_else(|| {
            Invalid(msg!(
                "kind: choose a message bubble, an answer or a question"
            ))
        })?;
        let (text_en, text_ja) = (self.text_en.trim(), self.text_ja.trim());
        if text_en.is_empty() && text_ja.is_empty() {
            return Err(Invalid(msg!(
                "text: write the message in English, Japanese or both"
            )));
        }
        for (field, text) in [
            (msg!("English text"), text_en),
            (msg!("Japanese text"), text_ja),
        ] {
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(Invalid(msg!(
                    "{0}: at most {1} characters",
                    field,
                    MAX_TEXT_CHARS
                )));
            }
        }
        let link = self.link.trim();
        check_url_text(msg!("link"), link)?;
        if kind == Kind::Answer {
            let web = link.starts_with("https://") || link.starts_with("http://");
            if !(web || link.starts_with('/')) {
                return Err(Invalid(msg!(
                    "link: an answer needs a link (https://… or a path such as /help/shipping)"
                )));
            }
        }
        let scroll_percent = number::<u8>(msg!("scroll depth"), &self.scroll_percent)?;
        if scroll_percent.is_some_and(|p| !(1..=100).contains(&p)) {
            return Err(Invalid(msg!("scroll depth: a percentage from 1 to 100")));
        }
        let seconds = |field: Message, text: &str| -> Result<Option<u32>, Invalid> {
            let v = number::<u32>(field.clone(), text)?;
            if v.is_some_and(|s| s > MAX_SECONDS) {
                return Err(Invalid(msg!(
                    "{0}: at most {1} seconds",
                    field,
                    MAX_SECONDS
                )));
            }
            Ok(v)
        };
        let every_days = number::<u32>(msg!("repeat"), &self.every_days)?.unwrap_or(0);
        if every_days > MAX_EVERY_DAYS {
            return Err(Invalid(msg!("repeat: at most {0} days", MAX_EVERY_DAYS)));
        }
        let min_cart_value = number::<f64>(msg!("cart value"), &self.min_cart_value)?;
        if min_cart_value.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return Err(Invalid(msg!("cart value: a number, 0 or more")));
        }
        Ok(Trigger {
            id: 0,
            name: name.to_owned(),
            enabled: self.enabled.is_some(),
            url: url.to_owned(),
            idle_secs: seconds(msg!("idle"), &self.idle_secs)?,
            time_on_page_secs: seconds(msg!("time on page"), &self.time_on_page_secs)?,
            scroll_percent,
            exit_intent: self.exit_intent.is_some(),
            min_visits: number(msg!("visits"), &self.min_visits)?,
            segment: number(msg!("segment"), &self.segment)?,
            min_cart_value,
            min_intent: number(msg!("intent score"), &self.min_intent)?,
            kind,
            from_operator: number(msg!("from"), &self.from_operator)?,
            text_en: text_en.to_owned(),
            text_ja: text_ja.to_owned(),
            link: link.to_owned(),
            every_days,
            quiet_in_conversation: self.quiet_in_conversation.is_some(),
            stop_after_dismiss: self.stop_after_dismiss.is_some(),
            only_in_hours: self.only_in_hours.is_some(),
            created_at: 0,
            live_since: None,
        })
    }
}

fn check_url_text(field: Message, text: &str) -> Result<(), Invalid> {
    if text.chars().count() > MAX_URL_CHARS || text.contains(char::is_whitespace) {
        return Err(Invalid(msg!(
            "{0}: at most {1} characters, without spaces",
            field,
            MAX_URL_CHARS
        )));
    }
    Ok(())
}

/// An optional number field: blank is `None`.
fn number<T: std::str::FromStr>(field: Message, text: &str) -> Result<Option<T>, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        Invalid(msg!(
            "{0}: {1} is not a number that fits here",
            field,
            format!("{text:?}")
        ))
    })
}

/// Conversations started on a trigger's pages per day, before and after it went live: whether the shop
/// gets fewer questions there since (deflection).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deflection {
    /// Days compared on each side (up to [`Deflection::WINDOW_DAYS`], fewer when it went live recently).
    pub days: u64,
    /// Conversations per day in the days before.
    pub before_per_day: f64,
    /// Conversations per day in the days since.
    pub after_per_day: f64,
}

impl Deflection {
    /// The longest span compared on each side.
    pub const WINDOW_DAYS: u64 = 14;

    /// Compares the start times (Unix ms) of conversations on the trigger's pages in equal spans before and
    /// after `live_since`; `None` before a full day has passed since it went live.
    pub fn compute(starts: &[u64], live_since: u64, now_ms: u64) -> Option<Deflection> {
        let days = (now_ms.saturating_sub(live_since) / DAY_MS).min(Self::WINDOW_DAYS);
        if days == 0 {
            return None;
        }
        let span = days * DAY_MS;
        let from = live_since.saturating_sub(span);
        let until = live_since + span;
        let before = starts
            .iter()
            .filter(|t| (from..live_since).contains(*t))
            .count();
        let after = starts
            .iter()
            .filter(|t| (live_since..until).contains(*t))
            .count();
        Some(Deflection {
            days,
            before_per_day: before as f64 / days as f64,
            after_per_day: after as f64 / days as f64,
        })
    }

    /// The change in percent (negative: fewer conversations since); `None` without any before.
    pub fn change_percent(&self) -> Option<i64> {
        (self.before_per_day > 0.0).then(|| {
            ((self.after_per_day - self.before_per_day) / self.before_per_day * 100.0).round()
                as i64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            name: "Pricing help".into(),
            url: "/pricing".into(),
            idle_secs: "3".into(),
            text_en: "Questions about plans?".into(),
            ..Draft::new_trigger()
        }
    }

    fn visitor(url: &str) -> Visitor<'_> {
        Visitor {
            url,
            visits: 1,
            shop_open: true,
            ..Visitor::default()
        }
    }

    #[test]
    fn a_checked_draft_keeps_its_fields_and_reads_back_into_the_form() {
        let t = draft().check().unwrap();
        assert_eq!(t.name, "Pricing help");
        assert_eq!(t.idle_secs, Some(3));
        assert_eq!((t.kind, t.every_days), (Kind::Bubble, 7));
        assert!(t.enabled && t.quiet_in_conversation && t.stop_after_dismiss && !t.exit_intent);
        assert_eq!(Draft::of(&t).check().unwrap(), t);
    }

    #[test]
    fn drafts_with_mistakes_are_refused_naming_the_field() {
        type Change = fn(&mut Draft);
        let cases: [(Change, &str); 9] = [
            (|d| d.name = " ".into(), "name"),
            (|d| d.kind = "popup".into(), "kind"),
            (
                |d| {
                    d.text_en.clear();
                    d.text_ja = "  ".into();
                },
                "text",
            ),
            (|d| d.text_ja = "あ".repeat(1_001), "Japanese text"),
            (|d| d.idle_secs = "soon".into(), "idle"),
            (|d| d.scroll_percent = "120".into(), "scroll depth"),
            (|d| d.time_on_page_secs = "100000".into(), "time on page"),
            (|d| d.min_cart_value = "-1".into(), "cart value"),
            (
                |d| {
                    d.kind = "answer".into();
                    d.link = "javascript:alert(1)".into();
                },
                "link",
            ),
        ];
        for (change, field) in cases {
            let mut d = draft();
            change(&mut d);
            let e = d.check().unwrap_err().0;
            assert!(e.english().starts_with(field), "{field}: {e}");
        }
        let mut d = draft();
        d.kind = "answer".into();
        d.link = "/help/shipping".into();
        assert!(d.check().is_ok());
    }

    #[test]
    fn the_page_pattern_decides_where_it_is_offered() {
        let t = draft().check().unwrap();
        assert!(t.offered_to(&visitor("https://shop.example/pricing"), None, 0));
        assert!(t.offered_to(&visitor("https://shop.example/pricing?plan=a#x"), None, 0));
        assert!(!t.offered_to(&visitor("https://shop.example/about"), None, 0));
        let any = Trigger {
            url: String::new(),
            ..t.clone()
        };
        assert!(any.offered_to(&visitor("https://shop.example/about"), None, 0));
        let off = Trigger {
            enabled: false,
            ..t
        };
        assert!(!off.offered_to(&visitor("https://shop.example/pricing"), None, 0));
    }

    #[test]
    fn data_conditions_are_checked_against_the_visitor() {
        let t = Trigger {
            url: String::new(),
            min_visits: Some(3),
            segment: Some(7),
            min_cart_value: Some(10_000.0),
            min_intent: Some(20),
            ..draft().check().unwrap()
        };
        let segments = [2, 7];
        let who = Visitor {
            url: "https://s.example/",
            visits: 3,
            segments: &segments,
            cart_value: 10_000.0,
            intent: 20,
            in_conversation: false,
            shop_open: true,
        };
        assert!(t.offered_to(&who, None, 0));
        assert!(t.uses_membership());
        let fails: [fn(&mut Visitor); 4] = [
            |v| v.visits = 2,
            |v| v.segments = &[2],
            |v| v.cart_value = 9_999.0,
            |v| v.intent = 19,
        ];
        for change in fails {
            let mut v = who.clone();
            change(&mut v);
            assert!(!t.offered_to(&v, None, 0), "{v:?}");
        }
    }

    #[test]
    fn limits_hold_back_repeats_dismissed_ones_and_open_conversations() {
        let t = draft().check().unwrap();
        let page = "https://s.example/pricing";
        let day = DAY_MS;
        let shown = Seen {
            last_shown: 10 * day,
            dismissed: false,
        };
        assert!(!t.offered_to(&visitor(page), Some(&shown), 16 * day));
        assert!(t.offered_to(&visitor(page), Some(&shown), 17 * day));
        let every_page = Trigger {
            every_days: 0,
            ..t.clone()
        };
        assert!(every_page.offered_to(&visitor(page), Some(&shown), 10 * day));
        let dismissed = Seen {
            dismissed: true,
            ..shown
        };
        assert!(!every_page.offered_to(&visitor(page), Some(&dismissed), 10 * day));
        let keeps_going = Trigger {
            stop_after_dismiss: false,
            ..every_page.clone()
        };
        assert!(keeps_going.offered_to(&visitor(page), Some(&dismissed), 10 * day));
        let chatting = Visitor {
            in_conversation: true,
            ..visitor(page)
        };
        assert!(!t.offered_to(&chatting, None, 0));
        let always = Trigger {
            quiet_in_conversation: false,
            ..t.clone()
        };
        assert!(always.offered_to(&chatting, None, 0));
        let closed = Visitor {
            shop_open: false,
            ..visitor(page)
        };
        assert!(
            t.offered_to(&closed, None, 0),
            "business hours do not matter unless asked"
        );
        let in_hours = Trigger {
            only_in_hours: true,
            ..t
        };
        assert!(!in_hours.offered_to(&closed, None, 0));
        assert!(in_hours.offered_to(&visitor(page), None, 0));
    }

    #[test]
    fn deflection_compares_equal_spans_around_going_live() {
        let live = 100 * DAY_MS;
        assert_eq!(Deflection::compute(&[], live, live + DAY_MS - 1), None);
        // 3 days live: 6 conversations in the 3 days before (one older is outside), 3 since.
        let mut starts = vec![live - 4 * DAY_MS];
        starts.extend((0..6).map(|i| live - 1 - i * DAY_MS / 2));
        starts.extend([live, live + DAY_MS, live + 3 * DAY_MS - 1]);
        let d = Deflection::compute(&starts, live, live + 3 * DAY_MS + 5).unwrap();
        assert_eq!(d.days, 3);
        assert_eq!((d.before_per_day, d.after_per_day), (2.0, 1.0));
        assert_eq!(d.change_percent(), Some(-50));
        let long = Deflection::compute(&starts, live, live + 400 * DAY_MS).unwrap();
        assert_eq!(long.days, Deflection::WINDOW_DAYS);
        let none_before = Deflection::compute(&[live], live, live + DAY_MS).unwrap();
        assert_eq!(none_before.change_percent(), None);
    }

    #[test]
    fn click_rate_is_a_whole_percentage() {
        let c = Counts {
            shown: 3,
            clicked: 1,
            ..Counts::default()
        };
        assert_eq!(c.click_rate(), 33);
        assert_eq!(Counts::default().click_rate(), 0);
    }
}
