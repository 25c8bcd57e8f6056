//! The most common passwords, refused as new passwords (ASVS 5.0 6.2.4).
//! The list ships in `src/core/common-passwords.txt`, one per line.

use std::collections::HashSet;
use std::sync::LazyLock;

static LIST: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// True when `password` (compared case-insensitively) is on the list.
pub fn is_common(password: &str) -> bool {
    LIST.contains(password.to_lowercase().as_str())
}

#[cfg(test)]
pub fn count() -> usize {
    LIST.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_is_real_and_comments_are_not_entries() {
        assert!(super::count() >= 10_000, "{}", super::count());
        assert!(super::is_common("Password1"));
        assert!(super::is_common("zaq12wsx"));
        assert!(!super::is_common(
            "# Source: the 30,000-entry PASSWORDS frequency list"
        ));
        assert!(!super::is_common("Ciepła woda w kranie"));
    }
}
