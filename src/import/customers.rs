//! customers.csv: persons (with PESEL) and firms (with NIP).

use super::fields::Spec;
use super::known::Claim;
use super::report::FileReport;
use super::rowhash::RowHash;
use super::{Pending, Run, duplicate};
use crate::domain::ids::{Nip, Pesel};
use crate::domain::interest::Regime;
use crate::domain::model::CustomerKind;
use crate::domain::nrb::Nrb;
use crate::store::import::CustomerRow;

pub static SPEC: Spec = Spec {
    file: "customers.csv",
    required: &["number", "kind", "name"],
    optional: &[
        "pesel",
        "nip",
        "address",
        "area",
        "email",
        "phone",
        "interest_regime",
        "bank_account",
    ],
};

pub(super) async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    let mut batch: Pending<CustomerRow> = Pending::with_new_limit(run.new_rows_per_batch());
    while !run.errors.full() {
        let errors = &mut run.errors;
        let Some(row) = file.next_row(errors) else {
            break;
        };
        report.rows += 1;
        let Some(number) = row.text(errors, "number") else {
            continue;
        };
        let claim = run.customers.claim(number, row.line);
        if let Claim::Duplicate(first) = claim {
            duplicate(errors, &row, "number", "customer number", number, first);
            continue;
        }
        let kind: Option<CustomerKind> = row.choice(errors, "kind");
        let name = row.text(errors, "name");
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
            continue;
        };
        let pesel_hash = pesel.as_ref().map(|p| p.keyed_hash(run.pesel_key));
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
        if report.count(claim, &mut run.customers, hash) {
            batch.push(
                claim,
                CustomerRow {
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
                    bank_account: bank_account.clone(),
                    row_hash,
                },
            );
        }
        if batch.full() {
            flush(run, &mut batch).await?;
        }
    }
    flush(run, &mut batch).await?;
    Ok(report)
}

async fn flush(run: &mut Run<'_>, batch: &mut Pending<CustomerRow>) -> anyhow::Result<()> {
    let batches = batch.take();
    if run.writing() {
        for (rows, new) in batches {
            let written = run.tx.upsert_customers(&rows, new, &mut run.bulk).await?;
            run.customers.set_ids(written);
        }
    }
    Ok(())
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
