//! The registration form: `field: value` lines (or `;`-separated on one line), in
//! Polish or English, merged into a [`Draft`] message by message. Every error of a
//! message is reported together; the PESEL is kept only as keyed hash and mask.

use crate::domain::ids::{IdError, Nip, Pesel};
use crate::domain::text::fold;
use serde::{Deserialize, Serialize};

/// What the customer has given so far, each field already validated. The NIP is kept
/// in clear (it is matched against the billing record's), but `Debug` shows its mask.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub name: Option<String>,
    pub pesel_hash: Option<String>,
    pub pesel_masked: Option<String>,
    pub nip: Option<String>,
    pub invoice: Option<String>,
    pub contract: Option<String>,
    pub email: Option<String>,
    pub consent: bool,
    pub regulations: bool,
}

impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("name", &self.name)
            .field("pesel_masked", &self.pesel_masked)
            .field("nip", &self.nip_masked())
            .field("invoice", &self.invoice)
            .field("contract", &self.contract)
            .field("email", &self.email)
            .field("consent", &self.consent)
            .field("regulations", &self.regulations)
            .finish_non_exhaustive()
    }
}

impl Draft {
    /// The NIP as it may be shown or logged: `***-***-54-53`.
    pub fn nip_masked(&self) -> Option<String> {
        self.nip.as_deref().map(crate::domain::ids::mask_nip)
    }

    pub fn kind(&self) -> &'static str {
        if self.nip.is_some() { "firm" } else { "person" }
    }

    /// Fields still missing, in form order (keys of `strings.toml` `[reg_field]`).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.name.is_none() {
            out.push("name");
        }
        if self.pesel_hash.is_none() && self.nip.is_none() {
            out.push("pesel_or_nip");
        }
        if self.invoice.is_none() {
            out.push("invoice");
        }
        if self.contract.is_none() {
            out.push("contract");
        }
        if self.email.is_none() {
            out.push("email");
        }
        if !self.consent {
            out.push("consent");
        }
        if !self.regulations {
            out.push("regulations");
        }
        out
    }
}

/// One problem with one field: `code` is a key of `strings.toml` `[reg_error]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
    /// The field name as typed, for unknown fields (never a value).
    pub typed: Option<String>,
}

/// The result of applying one message to a draft.
#[derive(Debug)]
pub struct Applied {
    pub draft: Draft,
    pub errors: Vec<FieldError>,
    /// Fields recognised in the message (valid or not).
    pub recognised: usize,
    /// The message contained a PESEL or a NIP (a sole trader's NIP is personal data):
    /// front ends delete it from the chat as they do a password.
    pub had_id_number: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Pesel,
    Nip,
    Invoice,
    Contract,
    Email,
    Consent,
    Regulations,
}

fn field(key: &str) -> Option<Field> {
    let key: String = fold(key).chars().filter(|c| c.is_alphanumeric()).collect();
    Some(match key.as_str() {
        "nazwa" | "nazwaklienta" | "klient" | "imieinazwisko" | "imienazwisko" | "nazwisko"
        | "firma" | "nazwafirmy" | "name" | "fullname" | "customer" | "customername" => Field::Name,
        "pesel" => Field::Pesel,
        "nip" => Field::Nip,
        "faktura" | "nrfaktury" | "numerfaktury" | "ostatniafaktura" | "invoice"
        | "invoicenumber" | "lastinvoice" => Field::Invoice,
        "umowa" | "nrumowy" | "numerumowy" | "contract" | "contractnumber" => Field::Contract,
        "email" | "mail" | "adresemail" | "emailaddress" | "adres" => Field::Email,
        "zgoda"
        | "zgodadane"
        | "zgodanaprzetwarzaniedanych"
        | "zgodarodo"
        | "rodo"
        | "przetwarzaniedanych"
        | "consent"
        | "dataprocessing" => Field::Consent,
        "regulamin" | "akceptacjaregulaminu" | "akceptujeregulamin" | "regulations" | "terms" => {
            Field::Regulations
        }
        _ => return None,
    })
}

