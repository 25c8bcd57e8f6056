//! Accounts: who may log in, with which password hash and flags.

use super::{Store, Tx, now};
use crate::domain::model::Role;
use anyhow::Context;
use chrono::{DateTime, Utc};

#[derive(Clone, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub identifier: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub customer_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub must_change: bool,
    pub temp_expires_at: Option<DateTime<Utc>>,
    pub locked: bool,
    pub closed: bool,
    pub lang: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("identifier", &self.identifier)
            .field("role", &self.role)
            .field("customer_id", &self.customer_id)
            .field("must_change", &self.must_change)
            .field("locked", &self.locked)
            .finish_non_exhaustive()
    }
}

/// What is needed to create an account.
#[derive(Clone)]
pub struct NewAccount<'a> {
    pub identifier: &'a str,
    pub role: Role,
    pub customer_id: Option<i64>,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub must_change: bool,
    pub temp_expires_at: Option<DateTime<Utc>>,
}

const ACCOUNT_COLUMNS: &str = "id, identifier, role, customer_id, name, email, password_hash, \
     must_change, temp_expires_at, locked, closed, lang";

/// [`ACCOUNT_COLUMNS`] for a query that joins accounts with other tables.
pub(super) const ACCOUNT_COLUMNS_QUALIFIED: &str = "accounts.id, accounts.identifier, \
     accounts.role, accounts.customer_id, accounts.name, accounts.email, accounts.password_hash, \
     accounts.must_change, accounts.temp_expires_at, accounts.locked, accounts.closed, accounts.lang";

impl Store {
    /// The account `identifier` names, in any letter case (identifiers are typed on
    /// phones; migration 0007 keeps them unique regardless of case).
    pub async fn account_by_identifier(&self, identifier: &str) -> anyhow::Result<Option<Account>> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE lower(identifier) = lower($1)");
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(identifier)
            .fetch_optional(p)
            .await)
        .context("reading an account")
    }

    pub async fn account(&self, id: i64) -> anyhow::Result<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)
        .context("reading an account")
    }

    pub async fn account_for_customer(&self, customer_id: i64) -> anyhow::Result<Option<Account>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE customer_id = $1 AND closed = $2"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(false)
            .fetch_optional(p)
            .await)
        .context("reading a customer's account")
    }

    /// A staff account by its display name (used for the demo's staff login).
    pub async fn staff_account_by_name(&self, name: &str) -> anyhow::Result<Option<Account>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE role = 'staff' AND name = $1 ORDER BY id LIMIT 1"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(name)
            .fetch_optional(p)
            .await)
        .context("reading a staff account")
    }

    pub async fn set_account_lang(&self, account_id: i64, lang: &str) -> anyhow::Result<()> {
        let sql = "UPDATE accounts SET lang = $1 WHERE id = $2";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(lang)
            .bind(account_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("saving the language")?;
        Ok(())
    }
}

impl Tx {
    pub async fn insert_account(&mut self, new: &NewAccount<'_>) -> anyhow::Result<i64> {
        let sql = "INSERT INTO accounts (identifier, role, customer_id, name, email, password_hash, \
                   must_change, temp_expires_at, locked, closed, lang, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 'pl', $10) RETURNING id";
        on_tx!(self, |c| sqlx::query_scalar(sql)
            .bind(new.identifier)
            .bind(new.role.as_str())
            .bind(new.customer_id)
            .bind(new.name)
            .bind(new.email)
            .bind(new.password_hash)
            .bind(new.must_change)
            .bind(new.temp_expires_at)
            .bind(false)
            .bind(now())
            .fetch_one(c)
            .await)
        .context("creating an account")
    }

    /// Stores a new password hash. `temporary` marks it as one that must be changed.
    pub async fn set_password(
        &mut self,
        account_id: i64,
        hash: &str,
        temporary: bool,
        temp_expires_at: Option<DateTime<Utc>>,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE accounts SET password_hash = $1, must_change = $2, temp_expires_at = $3, \
                   password_changed_at = $4 WHERE id = $5";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(hash)
            .bind(temporary)
            .bind(temp_expires_at)
            .bind(now())
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("saving a password")?;
        Ok(())
    }

    pub async fn set_locked(&mut self, account_id: i64, locked: bool) -> anyhow::Result<()> {
        let sql = "UPDATE accounts SET locked = $1 WHERE id = $2";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(locked)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("locking an account")?;
        // A locked account's notifications end (unlocking does not bring them back).
        if locked {
            self.end_subscriptions(account_id).await?;
        }
        Ok(())
    }
}
