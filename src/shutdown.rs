//! The process-wide stop request (SIGTERM / Ctrl-C in `ebok serve`). Every loop that
//! takes new work — polling, IDLE, outbox workers — stops taking it once the stop is
//! requested, and finishes what it holds; `serve` waits for that up to the grace period.

use std::sync::OnceLock;
use tokio::sync::watch;

fn channel() -> &'static watch::Sender<bool> {
    static STOP: OnceLock<watch::Sender<bool>> = OnceLock::new();
    STOP.get_or_init(|| watch::channel(false).0)
}

/// Asks every part to stop taking new work.
pub fn request() {
    channel().send_replace(true);
}

/// A stop has been requested.
pub fn requested() -> bool {
    *channel().borrow()
}

/// Returns once a stop is requested (at once when it already was).
pub async fn wait() {
    let mut rx = channel().subscribe();
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Outbox rows this process has claimed and not yet finished: released at shutdown when
/// the grace period ends before their delivery does.
pub mod claims {
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    static HELD: Mutex<BTreeSet<i64>> = Mutex::new(BTreeSet::new());

    pub fn hold(id: i64) {
        if let Ok(mut held) = HELD.lock() {
            held.insert(id);
        }
    }

    pub fn done(id: i64) {
        if let Ok(mut held) = HELD.lock() {
            held.remove(&id);
        }
    }

    pub fn held() -> Vec<i64> {
        HELD.lock()
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default()
    }
}
