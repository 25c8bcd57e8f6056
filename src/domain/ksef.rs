//! KSeF, the national e-invoice system: the invoice's KSeF number (its identity once
//! KSeF received it), the hash of its XML file and the verification link (KOD I) every
//! copy given outside KSeF carries (docs/ksef.md; Ministry of Finance, KSeF 2.0,
//! `faktury/numer-ksef.md` and `kody-qr.md`).

use base64::Engine as _;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::fmt;

/// The production host of the verification links (test systems use their own).
pub const DEFAULT_HOST: &str = "qr.ksef.mf.gov.pl";
/// The length of a KSeF number: `NNNNNNNNNN-YYYYMMDD-XXXXXXXXXXXX-CC`.
pub const NUMBER_LEN: usize = 35;
/// The length of the XML's hash: SHA-256 in Base64URL without padding.
pub const HASH_LEN: usize = 43;

crate::text_enum!(
    /// Sent to KSeF at issue (`online`), or issued in an offline mode and sent later:
    /// until KSeF gives it a number, its copy says `OFFLINE`.
    KsefMode { Online = "online", Offline = "offline" }
);

/// A checked KSeF number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KsefNumber(String);

/// Why a text is not a KSeF number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KsefError {
    Length(usize),
    Shape,
    Date,
    Checksum { given: String, computed: String },
}

impl fmt::Display for KsefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KsefError::Length(n) => write!(
                f,
                "a KSeF number has {NUMBER_LEN} characters, this one {n}"
            ),
            KsefError::Shape => f.write_str(
                "a KSeF number is NIP-YYYYMMDD-12 hexadecimal characters-checksum (10 digits, 8 digits, 12 of 0-9 A-F, 2 of 0-9 A-F, upper case)",
            ),
            KsefError::Date => f.write_str("the date part of the KSeF number is not a date"),
            KsefError::Checksum { given, computed } => write!(
                f,
                "the checksum of the KSeF number is {given}, but its first 32 characters give {computed}: a character is wrong"
            ),
        }
    }
}

impl std::error::Error for KsefError {}

