//! customers.csv: persons (with PESEL) and firms (with NIP).

use super::error::Errors;
use super::fields::Row;
use super::reader::{Checked, Found, KeyedFile};
use super::rowhash::RowHash;
use super::shared::{KeyTable, Shared};
use crate::domain::ids::{Nip, Pesel};
use crate::domain::interest::Regime;
use crate::domain::model::CustomerKind;
use crate::domain::nrb::Nrb;
use crate::store::import::CustomerRow;

pub struct Customers {
    /// Keys the hash under which PESEL numbers are stored.
    pub pesel_key: Vec<u8>,
}

impl KeyedFile for Customers {
    type Record = CustomerRow;
    const KEY_NAME: &'static str = "customer number";
    const KEYS: KeyTable = KeyTable::Customers;

    fn check(&mut self, shared: &mut Shared, row: &Row, found: Found) -> Checked<Self::Record> {
        let number = found.key;
        let errors = &mut shared.errors;
        let kind: Option<CustomerKind> = row.choice(errors, "kind");
        let name = row.text(errors, "name");
        let (pesel, nip) = identifiers(errors, row, kind);
        let email = row.opt_text("email");
        if let Some(e) = email
            && !looks_like_email(e)
        {
            row.error(errors, "email", format!("'{e}' is not an email address"));
        }
        // Empty: ebok applies the default by kind (docs/interest.md).
        let regime: Option<Option<Regime>> = match row.opt_text("interest_regime") {
            None => Some(None),
            Some(_) => row.choice(errors, "interest_regime").map(Some),
        };
        let mut bank_account = None;
        if let Some(text) = row.opt_text("bank_account") {
            match Nrb::parse(text) {
                Ok(n) => bank_account = Some(n.digits().to_string()),
                Err(e) => row.error(errors, "bank_account", e.to_string()),
            }
        }
        let (Some(kind), Some(name), Some(regime)) = (kind, name, regime) else {
            return None;
        };
        let pesel_hash = pesel.as_ref().map(|p| p.keyed_hash(&self.pesel_key));
        let pesel_masked = pesel.as_ref().map(Pesel::masked);
        let nip = nip.map(|n| n.digits().to_string());
        let address = row.raw("address");
        let area = row.raw("area");
        let phone = row.opt_text("phone");
        let mut hash = RowHash::new();
        hash.text(kind.as_str())
            .text(name)
            .opt(pesel_hash.as_deref())
            .opt(pesel_masked.as_deref())
            .opt(nip.as_deref())
            .text(address)
            .text(area)
            .opt(email)
            .opt(phone);
        // Only when given, so rows exported without it keep their fingerprints.
        if let Some(r) = regime {
            hash.text(r.as_str());
        }
        if let Some(account) = &bank_account {
            hash.text("bank_account").text(account);
        }
        let (hash, row_hash) = hash.finish();
        let record = CustomerRow {
            number: number.to_string(),
            kind: kind.as_str(),
            name: name.to_string(),
            pesel_hash,
            pesel_masked,
            nip,
            address: address.to_string(),
            area: area.to_string(),
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
            interest_regime: regime.map(Regime::as_str),
            bank_account,
            row_hash,
        };
        Some((hash, record))
    }
}

/// The PESEL and the NIP, each when given and valid; a person needs the one, a firm
/// the other.
fn identifiers(
    errors: &mut Errors,
    row: &Row<'_>,
    kind: Option<CustomerKind>,
) -> (Option<Pesel>, Option<Nip>) {
    let (mut pesel, mut nip) = (None, None);
    if let Some(text) = row.opt_text("pesel") {
        match Pesel::parse(text) {
            Ok(p) => pesel = Some(p),
            Err(e) => row.error(errors, "pesel", e.to_string()),
        }
    }
    if let Some(text) = row.opt_text("nip") {
        match Nip::parse(text) {
            Ok(n) => nip = Some(n),
            Err(e) => row.error(errors, "nip", e.to_string()),
        }
    }
    match kind {
        Some(CustomerKind::Person) if row.opt_text("pesel").is_none() => {
            row.error(errors, "pesel", "a person needs a PESEL")
        }
        Some(CustomerKind::Firm) if row.opt_text("nip").is_none() => {
            row.error(errors, "nip", "a firm needs a NIP")
        }
        Some(CustomerKind::Firm) if row.opt_text("pesel").is_some() => row.error(
            errors,
            "pesel",
            "a firm is identified by its NIP: leave the PESEL empty",
        ),
        _ => {}
    }
    (pesel, nip)
}

/// Something@something.something, no spaces: enough to catch a column mix-up.
fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_check_catches_mix_ups() {
        assert!(super::looks_like_email("jan.kowalski@example.pl"));
        for bad in [
            "jan",
            "jan@",
            "@x.pl",
            "jan@pl",
            "j an@x.pl",
            "a@b@c.pl",
            "a@x.",
        ] {
            assert!(!super::looks_like_email(bad), "{bad}");
        }
    }
}
