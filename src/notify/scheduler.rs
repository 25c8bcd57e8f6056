//! The daily run for the date-driven notices, inside `ebok serve`: "due soon" (N days
//! before a bill's effective due date, art. 115 KC) and "overdue" (from the first working
//! day after it, while unpaid). It runs when `ebok serve` starts and then every day at
//! `[notifications] run_at` (Europe/Warsaw). A run considers every day it may have
//! missed (due-soon until the due date, overdue for `catch_up_days`), so downtime loses
//! nothing. Keys make each notice once per bill and recipient whichever instance runs;
//! a lease row (`notify_jobs`) keeps two instances from doing the same work at once.

use crate::config::Settings;
use crate::domain::calendar::effective_due_date;
use crate::domain::interest::accrued;
use crate::domain::model::{CustomerKind, regime_of};
use crate::domain::money::{from_grosze, to_grosze};
use crate::domain::notice::{Kind, ReminderRule, Timing};
use crate::store::Store;
use chrono::{DateTime, Utc};

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
    crate::domain::notice::next_local_time(now, settings.run_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::TZ;
    use chrono::TimeZone;

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
