//! The arithmetic of reports: medians and percentiles of durations, the split by business hours, days and
//! hours of the week in the shop's time zone, and the attribution of purchases to chats. Pure functions,
//! so every edge is tested here; the report pages feed them from aggregates.

use jiff::Timestamp;
use jiff::tz::TimeZone;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::parse_day;

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
