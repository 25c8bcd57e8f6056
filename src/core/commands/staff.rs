//! Staff commands (S4, C3): pending requests with their verification flags, approve,
//! reject, reset a customer's password, lock, unlock, the audit log and announcements.
//! For anyone else these commands do not exist (the router answers as for an unknown word).

use crate::core::command::{Args, Bad, Declared, Def, Group, Lang, StaffCmd, Text};
use crate::core::{Ctx, announce, decisions, staff};
use crate::domain::reply::Reply;
use crate::store::Account;

const STAFF: Group = Group::Staff;

/// A request number as staff type it: `12` or `#12`.
fn request_number(text: &str) -> Option<i64> {
    text.trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
}

#[derive(Debug, PartialEq)]
pub struct Pending;

impl Declared for Pending {
    const DEF: Def = Def::new(
        &["pending", "wnioski"],
        STAFF,
        Text::NONE,
        Text::new(
            "wnioski o dostęp z wynikami automatycznej weryfikacji",
            "access requests with the automatic verification results",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Pending)
    }
}

impl StaffCmd for Pending {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        staff::pending(ctx).await
    }
}

/// `email`: which address gets the credentials when the request's differs from the
/// billing record's (`wniosek`/`request`, `kartoteka`/`billing`, or the address).
#[derive(Debug, PartialEq)]
pub struct Approve {
    pub id: i64,
    pub email: Option<String>,
}

impl Declared for Approve {
    const DEF: Def = Def::new(
        &["approve", "zatwierdz"],
        STAFF,
        Text::new("<nr> [wniosek|kartoteka]", "<no.> [request|billing]"),
        Text::new(
            "zatwierdzenie wniosku: konto i hasło tymczasowe e-mailem (gdy adres z wniosku różni się od kartoteki — który)",
            "approve a request: account and temporary password by email (when the request's address differs from the billing record's — which one)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let (id, email) = match args.words.as_slice() {
            [id] => (id, None),
            [id, email] => (id, Some(email.to_string())),
            _ => return Err(Bad),
        };
        request_number(id)
            .map(|id| Approve { id, email })
            .ok_or(Bad)
    }
}

impl StaffCmd for Approve {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        staff::approve(ctx, self.id, self.email.as_deref()).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Reject {
    pub id: i64,
    pub reason: String,
}

impl Declared for Reject {
    const DEF: Def = Def::new(
        &["reject", "odrzuc"],
        STAFF,
        Text::new("<nr> <powód>", "<no.> <reason>"),
        Text::new(
            "odrzucenie wniosku (klient dostaje powód e-mailem)",
            "reject a request (the customer gets the reason by email)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let (id, reason) = match args.rest.split_once(char::is_whitespace) {
            Some((id, reason)) => (id, reason.trim()),
            None => (args.rest, ""),
        };
        match request_number(id) {
            Some(id) if !reason.is_empty() => Ok(Reject {
                id,
                reason: reason.to_string(),
            }),
            _ => Err(Bad),
        }
    }
    /// `odrzuc 12` without a reason offers the usual reasons as buttons.
    fn usage(lang: Lang, args: &Args<'_>) -> Option<Reply> {
        decisions::choose_reason(lang, args.rest)
    }
}

impl StaffCmd for Reject {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        staff::reject(ctx, self.id, &self.reason).await
    }
}

#[derive(Debug, PartialEq)]
pub struct ResetPassword {
    pub identifier: String,
}

impl Declared for ResetPassword {
    const DEF: Def = Def::new(
        &["reset-password", "resetuj-haslo"],
        STAFF,
        Text::new("<identyfikator>", "<identifier>"),
        Text::new(
            "nowe hasło tymczasowe dla konta (e-mailem, kończy sesje)",
            "new temporary password for an account (by email, ends sessions)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.one().map(|identifier| ResetPassword { identifier })
    }
}

impl StaffCmd for ResetPassword {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        staff::reset_password(ctx, &self.identifier).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Lock {
    pub identifier: String,
}

impl Declared for Lock {
    const DEF: Def = Def::new(
        &["lock", "zablokuj"],
        STAFF,
        Text::new("<identyfikator>", "<identifier>"),
        Text::new(
            "blokada konta (kończy sesje)",
            "lock an account (ends its sessions)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.one().map(|identifier| Lock { identifier })
    }
}

impl StaffCmd for Lock {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        staff::set_locked(ctx, &self.identifier, true).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Unlock {
    pub identifier: String,
}

impl Declared for Unlock {
    const DEF: Def = Def::new(
        &["unlock", "odblokuj"],
        STAFF,
        Text::new("<identyfikator>", "<identifier>"),
        Text::new("odblokowanie konta", "unlock an account"),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.one().map(|identifier| Unlock { identifier })
    }
}

impl StaffCmd for Unlock {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        staff::set_locked(ctx, &self.identifier, false).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Audit {
    pub limit: u32,
}

impl Declared for Audit {
    const DEF: Def = Def::new(
        &["audit", "dziennik"],
        STAFF,
        Text::new("[liczba]", "[count]"),
        Text::new(
            "dziennik zdarzeń: kto, co, kiedy",
            "audit log: who, what, when",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        match args.words.as_slice() {
            [] => Ok(Audit { limit: 20 }),
            [n] => n
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .map(|limit| Audit { limit })
                .ok_or(Bad),
            _ => Err(Bad),
        }
    }
}

impl StaffCmd for Audit {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        staff::audit(ctx, self.limit).await
    }
}

/// Publish an announcement: the rest of the line, read by `core::announce`.
#[derive(Debug, PartialEq)]
pub struct Announce {
    pub text: String,
}

impl Declared for Announce {
    const DEF: Def = Def::new(
        &["announce", "komunikat"],
        STAFF,
        Text::new(
            "<rodzaj> [obszar=WS-31,WS-32] [do RRRR-MM-DD] <tytuł> | <treść>",
            "<kind> [area=WS-31,WS-32] [until YYYY-MM-DD] <title> | <text>",
        ),
        Text::new(
            "komunikat dla klientów (awaria, wylaczenie, remont, taryfa, informacja) z powiadomieniem; potem: komunikat wyslij|postep|wstrzymaj <nr>",
            "an announcement to customers (failure, interruption, maintenance, tariff, information) with notifications; then: announce send|progress|stop <ref>",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        if args.rest.is_empty() {
            return Err(Bad);
        }
        Ok(Announce {
            text: args.rest.to_string(),
        })
    }
}

impl StaffCmd for Announce {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        announce::publish(ctx, &self.text).await
    }
}
