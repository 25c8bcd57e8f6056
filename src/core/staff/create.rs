//! Staff accounts, created by the operator on the command line (`ebok staff add`).
//! They get a temporary password with the same expiry, single use and forced change as
//! customers' first passwords.

use super::super::accounts::Credentials;
use super::super::{Core, password};
use crate::domain::model::Role;
use crate::store::AuditEvent;
use crate::store::NewAccount;
use anyhow::Context;

/// Why `ebok staff add` / `ebok staff reset` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum StaffAddError {
    #[error("the identifier must be 3–32 letters, digits, '.', '-' or '_'")]
    BadIdentifier,
    #[error("the name must not be empty")]
    EmptyName,
    #[error("the account {0} already exists")]
    Exists(String),
    #[error("there is no staff account {0}")]
    NotFound(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn valid_identifier(identifier: &str) -> bool {
    (3..=32).contains(&identifier.chars().count())
        && identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Creates a staff account with `identifier` and returns its temporary password.
#[tracing::instrument(skip(core, email))]
pub async fn create_staff(
    core: &Core,
    identifier: &str,
    name: &str,
    email: Option<&str>,
) -> Result<Credentials, StaffAddError> {
    if !valid_identifier(identifier) {
        return Err(StaffAddError::BadIdentifier);
    }
    if name.trim().is_empty() {
        return Err(StaffAddError::EmptyName);
    }
    let store = core.store();
    if store.account_by_identifier(identifier).await?.is_some() {
        return Err(StaffAddError::Exists(identifier.to_string()));
    }
    let temporary = password::temporary();
    let hash = password::hash(temporary.clone()).await?;
    let expires = core.temporary_expiry();
    let mut tx = store.begin().await?;
    tx.insert_account(&NewAccount {
        identifier,
        role: Role::Staff,
        customer_id: None,
        name: name.trim(),
        email: email.map(str::trim).filter(|e| !e.is_empty()),
        password_hash: &hash,
        must_change: true,
        temp_expires_at: Some(expires),
    })
    .await
    .context("creating the staff account")?;
    tx.audit("operator", AuditEvent::StaffAdded, identifier, name.trim())
        .await?;
    tx.commit().await?;
    Ok(Credentials {
        identifier: identifier.to_string(),
        password: temporary,
        expires: Some(expires),
    })
}

/// Gives a staff account a new temporary password (`ebok staff reset`).
pub async fn reset_staff(core: &Core, identifier: &str) -> Result<Credentials, StaffAddError> {
    let store = core.store();
    let account = store
        .account_by_identifier(identifier)
        .await?
        .filter(|a| a.role == Role::Staff)
        .ok_or_else(|| StaffAddError::NotFound(identifier.to_string()))?;
    let temporary = password::temporary();
    let hash = password::hash(temporary.clone()).await?;
    let expires = core.temporary_expiry();
    let mut tx = store.begin().await?;
    tx.set_temporary_password(account.id, &hash, expires)
        .await?;
    tx.set_locked(account.id, false).await?;
    tx.end_all_sessions(account.id).await?;
    tx.audit(
        "operator",
        AuditEvent::StaffPasswordReset,
        &account.identifier,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(Credentials {
        identifier: account.identifier,
        password: temporary,
        expires: Some(expires),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifiers_are_simple() {
        for ok in ["jkowalska", "j.kowalska", "PR-01", "abc"] {
            assert!(super::valid_identifier(ok), "{ok}");
        }
        for bad in ["ab", "j kowalska", "ąę", "", &"x".repeat(33)] {
            assert!(!super::valid_identifier(bad), "{bad}");
        }
    }
}
