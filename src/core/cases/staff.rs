//! Staff on cases: the open cases by deadline (overdue first, filters), and the steps
//! — take, ask for information, extend (reason required), answer (a household's
//! rejected complaint carries the ADR statement, or is refused), discount, close. Each
//! step is one transaction with its history event (who, when) and the customer's
//! notice.

use super::common::{case_data, notify_customer, problem, update_of};
use crate::core::Ctx;
use crate::domain::case::{CaseKind, CaseState, Outcome, deadline_after, discount_gr};
use crate::domain::money::from_grosze;
use crate::domain::reply::{Reply, View};
use crate::store::{Account, CaseChange, CaseFilter, CaseRow, Tx};
use serde_json::json;

/// A step staff take on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffStep {
    Take,
    Ask(String),
    Extend(String),
    Answer(Outcome, String),
    Discount(u32),
    Close,
}

/// `sprawy` for staff.
pub(crate) async fn list(ctx: &Ctx<'_>, filter: &CaseFilter) -> anyhow::Result<Reply> {
    let today = ctx.core.today();
    let rows = ctx.core.store().open_cases(filter, today).await?;
    let cases: Vec<_> = rows.iter().map(|c| case_data(c, today)).collect();
    let mut reply = Reply::new(
        ctx.lang,
        View::new("staff_case_list", json!({ "cases": cases })),
    );
    for (i, c) in rows.iter().take(8).enumerate() {
        reply = reply.with_action(
            "case",
            &c.number,
            format!("sprawa {}", c.number),
            (i / 2) as u8,
        );
    }
    Ok(reply)
}

/// Words after `sprawy` for staff: a kind, a state, `moje`/`mine`, a customer number.
pub fn filter_of(words: &[&str], me: &str) -> CaseFilter {
    let mut f = CaseFilter::default();
    for w in words {
        match crate::domain::text::fold(w).as_str() {
            "reklamacje" | "complaints" => f.kind = Some(CaseKind::Complaint.as_str().into()),
            "wnioski" | "requests" => f.kind = Some(CaseKind::Request.as_str().into()),
            "nowe" | "new" => f.state = Some(CaseState::Received.as_str().into()),
            "w-toku" | "in-progress" => f.state = Some(CaseState::InProgress.as_str().into()),
            "dopytane" | "waiting" => f.state = Some(CaseState::InfoRequested.as_str().into()),
            "moje" | "mine" => f.assignee = Some(me.to_string()),
            _ => f.customer_number = Some(w.to_uppercase()),
        }
    }
    f
}

/// Runs `step` on case `number` for `staff`.
pub(crate) async fn act(
    ctx: &mut Ctx<'_>,
    staff: &Account,
    number: &str,
    step: StaffStep,
) -> anyhow::Result<Reply> {
    let lang = ctx.lang;
    let Some(n) = crate::domain::case::CaseNumber::parse(number) else {
        return Ok(problem(lang, "not_found", number));
    };
    let mut tx = ctx.core.store().begin_write().await?;
    let Some(c) = tx.case_for_update(&n.to_string()).await? else {
        tx.rollback().await?;
        return Ok(problem(lang, "not_found", number));
    };
    // An answered case can still be closed; nothing else moves a finished case.
    let may_move =
        c.state.is_open() || (step == StaffStep::Close && c.state == CaseState::Answered);
    if !may_move {
        tx.rollback().await?;
        return Ok(problem(lang, "closed", &c.number));
    }
    match apply(ctx, &mut tx, staff, &c, step).await? {
        Ok(event) => {
            tx.commit().await?;
            tracing::info!(case = %c.number, event, "a case moved");
            let data = json!({ "number": c.number, "event": event });
            Ok(
                Reply::new(lang, View::new("staff_case_done", data)).with_action(
                    "case",
                    &c.number,
                    format!("sprawa {}", c.number),
                    0,
                ),
            )
        }
        Err(refusal) => {
            tx.rollback().await?;
            Ok(refusal)
        }
    }
}

