//! The arithmetic of reports: medians and percentiles of durations, the split by business hours, days and
//! hours of the week in the shop's time zone, and the attribution of purchases to chats. Pure functions,
//! so every edge is tested here; the report pages feed them from aggregates.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use serde::{Deserialize, Serialize};

use crate::conversations::{Channel, Conversation};
use crate::hours::Hours;

const DAY_MS: u64 = 86_400_000;

/// The median of `values` (the mean of the two middle ones for an even count); `None` when empty.
pub fn median(values: &[u64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid] as f64
    } else {
        (v[mid - 1] as f64 + v[mid] as f64) / 2.0
    })
}

/// The `p`-th percentile (0 < p <= 100) by the nearest-rank method: the smallest value with at least `p`%
/// of the values at or below it; `None` when empty.
pub fn percentile(values: &[u64], p: f64) -> Option<u64> {
    if values.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    Some(v[rank.clamp(1, v.len()) - 1])
}

/// Durations split by whether what they measure began inside business hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoursSplit {
    /// Began inside business hours (or with none set).
    pub in_hours: Vec<u64>,
    /// Began outside.
    pub out_of_hours: Vec<u64>,
}

impl HoursSplit {
    /// Splits `(started_at_ms, duration_ms)` pairs by `hours` (everything is "in hours" without them).
    pub fn new(items: &[(u64, u64)], hours: Option<&Hours>) -> HoursSplit {
        let mut split = HoursSplit::default();
        for &(at, duration) in items {
            if hours.is_none_or(|h| h.is_open(at)) {
                split.in_hours.push(duration);
            } else {
                split.out_of_hours.push(duration);
            }
        }
        split
    }
}

/// Where an instant falls in the shop's time zone: its local date and its hour of the week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Monday = 0.
    pub weekday: usize,
    /// 0..24.
    pub hour: usize,
}

/// The local date, weekday and hour of `at_ms` in `zone` (UTC when the zone is unknown).
pub fn local(at_ms: u64, zone: &str) -> Local {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let ts = Timestamp::from_millisecond(at_ms as i64).unwrap_or(Timestamp::UNIX_EPOCH);
    let dt = tz.to_datetime(ts);
    Local {
        date: dt.date().to_string(),
        weekday: dt.date().weekday().to_monday_zero_offset() as usize,
        hour: dt.time().hour() as usize,
    }
}

/// The sum of the purchases (`(at_ms, total)`) made within `window_days` after a chat at `chat_at` (the
/// chat's own instant included, the window's end included); `None` when there was none.
pub fn attributed(chat_at: u64, purchases: &[(u64, f64)], window_days: u64) -> Option<f64> {
    let end = chat_at.saturating_add(window_days.saturating_mul(DAY_MS));
    let within: Vec<f64> = purchases
        .iter()
        .filter(|(at, _)| (chat_at..=end).contains(at))
        .map(|(_, total)| *total)
        .collect();
    (!within.is_empty()).then(|| within.iter().sum())
}

/// A share in whole percent (0 when there is nothing to share).
pub fn percent(part: u64, whole: u64) -> u64 {
    (part * 100).checked_div(whole).unwrap_or(0)
}

/// One conversation as reports see it: times, who answered, where it started, the rating. No message
/// text and nothing personal, so it outlives the conversation (retention, a customer's deletion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// The conversation.
    pub id: u64,
    /// The customer (0 once they were deleted).
    pub customer: u64,
    /// When it started (Unix ms).
    pub created_at: u64,
    /// Widget or LINE.
    #[serde(default)]
    pub channel: Channel,
    /// The customer's segments when it started.
    #[serde(default)]
    pub segments: Vec<u64>,
    /// Started inside business hours (`None`: unknown).
    #[serde(default)]
    pub in_hours: Option<bool>,
    /// The page it started on, without query or fragment.
    #[serde(default)]
    pub started_on: Option<String>,
    /// The proactive message that started it.
    #[serde(default)]
    pub trigger: Option<u64>,
    /// The first operator reply (Unix ms).
    #[serde(default)]
    pub first_response_at: Option<u64>,
    /// Its operator.
    #[serde(default)]
    pub first_responder: Option<u64>,
    /// The FAQ bot kept it: it answered, nobody asked for a person and no operator replied. (An automatic
    /// "we'll answer soon" reply does not count: that conversation still waits for a person.)
    #[serde(default)]
    pub bot_alone: bool,
    /// First resolved (Unix ms).
    #[serde(default)]
    pub resolved_at: Option<u64>,
    /// The visitor's rating, 1 to 5.
    #[serde(default)]
    pub rating: Option<u8>,
}

