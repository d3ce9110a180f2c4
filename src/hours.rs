//! Business hours: when the shop answers, in its own time zone, and when it opens next.
//!
//! A week of opening ranges (several a day, local wall-clock time), a time zone (IANA name, daylight saving
//! time applied by the time zone database) and holiday dates. Pure: every function takes the instant it
//! asks about, so tests can ask about any moment.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::i18n::messages::Message;
use crate::msg;

/// Minutes in a day: a range may end at 24:00.
const DAY_MINUTES: u16 = 24 * 60;
/// How far ahead the next opening is looked for (a year and a few days of holidays).
const LOOKAHEAD_DAYS: i32 = 400;
/// The most ranges in one day.
pub const MAX_RANGES_PER_DAY: usize = 6;
/// The most holiday dates.
pub const MAX_HOLIDAYS: usize = 1_000;

/// Day names as the console lists them, Monday first.
pub const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
/// Day names in Japanese, Monday first.
pub const WEEKDAYS_JA: [&str; 7] = [
    "月曜日",
    "火曜日",
    "水曜日",
    "木曜日",
    "金曜日",
    "土曜日",
    "日曜日",
];

/// One opening range of a day, in minutes after local midnight: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// Opens (0..1440).
    pub start: u16,
    /// Closes (start+1..=1440).
    pub end: u16,
}

/// The shop's opening hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    /// IANA time zone name, such as `Asia/Tokyo`.
    pub zone: String,
    /// Ranges per weekday, Monday first; an empty day is closed.
    pub week: [Vec<Range>; 7],
    /// Closed dates (`YYYY-MM-DD`, local), sorted.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// Why a schedule was refused; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Message);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.english())
    }
}

/// Reads a time as people type it: `9:00`, `09:30`, `9`, `10時`, `10時30分`, `10時半` (after
/// [`half_width`]).
fn minutes(text: &str) -> Option<u16> {
    let text = text.trim();
    let text = text.strip_suffix('分').unwrap_or(text);
    let (h, m) = match text.split_once([':', '時']) {
        Some((h, "半")) => (h, "30"),
        Some((h, "")) => (h, "0"),
        Some((h, m)) => (h, m),
        None => (text, "0"),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h.trim()) || !digits(m.trim()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// Full-width digits, colon, tilde and dashes as their ASCII forms, so `９：００～１８：００` reads like
/// `9:00~18:00` (what a Japanese keyboard in full-width mode types).
fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '：' => ':',
            '～' | '〜' | '~' | '－' | '–' | '—' | 'ー' | '−' => '-',
            '，' => ',',
            c => c,
        })
        .collect()
}

