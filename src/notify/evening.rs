//! The evening preview: at `[notifications] evening_at`, for each chat (or address on
//! file) that turned it on, one message about tomorrow — the planned interruptions and
//! maintenance in force that day in the customer's area, and the unpaid bills whose
//! effective due date it is. Nothing is written when there is nothing to say, and no
//! bills are listed while the billing import is stale (they may be paid). The key
//! `evening:<day>:<account>` makes it once per target and day, whichever instance runs;
//! the lease row (`notify_jobs`) keeps two from working at once.

use crate::config::Settings;
use crate::domain::calendar::effective_due_date;
use crate::domain::lang::Lang;
use crate::domain::model::MessageKind;
use crate::domain::notice::{About, DueBill, Evening, Planned, Timing, dedupe_key};
use crate::domain::payload::Payload;
use crate::store::{EveningTarget, Schedule, Store};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// The lease row's name.
pub const JOB: &str = "evening_preview";
const LEASE_MINUTES: i64 = 10;

/// One run as of `now`, when this `holder` gets the lease (`None`: another instance
/// holds it). Returns how many previews it wrote.
pub async fn run_once(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
    holder: &str,
) -> anyhow::Result<Option<u64>> {
    let until = now + chrono::Duration::minutes(LEASE_MINUTES);
    if !store.take_job_lease(JOB, holder, now, until).await? {
        tracing::info!(job = JOB, "another instance is running the evening preview");
        return Ok(None);
    }
    let n = &settings.notifications;
    let timing = Timing::at(now, n.quiet_hours());
    let today = timing.today();
    let tomorrow = today.succ_opt().unwrap_or(today);
    let stale = super::freshness::payments_stale(store, n, now)
        .await?
        .is_some();
    let mut work = Work {
        store,
        tomorrow,
        bills: !stale,
        by_area: HashMap::new(),
        by_customer: HashMap::new(),
    };
    let mut tx = store.begin().await?;
    let mut written = 0;
    for target in store.evening_targets().await? {
        let evening = work.preview(&target).await?;
        if evening.is_empty() {
            continue;
        }
        let lang = Lang::parse(&target.lang).unwrap_or(Lang::Pl);
        let payload = Payload::new(lang, "notify_evening", &evening).to_json();
        let key = dedupe_key(&evening.about.event, &target.channel, &target.recipient);
        let schedule = Schedule {
            priority: 0,
            not_before: Some(timing.now),
        };
        if tx
            .enqueue_scheduled(&key, &target.channel, &target.recipient, &payload, schedule)
            .await?
        {
            written += 1;
        }
    }
    tx.commit().await?;
    store.finish_job(JOB, holder, today, now).await?;
    tracing::info!(job = JOB, %tomorrow, previews = written, bills_listed = !stale, "evening preview written");
    Ok(Some(written))
}

/// What the previews of one run share: tomorrow's announcements per area and bills per
/// customer are read once.
struct Work<'a> {
    store: &'a Store,
    tomorrow: NaiveDate,
    /// False while the billing import is stale: no bills are listed.
    bills: bool,
    by_area: HashMap<String, Vec<Planned>>,
    by_customer: HashMap<i64, Vec<DueBill>>,
}

impl Work<'_> {
    async fn preview(&mut self, target: &EveningTarget) -> anyhow::Result<Evening> {
        let interruptions = match self.by_area.get(&target.area) {
            Some(planned) => planned.clone(),
            None => {
                let planned = self.planned(&target.area).await?;
                self.by_area.insert(target.area.clone(), planned.clone());
                planned
            }
        };
        let bills = match self.by_customer.get(&target.customer_id) {
            Some(bills) => bills.clone(),
            None => {
                let bills = self.due(target.customer_id).await?;
                self.by_customer.insert(target.customer_id, bills.clone());
                bills
            }
        };
        Ok(Evening {
            about: About {
                event: format!("evening:{}:{}", self.tomorrow, target.identifier),
                account: target.identifier.clone(),
                customer: target.customer.clone(),
                customer_name: target.customer_name.clone(),
            },
            date: self.tomorrow,
            interruptions,
            bills,
        })
    }

    /// Planned interruptions and maintenance in force tomorrow in `area`.
    async fn planned(&self, area: &str) -> anyhow::Result<Vec<Planned>> {
        let all = self.store.announcements(area, self.tomorrow).await?;
        Ok(all
            .into_iter()
            .filter(|m| m.ended_at.is_none() && !m.unconfirmed)
            .map(|m| m.announcement)
            .filter(|m| matches!(m.kind, MessageKind::Interruption | MessageKind::Maintenance))
            .map(|m| Planned {
                message_kind: m.kind.as_str().to_string(),
                title: m.title,
                valid_from: m.valid_from,
                valid_to: m.valid_to,
            })
            .collect())
    }

    /// Unpaid bills of the customer whose effective due date is tomorrow (a bill due on
    /// a Saturday is due on Monday, art. 115 KC: at most a few days earlier as printed).
    async fn due(&self, customer_id: i64) -> anyhow::Result<Vec<DueBill>> {
        if !self.bills {
            return Ok(Vec::new());
        }
        let from = self.tomorrow - chrono::Days::new(7);
        let bills = self
            .store
            .unpaid_due_between(customer_id, from, self.tomorrow)
            .await?;
        Ok(bills
            .into_iter()
            .filter(|b| effective_due_date(b.due_date) == self.tomorrow)
            .map(|b| DueBill {
                number: b.number,
                doc_kind: b.kind.as_str().to_string(),
                to_pay_gr: b.to_pay_gr,
            })
            .collect())
    }
}
