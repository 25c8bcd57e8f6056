//! Complaints and requests for customers (and `sprawy`/`sprawa` for staff too):
//! `reklamacja`, `wniosek` (a dialogue, or a one-message form), `sprawy`, `sprawa <nr>`
//! with `dopisz …` and `plik <n>`. The rules are in `core::cases`.

use crate::core::cases;
use crate::core::command::{AccountCmd, Args, Bad, CustomerCmd, Declared, Def, Group, Text};
use crate::core::{Ctx, CustomerSession};
use crate::domain::case::{CaseKind, Subject};
use crate::domain::model::Role;
use crate::domain::reply::{Reply, View};
use crate::domain::text::fold;
use crate::store::Account;

/// What follows `reklamacja`/`wniosek`: nothing (the dialogue), a subject (the dialogue
/// from there), or form lines.
#[derive(Debug, PartialEq)]
pub enum Filing {
    Dialogue(Option<Subject>),
    Form(String),
}

fn filing(kind: CaseKind, args: &Args<'_>) -> Result<Filing, Bad> {
    let rest = args.rest.trim();
    if rest.is_empty() {
        return Ok(Filing::Dialogue(None));
    }
    if rest.contains([':', '=']) {
        return Ok(Filing::Form(rest.to_string()));
    }
    Subject::parse_word(kind, rest)
        .map(|s| Filing::Dialogue(Some(s)))
        .ok_or(Bad)
}

async fn run_filing(
    ctx: &mut Ctx<'_>,
    me: &CustomerSession,
    kind: CaseKind,
    f: Filing,
) -> anyhow::Result<Reply> {
    match f {
        Filing::Dialogue(subject) => cases::start(ctx, me, kind, subject).await,
        Filing::Form(text) => match cases::fields(&text) {
            Some(fields) => cases::file_form(ctx, me, kind, fields).await,
            None => Ok(cases::problem(ctx.lang, "form_subject", "")),
        },
    }
}

#[derive(Debug, PartialEq)]
pub struct Complaint(pub Filing);

impl Declared for Complaint {
    const DEF: Def = Def::new(
        &["complaint", "reklamacja"],
        Group::Customer,
        Text::new(
            "[rachunek|dostawa|licznik|obsluga|odlaczenie]",
            "[bill|supply|meter|service|6c]",
        ),
        Text::new(
            "reklamacja: rachunek, dostawa ciepła, licznik, obsługa, wstrzymanie dostaw (art. 6c)",
            "a complaint: a bill, heat supply, a meter, service, a disconnection notice (art. 6c)",
        ),
    )
    .takes_form()
    .takes_files();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        filing(CaseKind::Complaint, args).map(Complaint)
    }
}

impl CustomerCmd for Complaint {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        run_filing(ctx, me, CaseKind::Complaint, self.0).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Request(pub Filing);

impl Declared for Request {
    const DEF: Def = Def::new(
        &["request", "wniosek"],
        Group::Customer,
        Text::new(
            "[moc|sezon|dane|platnik|rozwiazanie|raty|e-faktura|sprawdzenie|inne]",
            "[capacity|heating|contact|payer|termination|instalments|e-invoice|meter-check|other]",
        ),
        Text::new(
            "wniosek: zmiana mocy zamówionej, sezon grzewczy, dane, płatnik, umowa, raty, e-faktura, licznik, inne",
            "a request: ordered capacity, heating season, contact data, payer, contract, instalments, e-invoice, meter, other",
        ),
    )
    .takes_form()
    .takes_files();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        filing(CaseKind::Request, args).map(Request)
    }
}

impl CustomerCmd for Request {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        run_filing(ctx, me, CaseKind::Request, self.0).await
    }
}

/// `sprawy`: a customer's own cases; for staff, the open cases (with filters).
#[derive(Debug, PartialEq)]
pub struct Cases {
    pub filters: Vec<String>,
}

impl Declared for Cases {
    const DEF: Def = Def::new(
        &["cases", "sprawy"],
        Group::Account,
        Text::NONE,
        Text::new(
            "stan Twoich reklamacji i wniosków oraz termin odpowiedzi",
            "your complaints and requests: state and deadline",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let filters = args.words.iter().map(|w| w.to_string()).collect();
        Ok(Cases { filters })
    }
}

impl AccountCmd for Cases {
    async fn run(self, ctx: &mut Ctx<'_>, account: &Account) -> anyhow::Result<Reply> {
        if account.role == Role::Staff {
            let words: Vec<&str> = self.filters.iter().map(String::as_str).collect();
            let filter = cases::filter_of(&words, &account.identifier);
            return cases::staff_list(ctx, &filter).await;
        }
        let Some(customer) = ctx.customer().await? else {
            return Ok(Reply::new(ctx.lang, View::bare("no_customer_data")));
        };
        let me = CustomerSession {
            account: account.clone(),
            customer,
        };
        cases::list(ctx, &me).await
    }
}

/// `sprawa <nr>`: one case; `dopisz …` adds information (and the input's files);
/// `plik <n>` sends an attachment.
#[derive(Debug, PartialEq)]
pub struct Case {
    pub number: String,
    pub then: CaseThen,
}

#[derive(Debug, PartialEq)]
pub enum CaseThen {
    Show,
    Add(String),
    File(usize),
}

impl Declared for Case {
    const DEF: Def = Def::new(
        &["case", "sprawa"],
        Group::Account,
        Text::new(
            "<nr> [dopisz <tekst> | plik <n>]",
            "<no.> [add <text> | file <n>]",
        ),
        Text::new(
            "historia sprawy, odpowiedź i załączniki; dopisanie informacji lub dokumentów",
            "a case's history, answer and attachments; add information or documents",
        ),
    )
    .takes_files();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let (number, rest) = match args.rest.split_once(char::is_whitespace) {
            Some((n, rest)) => (n, rest.trim()),
            None => (args.rest, ""),
        };
        if number.is_empty() {
            return Err(Bad);
        }
        let (word, after) = match rest.split_once(char::is_whitespace) {
            Some((w, a)) => (w, a.trim()),
            None => (rest, ""),
        };
        let then = match fold(word).as_str() {
            "" => CaseThen::Show,
            "dopisz" | "add" => CaseThen::Add(after.to_string()),
            "plik" | "file" => CaseThen::File(after.parse().map_err(|_| Bad)?),
            _ => return Err(Bad),
        };
        Ok(Case {
            number: number.to_string(),
            then,
        })
    }
}

impl AccountCmd for Case {
    async fn run(self, ctx: &mut Ctx<'_>, _: &Account) -> anyhow::Result<Reply> {
        match self.then {
            CaseThen::Show => cases::show(ctx, &self.number).await,
            CaseThen::Add(text) => cases::add(ctx, &self.number, &text).await,
            CaseThen::File(n) => cases::attachment(ctx, &self.number, n).await,
        }
    }
}
