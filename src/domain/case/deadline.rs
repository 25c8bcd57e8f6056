//! The legal deadline of a case: `days` after the day it was received, moved to the
//! next working day when it falls on a Saturday, a Sunday or a public holiday (Civil
//! Code art. 115; the holidays, Easter-based ones included, in `domain::calendar`).

use crate::domain::calendar::effective_due_date;
use chrono::{Days, NaiveDate};

/// The day counts in force (`[cases]` of the configuration; the defaults are § 26 of
/// the heating regulation and art. 6c of the Energy Law).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// A complaint's or request's written answer.
    pub answer_days: u32,
    /// After the utility said an investigation is needed.
    pub extended_days: u32,
    /// An art. 6c complaint; not decided by then, it counts as accepted.
    pub disconnection_days: u32,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines {
            answer_days: 14,
            extended_days: 30,
            disconnection_days: 14,
        }
    }
}

/// `days` after `received`, moved past days off.
pub fn deadline_after(received: NaiveDate, days: u32) -> NaiveDate {
    let end = received
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(received);
    effective_due_date(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fourteen_days_moved_past_sundays_and_holidays() {
        // Monday 2 March 2026 + 14 = Monday 16 March: a working day.
        assert_eq!(deadline_after(d(2026, 3, 2), 14), d(2026, 3, 16));
        // Sunday 22 March → Monday 23 March.
        assert_eq!(deadline_after(d(2026, 3, 8), 14), d(2026, 3, 23));
        // Easter Monday 6 April 2026 is a holiday → Tuesday 7 April.
        assert_eq!(deadline_after(d(2026, 3, 23), 14), d(2026, 4, 7));
        // Corpus Christi (Thursday 4 June 2026, Easter + 60) → Friday 5 June.
        assert_eq!(deadline_after(d(2026, 5, 21), 14), d(2026, 6, 5));
        // 24, 25, 26 December 2026 (Thu–Sat), Sunday 27 → Monday 28.
        assert_eq!(deadline_after(d(2026, 12, 10), 14), d(2026, 12, 28));
        // 30 days after extension: 2 March + 30 = 1 April (Wednesday).
        assert_eq!(deadline_after(d(2026, 3, 2), 30), d(2026, 4, 1));
    }
}
