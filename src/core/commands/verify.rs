//! "Is this invoice genuine?" (docs/ksef.md): a KSeF number, or an invoice number with
//! its amount and issue date, checked against the invoices the utility issued. A
//! logged-in customer learns whether it is an invoice of theirs, with its verification
//! link; anyone else only whether a valid invoice with that KSeF number exists, never
//! its data. Every miss counts like a failed login, per chat, so numbers cannot be
//! tried one after another.

use crate::core::Ctx;
use crate::core::command::{Args, Bad, Declared, Def, Group, PublicCmd, Text};
use crate::core::throttle::{record_failure, wait_left};
use crate::core::views::verification_link;
use crate::domain::ksef::{KsefError, KsefNumber};
use crate::domain::model::Invoice;
use crate::domain::money::{from_grosze, parse_amount, to_grosze};
use crate::domain::reply::{Reply, View};
use chrono::NaiveDate;
use serde_json::json;

#[derive(Debug, PartialEq)]
pub enum Verify {
    /// A KSeF number as typed (checked when run, so a wrong one gets its reason).
    Ksef(String),
    /// An invoice number, its gross amount in grosze and its issue date.
    Invoice {
        number: String,
        amount_gr: i64,
        issued: NaiveDate,
    },
}

impl Declared for Verify {
    const DEF: Def = Def::new(
        &["verify", "sprawdz"],
        Group::Public,
        Text::new("<numer> [<kwota> <data>]", "<number> [<amount> <date>]"),
        Text::new(
            "czy faktura jest naprawdę od nas: numer KSeF albo numer faktury z kwotą brutto i datą wystawienia (także bez logowania)",
            "whether an invoice really is ours: its KSeF number, or its invoice number with the gross amount and issue date (also without logging in)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        match args.words.as_slice() {
            [ksef] => Ok(Verify::Ksef(ksef.to_string())),
            [number, amount, date] => {
                let amount_gr = parse_amount(amount).ok().and_then(to_grosze).ok_or(Bad)?;
                let issued = parse_day(date).ok_or(Bad)?;
                Ok(Verify::Invoice {
                    number: number.to_string(),
                    amount_gr,
                    issued,
                })
            }
            _ => Err(Bad),
        }
    }
}

/// `2026-04-30` or `30.04.2026`.
fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
        .ok()
}

impl PublicCmd for Verify {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        let keys = [format!(
            "verify:{}:{}",
            ctx.origin.channel.as_str(),
            ctx.origin.source
        )];
        if let Some(seconds) = wait_left(ctx, &keys).await? {
            let data = json!({ "seconds": seconds });
            return Ok(Reply::new(ctx.lang, View::new("verify_wait", data)));
        }
        let found = match &self {
            Verify::Ksef(text) => match KsefNumber::parse(text) {
                Ok(n) => ctx.core.store().invoice_by_ksef(n.as_str()).await?,
                Err(e) => return Ok(invalid(ctx, text, &e)),
            },
            Verify::Invoice {
                number,
                amount_gr,
                issued,
            } => {
                let store = ctx.core.store();
                let mut found = store.invoice_by_number(number).await?;
                if found.is_none() {
                    found = store.invoice_by_number(&number.to_uppercase()).await?;
                }
                found.filter(|i| i.charge_gr == *amount_gr && i.issue_date == *issued)
            }
        };
        let customer = ctx.customer().await?;
        let logged_in = customer.is_some();
        // Logged in, only the customer's own invoices count: anyone else's is answered
        // exactly like one that does not exist.
        let found = match &customer {
            Some(c) => found.filter(|i| i.customer_id == c.id),
            None => found,
        };
        let utility = &ctx.core.settings().utility;
        let nip: String = utility.nip.chars().filter(char::is_ascii_digit).collect();
        let prefix = format!("https://{}/invoice/{nip}/", ctx.core.settings().ksef.host);
        let base = json!({ "utility": utility.short_name, "nip": utility.nip, "prefix": prefix, "logged_in": logged_in });
        let Some(inv) = found else {
            let seconds = record_failure(ctx, &keys).await?;
            tracing::info!(
                channel = ctx.origin.channel.as_str(),
                "invoice check: no such invoice"
            );
            let mut data = base;
            data["seconds"] = json!(seconds);
            return Ok(Reply::new(ctx.lang, View::new("verify_unknown", data)));
        };
        // A number-and-amount check that finds an invoice not issued through KSeF must
        // not say so to a stranger either: the answer is only "it exists".
        if !logged_in {
            return Ok(Reply::new(ctx.lang, View::new("verify_exists", base)));
        }
        Ok(yours(ctx, &inv, base))
    }
}

fn yours(ctx: &Ctx<'_>, inv: &Invoice, mut data: serde_json::Value) -> Reply {
    data["number"] = json!(inv.number);
    data["kind"] = json!(inv.kind.as_str());
    data["issue_date"] = json!(inv.issue_date);
    data["charge"] = json!(from_grosze(inv.charge_gr));
    data["ksef_number"] = json!(inv.ksef.ksef_number);
    data["offline"] = json!(inv.ksef.awaiting_number());
    data["link"] = json!(verification_link(ctx.core.settings(), inv));
    let mut reply = Reply::new(ctx.lang, View::new("verify_yours", data));
    if inv.ksef.is_ksef() {
        reply = reply.with_action("ksef", &inv.number, format!("ksef {}", inv.number), 0);
    }
    reply.with_action("details", &inv.number, format!("faktura {}", inv.number), 0)
}

fn invalid(ctx: &Ctx<'_>, text: &str, e: &KsefError) -> Reply {
    let problem = match e {
        KsefError::Length(_) => "length",
        KsefError::Shape | KsefError::Date => "shape",
        KsefError::Checksum { .. } => "checksum",
    };
    let data = json!({ "text": text, "problem": problem });
    Reply::new(ctx.lang, View::new("verify_invalid", data))
}
