//! Which reminder of an unpaid bill is due on a day: "due soon" some days before its
//! effective due date (art. 115 KC), one on the due day, then "overdue" every few days a
//! limited number of times — each a notice of its own (its own event key), so each goes
//! once, and a run that missed days (downtime) writes only the latest one still due.

use super::kind::Kind;
use crate::domain::calendar::{effective_due_date, is_working_day};
use chrono::NaiveDate;

/// The utility's rule (`[notifications]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRule {
    /// The longest "due soon" lead any account may have chosen (days); each account's
    /// own lead is applied when the notices are written.
    pub max_lead_days: u32,
    /// A reminder on the due day itself.
    pub due_day: bool,
    /// Overdue: every this many days…
    pub every_days: u32,
    /// … this many times at most.
    pub times: u32,
    /// A reminder missed by downtime is still written this many days late.
    pub catch_up_days: u32,
}

/// One reminder of a bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminding {
    /// Before the effective due date, this many days ahead (0 on the due day when there
    /// is no reminder of its own for it).
    DueSoon { days_left: u32 },
    /// On the effective due date.
    DueToday,
    /// After it: the `round`-th reminder (from 1) of at most `rounds`.
    Overdue { round: u32, rounds: u32 },
}

impl Reminding {
    /// The kind a customer turns on for it.
    pub fn kind(self) -> Kind {
        match self {
            Reminding::DueSoon { .. } | Reminding::DueToday => Kind::DueSoon,
            Reminding::Overdue { .. } => Kind::Overdue,
        }
    }

    /// The event key of this reminder of bill `number`: unique per reminder, so each
    /// goes once (the first overdue one keeps the key it always had).
    pub fn event_key(self, number: &str) -> String {
        match self {
            Reminding::DueSoon { .. } => format!("due_soon:{number}"),
            Reminding::DueToday => format!("due_soon:{number}:today"),
            Reminding::Overdue { round: 1, .. } => format!("overdue:{number}"),
            Reminding::Overdue { round, .. } => format!("overdue:{number}:{round}"),
        }
    }
}

impl ReminderRule {
    /// The reminder of a bill due (as printed) on `due` that is due on `today`, if any.
    pub fn on(&self, due: NaiveDate, today: NaiveDate) -> Option<Reminding> {
        let effective = effective_due_date(due);
        let days_left = (effective - today).num_days();
        if days_left == 0 && self.due_day {
            return Some(Reminding::DueToday);
        }
        if (0..=i64::from(self.max_lead_days)).contains(&days_left) {
            let days_left = u32::try_from(days_left).unwrap_or(0);
            return Some(Reminding::DueSoon { days_left });
        }
        let first = first_working_day_after(effective);
        let late = u32::try_from((today - first).num_days()).ok()?;
        if self.times == 0 {
            return None;
        }
        let every = self.every_days.max(1);
        let round = (late / every).min(self.times - 1);
        (late - round * every <= self.catch_up_days).then_some(Reminding::Overdue {
            round: round + 1,
            rounds: self.times,
        })
    }
}

fn first_working_day_after(day: NaiveDate) -> NaiveDate {
    let mut d = day.succ_opt().unwrap_or(day);
    while !is_working_day(d) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const RULE: ReminderRule = ReminderRule {
        max_lead_days: 3,
        due_day: true,
        every_days: 7,
        times: 3,
        catch_up_days: 7,
    };

    #[test]
    fn reminders_follow_the_effective_due_date() {
        // Due Saturday 2025-03-15: effectively Monday 17 March.
        let due = day("2025-03-15");
        assert_eq!(RULE.on(due, day("2025-03-13")), None);
        assert_eq!(
            RULE.on(due, day("2025-03-14")),
            Some(Reminding::DueSoon { days_left: 3 })
        );
        assert_eq!(RULE.on(due, day("2025-03-17")), Some(Reminding::DueToday));
        let without = ReminderRule {
            due_day: false,
            ..RULE
        };
        assert_eq!(
            without.on(due, day("2025-03-17")),
            Some(Reminding::DueSoon { days_left: 0 })
        );
        let overdue = |round| Some(Reminding::Overdue { round, rounds: 3 });
        assert_eq!(RULE.on(due, day("2025-03-18")), overdue(1));
        // Effective due Friday 2025-03-14: overdue from Monday the 17th, not Saturday.
        assert_eq!(RULE.on(day("2025-03-14"), day("2025-03-15")), None);
        assert_eq!(RULE.on(day("2025-03-14"), day("2025-03-17")), overdue(1));
    }

    #[test]
    fn overdue_reminders_repeat_every_n_days_up_to_m_times() {
        // Due Friday 2025-03-14: overdue from Monday 17 March.
        let due = day("2025-03-14");
        let seen: Vec<(String, String)> = (0..60)
            .map(|d| day("2025-03-17") + chrono::Days::new(d))
            .filter_map(|today| {
                RULE.on(due, today)
                    .map(|r| (today.to_string(), r.event_key("FV/1")))
            })
            .collect();
        let keys: std::collections::BTreeSet<&str> = seen.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(
            keys.into_iter().collect::<Vec<_>>(),
            ["overdue:FV/1", "overdue:FV/1:2", "overdue:FV/1:3"]
        );
        // The second comes on the 7th day after the first, the third on the 14th, and
        // the last one's catch-up ends a week later.
        let first_day_of = |key: &str| seen.iter().find(|(_, k)| k == key).map(|(d, _)| d.clone());
        assert_eq!(
            first_day_of("overdue:FV/1:2").as_deref(),
            Some("2025-03-24")
        );
        assert_eq!(
            first_day_of("overdue:FV/1:3").as_deref(),
            Some("2025-03-31")
        );
        assert_eq!(seen.last().map(|(d, _)| d.as_str()), Some("2025-04-07"));
    }

    #[test]
    fn no_overdue_reminders_when_the_utility_wants_none() {
        let none = ReminderRule { times: 0, ..RULE };
        assert_eq!(none.on(day("2025-03-14"), day("2025-03-17")), None);
    }
}
