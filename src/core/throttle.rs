//! Waits after failed logins and password checks, per identifier and per source.

use crate::core::Ctx;
use chrono::{Duration, Utc};

/// Failures of one identifier before its wait starts to grow; it never exceeds
/// [`ID_MAX_WAIT`], so an attacker cannot lock the real customer out for long.
const ID_FREE_FAILURES: i64 = 5;
const ID_MAX_WAIT: i64 = 60;
/// Failures from one source before its wait doubles, up to [`SRC_MAX_WAIT`].
const SRC_FREE_FAILURES: i64 = 5;
const SRC_MAX_WAIT: i64 = 15 * 60;
/// Failures older than this are forgotten.
const FAILURE_MEMORY_HOURS: i64 = 1;

/// The source key always applies. The identifier key does not apply to a chat this
/// account has logged in from before, so failures an attacker causes elsewhere cannot
/// lock the customer out of their own chat.
pub(crate) fn throttle_keys(ctx: &Ctx<'_>, identifier: &str, trusted: bool) -> Vec<String> {
    let source = format!("src:{}:{}", ctx.origin.channel.as_str(), ctx.origin.source);
    if trusted {
        return vec![source];
    }
    vec![
        format!("id:{}", crate::domain::text::fold(identifier)),
        source,
    ]
}

/// Seconds the user must still wait before trying again, if any.
pub(crate) async fn wait_left(ctx: &Ctx<'_>, keys: &[String]) -> anyhow::Result<Option<i64>> {
    let now = Utc::now();
    let mut left = 0;
    for key in keys {
        if let Some(row) = ctx.core.store().throttle(key).await? {
            left = left.max((row.blocked_until - now).num_milliseconds());
        }
    }
    Ok((left > 0).then(|| (left + 999) / 1000))
}

fn wait_seconds(key: &str, failures: i64, base: i64) -> i64 {
    let (free, max) = if key.starts_with("id:") {
        (ID_FREE_FAILURES, ID_MAX_WAIT)
    } else {
        (SRC_FREE_FAILURES, SRC_MAX_WAIT)
    };
    if failures <= free {
        return base;
    }
    let doublings = u32::try_from((failures - free).min(20)).unwrap_or(20);
    base.saturating_mul(1 << doublings).min(max)
}

/// Records a failure on every key; returns the longest wait now in force.
pub(crate) async fn record_failure(ctx: &Ctx<'_>, keys: &[String]) -> anyhow::Result<i64> {
    let base = ctx.core.settings().security.login_wait_seconds as i64;
    let now = Utc::now();
    let mut longest = base;
    for key in keys {
        let previous = ctx.core.store().throttle(key).await?;
        let failures = match previous {
            Some(row) if now - row.last_failure_at < Duration::hours(FAILURE_MEMORY_HOURS) => {
                row.failures + 1
            }
            _ => 1,
        };
        let wait = wait_seconds(key, failures, base);
        longest = longest.max(wait);
        ctx.core
            .store()
            .set_throttle(key, failures, now + Duration::seconds(wait))
            .await?;
    }
    Ok(longest)
}

#[cfg(test)]
mod tests {
    use super::wait_seconds;

    #[test]
    fn identifier_waits_are_capped_source_waits_grow() {
        assert_eq!(wait_seconds("id:k1", 1, 5), 5);
        assert_eq!(wait_seconds("id:k1", 5, 5), 5);
        assert_eq!(wait_seconds("id:k1", 6, 5), 10);
        assert_eq!(wait_seconds("id:k1", 100, 5), 60);
        assert_eq!(wait_seconds("src:telegram:1", 8, 5), 40);
        assert_eq!(wait_seconds("src:telegram:1", 100, 5), 900);
    }
}
