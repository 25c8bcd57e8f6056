//! Password hashing (argon2id, OWASP parameters, off the async runtime) and policy.

use super::hash_pool;
use argon2::password_hash::{Output, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// OWASP minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

/// Runs argon2 over the hashing thread's kept working memory, grown to what `params`
/// needs. Allocated afresh per hash, it was mapped and faulted in anew on some calls and
/// reused on others, so one login took 38 ms and the next 65 ms; kept, every hash and
/// check costs the same.
fn with_blocks<T>(
    blocks: &mut Vec<Block>,
    params: &Params,
    f: impl FnOnce(&mut [Block]) -> T,
) -> T {
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    f(&mut blocks[..params.block_count()])
}

fn hash_with(password: &[u8], blocks: &mut Vec<Block>) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("encoding a salt: {e}"))?;
    let params = params();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_blocks(blocks, &params, |b| {
        argon.hash_password_into_with_memory(password, salt_raw, &mut out, b)
    })
    .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params)
            .try_into()
            .map_err(|e| anyhow::anyhow!("encoding argon2 parameters: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("argon2 output: {e}"))?),
    };
    Ok(hash.to_string())
}

/// The argon2 check of `password` against a PHC string, with the parameters the string
/// carries (hashes made with older parameters still verify). Malformed: no match.
fn verify_with(password: &[u8], stored: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        Params::try_from(&parsed),
        Algorithm::try_from(parsed.algorithm),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    let hashed = with_blocks(blocks, &params, |b| {
        argon.hash_password_into_with_memory(password, salt_raw, &mut out, b)
    });
    // Output's equality is constant-time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// Hashes a new password on a hashing thread (waiting in line behind other hashes).
pub async fn hash(password: String) -> anyhow::Result<String> {
    hash_pool::run(move |blocks| hash_with(password.as_bytes(), blocks)).await?
}

/// True when `password` matches `stored`. A malformed stored hash never matches.
pub async fn verify(password: String, stored: String) -> anyhow::Result<bool> {
    hash_pool::run(move |blocks| verify_with(password.as_bytes(), &stored, blocks)).await
}

/// What a typed password is checked as, in order: trimmed (what every channel and form
/// gives alike — Telegram apps and mail lines lose edge spaces), then as typed when that
/// differs (a password stored before edge whitespace was refused).
pub fn as_typed(typed: &str) -> Vec<String> {
    let trimmed = typed.trim();
    let mut candidates = vec![trimmed.to_string()];
    if trimmed != typed {
        candidates.push(typed.to_string());
    }
    candidates
}

/// Which of `candidates` (see [`as_typed`]) matches `stored`: the index of the first
/// that does. One job on one hashing thread; every candidate is checked until one
/// matches, so a failure costs the same for any stored hash (the dummy one included).
pub async fn verify_first(
    candidates: Vec<String>,
    stored: String,
) -> anyhow::Result<Option<usize>> {
    hash_pool::run(move |blocks| {
        candidates
            .iter()
            .position(|c| verify_with(c.as_bytes(), &stored, blocks))
    })
    .await
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
    /// Begins or ends with a space (or another blank): apps and mail lose those, so
    /// such a password could not be typed everywhere.
    EdgeWhitespace,
}

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// Checks a new password: no blank at either end, 8–128 characters (counted as
/// characters, no truncation or case folding), not a common password, not containing the
/// identifier, email or name.
pub fn check(password: &str, personal: &[&str]) -> Result<(), PolicyError> {
    if password.trim() != password {
        return Err(PolicyError::EdgeWhitespace);
    }
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
    let folded = crate::domain::text::fold(password);
    for item in personal {
        for part in crate::domain::text::fold(item).split(|c: char| !c.is_alphanumeric()) {
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

    /// The kept-memory hashing agrees with the argon2 crate's own hasher and verifier
    /// both ways, also for hashes stored with other parameters or another variant.
    #[test]
    fn kept_memory_agrees_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let mut kept = Vec::new();
        let ours = hash_with("Zielona łąka 2025".as_bytes(), &mut kept).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password("Zielona łąka 2025".as_bytes(), &parsed)
                .is_ok()
        );
        for (algorithm, m, t) in [
            (Algorithm::Argon2id, 19 * 1024, 2),
            (Algorithm::Argon2id, 8 * 1024, 3),
            (Algorithm::Argon2i, 32 * 1024, 1),
        ] {
            let params = Params::new(m, t, 1, None).unwrap();
            let salt = SaltString::generate(&mut OsRng);
            let theirs = Argon2::new(algorithm, Version::V0x13, params)
                .hash_password("hasło".as_bytes(), &salt)
                .unwrap()
                .to_string();
            assert!(
                verify_with("hasło".as_bytes(), &theirs, &mut kept),
                "{theirs}"
            );
            assert!(
                !verify_with("haslo".as_bytes(), &theirs, &mut kept),
                "{theirs}"
            );
        }
        // A stored hash cut short or with a foreign parameter never matches.
        assert!(!verify_with(b"x", &ours[..ours.len() - 4], &mut kept));
        assert!(!verify_with(
            "Zielona łąka 2025".as_bytes(),
            &ours.replace("p=1", "p=1,q=2"),
            &mut kept
        ));
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
        // A blank at either end is refused (whatever else is wrong), inside it is fine.
        for edged in [
            "Zimowy Wieczór 2026 ",
            " Zimowy Wieczór 2026",
            "Zimowy\tWieczór\t",
            "x\u{a0}",
        ] {
            assert_eq!(
                check(edged, &[]),
                Err(PolicyError::EdgeWhitespace),
                "{edged:?}"
            );
        }
        assert_eq!(check("Zimowy Wieczór 2026", &[]), Ok(()));
        // 64 characters are accepted in full
        assert_eq!(check(&"Zażółć gęślą jaźń ".repeat(4)[..60], &[]), Ok(()));
    }

    #[tokio::test]
    async fn a_login_checks_the_trimmed_password_then_the_typed_one() {
        assert_eq!(as_typed("Zimowy Wieczór"), ["Zimowy Wieczór"]);
        assert_eq!(
            as_typed(" Zimowy Wieczór \t"),
            ["Zimowy Wieczór", " Zimowy Wieczór \t"]
        );
        let old = hash("Zimowy Wieczór 2026 ".into()).await.unwrap();
        let new = hash("Zimowy Wieczór 2026".into()).await.unwrap();
        let typed = as_typed("Zimowy Wieczór 2026 ");
        assert_eq!(
            verify_first(typed.clone(), old.clone()).await.unwrap(),
            Some(1)
        );
        assert_eq!(verify_first(typed, new.clone()).await.unwrap(), Some(0));
        let trimmed = as_typed("Zimowy Wieczór 2026");
        assert_eq!(verify_first(trimmed.clone(), old).await.unwrap(), None);
        assert_eq!(verify_first(trimmed, new).await.unwrap(), Some(0));
    }

    #[test]
    fn temporary_passwords_are_random_and_long() {
        let a = temporary();
        assert_eq!(a.chars().count(), 14);
        assert_ne!(a, temporary());
    }
}
