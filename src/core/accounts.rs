//! Creating accounts: identifiers and initial passwords.

use super::{Core, password};
use crate::domain::model::Role;
use crate::store::{NewAccount, Tx};
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};

/// A new account's identifier and its first password (shown or mailed once).
pub struct Credentials {
    pub identifier: String,
    pub password: String,
    /// When a temporary password stops working (`None`: a permanent one).
    pub expires: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, [redacted])", self.identifier)
    }
}

/// A random identifier such as `EB482913`: stable, short, and unrelated to the PESEL.
pub fn new_identifier(prefix: &str) -> String {
    use rand::Rng;
    format!("{prefix}{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

/// What kind of first password an account gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstPassword {
    /// Must be changed at first login and expires after the configured days.
    Temporary,
    /// Ready to use (demo accounts only).
    Permanent,
}

impl Core {
    /// When a temporary password issued now stops working (`security.temp_password_days`).
    pub fn temporary_expiry(&self) -> DateTime<Utc> {
        Utc::now() + Duration::days(self.settings().security.temp_password_days)
    }

    /// Creates an account inside `tx` with a fresh identifier and a random password.
    pub async fn create_account(
        &self,
        tx: &mut Tx,
        role: Role,
        customer_id: Option<i64>,
        name: &str,
        email: Option<&str>,
        first: FirstPassword,
    ) -> anyhow::Result<Credentials> {
        let prefix = if role == Role::Staff { "PR" } else { "EB" };
        let password = password::temporary();
        let hash = password::hash(password.clone()).await?;
        let temporary = first == FirstPassword::Temporary;
        let expires = temporary.then(|| self.temporary_expiry());
        for _ in 0..20 {
            let identifier = new_identifier(prefix);
            if self
                .store()
                .account_by_identifier(&identifier)
                .await?
                .is_some()
            {
                continue;
            }
            let new = NewAccount {
                identifier: &identifier,
                role,
                customer_id,
                name,
                email,
                password_hash: &hash,
                must_change: temporary,
                temp_expires_at: expires,
            };
            tx.insert_account(&new)
                .await
                .context("creating the account")?;
            return Ok(Credentials {
                identifier,
                password,
                expires,
            });
        }
        anyhow::bail!("could not find a free identifier")
    }
}
