//! The case number: `RK/2026/000123` (a complaint) or `WN/2026/000045` (a request),
//! counted from 1 per kind and year without gaps (the store's counter row).

use super::kinds::CaseKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseNumber {
    pub kind: CaseKind,
    pub year: i32,
    pub seq: i64,
}

impl std::fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{:06}", self.kind.prefix(), self.year, self.seq)
    }
}

impl CaseNumber {
    /// A number as a customer types it: any case, `-` or `/` between the parts,
    /// leading zeros optional (`rk/2026/123`, `RK-2026-000123`).
    pub fn parse(text: &str) -> Option<CaseNumber> {
        let upper = text.trim().to_uppercase().replace('-', "/");
        let mut parts = upper.split('/');
        let kind = CaseKind::from_prefix(parts.next()?)?;
        let year: i32 = parts.next()?.parse().ok()?;
        let seq: i64 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(2000..=9999).contains(&year) || seq < 1 {
            return None;
        }
        Some(CaseNumber { kind, year, seq })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_with_six_digits_and_read_back_loosely() {
        let n = CaseNumber {
            kind: CaseKind::Complaint,
            year: 2026,
            seq: 123,
        };
        assert_eq!(n.to_string(), "RK/2026/000123");
        assert_eq!(CaseNumber::parse("rk/2026/123"), Some(n));
        assert_eq!(CaseNumber::parse("RK-2026-000123"), Some(n));
        let w = CaseNumber::parse("WN/2026/000045").unwrap();
        assert_eq!(w.kind, CaseKind::Request);
        assert_eq!(w.to_string(), "WN/2026/000045");
        for bad in [
            "",
            "XX/2026/1",
            "RK/2026",
            "RK/2026/0",
            "RK/20x6/1",
            "RK/2026/1/2",
        ] {
            assert_eq!(CaseNumber::parse(bad), None, "{bad}");
        }
    }
}
