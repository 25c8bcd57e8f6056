//! The utility's calendar: local dates in Europe/Warsaw, Polish public holidays,
//! working days (Civil Code art. 115) and calendar months.

use chrono::{Datelike, NaiveDate};

pub const TZ: chrono_tz::Tz = chrono_tz::Europe::Warsaw;

/// Today's date in Warsaw.
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&TZ).date_naive()
}

/// Statutory public holidays in Poland (the act of 18 January 1951 on days off work, as
/// amended): the fixed days, the Easter-based ones (computed for any year), Epiphany from
/// 2011 and Christmas Eve from 2025. Earlier changes (3 May restored in 1990, 22 July
/// dropped then) predate any bill ebok shows, so the rule holds for 1990 onwards.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let fixed = match (m, d) {
        (1, 1) | (5, 1) | (5, 3) | (8, 15) | (11, 1) | (11, 11) | (12, 25) | (12, 26) => true,
        // Epiphany is a day off again since 2011, Christmas Eve since 2025.
        (1, 6) => y >= 2011,
        (12, 24) => y >= 2025,
        _ => false,
    };
    if fixed {
        return true;
    }
    let Some(easter) = easter_sunday(y) else {
        return false;
    };
    // Easter Monday, Pentecost Sunday (+49) and Corpus Christi (+60).
    [0, 1, 49, 60]
        .iter()
        .any(|&offset| easter + chrono::Days::new(offset) == date)
}

/// Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
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

