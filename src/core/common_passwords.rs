//! The most common passwords, refused as new passwords (ASVS 5.0 6.2.4).
//! The list ships in `src/core/common-passwords.txt`, one per line.

use std::collections::HashSet;
use std::sync::LazyLock;

static LIST: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// True when `password` (compared case-insensitively) is on the list.
pub fn is_common(password: &str) -> bool {
    LIST.contains(password.to_lowercase().as_str())
}

pub fn count() -> usize {
    LIST.len()
}
