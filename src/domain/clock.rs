//! The process's "now": the system clock, which tests move forward (a lease that runs
//! out, a retry that falls due, the scheduler's daily run) instead of waiting for it.
//! In-process tests set it directly; tests of a running `ebok serve` point
//! `[app] test_clock_file` at a file they rewrite ([`Clock::from_file`]).

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

/// The system clock plus an offset shared by every copy of one `Clock`; or, for tests
/// of whole processes, the instant written in a file, running on from when it was
/// written.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    file: Option<Arc<PathBuf>>,
}

impl Clock {
    /// A clock read from `path` (tests only, `[app] test_clock_file`): the file holds an
    /// RFC 3339 instant, which is "now" when the file was last written; the clock runs
    /// on from there in real time. A file that is missing or unreadable: the system
    /// clock.
    pub fn from_file(path: &Path) -> Clock {
        tracing::warn!(
            file = %path.display(),
            "the clock is read from a file ([app] test_clock_file): for tests only"
        );
        Clock {
            offset_ms: Arc::default(),
            file: Some(Arc::new(path.to_path_buf())),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let base = self
            .file
            .as_deref()
            .and_then(|p| read_file_clock(p))
            .unwrap_or_else(Utc::now);
        base + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Sets this clock (and its copies) to `at`; it runs on from there.
    pub fn set(&self, at: DateTime<Utc>) {
        // Rounded up to the millisecond: the clock never reads before `at` (a clock set
        // to 12:30 must not show 12:29:59.999).
        let diff = at - self.now();
        let mut ms = diff.num_milliseconds();
        if diff > chrono::Duration::milliseconds(ms) {
            ms += 1;
        }
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Moves this clock (and its copies) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

/// Writes `at` as the time of the clocks reading `path` (tests of a running process).
pub fn write_file_clock(path: &Path, at: DateTime<Utc>) -> std::io::Result<()> {
    // Written aside and renamed, so a reader never sees half a line.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at.to_rfc3339())?;
    std::fs::rename(&tmp, path)
}

fn read_file_clock(path: &Path) -> Option<DateTime<Utc>> {
    let text = std::fs::read_to_string(path).ok()?;
    let written = std::fs::metadata(path).ok()?.modified().ok()?;
    let at = DateTime::parse_from_rfc3339(text.trim()).ok()?;
    let since = SystemTime::now()
        .duration_since(written)
        .unwrap_or_default();
    Some(at.with_timezone(&Utc) + chrono::Duration::from_std(since).unwrap_or_default())
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

    #[test]
    fn a_file_clock_follows_the_file_and_runs_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clock");
        let clock = Clock::from_file(&path);
        assert!(
            (clock.now() - Utc::now()).num_seconds().abs() < 5,
            "no file"
        );
        let at = DateTime::parse_from_rfc3339("2025-03-17T07:00:00+01:00")
            .unwrap()
            .with_timezone(&Utc);
        write_file_clock(&path, at).unwrap();
        let now = clock.clone().now();
        assert!(
            now >= at && now - at < chrono::Duration::seconds(5),
            "{now}"
        );
        let later = at + chrono::Duration::days(1);
        write_file_clock(&path, later).unwrap();
        assert!(clock.now() >= later, "moved");
    }
}