/// The earliest date on a document whose effective due date is `day` or later: `day`
/// itself, or earlier when the days just before it are days off (a bill due Saturday
/// 31 January is payable on Monday 2 February, so it belongs to February).
pub fn earliest_due_payable_from(day: NaiveDate) -> NaiveDate {
    let mut first = day;
    while let Some(before) = first.pred_opt().filter(|d| !is_working_day(*d)) {
        first = before;
    }
    first
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
        let text = text.trim();
        let (year, month) = if let Some((y, m)) = text.split_once('-') {
            (y, m)
        } else if let Some((m, y)) = text.split_once(['.', '/']) {
            (y, m)
        } else {
            return None;
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || !all_digits(year) || month.len() > 2 || !all_digits(month) {
            return None;
        }
        let ym = YearMonth {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
        };
        (1..=12).contains(&ym.month).then_some(ym)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_dates_are_right() {
        // Checked against a printed church calendar.
        for (y, m, d) in [
            (2019, 4, 21),
            (2022, 4, 17),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(y), Some(ymd(y, m, d)), "{y}");
        }
    }

    #[test]
    fn holidays_of_2025() {
        let expected = [
            (1, 1),
            (1, 6),
            (4, 20),
            (4, 21),
            (5, 1),
            (5, 3),
            (6, 8),
            (6, 19),
            (8, 15),
            (11, 1),
            (11, 11),
            (12, 24),
            (12, 25),
            (12, 26),
        ];
        let mut found = Vec::new();
        let mut d = ymd(2025, 1, 1);
        while d.year() == 2025 {
            if is_public_holiday(d) {
                found.push((d.month(), d.day()));
            }
            d = d.succ_opt().unwrap();
        }
        assert_eq!(found, expected);
    }

    #[test]
    fn christmas_eve_only_from_2025() {
        assert!(!is_public_holiday(ymd(2024, 12, 24)));
        assert!(is_public_holiday(ymd(2025, 12, 24)));
        assert!(!is_public_holiday(ymd(2010, 1, 6)));
        assert!(is_public_holiday(ymd(2011, 1, 6)));
    }

    #[test]
    fn due_dates_move_past_weekends_and_holidays() {
        // Saturday 2025-05-03 (also a holiday) -> Monday 5 May
        assert_eq!(effective_due_date(ymd(2025, 5, 3)), ymd(2025, 5, 5));
        // Thursday 2025-05-01 -> Friday 2 May
        assert_eq!(effective_due_date(ymd(2025, 5, 1)), ymd(2025, 5, 2));
        // Wednesday 2025-12-24 -> 25, 26 holidays, 27-28 weekend -> Monday 29
        assert_eq!(effective_due_date(ymd(2025, 12, 24)), ymd(2025, 12, 29));
        // Easter Monday 2026-04-06 -> Tuesday
        assert_eq!(effective_due_date(ymd(2026, 4, 6)), ymd(2026, 4, 7));
        // a working day stays
        assert_eq!(effective_due_date(ymd(2025, 3, 14)), ymd(2025, 3, 14));
    }

    /// The public holidays of `year` as (month, day).
    fn holidays(year: i32) -> Vec<(u32, u32)> {
        let mut found = Vec::new();
        let mut d = ymd(year, 1, 1);
        while d.year() == year {
            if is_public_holiday(d) {
                found.push((d.month(), d.day()));
            }
            d = d.succ_opt().unwrap();
        }
        found
    }

    #[test]
    fn holidays_of_2026_and_2027() {
        // Easter 5 April 2026 and 28 March 2027 (with Easter Monday, Pentecost and
        // Corpus Christi), the fixed days, and Christmas Eve.
        let fixed_end = [(8, 15), (11, 1), (11, 11), (12, 24), (12, 25), (12, 26)];
        let mut y2026 = vec![
            (1, 1),
            (1, 6),
            (4, 5),
            (4, 6),
            (5, 1),
            (5, 3),
            (5, 24),
            (6, 4),
        ];
        y2026.extend(fixed_end);
        assert_eq!(holidays(2026), y2026);
        let mut y2027 = vec![
            (1, 1),
            (1, 6),
            (3, 28),
            (3, 29),
            (5, 1),
            (5, 3),
            (5, 16),
            (5, 27),
        ];
        y2027.extend(fixed_end);
        assert_eq!(holidays(2027), y2027);
    }

    #[test]
    fn the_due_dates_of_the_winter_of_2026() {
        for ((y, m, d), (ey, em, ed)) in [
            ((2026, 10, 31), (2026, 11, 2)), // Saturday, then All Saints' Sunday
            ((2026, 11, 14), (2026, 11, 16)),
            ((2026, 12, 12), (2026, 12, 14)),
            ((2026, 12, 20), (2026, 12, 21)),
            ((2026, 12, 24), (2026, 12, 28)), // Christmas Eve, Christmas, weekend
            ((2027, 1, 6), (2027, 1, 7)),
            ((2027, 1, 31), (2027, 2, 1)),
            ((2026, 12, 15), (2026, 12, 15)),
        ] {
            assert_eq!(
                effective_due_date(ymd(y, m, d)),
                ymd(ey, em, ed),
                "{y}-{m}-{d}"
            );
        }
    }

    #[test]
    fn a_month_starts_with_the_days_off_before_it() {
        // Monday 2 February 2026: Saturday 31 January and Sunday 1 February move to it.
        assert_eq!(earliest_due_payable_from(ymd(2026, 2, 1)), ymd(2026, 1, 31));
        // Monday 2 November 2026: Saturday 31 October, All Saints' Sunday.
        assert_eq!(
            earliest_due_payable_from(ymd(2026, 11, 1)),
            ymd(2026, 10, 31)
        );
        // Friday 1 January 2027 (a holiday) after Thursday 31 December: none before.
        assert_eq!(earliest_due_payable_from(ymd(2027, 1, 1)), ymd(2027, 1, 1));
        // Monday 28 December 2026 takes the 24th to the 27th; Tuesday the 29th nothing.
        assert_eq!(
            earliest_due_payable_from(ymd(2026, 12, 29)),
            ymd(2026, 12, 29)
        );
        assert_eq!(
            earliest_due_payable_from(ymd(2026, 12, 28)),
            ymd(2026, 12, 24)
        );
        for first in [ymd(2026, 2, 1), ymd(2026, 11, 1), ymd(2026, 12, 28)] {
            let from = earliest_due_payable_from(first);
            assert!(effective_due_date(from) >= first);
            assert!(effective_due_date(from.pred_opt().unwrap()) < first);
        }
    }

    #[test]
    fn year_month_parses_three_spellings() {
        let march = Some(YearMonth {
            year: 2025,
            month: 3,
        });
        assert_eq!(YearMonth::parse("2025-03"), march);
        assert_eq!(YearMonth::parse(" 2025-3 "), march);
        assert_eq!(YearMonth::parse("03.2025"), march);
        assert_eq!(YearMonth::parse("3/2025"), march);
        for bad in [
            "2025-13",
            "2025-00",
            "25-03",
            "2025",
            "marzec",
            "2025-03-01",
            "",
            "-1.2025",
        ] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_step_over_year_ends() {
        let dec = YearMonth::parse("2024-12").unwrap();
        assert_eq!(dec.next().to_string(), "2025-01");
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(dec.last_day(), ymd(2024, 12, 31));
        assert_eq!(
            YearMonth::parse("2024-02").unwrap().last_day(),
            ymd(2024, 2, 29)
        );
    }
}
