//! The scheduler's part in cases, run by `ebok serve` every minute by the core's
//! clock (any instance; each step claims its case by a flag, so it happens once):
//! an art. 6c complaint not decided by its deadline counts as accepted (the customer
//! is told at once); the assignee is reminded `remind_days_before` days ahead; all
//! staff are told when a deadline has passed.

use super::common::{notify_customer, notify_staff_of, update_of};
use crate::core::Core;
use crate::domain::case::{CaseState, Outcome};
use crate::store::CaseChange;
use chrono::Days;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Chased {
    pub deemed_accepted: usize,
    pub reminded: usize,
    pub escalated: usize,
}

/// Who the system's own steps are recorded as.
const SYSTEM: &str = "system";

impl Core {
    /// One run of the case chores for today.
    pub async fn chase_cases(&self) -> anyhow::Result<Chased> {
        let today = self.today();
        let mut done = Chased::default();
        for c in self.store().lapsed_disconnection_cases(today).await? {
            let mut tx = self.store().begin_write().await?;
            let Some(c) = tx.case_for_update(&c.number).await? else {
                continue;
            };
            if !c.state.is_open() {
                tx.rollback().await?;
                continue;
            }
            let change = CaseChange {
                state: Some(CaseState::Answered),
                outcome: Some(Outcome::DeemedAccepted),
                ..Default::default()
            };
            tx.change_case(c.id, &change).await?;
            tx.case_event(c.id, SYSTEM, "deemed_accepted", "").await?;
            let mut update = update_of(&c, "deemed_accepted", None);
            update.outcome = Some(Outcome::DeemedAccepted.as_str().into());
            notify_customer(self, &mut tx, &c, update, 0).await?;
            tx.commit().await?;
            tracing::warn!(case = %c.number, "an art. 6c complaint was not decided in time and counts as accepted");
            done.deemed_accepted += 1;
        }
        let days = u64::from(self.settings().cases.remind_days_before);
        let soon = today.checked_add_days(Days::new(days)).unwrap_or(today);
        for c in self.store().cases_to_chase(soon, false).await? {
            let mut tx = self.store().begin_write().await?;
            if tx.mark_case(c.id, false).await? {
                notify_staff_of(self, &mut tx, &c, "due_soon").await?;
                done.reminded += 1;
            }
            tx.commit().await?;
        }
        let yesterday = today.pred_opt().unwrap_or(today);
        for c in self.store().cases_to_chase(yesterday, true).await? {
            let mut tx = self.store().begin_write().await?;
            if tx.mark_case(c.id, true).await? {
                notify_staff_of(self, &mut tx, &c, "overdue").await?;
                tracing::warn!(case = %c.number, deadline = %c.deadline, "a case's deadline has passed");
                done.escalated += 1;
            }
            tx.commit().await?;
        }
        Ok(done)
    }
}

/// How often `ebok serve` runs the case chores (each is cheap when nothing is due).
const EVERY: std::time::Duration = std::time::Duration::from_secs(30);

impl Core {
    /// Runs [`Core::chase_cases`] now and every 30 s until the process stops; a failed
    /// run is logged and tried again at the next turn.
    pub async fn run_case_chores(self) -> anyhow::Result<()> {
        while !crate::shutdown::requested() {
            if let Err(e) = self.chase_cases().await {
                tracing::error!(
                    error = format!("{e:#}"),
                    "the case chores failed; trying again in 30 s"
                );
            }
            tokio::select! {
                () = tokio::time::sleep(EVERY) => {}
                () = crate::shutdown::wait() => {}
            }
        }
        Ok(())
    }
}
