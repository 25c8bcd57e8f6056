//! The daily run for the date-driven notices, inside `ebok serve`: "due soon" (N days
//! before a bill's effective due date, art. 115 KC) and "overdue" (from the first working
//! day after it, while unpaid). It runs when `ebok serve` starts and then every day at
//! `[notifications] run_at` (Europe/Warsaw). A run considers every day it may have
//! missed (due-soon until the due date, overdue for `catch_up_days`), so downtime loses
//! nothing. Keys make each notice once per bill and recipient whichever instance runs;
//! a lease row (`notify_jobs`) keeps two instances from doing the same work at once.

use crate::config::Settings;
use crate::domain::calendar::{TZ, effective_due_date};
use crate::domain::clock::Clock;
use crate::domain::interest::accrued;
use crate::domain::model::{CustomerKind, regime_of};
use crate::domain::money::{from_grosze, to_grosze};
use crate::domain::notice::{Kind, ReminderRule, Timing};
use crate::store::Store;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::time::Duration;

/// The lease row's name.
pub const JOB: &str = "bill_reminders";
/// How long a run may hold the lease before another instance may take over.
const LEASE_MINUTES: i64 = 10;

/// What one run wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub bills: usize,
    pub due_soon: u64,
    pub overdue: u64,
    /// Nothing written: the last billing import is too old (`stale_import_days`).
    pub paused: bool,
}

/// The utility's reminder rule from `[notifications]`.
pub fn rule(settings: &crate::config::Notifications) -> ReminderRule {
    ReminderRule {
        max_lead_days: MAX_LEAD_DAYS,
        due_day: settings.due_day_reminder,
        every_days: settings.overdue_every_days,
        times: settings.overdue_times,
        catch_up_days: settings.catch_up_days,
    }
}

/// The longest "due soon" lead a customer may choose (`powiadomienia terminy 14`).
pub const MAX_LEAD_DAYS: u32 = 14;

/// One run as of `now`, when this `holder` gets the lease (`None`: another instance
/// holds it). All notices of the run are written in one transaction.
pub async fn run_once(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
    holder: &str,
) -> anyhow::Result<Option<Summary>> {
    let until = now + chrono::Duration::minutes(LEASE_MINUTES);
    if !store.take_job_lease(JOB, holder, now, until).await? {
        tracing::info!(job = JOB, "another instance is running the reminders");
        return Ok(None);
    }
    let n = &settings.notifications;
    let timing = Timing::at(now, n.quiet_hours());
    let today = timing.today();
    if let Some(stale) = super::freshness::payments_stale(store, n, now).await? {
        // A reminder based on payments this old may be a false alarm: none today.
        tracing::warn!(job = JOB, last_import = %stale.last_import, days = stale.days, "reminders paused: the last billing import is too old");
        crate::metrics::get().set_reminders_paused(true);
        store.finish_job(JOB, holder, today, now).await?;
        return Ok(Some(Summary {
            paused: true,
            ..Summary::default()
        }));
    }
    crate::metrics::get().set_reminders_paused(false);
    let rule = rule(n);
    let horizon = today + chrono::Days::new(u64::from(MAX_LEAD_DAYS));
    let bills = store.unpaid_bills_to_remind(horizon).await?;
    let tables = crate::rates::in_force(store, settings).await?;
    let mut summary = Summary {
        bills: bills.len(),
        ..Summary::default()
    };
    let mut tx = store.begin().await?;
    for bill in &bills {
        let Some(reminding) = rule.on(bill.due_date, today) else {
            continue;
        };
        let effective = effective_due_date(bill.due_date);
        let per_day = match reminding.kind() {
            Kind::Overdue => {
                let customer_kind = bill.customer_kind.parse().unwrap_or(CustomerKind::Person);
                let regime = regime_of(customer_kind, bill.interest_regime.as_deref());
                let one_day = effective.succ_opt().unwrap_or(effective);
                let interest = accrued(
                    from_grosze(bill.to_pay_gr),
                    bill.due_date,
                    one_day,
                    tables.table(regime),
                );
                to_grosze(interest).unwrap_or(0)
            }
            _ => 0,
        };
        let rows = tx
            .fan_out_bill_reminder(
                reminding,
                &bill.number,
                effective,
                per_day,
                n.due_soon_days,
                timing,
            )
            .await?;
        match reminding.kind() {
            Kind::DueSoon => summary.due_soon += rows,
            _ => summary.overdue += rows,
        }
    }
    tx.commit().await?;
    store.finish_job(JOB, holder, today, now).await?;
    tracing::info!(
        job = JOB,
        %today,
        bills = summary.bills,
        due_soon = summary.due_soon,
        overdue = summary.overdue,
        "reminders written"
    );
    Ok(Some(summary))
}

