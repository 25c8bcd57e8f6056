//! Automatic verification of a request against the billing data (S4): staff see the
//! results as flags. Nothing here decides; staff do.

use super::names::{self, NameMatch};
use crate::domain::model::{ContractKind, ContractStatus, Customer};
use crate::domain::notice::{Check, Checks};
use crate::store::{Registration, Store};
use serde::Serialize;

/// What a request claims, whether stored already or not. Not `Debug`: it holds the NIP.
#[derive(Clone)]
pub struct Claim {
    /// The request's number when it is stored, 0 before (to skip it when counting duplicates).
    pub id: i64,
    pub name: String,
    pub pesel_hash: Option<String>,
    pub nip: Option<String>,
    pub invoice: String,
    pub contract: String,
    pub email: String,
}

impl From<&Registration> for Claim {
    fn from(r: &Registration) -> Claim {
        Claim {
            id: r.id,
            name: r.name.clone(),
            pesel_hash: r.pesel_hash.clone(),
            nip: r.nip.clone(),
            invoice: r.invoice_number.clone(),
            contract: r.contract_number.clone(),
            email: r.email.clone(),
        }
    }
}

/// ok: matches; warn: needs a look; bad: does not match; na: cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    Warn,
    Bad,
    Na,
}

/// One check: `key` and `code` are keys of `strings.toml` `[flag]` and `[flag_code]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub key: &'static str,
    pub state: State,
    pub code: &'static str,
}

/// The checks of one request, and the billing customer they point to.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub flags: Vec<Flag>,
    #[serde(skip)]
    pub customer_id: Option<i64>,
    pub customer_number: Option<String>,
    pub customer_name: Option<String>,
    /// The billing record's address when it differs from the request's: staff must
    /// choose one when approving.
    pub email_on_file: Option<String>,
    /// Every check passed.
    pub all_ok: bool,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Warn => "warn",
            State::Bad => "bad",
            State::Na => "na",
        }
    }
}

impl Verification {
    /// The checks as staff's notice of the request carries them.
    pub fn checks(&self) -> Checks {
        Checks {
            flags: self
                .flags
                .iter()
                .map(|f| Check {
                    key: f.key.to_string(),
                    state: f.state.as_str().to_string(),
                    code: f.code.to_string(),
                })
                .collect(),
            customer_number: self.customer_number.clone(),
            customer_name: self.customer_name.clone(),
            email_on_file: self.email_on_file.clone(),
            all_ok: self.all_ok,
        }
    }
}

fn flag(key: &'static str, state: State, code: &'static str) -> Flag {
    Flag { key, state, code }
}

/// Compares the claim with the billing data (a contract is active on `today`, the
/// utility's local date).
pub async fn verify(
    store: &Store,
    claim: &Claim,
    today: chrono::NaiveDate,
) -> anyhow::Result<Verification> {
    let candidates = store
        .customers_by_id_number(claim.pesel_hash.as_deref(), claim.nip.as_deref())
        .await?;
    let other_pending = store
        .other_pending_for(claim.id, claim.pesel_hash.as_deref(), claim.nip.as_deref())
        .await?;
    let duplicates = if other_pending > 0 {
        flag("duplicates", State::Warn, "other_pending")
    } else {
        flag("duplicates", State::Ok, "none")
    };
    let mut best: Option<(usize, Vec<Flag>, &Customer)> = None;
    for customer in &candidates {
        let flags = customer_flags(store, claim, customer, today).await?;
        let score = flags.iter().filter(|f| f.state == State::Ok).count();
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, flags, customer));
        }
    }
    let Some((_, mut flags, customer)) = best else {
        let mut flags = vec![flag("customer", State::Bad, "not_found")];
        for key in ["invoice", "contract", "name", "email", "account"] {
            flags.push(flag(key, State::Na, "not_checked"));
        }
        flags.push(duplicates);
        return Ok(Verification {
            flags,
            customer_id: None,
            customer_number: None,
            customer_name: None,
            email_on_file: None,
            all_ok: false,
        });
    };
    let found = if candidates.len() > 1 {
        flag("customer", State::Warn, "several")
    } else {
        flag("customer", State::Ok, "found")
    };
    flags.insert(0, found);
    flags.push(duplicates);
    let email_differs = flags
        .iter()
        .any(|f| f.key == "email" && f.code == "different");
    Ok(Verification {
        email_on_file: customer.email.clone().filter(|_| email_differs),
        all_ok: flags.iter().all(|f| f.state == State::Ok),
        flags,
        customer_id: Some(customer.id),
        customer_number: Some(customer.number.clone()),
        customer_name: Some(customer.name.clone()),
    })
}

async fn customer_flags(
    store: &Store,
    claim: &Claim,
    customer: &Customer,
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<Flag>> {
    let same = |a: &str, b: &str| normalise_number(a) == normalise_number(b);
    let latest = store.latest_invoice_number(customer.id).await?;
    let invoice = if latest.as_deref().is_some_and(|l| same(l, &claim.invoice)) {
        flag("invoice", State::Ok, "latest")
    } else if store
        .invoice_numbers(customer.id)
        .await?
        .iter()
        .any(|n| same(n, &claim.invoice))
    {
        flag("invoice", State::Warn, "older")
    } else {
        flag("invoice", State::Bad, "not_theirs")
    };
    let contract = match store
        .contracts(customer.id)
        .await?
        .into_iter()
        .find(|c| same(&c.number, &claim.contract))
    {
        Some(c)
            if c.status == ContractStatus::Active
                && c.kind == ContractKind::Contract
                && c.valid_to.is_none_or(|to| to >= today) =>
        {
            flag("contract", State::Ok, "active")
        }
        Some(_) => flag("contract", State::Warn, "not_active"),
        None => flag("contract", State::Bad, "not_theirs"),
    };
    let name = match names::compare(&claim.name, &customer.name) {
        NameMatch::Same => flag("name", State::Ok, "same"),
        NameMatch::Similar => flag("name", State::Warn, "similar"),
        NameMatch::Different => flag("name", State::Bad, "different"),
    };
    let email = match customer.email.as_deref().map(str::trim) {
        Some(e) if e.eq_ignore_ascii_case(claim.email.trim()) => flag("email", State::Ok, "same"),
        Some(e) if !e.is_empty() => flag("email", State::Bad, "different"),
        _ => flag("email", State::Warn, "none_on_file"),
    };
    let account = if store.account_for_customer(customer.id).await?.is_some() {
        flag("account", State::Bad, "exists")
    } else {
        flag("account", State::Ok, "none")
    };
    Ok(vec![invoice, contract, name, email, account])
}

/// Numbers compare without case and spaces: "fv/2025/01/42 " = "FV/2025/01/42".
fn normalise_number(n: &str) -> String {
    n.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}