impl Fact {
    /// The fact of a conversation as it stands.
    pub fn of(c: &Conversation) -> Fact {
        Fact {
            id: c.id,
            customer: c.visitor_id,
            created_at: c.created_at,
            channel: c.channel,
            segments: c.stats.segments.clone(),
            in_hours: c.stats.in_hours,
            started_on: c.started_on.as_deref().map(page_of),
            trigger: c.trigger,
            first_response_at: c.stats.first_response_at,
            first_responder: c.stats.first_responder,
            bot_alone: c.bot == Some(crate::conversations::BotState::Active)
                && c.stats.first_response_at.is_none(),
            resolved_at: c.stats.resolved_at,
            rating: c.stats.csat.as_ref().map(|r| r.rating),
        }
    }

    /// Resolved by the FAQ bot alone.
    pub fn bot_alone(&self) -> bool {
        self.bot_alone && self.first_response_at.is_none()
    }
}

/// A page address as reports group it: without query and fragment (which may carry personal data).
pub fn page_of(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}

/// What a report is narrowed to, besides its dates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only customers in this segment when the conversation started.
    pub segment: Option<u64>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only conversations this operator answered first.
    pub operator: Option<u64>,
}

impl Filters {
    /// Whether a fact passes.
    pub fn pass(&self, f: &Fact) -> bool {
        self.segment.is_none_or(|s| f.segments.contains(&s))
            && self.channel.is_none_or(|c| f.channel == c)
            && self.operator.is_none_or(|o| f.first_responder == Some(o))
    }
}

/// The Unix-ms span of the local dates `from..=to` in `zone`, and the dates themselves (at most
/// [`MAX_DAYS`]); `None` for dates that are not real or out of order.
pub fn span(from: &str, to: &str, zone: &str) -> Option<(u64, u64, Vec<String>)> {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let from: jiff::civil::Date = from.parse().ok()?;
    let to: jiff::civil::Date = to.parse().ok()?;
    if to < from || (to - from).get_days() as usize >= MAX_DAYS {
        return None;
    }
    let start = from
        .to_zoned_datetime(tz.clone())
        .ok()?
        .timestamp()
        .as_millisecond();
    let end = to
        .tomorrow()
        .ok()?
        .to_zoned_datetime(tz)
        .ok()?
        .timestamp()
        .as_millisecond();
    let days = from
        .series(jiff::Span::new().days(1))
        .take_while(|d| *d <= to)
        .map(|d| d.to_string())
        .collect();
    Some((u64::try_from(start).ok()?, u64::try_from(end).ok()?, days))
}

/// The longest range a report covers.
pub const MAX_DAYS: usize = 366;

/// Durations summed up: how many, median and 90th percentile (seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Times {
    /// How many.
    pub count: usize,
    /// Median, in seconds.
    pub median_s: Option<f64>,
    /// 90th percentile, in seconds.
    pub p90_s: Option<u64>,
}

impl Times {
    /// From durations in milliseconds.
    pub fn of(ms: &[u64]) -> Times {
        let secs: Vec<u64> = ms.iter().map(|m| m / 1000).collect();
        Times {
            count: secs.len(),
            median_s: median(&secs),
            p90_s: percentile(&secs, 90.0),
        }
    }
}

/// One operator's line.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorLine {
    /// The operator.
    pub operator: u64,
    /// Conversations they answered first.
    pub conversations: u64,
    /// Their first-response times.
    pub first_response: Times,
    /// Their ratings' count and mean.
    pub ratings: u64,
    /// Mean rating.
    pub csat: Option<f64>,
}

