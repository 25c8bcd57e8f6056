//! The Polish bank account number (NRB, *Numer Rachunku Bankowego*): 26 digits, the
//! first two of which are the check digits of the account's IBAN (`PL` + the NRB), so
//! validating an NRB is the IBAN mod-97 check (ISO 13616) with the country code PL.

/// A valid NRB, stored as its 26 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nrb(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NrbError {
    #[error("an account number (NRB) has 26 digits; this one has {0}")]
    Length(usize),
    #[error("an account number (NRB) holds only digits (spaces and a leading PL are allowed)")]
    NotDigits,
    #[error(
        "the account number's check digits do not match (IBAN mod-97 with PL): a digit is wrong or two are swapped"
    )]
    Checksum,
}

/// `P` and `L` as the IBAN check counts letters (A = 10 … Z = 35).
const PL: &str = "2521";

impl Nrb {
    /// Accepts `61109010140000071219812874`, the grouped form
    /// `61 1090 1014 0000 0712 1981 2874` and the IBAN `PL61 1090 …`.
    pub fn parse(text: &str) -> Result<Nrb, NrbError> {
        let trimmed = text.trim();
        let rest = match trimmed.get(..2) {
            Some(prefix) if prefix.eq_ignore_ascii_case("PL") => &trimmed[2..],
            _ => trimmed,
        };
        let cleaned: String = rest.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !cleaned.chars().all(|c| c.is_ascii_digit()) {
            return Err(NrbError::NotDigits);
        }
        if cleaned.len() != 26 {
            return Err(NrbError::Length(cleaned.len()));
        }
        if iban_remainder(&cleaned) != 1 {
            return Err(NrbError::Checksum);
        }
        Ok(Nrb(cleaned))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `61 1090 1014 0000 0712 1981 2874`, as printed on Polish transfer forms.
    pub fn grouped(&self) -> String {
        let d = &self.0;
        let mut out = d[..2].to_string();
        for chunk in d.as_bytes()[2..].chunks(4) {
            out.push(' ');
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        }
        out
    }
}

/// The IBAN remainder of `PL` + `nrb`: the BBAN, then the country, then the check
/// digits, taken mod 97 digit by digit (the number is too long for any integer type).
fn iban_remainder(nrb: &str) -> u32 {
    let rearranged = nrb[2..].chars().chain(PL.chars()).chain(nrb[..2].chars());
    rearranged.fold(0, |acc, c| (acc * 10 + c.to_digit(10).unwrap_or(0)) % 97)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_parse_in_every_written_form() {
        for text in [
            "61109010140000071219812874",
            "61 1090 1014 0000 0712 1981 2874",
            "PL61109010140000071219812874",
            "pl61 1090 1014 0000 0712 1981 2874",
        ] {
            let nrb = Nrb::parse(text).unwrap();
            assert_eq!(nrb.digits(), "61109010140000071219812874", "{text}");
            assert_eq!(nrb.grouped(), "61 1090 1014 0000 0712 1981 2874");
        }
    }

    #[test]
    fn a_wrong_or_swapped_digit_and_bad_lengths_are_refused() {
        assert_eq!(
            Nrb::parse("61109010140000071219812875"),
            Err(NrbError::Checksum)
        );
        assert_eq!(
            Nrb::parse("61109010140000071219818274"),
            Err(NrbError::Checksum)
        );
        assert_eq!(
            Nrb::parse("6110901014000007121981287"),
            Err(NrbError::Length(25))
        );
        assert_eq!(Nrb::parse("61 1090 1014 O000"), Err(NrbError::NotDigits));
        assert_eq!(Nrb::parse(""), Err(NrbError::Length(0)));
    }
}