/// Applies the fields in `text` to `draft`.
pub fn apply(mut draft: Draft, text: &str, pesel_key: &[u8]) -> Applied {
    let mut errors = Vec::new();
    let mut recognised = 0;
    let mut had_id_number = false;
    let mut ids_given = (false, false);
    for segment in text.split(['\n', ';']).map(str::trim) {
        if segment.is_empty() {
            continue;
        }
        let Some(at) = segment.find([':', '=']) else {
            errors.push(FieldError {
                field: "line",
                code: "no_field_name",
                typed: None,
            });
            continue;
        };
        let (key, value) = (segment[..at].trim(), segment[at + 1..].trim());
        let Some(f) = field(key) else {
            errors.push(FieldError {
                field: "line",
                code: "unknown_field",
                typed: Some(key.chars().take(30).collect()),
            });
            continue;
        };
        recognised += 1;
        let mut fail = |field: &'static str, code: &'static str| {
            errors.push(FieldError {
                field,
                code,
                typed: None,
            })
        };
        match f {
            Field::Name => match check_name(value) {
                Ok(v) => draft.name = Some(v),
                Err(code) => fail("name", code),
            },
            Field::Pesel => {
                had_id_number = true;
                ids_given.0 = true;
                match Pesel::parse(&strip_separators(value)) {
                    Ok(p) => {
                        draft.pesel_hash = Some(p.keyed_hash(pesel_key));
                        draft.pesel_masked = Some(p.masked());
                        draft.nip = None;
                    }
                    Err(e) => fail("pesel", id_code(&e)),
                }
            }
            Field::Nip => {
                had_id_number = true;
                ids_given.1 = true;
                match Nip::parse(value) {
                    Ok(n) => {
                        draft.nip = Some(n.digits().to_string());
                        draft.pesel_hash = None;
                        draft.pesel_masked = None;
                    }
                    Err(e) => fail("nip", id_code(&e)),
                }
            }
            Field::Invoice => match check_number(value) {
                Ok(v) => draft.invoice = Some(v),
                Err(code) => fail("invoice", code),
            },
            Field::Contract => match check_number(value) {
                Ok(v) => draft.contract = Some(v),
                Err(code) => fail("contract", code),
            },
            Field::Email => match check_email(value) {
                Ok(v) => draft.email = Some(v),
                Err(code) => fail("email", code),
            },
            Field::Consent => match yes_no(value) {
                Ok(v) => draft.consent = v,
                Err(code) => fail("consent", code),
            },
            Field::Regulations => match yes_no(value) {
                Ok(v) => draft.regulations = v,
                Err(code) => fail("regulations", code),
            },
        }
    }
    if ids_given == (true, true) {
        // One request is one customer: a person (PESEL) or a firm (NIP), not both.
        draft.pesel_hash = None;
        draft.pesel_masked = None;
        draft.nip = None;
        errors.push(FieldError {
            field: "pesel_or_nip",
            code: "both_ids",
            typed: None,
        });
    }
    Applied {
        draft,
        errors,
        recognised,
        had_id_number,
    }
}

fn strip_separators(value: &str) -> String {
    value.chars().filter(|c| !matches!(c, ' ' | '-')).collect()
}

fn id_code(e: &IdError) -> &'static str {
    match e {
        IdError::PeselLength => "pesel_length",
        IdError::PeselChecksum => "pesel_checksum",
        IdError::PeselDate => "pesel_date",
        IdError::NipLength => "nip_length",
        IdError::NipChecksum => "nip_checksum",
    }
}

fn check_name(value: &str) -> Result<String, &'static str> {
    let name = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = name.chars().count();
    if name.is_empty() {
        Err("empty")
    } else if len < 3 || !name.chars().any(char::is_alphabetic) {
        Err("name_too_short")
    } else if len > 200 {
        Err("too_long")
    } else {
        Ok(name)
    }
}

/// Invoice and contract numbers: the full number, as printed.
fn check_number(value: &str) -> Result<String, &'static str> {
    let number = value.trim();
    if number.is_empty() {
        Err("empty")
    } else if number.chars().count() > 60 {
        Err("too_long")
    } else if number.chars().count() < 3 || !number.chars().any(|c| c.is_ascii_digit()) {
        Err("number_incomplete")
    } else {
        Ok(number.to_string())
    }
}