/// A computed report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Conversations started.
    pub total: u64,
    /// Per local date, every day of the range.
    pub by_day: Vec<(String, u64)>,
    /// `[weekday (Mon = 0)][hour]`.
    pub heat: [[u64; 24]; 7],
    /// First-response times: all, inside business hours, outside.
    pub first_response: [Times; 3],
    /// Resolution times: all, inside business hours, outside.
    pub resolution: [Times; 3],
    /// Per operator, most conversations first.
    pub operators: Vec<OperatorLine>,
    /// Resolved by the FAQ bot alone.
    pub bot_alone: u64,
    /// Start pages, most first.
    pub pages: Vec<(String, u64)>,
    /// Proactive messages that started conversations, most first.
    pub triggers: Vec<(u64, u64)>,
    /// Ratings 1..=5.
    pub ratings: [u64; 5],
    /// Per local date: (ratings, mean).
    pub csat_by_day: Vec<(String, u64, Option<f64>)>,
}

/// Builds the report of `facts` (already limited to the range) for the local `days` in `zone`.
pub fn build(facts: &[Fact], filters: Filters, days: &[String], zone: &str) -> Report {
    let mut r = Report {
        by_day: days.iter().map(|d| (d.clone(), 0)).collect(),
        csat_by_day: days.iter().map(|d| (d.clone(), 0, None)).collect(),
        ..Report::default()
    };
    let index = |date: &str| days.binary_search_by(|d| d.as_str().cmp(date)).ok();
    let (mut first, mut resolution) = ([vec![], vec![], vec![]], [vec![], vec![], vec![]]);
    let mut per_operator: std::collections::BTreeMap<u64, (u64, Vec<u64>, Vec<u8>)> =
        Default::default();
    let mut pages: std::collections::HashMap<String, u64> = Default::default();
    let mut triggers: std::collections::HashMap<u64, u64> = Default::default();
    let mut day_ratings: Vec<Vec<u8>> = vec![vec![]; days.len()];
    for f in facts.iter().filter(|f| filters.pass(f)) {
        let at = local(f.created_at, zone);
        let Some(day) = index(&at.date) else {
            continue;
        };
        r.total += 1;
        r.by_day[day].1 += 1;
        r.heat[at.weekday][at.hour] += 1;
        let split = if f.in_hours.unwrap_or(true) { 1 } else { 2 };
        if let Some(t) = f.first_response_at {
            let d = t.saturating_sub(f.created_at);
            first[0].push(d);
            first[split].push(d);
        }
        if let Some(t) = f.resolved_at {
            let d = t.saturating_sub(f.created_at);
            resolution[0].push(d);
            resolution[split].push(d);
        }
        if let Some(op) = f.first_responder {
            let line = per_operator.entry(op).or_default();
            line.0 += 1;
            if let Some(t) = f.first_response_at {
                line.1.push(t.saturating_sub(f.created_at));
            }
            if let Some(rating) = f.rating {
                line.2.push(rating);
            }
        }
        if f.bot_alone() {
            r.bot_alone += 1;
        }
        if let Some(page) = &f.started_on {
            *pages.entry(page.clone()).or_default() += 1;
        }
        if let Some(t) = f.trigger {
            *triggers.entry(t).or_default() += 1;
        }
        if let Some(rating) = f.rating.filter(|r| (1..=5).contains(r)) {
            r.ratings[usize::from(rating) - 1] += 1;
            day_ratings[day].push(rating);
        }
    }
    r.first_response = first.map(|v| Times::of(&v));
    r.resolution = resolution.map(|v| Times::of(&v));
    r.operators = per_operator
        .into_iter()
        .map(|(operator, (conversations, times, ratings))| OperatorLine {
            operator,
            conversations,
            first_response: Times::of(&times),
            ratings: ratings.len() as u64,
            csat: mean(&ratings),
        })
        .collect();
    r.operators.sort_by(|a, b| {
        b.conversations
            .cmp(&a.conversations)
            .then(a.operator.cmp(&b.operator))
    });
    r.pages = ranked(pages);
    r.triggers = ranked(triggers);
    for (line, ratings) in r.csat_by_day.iter_mut().zip(day_ratings) {
        line.1 = ratings.len() as u64;
        line.2 = mean(&ratings);
    }
    r
}

/// The mean of ratings, rounded to two decimals.
pub fn mean(ratings: &[u8]) -> Option<f64> {
    (!ratings.is_empty()).then(|| {
        let sum: u64 = ratings.iter().map(|r| u64::from(*r)).sum();
        (sum as f64 / ratings.len() as f64 * 100.0).round() / 100.0
    })
}

