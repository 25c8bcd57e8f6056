//! The filing dialogue (Telegram and the console): the subject (buttons), the bill a
//! complaint is about or the new capacity and its first day, the description, then
//! files. Each step is stored with the chat, so a half-filled case survives a restart;
//! `anuluj` drops it and nothing is filed.

use super::common::problem;
use super::file::{self, Draft};
use crate::core::{Ctx, CustomerSession, Step};
use crate::domain::case::form::{parse_future_date, parse_mw};
use crate::domain::case::{CapacityChange, CaseKind, Subject};
use crate::domain::reply::{Expect, Reply, View};
use crate::domain::text::fold;
use serde_json::json;

/// Where the filing dialogue stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum CaseStep {
    /// Waiting for the subject.
    CaseSubject { kind: CaseKind },
    /// Waiting for the bill a complaint is about.
    CaseInvoice { subject: Subject },
    /// Waiting for the new ordered capacity (MW).
    CaseCapacity,
    /// Waiting for the day the new capacity applies from.
    CaseCapacityFrom { mw: String },
    /// Waiting for the description.
    CaseDescription { draft: Draft },
    /// Filed: files and further information go to the case until `gotowe`.
    CaseFiles { number: String },
}

impl Step for CaseStep {
    fn expects_secret(&self) -> bool {
        false
    }

    async fn answer(self, ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
        let (Some(account), Some(customer)) = (ctx.account.clone(), ctx.customer().await?) else {
            ctx.clear_step().await?;
            return Ok(Reply::new(ctx.lang, View::bare("login_required")));
        };
        let me = CustomerSession { account, customer };
        answer(ctx, &me, self, text.trim()).await
    }
}

/// The button of a subject (`button.case_<subject>` in strings.toml).
fn subject_button(s: Subject) -> &'static str {
    match s {
        Subject::Bill => "case_bill",
        Subject::HeatSupply => "case_heat_supply",
        Subject::Meter => "case_meter",
        Subject::Service => "case_service",
        Subject::Disconnection => "case_disconnection",
        Subject::Capacity => "case_capacity",
        Subject::Heating => "case_heating",
        Subject::Contact => "case_contact",
        Subject::Payer => "case_payer",
        Subject::Termination => "case_termination",
        Subject::Instalments => "case_instalments",
        Subject::EInvoice => "case_e_invoice",
        Subject::MeterCheck => "case_meter_check",
        Subject::Other => "case_other",
    }
}

fn with_cancel(reply: Reply, row: u8) -> Reply {
    reply
        .with_action("cancel", "", "anuluj", row)
        .expecting(Expect::Text)
}

/// `reklamacja` / `wniosek`: the subject first, unless given.
pub(crate) async fn start(
    ctx: &mut Ctx<'_>,
    me: &CustomerSession,
    kind: CaseKind,
    subject: Option<Subject>,
) -> anyhow::Result<Reply> {
    if let Some(subject) = subject {
        return after_subject(ctx, me, subject).await;
    }
    ctx.set_step(&CaseStep::CaseSubject { kind }).await?;
    let mut reply = Reply::new(
        ctx.lang,
        View::new("case_choose_subject", json!({ "kind": kind })),
    );
    for (i, s) in Subject::of(kind).iter().enumerate() {
        reply = reply.with_action(subject_button(*s), "", s.as_str(), (i / 2) as u8);
    }
    Ok(with_cancel(reply, 9))
}

/// The step after the subject: the bill, the capacity or the description.
async fn after_subject(
    ctx: &mut Ctx<'_>,
    me: &CustomerSession,
    subject: Subject,
) -> anyhow::Result<Reply> {
    let lang = ctx.lang;
    match subject {
        Subject::Bill => {
            ctx.set_step(&CaseStep::CaseInvoice { subject }).await?;
            let (bills, _) = ctx.core.store().invoices_page(me.customer.id, 1, 6).await?;
            let mut reply = Reply::new(
                lang,
                View::new("case_choose_invoice", json!({ "bills": bills })),
            );
            for (i, b) in bills.iter().enumerate() {
                reply =
                    reply.with_action("case_invoice", &b.number, b.number.clone(), (i / 2) as u8);
            }
            Ok(with_cancel(reply, 9))
        }
        Subject::Capacity => {
            ctx.set_step(&CaseStep::CaseCapacity).await?;
            let current = ctx.core.store().latest_capacity(me.customer.id).await?;
            let reply = Reply::new(
                lang,
                View::new("case_ask_capacity", json!({ "current": current })),
            );
            Ok(with_cancel(reply, 0))
        }
        _ => {
            ask_description(
                ctx,
                Draft {
                    subject,
                    invoice: None,
                    capacity: None,
                },
            )
            .await
        }
    }
}

