//! Password hashing (argon2id, OWASP parameters, off the async runtime) and policy.

use anyhow::Context;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("the hashing task failed")?
}

/// True when `password` matches `stored`. A malformed stored hash never matches.
pub async fn verify(password: String, stored: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .context("the verifying task failed")
}

/// A random temporary password: 14 characters without look-alikes (0/O, 1/l/I).
pub fn temporary() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..14)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Why a new password is refused (ASVS 5.0 6.2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyError {
    TooShort,
    TooLong,
    Common,
    ContainsPersonalData,
    SameAsOld,
}

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// Checks a new password: 8–128 characters (counted as characters, no truncation or
/// case folding), not a common password, not containing the identifier, email or name.
pub fn check(password: &str, personal: &[&str]) -> Result<(), PolicyError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PolicyError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    if super::common_passwords::is_common(password) {
        return Err(PolicyError::Common);
    }
    let folded = super::text::fold(password);
    for item in personal {
        for part in super::text::fold(item).split(|c: char| !c.is_alphanumeric()) {
            if part.chars().count() >= 4 && folded.contains(part) {
                return Err(PolicyError::ContainsPersonalData);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash("Zielona łąka 2025".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("Zielona łąka 2025".into(), h.clone()).await.unwrap());
        assert!(!verify("zielona łąka 2025".into(), h.clone()).await.unwrap());
        assert!(!verify("x".into(), "not a hash".into()).await.unwrap());
    }

    #[test]
    fn policy_rules() {
        assert_eq!(check("krótkie", &[]), Err(PolicyError::TooShort));
        assert_eq!(check(&"a".repeat(129), &[]), Err(PolicyError::TooLong));
        assert_eq!(check("password", &[]), Err(PolicyError::Common));
        assert_eq!(
            check("Kowalski-ma-kota", &["Jan Kowalski"]),
            Err(PolicyError::ContainsPersonalData)
        );
        assert_eq!(
            check("x-K000123-y", &["K000123"]),
            Err(PolicyError::ContainsPersonalData)
        );
        assert_eq!(
            check("Ciepła woda w kranie", &["Jan Kowalski", "K000123"]),
            Ok(())
        );
        // 64 characters are accepted in full
        assert_eq!(check(&"Zażółć gęślą jaźń ".repeat(4)[..60], &[]), Ok(()));
    }

    #[test]
    fn temporary_passwords_are_random_and_long() {
        let a = temporary();
        assert_eq!(a.chars().count(), 14);
        assert_ne!(a, temporary());
    }
}
