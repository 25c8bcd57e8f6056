//! Telegram's flood limits, modelled (off unless a test switches them on with
//! [`crate::FakeTelegram::enforce_limits`]).
//!
//! Telegram does not publish its algorithm; its FAQ says a bot should not send more than
//! about 30 messages a second in total and about one a second to one chat, that short
//! bursts pass, and that paid broadcasts (`allow_paid_broadcast`) may go up to 1,000 a
//! second. The model is a token bucket per limit, counted when the request arrives
//! (GCRA: a request is refused when it comes earlier than its bucket allows):
//!
//! - over all chats: 30/s, a bucket of 10 (a third of a second's messages may arrive
//!   together, then the pace holds);
//! - per chat: 1/s, a bucket of 3 (a reply in three parts passes, a fourth waits);
//! - paid broadcasts (messages with `allow_paid_broadcast`): 1,000/s, a bucket of 100,
//!   instead of the free limit over all chats; the per-chat limit still applies.
//!
//! A refused request gets 429 "Too Many Requests: retry after N" with N the whole seconds
//! (at least 1) until its bucket would take it, and is counted as a violation. Messages
//! (sends and edits) count; other methods do not. [`Limits::scaled`] multiplies every
//! rate so a benchmark runs in minutes, and the shared buckets with it (the same jitter
//! in time is tolerated).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::types::ApiError;

/// Rates and buckets of the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub total_per_second: f64,
    pub total_burst: f64,
    pub chat_per_second: f64,
    pub chat_burst: f64,
    pub paid_per_second: f64,
    pub paid_burst: f64,
}

impl Limits {
    /// Telegram's limits as modelled above.
    pub fn telegram() -> Limits {
        Limits {
            total_per_second: 30.0,
            total_burst: 10.0,
            chat_per_second: 1.0,
            chat_burst: 3.0,
            paid_per_second: 1000.0,
            paid_burst: 100.0,
        }
    }

    /// Every rate times `factor`. The shared buckets grow with it, so that they tolerate
    /// the same jitter in time as at Telegram's own rates (0.3 s over all chats, 0.1 s for
    /// paid broadcasts): at 300 messages a second a bucket of 10 would tolerate 30 ms, and a busy test machine stalling a sender or the fake for longer
    /// would count as a broken limit although nothing was sent too fast. The per-chat
    /// bucket stays (its interval is long enough: 2 s at 1/s, 200 ms at 10/s).
    pub fn scaled(self, factor: f64) -> Limits {
        let grown = |burst: f64| 1.0 + (burst - 1.0) * factor.max(1.0);
        Limits {
            total_per_second: self.total_per_second * factor,
            total_burst: grown(self.total_burst),
            chat_per_second: self.chat_per_second * factor,
            paid_per_second: self.paid_per_second * factor,
            paid_burst: grown(self.paid_burst),
            ..self
        }
    }
}

/// One bucket's state: the theoretical arrival time of the next conforming request.
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    tat: Option<Instant>,
}

impl Bucket {
    /// Takes the request arriving `now`, or says how long until it would be taken.
    fn take(&mut self, now: Instant, per_second: f64, burst: f64) -> Result<(), Duration> {
        let interval = Duration::from_secs_f64(1.0 / per_second.max(1e-9));
        let tolerance = interval.mul_f64((burst - 1.0).max(0.0));
        let tat = self.tat.unwrap_or(now).max(now);
        let earliest = tat.checked_sub(tolerance).unwrap_or(now);
        if now < earliest {
            return Err(earliest - now);
        }
        self.tat = Some(tat + interval);
        Ok(())
    }

    /// Whether `now` would be taken (nothing is recorded).
    fn check(&self, now: Instant, per_second: f64, burst: f64) -> Result<(), Duration> {
        self.clone().take(now, per_second, burst)
    }
}