async fn ask_description(ctx: &mut Ctx<'_>, draft: Draft) -> anyhow::Result<Reply> {
    let data = json!({ "subject": draft.subject, "urgent": draft.subject.is_disconnection() });
    ctx.set_step(&CaseStep::CaseDescription { draft }).await?;
    Ok(with_cancel(
        Reply::new(ctx.lang, View::new("case_ask_description", data)),
        0,
    ))
}

/// The answer to the step the chat is at.
async fn answer(
    ctx: &mut Ctx<'_>,
    me: &CustomerSession,
    step: CaseStep,
    text: &str,
) -> anyhow::Result<Reply> {
    let lang = ctx.lang;
    match step {
        CaseStep::CaseSubject { kind } => match Subject::parse_word(kind, text) {
            Some(subject) => after_subject(ctx, me, subject).await,
            None => Ok(problem(lang, "subject_unknown", text).expecting(Expect::Text)),
        },
        CaseStep::CaseInvoice { subject } => {
            let number = text.to_uppercase();
            if ctx
                .core
                .store()
                .invoice(me.customer.id, &number)
                .await?
                .is_none()
            {
                return Ok(problem(lang, "invoice_unknown", text).expecting(Expect::Text));
            }
            ask_description(
                ctx,
                Draft {
                    subject,
                    invoice: Some(number),
                    capacity: None,
                },
            )
            .await
        }
        CaseStep::CaseCapacity => match parse_mw(text) {
            Ok(mw) => {
                ctx.set_step(&CaseStep::CaseCapacityFrom { mw: mw.to_string() })
                    .await?;
                let data = json!({ "mw": mw.to_string() });
                Ok(with_cancel(
                    Reply::new(lang, View::new("case_ask_from", data)),
                    0,
                ))
            }
            Err(p) => Ok(problem(lang, p.key(), text).expecting(Expect::Text)),
        },
        CaseStep::CaseCapacityFrom { mw } => match parse_future_date(text, ctx.core.today()) {
            Ok(from) => {
                let capacity = Some(CapacityChange { mw, from });
                let draft = Draft {
                    subject: Subject::Capacity,
                    invoice: None,
                    capacity,
                };
                ask_description(ctx, draft).await
            }
            Err(p) => Ok(problem(lang, p.key(), text).expecting(Expect::Text)),
        },
        CaseStep::CaseDescription { draft } => {
            let reply = file::file(ctx, me, &draft, text).await?;
            if reply.views.first().map(|v| v.template) != Some("case_filed") {
                return Ok(reply.expecting(Expect::Text));
            }
            let number = reply
                .actions
                .first()
                .map(|a| a.arg.clone())
                .unwrap_or_default();
            ctx.set_step(&CaseStep::CaseFiles { number }).await?;
            Ok(reply.with_action("case_done", "", "gotowe", 1))
        }
        CaseStep::CaseFiles { number } => {
            let word = fold(text.split_whitespace().next().unwrap_or(""));
            let word = word.trim_start_matches('/');
            // A command typed here is not information for the case: the case is done and
            // the customer is asked to type the command again.
            let command = ctx.defs.iter().any(|d| d.names.contains(&word));
            let done = matches!(fold(text).as_str(), "gotowe" | "done" | "koniec" | "ok");
            if command || done {
                ctx.clear_step().await?;
                let retry = command.then_some(text);
                let data = json!({ "number": number, "retry": retry });
                return Ok(Reply::new(lang, View::new("case_files_done", data)));
            }
            let reply = file::add(ctx, &number, text).await?;
            Ok(reply
                .with_action("case_done", "", "gotowe", 0)
                .expecting(Expect::Text))
        }
    }
}
