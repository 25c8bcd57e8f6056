//! Values the notices' examples share: the operator's preview (`ebok notify preview
//! <kind>`) shows them, and the template tests render every notice from them.

use chrono::{DateTime, NaiveDate, Utc};

/// A day of March 2025, the month of the examples (and of the billing example data).
pub fn march(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, day).unwrap_or_default()
}

/// `hour:minute` UTC on `day`.
pub fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, minute, 0)
        .unwrap_or_default()
        .and_utc()
}

/// The customer service's numbers.
pub fn phones() -> Vec<String> {
    vec!["54 231 73 18".into(), "54 231 73 17".into()]
}