/// The change, its history event and the customer's notice; the event's name, or the
/// refusal.
async fn apply(
    ctx: &Ctx<'_>,
    tx: &mut Tx,
    staff: &Account,
    c: &CaseRow,
    step: StaffStep,
) -> anyhow::Result<Result<&'static str, Reply>> {
    let lang = ctx.lang;
    let core = ctx.core;
    let by = staff.identifier.as_str();
    let cfg = &core.settings().cases;
    let (event, change, text) = match step {
        StaffStep::Take => {
            let change = CaseChange {
                state: Some(CaseState::InProgress),
                assignee: Some(by),
                ..Default::default()
            };
            ("taken", change, None)
        }
        StaffStep::Ask(q) => {
            let change = CaseChange {
                state: Some(CaseState::InfoRequested),
                ..Default::default()
            };
            ("info_requested", change, Some(q))
        }
        StaffStep::Extend(reason) => {
            if c.extended || c.urgent {
                return Ok(Err(problem(lang, "extend_refused", &c.number)));
            }
            let deadline = deadline_after(c.received_on, cfg.extended_days);
            let change = CaseChange {
                deadline: Some(deadline),
                extension_reason: Some(&reason),
                ..Default::default()
            };
            tx.change_case(c.id, &change).await?;
            tx.case_event(c.id, by, "extended", &reason).await?;
            let mut moved = c.clone();
            moved.deadline = deadline;
            notify_customer(
                core,
                tx,
                &moved,
                update_of(&moved, "extended", Some(&reason)),
                0,
            )
            .await?;
            return Ok(Ok("extended"));
        }
        StaffStep::Answer(outcome, answer) => {
            return answer_case(ctx, tx, by, c, outcome, &answer).await;
        }
        StaffStep::Discount(days) => {
            let Some(line) = core.store().latest_capacity(c.customer_id).await? else {
                return Ok(Err(problem(lang, "no_capacity", &c.number)));
            };
            let Some(amount) = discount_gr(days, line.net_gr, cfg.discount_divisor) else {
                return Ok(Err(problem(lang, "no_capacity", &c.number)));
            };
            let change = CaseChange {
                discount: Some((i64::from(days), amount)),
                ..Default::default()
            };
            let detail = format!(
                "{days} × {} / {}",
                from_grosze(line.net_gr),
                cfg.discount_divisor
            );
            tx.change_case(c.id, &change).await?;
            tx.case_event(
                c.id,
                by,
                "discount",
                &format!("{detail} = {}", from_grosze(amount)),
            )
            .await?;
            return Ok(Ok("discount"));
        }
        StaffStep::Close => {
            let change = CaseChange {
                state: Some(CaseState::Closed),
                closed: true,
                ..Default::default()
            };
            ("closed", change, None)
        }
    };
    tx.change_case(c.id, &change).await?;
    tx.case_event(c.id, by, event, text.as_deref().unwrap_or(""))
        .await?;
    notify_customer(core, tx, c, update_of(c, event, text.as_deref()), 0).await?;
    Ok(Ok(event))
}

/// The answer: its outcome and text, the discount recorded before, the ADR statement
/// of a household's rejected complaint (refused without one).
async fn answer_case(
    ctx: &Ctx<'_>,
    tx: &mut Tx,
    by: &str,
    c: &CaseRow,
    outcome: Outcome,
    answer: &str,
) -> anyhow::Result<Result<&'static str, Reply>> {
    let core = ctx.core;
    let customer_lang = crate::domain::lang::Lang::parse(&c.lang).unwrap_or(ctx.lang);
    let needs_adr = c.household
        && c.kind == CaseKind::Complaint
        && matches!(outcome, Outcome::Rejected | Outcome::Partial);
    let adr = core
        .settings()
        .cases
        .adr_statement(customer_lang)
        .to_string();
    if needs_adr && adr.is_empty() {
        return Ok(Err(problem(ctx.lang, "adr_missing", &c.number)));
    }
    let change = CaseChange {
        state: Some(CaseState::Answered),
        outcome: Some(outcome),
        answer: Some(answer),
        ..Default::default()
    };
    tx.change_case(c.id, &change).await?;
    tx.case_event(c.id, by, "answered", outcome.as_str())
        .await?;
    let mut update = update_of(c, "answered", Some(answer));
    update.outcome = Some(outcome.as_str().into());
    update.discount_gr = c.discount_gr;
    update.discount_days = c.discount_days;
    update.adr = needs_adr.then_some(adr);
    notify_customer(core, tx, c, update, 0).await?;
    Ok(Ok("answered"))
}