/// The next `run_at` (local time) after `now`.
pub fn next_run(now: DateTime<Utc>, settings: &crate::config::Notifications) -> DateTime<Utc> {
    let local = now.with_timezone(&TZ);
    let mut day = local.date_naive();
    loop {
        let at = TZ
            .from_local_datetime(&day.and_time(settings.run_at))
            .earliest()
            .map(|t| t.with_timezone(&Utc));
        if let Some(at) = at
            && at > now
        {
            return at;
        }
        day = day.succ_opt().unwrap_or(day);
    }
}

/// How often the loop looks at the clock: a run is due when the clock has passed its
/// time, so a clock moved by a test (or a machine woken from sleep) is noticed within
/// this, without sleeping for a day.
const TICK: Duration = Duration::from_secs(1);
/// How soon a run that found the lease taken, or failed, is tried again.
const RETRY: chrono::Duration = chrono::Duration::minutes(1);

/// Runs the reminders at start and daily at `run_at` until the process stops, by the
/// core's clock. A run that found the lease taken, or failed, is retried after a minute
/// until the run of its day is recorded (by this process or another); a daily run
/// another process already made is not made again.
pub async fn run(
    store: Store,
    settings: std::sync::Arc<Settings>,
    clock: Clock,
) -> anyhow::Result<()> {
    let holder = uuid::Uuid::new_v4().simple().to_string();
    let job = Job {
        store: &store,
        settings: &settings,
    };
    let mut due = clock.now();
    // The day the next run is for; `None`: the run at start, which always runs.
    let mut for_day: Option<NaiveDate> = None;
    while !crate::shutdown::requested() {
        let now = clock.now();
        if now >= due {
            let day = for_day.unwrap_or_else(|| local_date(now));
            let done = match for_day {
                Some(day) if job.recorded().await >= Some(day) => true,
                _ => job.attempt(now, day, &holder).await,
            };
            (due, for_day) = if done {
                let next = next_run(now, &settings.notifications);
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
    store: &'a Store,
    settings: &'a Settings,
}

impl Job<'_> {
    /// The last day a run completed, by any process.
    async fn recorded(&self) -> Option<NaiveDate> {
        self.store.job_last_run(JOB).await.ok().flatten()
    }

    /// One run as of `now`; true when the run for `day` is recorded (by this process or
    /// another).
    async fn attempt(&self, now: DateTime<Utc>, day: NaiveDate, holder: &str) -> bool {
        match run_once(self.store, self.settings, now, holder).await {
            Ok(Some(_)) => true,
            Ok(None) => self.recorded().await >= Some(day),
            Err(e) => {
                tracing::error!(job = JOB, error = format!("{e:#}"), "the reminders failed");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_the_next_local_run_at() {
        let s = crate::config::Notifications::default();
        let at = |text: &str| {
            let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
            TZ.from_local_datetime(&naive).unwrap().with_timezone(&Utc)
        };
        assert_eq!(next_run(at("2026-12-01 06:00"), &s), at("2026-12-01 07:00"));
        assert_eq!(next_run(at("2026-12-01 07:00"), &s), at("2026-12-02 07:00"));
    }
}
