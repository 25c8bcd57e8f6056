//! The daily jobs of `ebok serve`, by the core's clock: the payment reminders (at
//! `[notifications] run_at`, and at every start, so downtime loses nothing) and the
//! evening preview (at `evening_at`; at a start after that time only when the day's run
//! is not recorded yet). A run that found the lease taken, or failed, is retried after a
//! minute until the run of its day is recorded, by this process or another; a run
//! another process already made is not made again.

use crate::config::Settings;
use crate::domain::calendar::TZ;
use crate::domain::clock::Clock;
use crate::domain::notice::next_local_time;
use crate::store::Store;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use std::time::Duration;

/// How often the loop looks at the clock: a run is due when the clock has passed its
/// time, so a clock moved by a test (or a machine woken from sleep) is noticed within
/// this, without sleeping for a day.
const TICK: Duration = Duration::from_secs(1);
/// How soon a run that found the lease taken, or failed, is tried again.
const RETRY: chrono::Duration = chrono::Duration::minutes(1);

/// One of the daily jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daily {
    Reminders,
    Evening,
}

impl Daily {
    /// The lease row's name (`notify_jobs.job`).
    pub fn job(self) -> &'static str {
        match self {
            Daily::Reminders => super::scheduler::JOB,
            Daily::Evening => super::evening::JOB,
        }
    }

    /// Its local time of day.
    fn at(self, settings: &Settings) -> NaiveTime {
        match self {
            Daily::Reminders => settings.notifications.run_at,
            Daily::Evening => settings.notifications.evening_at,
        }
    }

    /// One run as of `now`: `Some` when it ran, `None` when another instance holds it.
    async fn run_once(
        self,
        store: &Store,
        settings: &Settings,
        now: DateTime<Utc>,
        holder: &str,
    ) -> anyhow::Result<Option<()>> {
        Ok(match self {
            Daily::Reminders => super::scheduler::run_once(store, settings, now, holder)
                .await?
                .map(|_| ()),
            Daily::Evening => super::evening::run_once(store, settings, now, holder)
                .await?
                .map(|_| ()),
        })
    }
}

/// Runs `daily` until the process stops.
pub async fn run(
    daily: Daily,
    store: Store,
    settings: std::sync::Arc<Settings>,
    clock: Clock,
) -> anyhow::Result<()> {
    let holder = uuid::Uuid::new_v4().simple().to_string();
    let job = Job {
        daily,
        store: &store,
        settings: &settings,
    };
    let start = clock.now();
    let at = daily.at(&settings);
    // The first run and the day it is for: the reminders run at start; the evening
    // preview at start only when today's time has passed and nobody made today's run.
    let (mut due, mut for_day) = match daily {
        Daily::Reminders => (start, None),
        Daily::Evening => {
            let today = local_date(start);
            let todays = TZ
                .from_local_datetime(&today.and_time(at))
                .earliest()
                .map(|t| t.with_timezone(&Utc));
            match todays {
                Some(t) if t <= start => (start, Some(today)),
                _ => {
                    let next = next_local_time(start, at);
                    (next, Some(local_date(next)))
                }
            }
        }
    };
    while !crate::shutdown::requested() {
        let now = clock.now();
        if now >= due {
            let day = for_day.unwrap_or_else(|| local_date(now));
            let done = match for_day {
                Some(day) if job.recorded().await >= Some(day) => true,
                _ => job.attempt(now, day, &holder).await,
            };
            (due, for_day) = if done {
                let next = next_local_time(now, at);
                (next, Some(local_date(next)))
            } else {
                (now + RETRY, Some(day))
            };
        }
        tokio::select! {
            () = tokio::time::sleep(TICK) => {}
            () = crate::shutdown::wait() => {}
        }
    }
    Ok(())
}

fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&TZ).date_naive()
}

/// What the daily loop works with.
struct Job<'a> {
    daily: Daily,
    store: &'a Store,
    settings: &'a Settings,
}

impl Job<'_> {
    /// The last day a run completed, by any process.
    async fn recorded(&self) -> Option<NaiveDate> {
        self.store
            .job_last_run(self.daily.job())
            .await
            .ok()
            .flatten()
    }

    /// One run as of `now`; true when the run for `day` is recorded (by this process or
    /// another).
    async fn attempt(&self, now: DateTime<Utc>, day: NaiveDate, holder: &str) -> bool {
        match self
            .daily
            .run_once(self.store, self.settings, now, holder)
            .await
        {
            Ok(Some(())) => true,
            Ok(None) => self.recorded().await >= Some(day),
            Err(e) => {
                tracing::error!(
                    job = self.daily.job(),
                    error = format!("{e:#}"),
                    "a daily notification run failed"
                );
                false
            }
        }
    }
}
