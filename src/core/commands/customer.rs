//! The customer's own data: the panel, bills, a bill's items and PDF, paying, the
//! due-date calendar (as a view, a file or a subscription), collections and documents.

use crate::core::command::{Args, Bad, CustomerCmd, Declared, Def, Group, Text};
use crate::core::views::{self, PayTarget};
use crate::core::{Ctx, CustomerSession};
use crate::domain::calendar::YearMonth;
use crate::domain::reply::Reply;
use crate::domain::text::fold;

const CUSTOMER: Group = Group::Customer;

/// The words that ask `pay` for the overdue bills (folded).
const OVERDUE_WORDS: &[&str] = &["zalegle", "overdue"];
/// The word after `calendar link` that turns the subscription off.
const REVOKE_WORDS: &[&str] = &["odwolaj", "revoke"];

#[derive(Debug, PartialEq)]
pub struct Balance;

impl Declared for Balance {
    const DEF: Def = Def::new(
        &["balance", "saldo"],
        CUSTOMER,
        Text::NONE,
        Text::new(
            "panel: ogólne bieżące saldo",
            "panel: overall current balance",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Balance)
    }
}

impl CustomerCmd for Balance {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        let c = &me.customer;
        views::for_customer(ctx, c)
            .balance(&c.name, &c.number)
            .await
    }
}

#[derive(Debug, PartialEq)]
pub struct Bills {
    pub page: u32,
}

impl Declared for Bills {
    const DEF: Def = Def::new(
        &["bills", "rachunki"],
        CUSTOMER,
        Text::new("[strona]", "[page]"),
        Text::new("rachunki i płatności", "bills and payments"),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        match args.words.as_slice() {
            [] => Ok(Bills { page: 1 }),
            [p] => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .map(|page| Bills { page })
                .ok_or(Bad),
            _ => Err(Bad),
        }
    }
}

impl CustomerCmd for Bills {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        views::for_customer(ctx, &me.customer)
            .bills(self.page)
            .await
    }
}

#[derive(Debug, PartialEq)]
pub struct Bill {
    pub number: String,
}

impl Declared for Bill {
    const DEF: Def = Def::new(
        &["bill", "faktura"],
        CUSTOMER,
        Text::new("<numer>", "<number>"),
        Text::new(
            "pozycje dokumentu (szczegóły faktury)",
            "document items (bill details)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.one().map(|number| Bill { number })
    }
}

impl CustomerCmd for Bill {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        views::for_customer(ctx, &me.customer)
            .bill(&self.number)
            .await
    }
}

#[derive(Debug, PartialEq)]
pub struct Pdf {
    pub number: String,
}

impl Declared for Pdf {
    const DEF: Def = Def::new(
        &["pdf"],
        CUSTOMER,
        Text::new("<numer>", "<number>"),
        Text::new("faktura w PDF", "invoice as PDF"),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.one().map(|number| Pdf { number })
    }
}

impl CustomerCmd for Pdf {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        views::for_customer(ctx, &me.customer)
            .pdf(&self.number)
            .await
    }
}

/// Payment details and the transfer QR code.
#[derive(Debug, PartialEq)]
pub struct Pay {
    pub target: PayTarget,
}

impl Declared for Pay {
    const DEF: Def = Def::new(
        &["pay", "zaplac"],
        CUSTOMER,
        Text::new("[numer|zalegle]", "[number|overdue]"),
        Text::new(
            "dane do przelewu i kod QR: rachunek, zaległe albo całe saldo",
            "transfer details and QR code: a bill, the overdue ones or the whole balance",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let target = match args.words.as_slice() {
            [] => PayTarget::Balance,
            [word] if OVERDUE_WORDS.contains(&fold(word).as_str()) => PayTarget::Overdue,
            [number] => PayTarget::Bill(number.to_string()),
            _ => return Err(Bad),
        };
        Ok(Pay { target })
    }
}

impl CustomerCmd for Pay {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        let c = &me.customer;
        views::for_customer(ctx, c)
            .pay(&c.number, self.target)
            .await
    }
}

/// The unpaid bills by due date: a month's view, the iCalendar file (`ics`), or a
/// private subscription URL of that file (`link`), or revoking it (`link odwolaj`).
#[derive(Debug, PartialEq)]
pub enum Calendar {
    Month(Option<YearMonth>),
    File,
    Link { revoke: bool },
}

impl Declared for Calendar {
    const DEF: Def = Def::new(
        &["calendar", "kalendarz"],
        CUSTOMER,
        Text::new("[RRRR-MM|ics|link]", "[YYYY-MM|ics|link]"),
        Text::new(
            "niezapłacone rachunki w terminach płatności; ics — plik do kalendarza w telefonie; link — prywatny adres subskrypcji dla aplikacji kalendarza (link odwolaj — wyłącza go)",
            "unpaid bills by due date; ics: a file for your phone's calendar; link: a private subscription address for a calendar app (link revoke: turns it off)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        match args.words.as_slice() {
            [] => Ok(Calendar::Month(None)),
            [word] if fold(word) == "ics" => Ok(Calendar::File),
            [word] if fold(word) == "link" => Ok(Calendar::Link { revoke: false }),
            [word, off] if fold(word) == "link" && REVOKE_WORDS.contains(&fold(off).as_str()) => {
                Ok(Calendar::Link { revoke: true })
            }
            [m] => YearMonth::parse(m)
                .map(|m| Calendar::Month(Some(m)))
                .ok_or(Bad),
            _ => Err(Bad),
        }
    }
}

impl CustomerCmd for Calendar {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        let v = views::for_customer(ctx, &me.customer);
        match self {
            Calendar::Month(month) => v.calendar(month).await,
            Calendar::File => v.calendar_file(&me.customer.number).await,
            Calendar::Link { revoke } => v.calendar_link(revoke).await,
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct Collections;

impl Declared for Collections {
    const DEF: Def = Def::new(
        &["collections", "windykacje"],
        CUSTOMER,
        Text::NONE,
        Text::new(
            "windykacje i postępowania sądowe",
            "debt collection and court cases",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Collections)
    }
}

impl CustomerCmd for Collections {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        views::for_customer(ctx, &me.customer).collections().await
    }
}

#[derive(Debug, PartialEq)]
pub struct Documents;

impl Declared for Documents {
    const DEF: Def = Def::new(
        &["documents", "dokumenty"],
        CUSTOMER,
        Text::NONE,
        Text::new("umowy i aneksy", "contracts and annexes"),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Documents)
    }
}

impl CustomerCmd for Documents {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        views::for_customer(ctx, &me.customer).documents().await
    }
}

#[derive(Debug, PartialEq)]
pub struct Document {
    pub number: String,
}

impl Declared for Document {
    const DEF: Def = Def::new(
        &["document", "dokument"],
        CUSTOMER,
        Text::new("<numer>", "<number>"),
        Text::new("umowa lub aneks w PDF", "contract or annex as PDF"),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.one().map(|number| Document { number })
    }
}

impl CustomerCmd for Document {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        views::for_customer(ctx, &me.customer)
            .document(&self.number)
            .await
    }
}
