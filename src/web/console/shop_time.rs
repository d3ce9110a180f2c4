//! Times as the console shows them: in the shop's time zone (that of its business hours, else UTC), on
//! every page and in every view, server-rendered and live alike (`console.js` formats `<time data-ts>`
//! in the zone the page names).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::web::{AppError, State};

/// The shop's time zone name.
pub async fn zone(state: &State) -> Result<String, AppError> {
    Ok(state
        .store
        .business_hours()
        .await?
        .map_or_else(|| "UTC".to_owned(), |h| h.zone))
}

/// A Unix-milliseconds time in `zone`, with the zone's abbreviation: `2026-12-02 16:46 JST`.
pub fn time(ms: u64, zone: &str) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let at = Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(i64::MAX))
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(tz);
    at.strftime("%Y-%m-%d %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_shops_zone() {
        // 2026-12-02 07:46 UTC.
        let at = 1_796_197_560_000;
        assert_eq!(time(at, "Asia/Tokyo"), "2026-12-02 16:46 JST");
        assert_eq!(time(at, "UTC"), "2026-12-02 07:46 UTC");
        assert_eq!(time(at, "Not/AZone"), "2026-12-02 07:46 UTC");
    }
}
