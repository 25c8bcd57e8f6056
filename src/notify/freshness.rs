//! Reminders are about payments, and ebok knows payments only from the billing import.
//! When the last successful import is older than `[notifications] stale_import_days`
//! (the export is stuck), a reminder may be a false alarm for a bill paid since: the
//! scheduler writes none, `/readyz` says degraded and `ebok_reminders_paused` is 1,
//! until an import runs again. With no import recorded at all (data loaded another way,
//! as the demo does) nothing is paused.

use crate::config::Notifications;
use crate::store::Store;
use chrono::{DateTime, Utc};

/// The last import is too old for reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    /// When the last successful import ended.
    pub last_import: DateTime<Utc>,
    /// Whole days since then.
    pub days: i64,
}

impl Stale {
    /// For `/readyz` and the operator.
    pub fn describe(&self) -> String {
        format!(
            "reminders paused: the last successful billing import ended {} days ago ({}); run ebok import",
            self.days,
            self.last_import.format("%Y-%m-%d %H:%M UTC")
        )
    }
}

/// `Some` when the last successful import is older than the configured days at `now`.
pub async fn payments_stale(
    store: &Store,
    settings: &Notifications,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Stale>> {
    let Some(last) = store.import_stats().await?.last_ok else {
        return Ok(None);
    };
    Ok(stale_at(last.finished_at, now, settings.stale_import_days))
}

fn stale_at(last_import: DateTime<Utc>, now: DateTime<Utc>, limit_days: u32) -> Option<Stale> {
    let age = now - last_import;
    (age > chrono::Duration::days(i64::from(limit_days))).then(|| Stale {
        last_import,
        days: age.num_days(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_older_than_the_limit_is_stale_and_one_within_it_is_not() {
        let last: DateTime<Utc> = "2026-12-01T06:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(stale_at(last, at("2026-12-04T06:00:00Z"), 3), None);
        let stale = stale_at(last, at("2026-12-04T06:00:01Z"), 3).unwrap();
        assert_eq!(stale.days, 3);
        assert!(
            stale
                .describe()
                .contains("3 days ago (2026-12-01 06:00 UTC)")
        );
    }
}