impl KsefNumber {
    /// Checks the shape, the date and the CRC-8 of `text` (surrounding spaces ignored;
    /// letters must be upper case, as KSeF writes them).
    pub fn parse(text: &str) -> Result<KsefNumber, KsefError> {
        let text = text.trim();
        let n = text.chars().count();
        if n != NUMBER_LEN {
            return Err(KsefError::Length(n));
        }
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let hex = |r: std::ops::Range<usize>| {
            b[r].iter()
                .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
        };
        let dashes = b[10] == b'-' && b[19] == b'-' && b[32] == b'-';
        if !(dashes && digits(0..10) && digits(11..19) && hex(20..32) && hex(33..35)) {
            return Err(KsefError::Shape);
        }
        NaiveDate::parse_from_str(&text[11..19], "%Y%m%d").map_err(|_| KsefError::Date)?;
        let computed = format!("{:02X}", crc8(&b[..32]));
        if computed != text[33..35] {
            return Err(KsefError::Checksum {
                given: text[33..35].to_string(),
                computed,
            });
        }
        Ok(KsefNumber(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The seller's NIP (10 digits).
    pub fn nip(&self) -> &str {
        &self.0[..10]
    }

    /// The day KSeF received the invoice.
    pub fn received(&self) -> NaiveDate {
        // Checked by `parse`.
        NaiveDate::parse_from_str(&self.0[11..19], "%Y%m%d").unwrap_or_default()
    }

    /// Builds a valid number from its parts (the demo's invoices): `tech` is 12
    /// hexadecimal characters.
    pub fn compose(nip: &str, received: NaiveDate, tech: &str) -> Result<KsefNumber, KsefError> {
        let data = format!("{nip}-{}-{tech}", received.format("%Y%m%d"));
        KsefNumber::parse(&format!("{data}-{:02X}", crc8(data.as_bytes())))
    }
}

impl fmt::Display for KsefNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// CRC-8 with polynomial 0x07 and initial value 0x00 (no reflection, no final xor).
pub fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0u8;
    for byte in data {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The hash KSeF identifies an invoice's XML file by: SHA-256, Base64URL, no padding.
pub fn xml_hash(xml: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(xml))
}

/// Whether `text` is such a hash: 43 Base64URL characters that decode to 32 bytes.
pub fn is_hash(text: &str) -> bool {
    text.len() == HASH_LEN
        && base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .is_ok_and(|bytes| bytes.len() == 32)
}

/// The verification link (KOD I): `https://{host}/invoice/{seller NIP}/{issue date
/// DD-MM-YYYY}/{hash}`. `nip` is taken as its digits.
pub fn verification_link(host: &str, nip: &str, issued: NaiveDate, hash: &str) -> String {
    let nip: String = nip.chars().filter(char::is_ascii_digit).collect();
    format!(
        "https://{host}/invoice/{nip}/{}/{hash}",
        issued.format("%d-%m-%Y")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Ministry's documentation (`faktury/numer-ksef.md`).
    const DOCUMENTED: &str = "5265877635-20250826-0100001AF629-AF";

    #[test]
    fn the_documented_example_checks_out() {
        let n = KsefNumber::parse(DOCUMENTED).unwrap();
        assert_eq!(n.nip(), "5265877635");
        assert_eq!(n.received(), NaiveDate::from_ymd_opt(2025, 8, 26).unwrap());
        assert_eq!(crc8(&DOCUMENTED.as_bytes()[..32]), 0xAF);
    }

    #[test]
    fn every_single_changed_character_is_refused() {
        // Any change of one character of the data part changes a CRC-8 (it detects
        // every single-bit and single-byte error); of the checksum, obviously.
        let alphabet = b"0123456789ABCDEF";
        for i in (0..NUMBER_LEN).filter(|i| ![10, 19, 32].contains(i)) {
            for &c in alphabet {
                let mut b = DOCUMENTED.as_bytes().to_vec();
                if b[i] == c {
                    continue;
                }
                b[i] = c;
                let text = String::from_utf8(b).unwrap();
                assert!(KsefNumber::parse(&text).is_err(), "{text} was accepted");
            }
        }
    }

    #[test]
    fn bad_shapes_say_what_is_wrong() {
        assert_eq!(KsefNumber::parse("123"), Err(KsefError::Length(3)));
        let lower = DOCUMENTED.replace("AF629", "af629");
        assert_eq!(KsefNumber::parse(&lower), Err(KsefError::Shape));
        let err = KsefNumber::parse(&DOCUMENTED.replace("-AF", "-AE")).unwrap_err();
        assert_eq!(
            err,
            KsefError::Checksum {
                given: "AE".into(),
                computed: "AF".into()
            }
        );
        let date = KsefNumber::compose("5265877635", NaiveDate::MIN, "0100001AF629");
        assert!(date.is_err());
    }

    #[test]
    fn a_composed_number_is_valid() {
        let day = NaiveDate::from_ymd_opt(2025, 8, 26).unwrap();
        let n = KsefNumber::compose("5265877635", day, "0100001AF629").unwrap();
        assert_eq!(n.as_str(), DOCUMENTED);
    }

    /// The hash and link of `tests/fixtures/ksef/fa3.xml`, computed independently:
    /// `python3 -c "import hashlib,base64; d=open('fa3.xml','rb').read();
    /// print(base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'='))"`
    /// (SHA-256 a0667889dc887b92fd06e835ba7120fc89c2fbc8d9b0cbccd71c2fd0054caf25).
    #[test]
    fn the_link_carries_the_hand_computed_hash() {
        let xml = include_bytes!("../../tests/fixtures/ksef/fa3.xml");
        let hash = xml_hash(xml);
        assert_eq!(hash, "oGZ4idyIe5L9Bug1unEg_InC-8jZsMvM1xwv0AVMryU");
        assert!(is_hash(&hash));
        let issued = NaiveDate::from_ymd_opt(2026, 4, 30).unwrap();
        assert_eq!(
            verification_link(DEFAULT_HOST, "888-020-54-53", issued, &hash),
            "https://qr.ksef.mf.gov.pl/invoice/8880205453/30-04-2026/oGZ4idyIe5L9Bug1unEg_InC-8jZsMvM1xwv0AVMryU"
        );
        assert!(!is_hash(&hash[1..]));
        assert!(!is_hash(&format!("{}=", &hash[1..])));
    }
}
