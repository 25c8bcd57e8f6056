//! PESEL and NIP: validation (check digits), masking and keyed hashing.

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PESEL_WEIGHTS: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
const NIP_WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("PESEL must have 11 digits")]
    PeselLength,
    #[error("PESEL check digit does not match")]
    PeselChecksum,
    #[error("PESEL encodes an impossible birth date")]
    PeselDate,
    #[error("NIP must have 10 digits")]
    NipLength,
    #[error("NIP check digit does not match")]
    NipChecksum,
}

/// A valid PESEL. `Debug` and `Display` never show it in full.
#[derive(Clone, PartialEq, Eq)]
pub struct Pesel(String);

/// A valid NIP (10 digits, stored without separators). A sole trader's NIP is personal
/// data: `Debug` shows only the mask, as for the PESEL.
#[derive(Clone, PartialEq, Eq)]
pub struct Nip(String);

impl Pesel {
    pub fn parse(text: &str) -> Result<Pesel, IdError> {
        let text = text.trim();
        let digits = ascii_digits(text).ok_or(IdError::PeselLength)?;
        if digits.len() != 11 {
            return Err(IdError::PeselLength);
        }
        if pesel_check_digit(&digits[..10]) != digits[10] {
            return Err(IdError::PeselChecksum);
        }
        pesel_date(&digits).ok_or(IdError::PeselDate)?;
        Ok(Pesel(text.to_string()))
    }
    pub fn digits(&self) -> &str {
        &self.0
    }
    /// `*******1234`: only the last four digits.
    pub fn masked(&self) -> String {
        format!("*******{}", &self.0[7..])
    }
    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`, so the fallback is never used.
        ascii_digits(&self.0)
            .and_then(|d| pesel_date(&d))
            .unwrap_or_default()
    }
    /// Keyed hash (HMAC-SHA256, hex) used to match a PESEL without storing it.
    pub fn keyed_hash(&self, key: &[u8]) -> String {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(self.0.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for Pesel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pesel({})", self.masked())
    }
}

impl Nip {
    /// Accepts `8880205453`, `888-020-54-53`, `888 020 54 53`, `PL8880205453`.
    pub fn parse(text: &str) -> Result<Nip, IdError> {
        let trimmed = text.trim();
        let rest = match trimmed.get(..2) {
            Some(prefix) if prefix.eq_ignore_ascii_case("PL") => &trimmed[2..],
            _ => trimmed,
        };
        let cleaned: String = rest.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
        let digits = ascii_digits(&cleaned).ok_or(IdError::NipLength)?;
        if digits.len() != 10 {
            return Err(IdError::NipLength);
        }
        match nip_check_digit(&digits[..9]) {
            Some(check) if check == digits[9] => Ok(Nip(cleaned)),
            _ => Err(IdError::NipChecksum),
        }
    }
    pub fn digits(&self) -> &str {
        &self.0
    }
    /// `888-020-54-53`
    pub fn formatted(&self) -> String {
        let d = &self.0;
        format!("{}-{}-{}-{}", &d[..3], &d[3..6], &d[6..8], &d[8..])
    }
    /// The last four digits, as the PESEL's mask shows: `***-***-54-53`.
    pub fn masked(&self) -> String {
        let d = &self.0;
        format!("***-***-{}-{}", &d[6..8], &d[8..])
    }
}

/// The mask of a stored NIP (digits); anything that is not one is hidden entirely.
pub fn mask_nip(digits: &str) -> String {
    Nip::parse(digits).map_or_else(|_| "***".to_string(), |n| n.masked())
}

impl std::fmt::Debug for Nip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nip({})", self.masked())
    }
}

/// The digits of `text` as numbers, or `None` when anything else is in it.
fn ascii_digits(text: &str) -> Option<Vec<u32>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.chars()
        .map(|c| c.to_digit(10).filter(|_| c.is_ascii()))
        .collect()
}

/// Check digit of the first ten PESEL digits.
pub fn pesel_check_digit(first_ten: &[u32]) -> u32 {
    let sum: u32 = first_ten
        .iter()
        .zip(PESEL_WEIGHTS)
        .map(|(d, w)| d * w)
        .sum();
    (10 - sum % 10) % 10
}

/// Check digit of the first nine NIP digits; `None` when the sum gives 10 (no valid NIP).
pub fn nip_check_digit(first_nine: &[u32]) -> Option<u32> {
    let sum: u32 = first_nine.iter().zip(NIP_WEIGHTS).map(|(d, w)| d * w).sum();
    Some(sum % 11).filter(|c| *c < 10)
}

/// The birth date a PESEL encodes: the month carries the century.
fn pesel_date(d: &[u32]) -> Option<NaiveDate> {
    let yy = (d[0] * 10 + d[1]) as i32;
    let mm = d[2] * 10 + d[3];
    let dd = d[4] * 10 + d[5];
    let (century, month) = match mm {
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        41..=52 => (2100, mm - 40),
        61..=72 => (2200, mm - 60),
        81..=92 => (1800, mm - 80),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(century + yy, month, dd)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid PESEL for a date and serial: our own test vectors.
    fn make_pesel(date: NaiveDate, serial: u32) -> String {
        use chrono::Datelike;
        let offset = match date.year() {
            1800..=1899 => 80,
            1900..=1999 => 0,
            2000..=2099 => 20,
            2100..=2199 => 40,
            _ => 60,
        };
        let head = format!(
            "{:02}{:02}{:02}{:04}",
            date.year() % 100,
            date.month() + offset,
            date.day(),
            serial
        );
        let digits: Vec<u32> = head.chars().filter_map(|c| c.to_digit(10)).collect();
        format!("{head}{}", pesel_check_digit(&digits))
    }

    /// Builds a valid NIP from nine digits, or `None` when no check digit exists.
    fn make_nip(first_nine: &str) -> Option<String> {
        let digits: Vec<u32> = first_nine.chars().filter_map(|c| c.to_digit(10)).collect();
        nip_check_digit(&digits).map(|c| format!("{first_nine}{c}"))
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn generated_pesels_parse_in_every_century() {
        for (date, serial) in [
            (ymd(1885, 3, 14), 1234),
            (ymd(1975, 12, 31), 5678),
            (ymd(2004, 2, 29), 9),
            (ymd(2150, 7, 1), 4321),
            (ymd(2299, 1, 9), 1),
        ] {
            let text = make_pesel(date, serial);
            let pesel = Pesel::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(pesel.birth_date(), date, "{text}");
            assert_eq!(pesel.digits(), text);
        }
    }

    #[test]
    fn the_check_digit_formula_is_the_published_one() {
        // 4405140135: sum = 4+12+0+45+1+12+0+9+3+15 = 101, (10 - 1) % 10 = 9
        assert_eq!(pesel_check_digit(&[4, 4, 0, 5, 1, 4, 0, 1, 3, 5]), 9);
        assert!(Pesel::parse("44051401359").is_ok());
        // a sum ending in 0 gives check digit 0, not 10
        assert_eq!(pesel_check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0);
    }

    #[test]
    fn a_changed_digit_fails_the_checksum() {
        let good = make_pesel(ymd(1980, 6, 15), 1357);
        for pos in 0..11 {
            let mut bytes = good.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + 1) % 10;
            let bad = String::from_utf8(bytes).unwrap();
            assert!(Pesel::parse(&bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn pesel_errors_say_what_is_wrong() {
        assert_eq!(Pesel::parse("123"), Err(IdError::PeselLength));
        assert_eq!(Pesel::parse("4405140135a"), Err(IdError::PeselLength));
        assert_eq!(Pesel::parse("44051401358"), Err(IdError::PeselChecksum));
        // 30 February and month 13 are impossible; fix the check digit so only the date fails
        for head in ["8002300000", "8013010000"] {
            let digits: Vec<u32> = head.chars().filter_map(|c| c.to_digit(10)).collect();
            let text = format!("{head}{}", pesel_check_digit(&digits));
            assert_eq!(Pesel::parse(&text), Err(IdError::PeselDate), "{text}");
        }
    }

    #[test]
    fn pesel_is_masked_and_never_shown_in_debug() {
        let text = make_pesel(ymd(1990, 1, 2), 4567);
        let pesel = Pesel::parse(&text).unwrap();
        assert_eq!(pesel.masked(), format!("*******{}", &text[7..]));
        assert!(!format!("{pesel:?}").contains(&text));
    }

    #[test]
    fn keyed_hash_depends_on_key_and_pesel() {
        let a = Pesel::parse(&make_pesel(ymd(1990, 1, 2), 4567)).unwrap();
        let b = Pesel::parse(&make_pesel(ymd(1990, 1, 2), 4568)).unwrap();
        let h = a.keyed_hash(b"key-1");
        assert_eq!(h.len(), 64);
        assert_eq!(h, a.keyed_hash(b"key-1"));
        assert_ne!(h, a.keyed_hash(b"key-2"));
        assert_ne!(h, b.keyed_hash(b"key-1"));
    }

    #[test]
    fn keyed_hash_is_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn nip_accepts_separators_and_prefix() {
        let nip = make_nip("123456789")
            .or_else(|| make_nip("123456780"))
            .unwrap();
        let dashed = format!("{}-{}-{}-{}", &nip[..3], &nip[3..6], &nip[6..8], &nip[8..]);
        for text in [
            nip.clone(),
            dashed.clone(),
            dashed.replace('-', " "),
            format!("PL{nip}"),
            format!("pl {dashed}"),
        ] {
            let parsed = Nip::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed.digits(), nip);
            assert_eq!(parsed.formatted(), dashed);
        }
    }

    #[test]
    fn nip_checksum_and_length_are_checked() {
        // the utility's own NIP from the seed: 8*6+8*5+8*7+0+2*3+0+5*5+4*6+5*7 = 234, 234 % 11 = 3
        assert!(Nip::parse("888-020-54-53").is_ok());
        assert_eq!(Nip::parse("888-020-54-54"), Err(IdError::NipChecksum));
        assert_eq!(Nip::parse("88802054"), Err(IdError::NipLength));
        assert_eq!(Nip::parse("888O205453"), Err(IdError::NipLength));
        // nine digits whose weighted sum is 10 mod 11 have no valid NIP at all
        let no_check = (0..1000)
            .map(|n| format!("{n:09}"))
            .find(|s| make_nip(s).is_none())
            .unwrap();
        for last in 0..10 {
            assert_eq!(
                Nip::parse(&format!("{no_check}{last}")),
                Err(IdError::NipChecksum)
            );
        }
    }
}
