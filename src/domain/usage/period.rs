//! The period a customer asks for: the last 24 months (`zuzycie`), a calendar year
//! (`zuzycie 2025`) or the heating season (`zuzycie sezon`). A season runs from July to
//! June, so each one holds a whole winter (and the tariff year's change on 1 July).

use crate::domain::calendar::YearMonth;
use serde::Serialize;

/// How many months `zuzycie` shows by default.
pub const RECENT_MONTHS: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Recent,
    Year(i32),
    Season,
}

/// The months shown, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub months: Vec<YearMonth>,
    /// For `Season`: the season's first year (2025 for 2025/26).
    pub season: Option<i32>,
}

/// The first year of the season `month` belongs to: July 2025 to June 2026 is 2025.
pub fn season_of(month: YearMonth) -> i32 {
    if month.month >= 7 {
        month.year
    } else {
        month.year - 1
    }
}

impl Period {
    /// The window ending at `latest`: the newest month billed, or this month if nothing
    /// was billed yet.
    pub fn window(self, latest: YearMonth) -> Window {
        match self {
            Period::Recent => {
                let mut months = vec![latest];
                while months.len() < RECENT_MONTHS {
                    let first = months[0].prev();
                    months.insert(0, first);
                }
                Window {
                    months,
                    season: None,
                }
            }
            Period::Year(year) => Window {
                months: (1..=12).map(|month| YearMonth { year, month }).collect(),
                season: None,
            },
            Period::Season => {
                let start = season_of(latest);
                Window {
                    months: season_months(start),
                    season: Some(start),
                }
            }
        }
    }
}

/// July of `start` to June of the next year.
pub fn season_months(start: i32) -> Vec<YearMonth> {
    let mut month = YearMonth {
        year: start,
        month: 7,
    };
    (0..12)
        .map(|_| {
            let this = month;
            month = month.next();
            this
        })
        .collect()
}

/// The same month a year earlier.
pub fn year_before(month: YearMonth) -> YearMonth {
    YearMonth {
        year: month.year - 1,
        month: month.month,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(year: i32, month: u32) -> YearMonth {
        YearMonth { year, month }
    }

    #[test]
    fn windows_end_where_asked() {
        let recent = Period::Recent.window(ym(2025, 11));
        assert_eq!(recent.months.len(), 24);
        assert_eq!(recent.months[0], ym(2023, 12));
        assert_eq!(recent.months[23], ym(2025, 11));
        let year = Period::Year(2025).window(ym(2026, 3));
        assert_eq!(
            (year.months[0], year.months[11]),
            (ym(2025, 1), ym(2025, 12))
        );
        let season = Period::Season.window(ym(2026, 2));
        assert_eq!(season.season, Some(2025));
        assert_eq!(
            (season.months[0], season.months[11]),
            (ym(2025, 7), ym(2026, 6))
        );
        assert_eq!(season_of(ym(2025, 6)), 2024);
    }
}
