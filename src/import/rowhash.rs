//! The fingerprint of an imported row: SHA-256 over the values that are stored,
//! truncated to 128 bits. Equal fingerprints mean nothing to write.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

#[derive(Default)]
pub struct RowHash(Sha256);

impl RowHash {
    pub fn new() -> RowHash {
        RowHash::default()
    }

    /// Each value is length-prefixed, so `("ab", "c")` and `("a", "bc")` differ.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.0.update((value.len() as u64).to_le_bytes());
        self.0.update(value.as_bytes());
        self
    }

    /// A value that may be absent: a marker byte, then the value when present.
    pub fn opt(&mut self, value: Option<&str>) -> &mut Self {
        self.present(value.is_some());
        match value {
            Some(v) => self.text(v),
            None => self,
        }
    }

    pub fn int(&mut self, value: i64) -> &mut Self {
        self.0.update(value.to_le_bytes());
        self
    }

    pub fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        self.present(value.is_some());
        match value {
            Some(v) => self.int(v),
            None => self,
        }
    }

    fn present(&mut self, present: bool) {
        self.0.update([u8::from(present)]);
    }

    pub fn date(&mut self, value: NaiveDate) -> &mut Self {
        self.int(i64::from(chrono::Datelike::num_days_from_ce(&value)))
    }

    pub fn opt_date(&mut self, value: Option<NaiveDate>) -> &mut Self {
        self.opt_int(value.map(|d| i64::from(chrono::Datelike::num_days_from_ce(&d))))
    }

    /// The fingerprint as hex (stored, 128 bits) and its first 64 bits as a number
    /// (kept in memory for each row of an import; compared with [`parse_hex`] of the
    /// stored one).
    pub fn finish(&mut self) -> (u64, String) {
        let digest = std::mem::take(&mut self.0).finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(first), hex::encode(&digest[..16]))
    }
}

/// Reads the first 64 bits of a stored fingerprint back; anything unreadable becomes 0,
/// which never matches.
pub fn parse_hex(text: &str) -> u64 {
    text.get(..text.len().min(16))
        .and_then(|t| u64::from_str_radix(t, 16).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_run_into_each_other() {
        let a = RowHash::new().text("ab").text("c").finish();
        let b = RowHash::new().text("a").text("bc").finish();
        assert_ne!(a, b);
        let none = RowHash::new().opt(None).finish();
        let empty = RowHash::new().opt(Some("")).finish();
        assert_ne!(none, empty);
    }

    #[test]
    fn the_hex_form_reads_back() {
        let (n, hex) = RowHash::new().text("x").int(5).finish();
        assert_eq!(hex.len(), 32);
        assert_eq!(parse_hex(&hex), n);
        assert_eq!(parse_hex("not hex"), 0);
    }
}
