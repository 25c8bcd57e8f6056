//! The outbox's "now": the system clock, which tests move forward (a lease that runs
//! out, a retry that falls due) instead of waiting for it.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The system clock plus an offset shared by every copy of one `Clock`.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Sets this clock (and its copies) to `at`; it runs on from there.
    pub fn set(&self, at: DateTime<Utc>) {
        let ms = (at - Utc::now()).num_milliseconds();
        self.offset_ms.store(ms, Ordering::SeqCst);
    }

    /// Moves this clock (and its copies) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_move_together() {
        let a = Clock::default();
        let b = a.clone();
        a.advance(Duration::from_secs(3600));
        let ahead = b.now() - Utc::now();
        assert!(ahead > chrono::Duration::minutes(59), "{ahead}");
    }
}
