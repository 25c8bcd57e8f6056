//! Staff's steps on cases: take, ask for information, extend to 30 days, answer,
//! record a discount, close, and open a case for a customer (a phone call). Invisible
//! to everyone else, like every staff command.

use crate::core::Ctx;
use crate::core::cases::{self, Draft, Filer, StaffStep};
use crate::core::command::{Args, Bad, Declared, Def, Group, StaffCmd, Text};
use crate::domain::case::{CaseKind, Outcome, Subject};
use crate::domain::reply::Reply;
use crate::store::Account;

const STAFF: Group = Group::Staff;

/// `<nr> <text>`: the number and a required text.
fn number_and_text(args: &Args<'_>) -> Result<(String, String), Bad> {
    match args.rest.split_once(char::is_whitespace) {
        Some((n, text)) if !text.trim().is_empty() => Ok((n.to_string(), text.trim().to_string())),
        _ => Err(Bad),
    }
}

macro_rules! staff_step {
    ($name:ident, $names:expr, $args:expr, $help:expr, |$a:ident| $parse:expr, |$s:ident| $step:expr) => {
        #[derive(Debug, PartialEq)]
        pub struct $name {
            pub number: String,
            pub text: String,
        }

        impl Declared for $name {
            const DEF: Def = Def::new($names, STAFF, $args, $help);
            fn parse($a: &Args<'_>) -> Result<Self, Bad> {
                let (number, text) = $parse?;
                Ok($name { number, text })
            }
        }

        impl StaffCmd for $name {
            async fn run(self, ctx: &mut Ctx<'_>, staff: &Account) -> anyhow::Result<Reply> {
                let $s = &self;
                let step: Result<StaffStep, Bad> = $step;
                match step {
                    Ok(step) => cases::act(ctx, staff, &self.number, step).await,
                    Err(_) => Ok(cases::problem(ctx.lang, "bad_step", &self.text)),
                }
            }
        }
    };
}

staff_step!(
    Take,
    &["take", "przejmij"],
    Text::new("<nr>", "<no.>"),
    Text::new(
        "przejęcie sprawy (staje się Twoja)",
        "take a case (it becomes yours)"
    ),
    |a| a.one().map(|n| (n, String::new())),
    |_s| Ok(StaffStep::Take)
);

staff_step!(
    Ask,
    &["ask", "dopytaj"],
    Text::new("<nr> <pytanie>", "<no.> <question>"),
    Text::new(
        "prośba do klienta o informacje lub dokumenty",
        "ask the customer for information or documents"
    ),
    |a| number_and_text(a),
    |s| Ok(StaffStep::Ask(s.text.clone()))
);

staff_step!(
    Extend,
    &["extend", "przedluz"],
    Text::new("<nr> <powód>", "<no.> <reason>"),
    Text::new(
        "przedłużenie terminu do 30 dni z powodu postępowania wyjaśniającego (klient dostaje powód)",
        "extend the deadline to 30 days for an investigation (the customer gets the reason)",
    ),
    |a| number_and_text(a),
    |s| Ok(StaffStep::Extend(s.text.clone()))
);

staff_step!(
    Answer,
    &["answer", "odpowiedz"],
    Text::new(
        "<nr> uwzglednij|odrzuc|czesciowo <treść>",
        "<no.> accept|reject|partial <text>"
    ),
    Text::new(
        "odpowiedź na sprawę (odrzucenie reklamacji gospodarstwa domowego zawiera oświadczenie ADR)",
        "answer a case (a household's rejected complaint carries the ADR statement)",
    ),
    |a| number_and_text(a),
    |s| {
        let (word, text) = s
            .text
            .split_once(char::is_whitespace)
            .unwrap_or((&s.text, ""));
        match (Outcome::parse_word(word), text.trim()) {
            (Some(o), t) if !t.is_empty() => Ok(StaffStep::Answer(o, t.to_string())),
            _ => Err(Bad),
        }
    }
);

staff_step!(
    Discount,
    &["discount", "bonifikata"],
    Text::new("<nr> <dni>", "<no.> <days>"),
    Text::new(
        "bonifikata: dni × 1/30 miesięcznej opłaty za moc z ostatniej faktury",
        "a discount: days × 1/30 of the monthly capacity charge of the latest invoice",
    ),
    |a| number_and_text(a),
    |s| s
        .text
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=366).contains(d))
        .map(StaffStep::Discount)
        .ok_or(Bad)
);

staff_step!(
    Close,
    &["close", "zamknij"],
    Text::new("<nr>", "<no.>"),
    Text::new("zamknięcie sprawy", "close a case"),
    |a| a.one().map(|n| (n, String::new())),
    |_s| Ok(StaffStep::Close)
);

/// `zaloz-sprawe <nr klienta> <temat> <opis>`: a case for a customer who phoned.
#[derive(Debug, PartialEq)]
pub struct OpenCase {
    pub customer: String,
    pub subject: Subject,
    pub description: String,
}

impl Declared for OpenCase {
    const DEF: Def = Def::new(
        &["open-case", "zaloz-sprawe"],
        STAFF,
        Text::new(
            "<klient> <temat> <opis>",
            "<customer> <subject> <description>",
        ),
        Text::new(
            "sprawa w imieniu klienta (np. zgłoszenie telefoniczne); powiadomienia na adres z kartoteki",
            "a case on a customer's behalf (a phone call); notices to the address on file",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let mut parts = args.rest.splitn(3, char::is_whitespace);
        let (Some(customer), Some(subject), Some(description)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(Bad);
        };
        let subject = Subject::parse_word(CaseKind::Complaint, subject)
            .or_else(|| Subject::parse_word(CaseKind::Request, subject))
            .ok_or(Bad)?;
        Ok(OpenCase {
            customer: customer.to_uppercase(),
            subject,
            description: description.trim().to_string(),
        })
    }
}

impl StaffCmd for OpenCase {
    async fn run(self, ctx: &mut Ctx<'_>, staff: &Account) -> anyhow::Result<Reply> {
        let store = ctx.core.store();
        let customer = match store.customer_id_by_number(&self.customer).await? {
            Some(id) => store.customer(id).await?,
            None => None,
        };
        let Some(customer) = customer else {
            return Ok(cases::problem(ctx.lang, "customer_unknown", &self.customer));
        };
        let route = match customer.email.as_deref() {
            Some(address) => ("email".to_string(), address.trim().to_lowercase()),
            None => ("phone".to_string(), String::new()),
        };
        let filer = Filer {
            account_id: None,
            identifier: staff.identifier.clone(),
            route,
        };
        let draft = Draft {
            subject: self.subject,
            invoice: None,
            capacity: None,
        };
        cases::file_for(ctx, &customer, filer, &draft, &self.description).await
    }
}