/// `HH:MM` of minutes after midnight.
pub fn clock_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Reads one day's ranges: `09:00-12:00, 13:00-18:00`; empty is closed.
pub fn parse_day(text: &str) -> Result<Vec<Range>, Message> {
    let text = half_width(text);
    let mut ranges: Vec<Range> = Vec::new();
    for part in text
        .split([',', '、'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (from, to) = part
            .split_once('-')
            .ok_or_else(|| msg!("{0}: write a range as 09:00-18:00", format!("{part:?}")))?;
        let (start, end) = match (minutes(from), minutes(to)) {
            (Some(s), Some(e)) => (s, e),
            _ => {
                let part = format!("{part:?}");
                return Err(msg!("{0}: times are HH:MM, from 00:00 to 24:00", part));
            }
        };
        if end <= start {
            return Err(msg!(
                "{0}: a range must end after it starts (past midnight: end the day at 24:00 and start the next at 00:00)",
                format!("{part:?}")
            ));
        }
        ranges.push(Range { start, end });
    }
    ranges.sort_by_key(|r| r.start);
    if ranges.windows(2).any(|w| w[1].start < w[0].end) {
        return Err(msg!("ranges overlap"));
    }
    if ranges.len() > MAX_RANGES_PER_DAY {
        return Err(msg!("at most {0} ranges a day", MAX_RANGES_PER_DAY));
    }
    Ok(ranges)
}

/// One day's ranges as the form shows them.
pub fn day_text(ranges: &[Range]) -> String {
    ranges
        .iter()
        .map(|r| format!("{}-{}", clock_text(r.start), clock_text(r.end)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a list of holiday dates: one per line, the date first (`2027-01-01 New Year` and `2027/1/1` both
/// work); blank lines and lines starting with `#` are skipped. Sorted, without repeats.
pub fn parse_holidays(text: &str) -> Result<Vec<String>, Message> {
    let mut dates = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line
            .split([' ', '\t', ',', ';'])
            .next()
            .unwrap_or_default()
            .trim_matches('"');
        let date = parse_date(first).ok_or_else(|| {
            let first = format!("{first:?}");
            msg!("line {0}: {1} is not a date (YYYY-MM-DD)", i + 1, first)
        })?;
        dates.push(date.to_string());
    }
    dates.sort();
    dates.dedup();
    if dates.len() > MAX_HOLIDAYS {
        return Err(msg!("at most {0} holidays", MAX_HOLIDAYS));
    }
    Ok(dates)
}

fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split(['-', '/', '.']);
    let year: i16 = parts.next()?.parse().ok()?;
    let month: i8 = parts.next()?.parse().ok()?;
    let day: i8 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Date::new(year, month, day).ok()
}

/// Checks a time zone name against the time zone database.
pub fn parse_zone(name: &str) -> Result<String, Message> {
    let name = name.trim();
    TimeZone::get(name).map(|_| name.to_owned()).map_err(|_| {
        let name = format!("{name:?}");
        msg!("{0} is not a known time zone (such as Asia/Tokyo)", name)
    })
}

/// When the shop opens next, and how to say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    /// The instant (Unix ms).
    pub at_ms: u64,
    /// Days from today (local) to that day.
    pub days_ahead: i32,
    /// Its weekday, Monday = 0.
    pub weekday: usize,
    /// Its local date and time.
    pub date: String,
    /// `HH:MM`, local.
    pub time: String,
}

impl Opening {
    /// "today at 10:00", "tomorrow at 10:00", "Monday 10:00", or a date further ahead, in English or
    /// Japanese (`ja`).
    pub fn describe(&self, ja: bool) -> String {
        let (t, w) = (&self.time, self.weekday);
        match (ja, self.days_ahead) {
            (false, 0) => format!("today at {t}"),
            (false, 1) => format!("tomorrow at {t}"),
            (false, 2..=6) => format!("{} {t}", WEEKDAYS_EN[w]),
            (false, _) => format!("{} {} {t}", WEEKDAYS_EN[w], self.date),
            (true, 0) => format!("本日 {t}"),
            (true, 1) => format!("明日 {t}"),
            (true, 2..=6) => format!("{} {t}", WEEKDAYS_JA[w]),
            (true, _) => format!("{}（{}）{t}", self.date, &WEEKDAYS_JA[w][..3]),
        }
    }
}

impl Hours {
    /// Hours open every day all day, in `zone`.
    pub fn always(zone: &str) -> Hours {
        Hours {
            zone: zone.to_owned(),
            week: std::array::from_fn(|_| {
                vec![Range {
                    start: 0,
                    end: DAY_MINUTES,
                }]
            }),
            holidays: Vec::new(),
        }
    }

    fn tz(&self) -> TimeZone {
        TimeZone::get(&self.zone).unwrap_or(TimeZone::UTC)
    }

    fn holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&date.to_string()).is_ok()
    }

    fn ranges(&self, weekday: Weekday) -> &[Range] {
        &self.week[weekday.to_monday_zero_offset() as usize]
    }

    /// Whether the shop is open at `at_ms` (Unix ms).
    pub fn is_open(&self, at_ms: u64) -> bool {
        let Ok(ts) = Timestamp::from_millisecond(at_ms as i64) else {
            return false;
        };
        let local = self.tz().to_datetime(ts);
        let date = local.date();
        if self.holiday(date) {
            return false;
        }
        let minute = local.time().hour() as u16 * 60 + local.time().minute() as u16;
        self.ranges(date.weekday())
            .iter()
            .any(|r| r.start <= minute && minute < r.end)
    }

    /// The next moment the shop opens after `at_ms` (or `at_ms` itself when it is open then); `None` when
    /// it never opens within a year.
    pub fn next_opening(&self, at_ms: u64) -> Option<Opening> {
        let tz = self.tz();
        let now = Timestamp::from_millisecond(at_ms as i64).ok()?;
        let today = tz.to_datetime(now).date();
        let mut day = today;
        for days_ahead in 0..LOOKAHEAD_DAYS {
            if !self.holiday(day) {
                for r in self.ranges(day.weekday()) {
                    let local = |m: u16| day.at((m / 60) as i8, (m % 60) as i8, 0, 0);
                    let start = tz.to_timestamp(local(r.start)).ok()?;
                    let end = if r.end == DAY_MINUTES {
                        tz.to_timestamp(day.tomorrow().ok()?.at(0, 0, 0, 0)).ok()?
                    } else {
                        tz.to_timestamp(local(r.end)).ok()?
                    };
                    if end <= now {
                        continue;
                    }
                    let at = start.max(now);
                    let shown = tz.to_datetime(at);
                    return Some(Opening {
                        at_ms: at.as_millisecond() as u64,
                        days_ahead,
                        weekday: day.weekday().to_monday_zero_offset() as usize,
                        date: day.to_string(),
                        time: format!("{:02}:{:02}", shown.time().hour(), shown.time().minute()),
                    });
                }
            }
            day = day.tomorrow().ok()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix ms of a local wall-clock time in `zone`.
    fn at(zone: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> u64 {
        let tz = TimeZone::get(zone).unwrap();
        tz.to_timestamp(jiff::civil::date(y, mo, d).at(h, mi, 0, 0))
            .unwrap()
            .as_millisecond() as u64
    }

    /// Weekdays 10:00-12:00 and 13:00-18:00, Saturday 10:00-14:00, closed on Sunday.
    fn shop(zone: &str) -> Hours {
        let weekday = parse_day("10:00-12:00, 13:00-18:00").unwrap();
        let mut week: [Vec<Range>; 7] = std::array::from_fn(|_| weekday.clone());
        week[5] = parse_day("10:00-14:00").unwrap();
        week[6] = Vec::new();
        Hours {
            zone: zone.into(),
            week,
            holidays: Vec::new(),
        }
    }

    #[test]
    fn day_ranges_parse_sorted_and_refuse_mistakes() {
        assert_eq!(
            parse_day(" 13:00-18:00 , 09:30-12:00").unwrap(),
            [
                Range {
                    start: 570,
                    end: 720
                },
                Range {
                    start: 780,
                    end: 1080
                }
            ]
        );
        assert_eq!(parse_day("").unwrap(), []);
        assert_eq!(parse_day("22:00-24:00").unwrap()[0].end, 1440);
        assert_eq!(parse_day("9:00〜17:00、18:00~19:00").unwrap().len(), 2);
        for bad in [
            "9",
            "9時半-",
            "123-130",
            "10:00-09:00",
            "22:00-02:00",
            "10:00-12:00, 11:00-13:00",
            "25:00-26:00",
            "10:60-11:00",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
        assert_eq!(
            day_text(&parse_day("09:00-12:00,13:00-24:00").unwrap()),
            "09:00-12:00, 13:00-24:00"
        );
    }

    #[test]
    fn hours_are_read_as_people_type_them() {
        let nine_to_six = parse_day("09:00-18:00").unwrap();
        for typed in [
            "9-18",
            "9:00～18:00",
            "９：００〜１８：００",
            "10時-18時",
            "９時－１８時",
            "9時00分-18時",
        ] {
            let want = if typed.starts_with("10") { 600 } else { 540 };
            let got = parse_day(typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(
                (got[0].start, got[0].end),
                (want, nine_to_six[0].end),
                "{typed}"
            );
        }
        assert_eq!(parse_day("10時半-18時").unwrap()[0].start, 630);
        assert_eq!(parse_day("９-１２，１３-１８").unwrap().len(), 2);
    }

    #[test]
    fn holiday_lists_are_imported_leniently_and_sorted() {
        let list = "# 2027\n2027-01-01 New Year\n\"2027/1/11\",Coming of Age Day\n\n2027-01-01\n";
        assert_eq!(parse_holidays(list).unwrap(), ["2027-01-01", "2027-01-11"]);
        let e = parse_holidays("2027-01-01\n2027-02-30 nope").unwrap_err();
        assert!(e.english().starts_with("line 2"), "{e}");
    }

    #[test]
    fn zones_are_checked_against_the_database() {
        assert_eq!(parse_zone(" Asia/Tokyo ").unwrap(), "Asia/Tokyo");
        assert!(parse_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn open_means_inside_a_range_in_the_shops_own_time_zone() {
        let h = shop("Asia/Tokyo");
        // 2026-11-25 is a Wednesday.
        assert!(h.is_open(at("Asia/Tokyo", 2026, 11, 25, 10, 0)));
        assert!(h.is_open(at("Asia/Tokyo", 2026, 11, 25, 11, 59)));
        assert!(
            !h.is_open(at("Asia/Tokyo", 2026, 11, 25, 12, 0)),
            "the end is excluded"
        );
        assert!(!h.is_open(at("Asia/Tokyo", 2026, 11, 25, 9, 59)));
        assert!(
            !h.is_open(at("Asia/Tokyo", 2026, 11, 29, 11, 0)),
            "Sunday is closed"
        );
        // 10:30 in Tokyo is 01:30 UTC: the same instant read in UTC hours would be closed.
        let instant = at("UTC", 2026, 11, 25, 1, 30);
        assert!(h.is_open(instant));
        assert!(!shop("UTC").is_open(instant));
        let mut holiday = h.clone();
        holiday.holidays = parse_holidays("2026-11-25").unwrap();
        assert!(!holiday.is_open(at("Asia/Tokyo", 2026, 11, 25, 10, 30)));
    }

    #[test]
    fn a_range_to_midnight_and_one_from_midnight_join_up() {
        let mut h = shop("Asia/Tokyo");
        h.week[2] = parse_day("20:00-24:00").unwrap(); // Wednesday
        h.week[3] = parse_day("00:00-02:00").unwrap(); // Thursday
        assert!(h.is_open(at("Asia/Tokyo", 2026, 11, 25, 23, 59)));
        assert!(h.is_open(at("Asia/Tokyo", 2026, 11, 26, 0, 0)));
        assert!(!h.is_open(at("Asia/Tokyo", 2026, 11, 26, 2, 0)));
        // At 23:30 Wednesday it is open now; after 02:00 Thursday it is next open on Friday.
        let now = at("Asia/Tokyo", 2026, 11, 25, 23, 30);
        assert_eq!(h.next_opening(now).unwrap().at_ms, now);
        let next = h
            .next_opening(at("Asia/Tokyo", 2026, 11, 26, 3, 0))
            .unwrap();
        assert_eq!(
            (next.date.as_str(), next.time.as_str()),
            ("2026-11-27", "10:00")
        );
    }

    #[test]
    fn the_next_opening_skips_closed_days_and_holidays() {
        let mut h = shop("Asia/Tokyo");
        // Saturday 15:00: Sunday is closed, Monday is a holiday: Tuesday 10:00.
        h.holidays = parse_holidays("2026-11-30").unwrap();
        let next = h
            .next_opening(at("Asia/Tokyo", 2026, 11, 28, 15, 0))
            .unwrap();
        assert_eq!(next.at_ms, at("Asia/Tokyo", 2026, 12, 1, 10, 0));
        assert_eq!(next.days_ahead, 3);
        assert_eq!(next.describe(false), "Tuesday 10:00");
        assert_eq!(next.describe(true), "火曜日 10:00");
        // Lunch: back at 13:00 today.
        let lunch = h
            .next_opening(at("Asia/Tokyo", 2026, 11, 25, 12, 30))
            .unwrap();
        assert_eq!(lunch.describe(false), "today at 13:00");
        assert_eq!(lunch.describe(true), "本日 13:00");
        // Evening: tomorrow.
        let evening = h
            .next_opening(at("Asia/Tokyo", 2026, 11, 25, 19, 0))
            .unwrap();
        assert_eq!(evening.describe(false), "tomorrow at 10:00");
        assert_eq!(evening.describe(true), "明日 10:00");
        // A long closure: the date is given.
        h.holidays = parse_holidays(
            "2026-12-28\n2026-12-29\n2026-12-30\n2026-12-31\n2027-01-01\n2027-01-02\n2027-01-04",
        )
        .unwrap();
        let new_year = h
            .next_opening(at("Asia/Tokyo", 2026, 12, 26, 15, 0))
            .unwrap();
        assert_eq!(new_year.date, "2027-01-05");
        assert_eq!(new_year.describe(false), "Tuesday 2027-01-05 10:00");
        assert_eq!(new_year.describe(true), "2027-01-05（火）10:00");
        // Never open: no next opening.
        let closed = Hours {
            week: std::array::from_fn(|_| Vec::new()),
            ..h
        };
        assert_eq!(closed.next_opening(at("UTC", 2026, 11, 25, 0, 0)), None);
    }

    #[test]
    fn daylight_saving_time_moves_the_instants_not_the_wall_clock() {
        // New York: DST starts 2026-03-08 02:00 (-5 -> -4), ends 2026-11-01 02:00 (-4 -> -5).
        let h = shop("America/New_York");
        // 10:00 local is 15:00 UTC on Friday 6 March and 14:00 UTC on Monday 9 March.
        assert!(h.is_open(at("UTC", 2026, 3, 6, 15, 0)));
        assert!(!h.is_open(at("UTC", 2026, 3, 9, 13, 30)));
        assert!(h.is_open(at("UTC", 2026, 3, 9, 14, 0)));
        let next = h.next_opening(at("UTC", 2026, 3, 7, 20, 0)).unwrap(); // Saturday 15:00 local
        assert_eq!(next.at_ms, at("UTC", 2026, 3, 9, 14, 0));
        assert_eq!(next.time, "10:00");
        // A range that starts inside the skipped hour opens when the clock jumps past it.
        let mut gap = h.clone();
        gap.week[6] = parse_day("02:30-05:00").unwrap(); // Sunday 8 March
        let opens = gap
            .next_opening(at("America/New_York", 2026, 3, 8, 0, 0))
            .unwrap();
        assert_eq!(opens.time, "03:30");
        assert!(gap.is_open(at("UTC", 2026, 3, 8, 7, 30))); // 03:30 EDT
        // Autumn: the repeated hour belongs to the range once, in each offset.
        let mut back = h.clone();
        back.week[6] = parse_day("01:00-02:00").unwrap(); // Sunday 1 November
        assert!(back.is_open(at("UTC", 2026, 11, 1, 5, 30))); // 01:30 EDT
        assert!(back.is_open(at("UTC", 2026, 11, 1, 6, 30))); // 01:30 EST
        assert!(!back.is_open(at("UTC", 2026, 11, 1, 7, 0))); // 02:00 EST
        // Tokyo has no DST: the same local hours are the same UTC hours all year.
        let tokyo = shop("Asia/Tokyo");
        assert!(tokyo.is_open(at("UTC", 2026, 7, 1, 1, 0)));
        assert!(tokyo.is_open(at("UTC", 2026, 12, 1, 1, 0)));
    }

    #[test]
    fn always_open_hours_are_open_at_any_moment() {
        let h = Hours::always("Europe/Berlin");
        for t in [
            0,
            at("UTC", 2026, 3, 29, 1, 30),
            at("UTC", 2026, 12, 31, 23, 59),
        ] {
            assert!(h.is_open(t));
            assert_eq!(h.next_opening(t).unwrap().at_ms, t);
        }
    }
}