/// The model's state.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub limits: Limits,
    total: Bucket,
    paid: Bucket,
    chats: HashMap<i64, Bucket>,
    pub violations: usize,
    pub accepted: usize,
    pub first_accepted: Option<Instant>,
    pub last_accepted: Option<Instant>,
}

impl Model {
    pub fn new(limits: Limits) -> Model {
        Model {
            limits,
            total: Bucket::default(),
            paid: Bucket::default(),
            chats: HashMap::new(),
            violations: 0,
            accepted: 0,
            first_accepted: None,
            last_accepted: None,
        }
    }

    /// Counts a message to `chat` (`paid`: sent with `allow_paid_broadcast`), or refuses
    /// it with 429.
    pub fn admit(&mut self, chat: i64, paid: bool) -> Result<(), ApiError> {
        let now = Instant::now();
        let l = self.limits;
        let chat_bucket = self.chats.entry(chat).or_default();
        let (shared, rate, burst) = if paid {
            (&mut self.paid, l.paid_per_second, l.paid_burst)
        } else {
            (&mut self.total, l.total_per_second, l.total_burst)
        };
        // Both buckets must take it; neither is charged for a refused request.
        let verdict = chat_bucket
            .check(now, l.chat_per_second, l.chat_burst)
            .and(shared.check(now, rate, burst));
        if let Err(wait) = verdict {
            self.violations += 1;
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u32;
            return Err(ApiError::retry(seconds));
        }
        let _ = chat_bucket.take(now, l.chat_per_second, l.chat_burst);
        let _ = shared.take(now, rate, burst);
        self.accepted += 1;
        self.first_accepted.get_or_insert(now);
        self.last_accepted = Some(now);
        Ok(())
    }
}

/// What the model saw (see [`crate::FakeTelegram::limit_stats`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimitStats {
    /// Messages refused with 429 because they broke a limit.
    pub violations: usize,
    /// Messages taken.
    pub accepted: usize,
    /// Seconds from the first taken message to the last.
    pub span_seconds: f64,
    /// When the first message was taken.
    pub first: Option<Instant>,
}

impl Model {
    pub fn stats(&self) -> LimitStats {
        let span = match (self.first_accepted, self.last_accepted) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => 0.0,
        };
        LimitStats {
            violations: self.violations,
            accepted: self.accepted,
            span_seconds: span,
            first: self.first_accepted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_pace_holds() {
        let mut m = Model::new(Limits::telegram());
        for chat in 0..10 {
            m.admit(chat, false).unwrap();
        }
        let e = m.admit(99, false).unwrap_err();
        assert_eq!((e.code, e.retry_after), (429, Some(1)));
        assert_eq!(m.violations, 1);
    }

    #[test]
    fn scaled_limits_tolerate_the_same_jitter_in_time_and_no_more() {
        // 300/s over all chats with 0.3 s of tolerance (as 30/s with a bucket of 10):
        // 91 pass at once, the 92nd is refused; one chat still gets 3 at once, not 4.
        let mut m = Model::new(Limits::telegram().scaled(10.0));
        for chat in 0..91 {
            m.admit(chat, false).unwrap();
        }
        assert!(m.admit(91, false).is_err());
        let mut m = Model::new(Limits::telegram().scaled(10.0));
        for _ in 0..3 {
            m.admit(7, false).unwrap();
        }
        assert!(m.admit(7, false).is_err());
    }

    #[test]
    fn one_chat_gets_three_at_once_not_four() {
        let mut m = Model::new(Limits::telegram());
        for _ in 0..3 {
            m.admit(7, false).unwrap();
        }
        assert!(m.admit(7, false).is_err());
        assert!(m.admit(8, false).is_ok());
    }

    #[test]
    fn paid_messages_have_their_own_limit() {
        let mut m = Model::new(Limits::telegram());
        for chat in 0..100 {
            m.admit(chat, true).unwrap();
        }
        assert!(m.admit(1000, true).is_err());
        assert!(m.admit(1001, false).is_ok());
    }
}