fn check_email(value: &str) -> Result<String, &'static str> {
    let email = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if email.is_empty() {
        return Err("empty");
    }
    let Ok(address) = email.parse::<lettre::Address>() else {
        return Err("email_invalid");
    };
    let domain = address.domain();
    if email.len() > 254 || !domain.contains('.') || domain.ends_with('.') {
        return Err("email_invalid");
    }
    Ok(format!("{}@{}", address.user(), domain.to_lowercase()))
}

fn yes_no(value: &str) -> Result<bool, &'static str> {
    match fold(value.trim()).trim_end_matches(['.', '!']) {
        "tak" | "t" | "yes" | "y" | "ok" | "x" | "akceptuje" | "zgadzam sie" | "wyrazam zgode"
        | "accept" | "i accept" | "i agree" | "agree" => Ok(true),
        "nie" | "n" | "no" => Err("consent_refused"),
        "" => Err("empty"),
        _ => Err("yes_or_no"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test-key";
    // 44051401359: sum 101 → check digit 9 (see domain::ids tests)
    const PESEL: &str = "44051401359";

    #[test]
    fn a_full_form_in_one_message_fills_the_draft() {
        let text = "nazwa: Jan Kowalski\npesel: 44051401359\nfaktura: FV/2025/01/0042\n\
                    umowa: UC/2019/117\ne-mail: Jan.Kowalski@Example.TEST\nzgoda: tak\nregulamin: tak";
        let a = apply(Draft::default(), text, KEY);
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        assert!(a.draft.missing().is_empty(), "{:?}", a.draft.missing());
        assert_eq!(a.draft.kind(), "person");
        assert_eq!(a.draft.pesel_masked.as_deref(), Some("*******1359"));
        assert_eq!(a.draft.email.as_deref(), Some("Jan.Kowalski@example.test"));
        assert!(a.had_id_number);
        assert!(!format!("{:?}", a.draft).contains(PESEL));
    }

    #[test]
    fn every_error_is_reported_together() {
        let text = "name=J; pesel=44051401358; invoice=; contract=UC/1; email=jan@; consent=nie; \
                    regulations=maybe; colour: blue; no separator here";
        let a = apply(Draft::default(), text, KEY);
        let got: Vec<(&str, &str)> = a.errors.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("name", "name_too_short"),
                ("pesel", "pesel_checksum"),
                ("invoice", "empty"),
                ("email", "email_invalid"),
                ("consent", "consent_refused"),
                ("regulations", "yes_or_no"),
                ("line", "unknown_field"),
                ("line", "no_field_name"),
            ]
        );
        assert_eq!(a.errors[6].typed.as_deref(), Some("colour"));
        assert_eq!(a.draft.contract.as_deref(), Some("UC/1"));
    }

    #[test]
    fn fields_accumulate_over_messages_and_nip_makes_a_firm() {
        let a = apply(Draft::default(), "firma: Ciepło Sp. z o.o.", KEY);
        let a = apply(a.draft, "NIP: 888-020-54-53", KEY);
        assert_eq!(a.draft.kind(), "firm");
        assert_eq!(a.draft.nip.as_deref(), Some("8880205453"));
        assert_eq!(
            a.draft.missing(),
            vec!["invoice", "contract", "email", "consent", "regulations"]
        );
        let b = apply(a.draft, "nip: 8880205454", KEY);
        assert_eq!(b.errors[0].code, "nip_checksum");
    }

    #[test]
    fn pesel_and_nip_together_are_refused() {
        let a = apply(Draft::default(), "pesel: 44051401359; nip: 8880205453", KEY);
        assert_eq!(a.errors[0].code, "both_ids");
        assert!(a.draft.missing().contains(&"pesel_or_nip"));
    }

    #[test]
    fn pesel_errors_are_precise() {
        for (value, code) in [
            ("4405140135", "pesel_length"),
            ("4405140135x", "pesel_length"),
            ("44051401358", "pesel_checksum"),
        ] {
            let a = apply(Draft::default(), &format!("pesel: {value}"), KEY);
            assert_eq!(a.errors[0].code, code, "{value}");
        }
    }
}