/// Counts, most first (ties by key), the top [`TOP`].
fn ranked<K: Ord + Clone>(counts: std::collections::HashMap<K, u64>) -> Vec<(K, u64)> {
    let mut v: Vec<(K, u64)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(TOP);
    v
}

/// Rows shown in "top" lists.
pub const TOP: usize = 10;

/// Conversions after chat compared with visitors of the same pages who did not chat.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Outcome {
    /// Customers who chatted in the range.
    pub chatted: u64,
    /// Of them, those with the outcome event within the window after their chat.
    pub chatted_converted: u64,
    /// The sum of those events' totals.
    pub revenue: f64,
    /// Visitors of the chat start pages in the range who did not chat.
    pub others: u64,
    /// Of them, those with the outcome event within the window after their visit.
    pub others_converted: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::parse_day;

    fn conversation(bot: Option<crate::conversations::BotState>, automated: bool) -> Conversation {
        let mut c = Conversation::blank(1, 1);
        c.bot = bot;
        c.auto_replied = automated;
        c.stats.automated = automated;
        c
    }

    #[test]
    fn only_what_the_faq_bot_kept_counts_as_resolved_by_the_bot_alone() {
        use crate::conversations::BotState;
        // The bot answered and nobody asked for a person: resolved by the bot alone.
        assert!(Fact::of(&conversation(Some(BotState::Active), true)).bot_alone());
        // Only the automatic "we'll answer soon": still waiting for a person.
        assert!(!Fact::of(&conversation(None, true)).bot_alone());
        // Handed over to the team.
        assert!(!Fact::of(&conversation(Some(BotState::HandedOver), true)).bot_alone());
        // An operator replied after the bot.
        let mut answered = conversation(Some(BotState::Active), true);
        answered.stats.first_response_at = Some(5);
        assert!(!Fact::of(&answered).bot_alone());
    }

    #[test]
    fn medians_take_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7.0));
        assert_eq!(median(&[9, 1, 5]), Some(5.0));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2.5));
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let ten: Vec<u64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90.0), Some(9));
        assert_eq!(percentile(&ten, 91.0), Some(10));
        assert_eq!(percentile(&ten, 100.0), Some(10));
        assert_eq!(percentile(&ten, 10.0), Some(1));
        assert_eq!(percentile(&[5], 90.0), Some(5));
        assert_eq!(percentile(&[3, 1, 2], 50.0), Some(2));
        assert_eq!(percentile(&[], 90.0), None);
        assert_eq!(percentile(&ten, 0.0), None);
    }

    #[test]
    fn durations_split_by_when_they_began() {
        let day = parse_day("10:00-18:00").unwrap();
        let hours = Hours {
            zone: "UTC".into(),
            week: std::array::from_fn(|_| day.clone()),
            holidays: Vec::new(),
        };
        // 2026-11-25 10:00 UTC and 09:59 UTC.
        let open = 1_795_600_800_000;
        let before = open - 60_000;
        let split = HoursSplit::new(
            &[(open, 30), (before, 900), (open + 3_600_000, 60)],
            Some(&hours),
        );
        assert_eq!(split.in_hours, [30, 60]);
        assert_eq!(split.out_of_hours, [900]);
        let all = HoursSplit::new(&[(before, 900)], None);
        assert_eq!(all.in_hours, [900]);
    }

    #[test]
    fn days_and_hours_are_the_shops() {
        // 2026-11-24 23:30 UTC is Wednesday 08:30 in Tokyo.
        let at = 1_795_563_000_000;
        assert_eq!(
            local(at, "Asia/Tokyo"),
            Local {
                date: "2026-11-25".into(),
                weekday: 2,
                hour: 8
            }
        );
        assert_eq!(local(at, "UTC").date, "2026-11-24");
        assert_eq!(local(at, "Nowhere/Else").hour, 23);
    }

    #[test]
    fn purchases_count_within_the_window_edges_included() {
        let chat = 1_000 * DAY_MS;
        let purchases = [
            (chat - 1, 100.0),
            (chat, 200.0),
            (chat + 7 * DAY_MS, 300.0),
            (chat + 7 * DAY_MS + 1, 400.0),
        ];
        assert_eq!(attributed(chat, &purchases, 7), Some(500.0));
        assert_eq!(attributed(chat, &purchases[..1], 7), None);
        assert_eq!(attributed(chat, &[], 30), None);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(0, 0), 0);
    }
}
