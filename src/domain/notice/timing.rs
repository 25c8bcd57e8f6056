//! When a notice written now may go: quiet hours (Europe/Warsaw local time) and the
//! urgent notices they do not hold.

use crate::domain::calendar::TZ;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

/// The daily window of quiet hours (local time, Europe/Warsaw): from `from` until `to`;
/// it may span midnight (21:00–08:00) or not (13:00–15:00); equal ends: none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

/// When notices written now may be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub now: DateTime<Utc>,
    /// `now`, or the end of the quiet hours when `now` falls in them: the earliest a
    /// non-urgent notice goes to a recipient who keeps quiet hours.
    pub held_until: DateTime<Utc>,
}

impl Timing {
    pub fn at(now: DateTime<Utc>, quiet: QuietHours) -> Timing {
        Timing {
            now,
            held_until: quiet_until(now, quiet).unwrap_or(now),
        }
    }

    /// For an urgent notice: quiet hours do not hold it.
    pub fn urgent(self) -> Timing {
        Timing {
            now: self.now,
            held_until: self.now,
        }
    }

    /// The local date of `now`.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&TZ).date_naive()
    }
}

/// The end of the quiet hours `now` falls in (local time), or `None` outside them.
pub fn quiet_until(now: DateTime<Utc>, quiet: QuietHours) -> Option<DateTime<Utc>> {
    let (from, to) = (quiet.from, quiet.to);
    if from == to {
        return None;
    }
    let local = now.with_timezone(&TZ);
    let time = local.time();
    let date = local.date_naive();
    let end_date = if from < to {
        if time < from || time >= to {
            return None;
        }
        date
    } else if time >= from {
        date.succ_opt()?
    } else if time < to {
        date
    } else {
        return None;
    };
    let end = end_date.and_time(to);
    // A time skipped by the clock change does not exist: take the earliest valid one.
    TZ.from_local_datetime(&end)
        .earliest()
        .or_else(|| {
            TZ.from_local_datetime(&(end + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// The first `at` (local time, Europe/Warsaw) after `now`: a daily job's next run.
pub fn next_local_time(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let local = now.with_timezone(&TZ);
    let mut day = local.date_naive();
    loop {
        let when = TZ
            .from_local_datetime(&day.and_time(at))
            .earliest()
            .map(|t| t.with_timezone(&Utc));
        if let Some(when) = when
            && when > now
        {
            return when;
        }
        day = day.succ_opt().unwrap_or(day);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warsaw(s: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        TZ.from_local_datetime(&naive).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn quiet_hours_span_midnight_and_end_in_the_morning() {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let s = QuietHours {
            from: hm(21, 0),
            to: hm(8, 0),
        };
        assert_eq!(quiet_until(warsaw("2026-12-01 20:59"), s), None);
        assert_eq!(
            quiet_until(warsaw("2026-12-01 21:00"), s),
            Some(warsaw("2026-12-02 08:00"))
        );
        assert_eq!(
            quiet_until(warsaw("2026-12-02 03:10"), s),
            Some(warsaw("2026-12-02 08:00"))
        );
        assert_eq!(quiet_until(warsaw("2026-12-02 08:00"), s), None);
        let day = QuietHours {
            from: hm(13, 0),
            to: hm(15, 0),
        };
        assert_eq!(
            quiet_until(warsaw("2026-12-02 14:00"), day),
            Some(warsaw("2026-12-02 15:00"))
        );
        assert_eq!(quiet_until(warsaw("2026-12-02 12:00"), day), None);
    }
}
