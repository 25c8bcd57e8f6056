//! The utility's calendar: local dates in Europe/Warsaw, Polish public holidays,
//! working days (Civil Code art. 115) and calendar months.
//! OWNER: domain helper — signatures are fixed, bodies to be completed with tests.

use chrono::{Datelike, NaiveDate};

pub const TZ: chrono_tz::Tz = chrono_tz::Europe::Warsaw;

/// Today's date in Warsaw.
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&TZ).date_naive()
}

/// Statutory public holidays in Poland (including Easter-based ones and 24 December from 2025).
pub fn is_public_holiday(date: NaiveDate) -> bool {
    let _ = date;
    todo!("domain helper")
}

/// Neither Saturday, Sunday nor a public holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun)
        && !is_public_holiday(date)
}

/// A due date falling on a Saturday or a day off moves to the next working day (art. 115 KC).
pub fn effective_due_date(due: NaiveDate) -> NaiveDate {
    let mut d = due;
    while !is_working_day(d) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// A calendar month, as in `2025-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }
    /// Parses `YYYY-MM` (also `MM.YYYY` and `MM/YYYY`).
    pub fn parse(text: &str) -> Option<YearMonth> {
        let _ = text;
        todo!("domain helper")
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }
    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
    pub fn prev(self) -> YearMonth {
        if self.month == 1 {
            YearMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}
