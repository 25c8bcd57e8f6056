//! Registration requests and the consents given with them.

use super::{Store, Tx, now};
use crate::domain::model::Customer;
use anyhow::Context;
use chrono::{DateTime, Utc};

/// A registration request as stored. The PESEL is only here as a keyed hash and masked;
/// the NIP (personal data for a sole trader) is serialized and debug-printed masked.
#[derive(Clone, sqlx::FromRow, serde::Serialize)]
pub struct Registration {
    pub id: i64,
    pub status: String,
    pub kind: String,
    pub name: String,
    #[serde(skip)]
    pub pesel_hash: Option<String>,
    pub pesel_masked: Option<String>,
    #[serde(serialize_with = "masked_nip")]
    pub nip: Option<String>,
    pub invoice_number: String,
    pub contract_number: String,
    pub email: String,
    pub lang: String,
    pub channel: String,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    pub account_id: Option<i64>,
}

fn masked_nip<S: serde::Serializer>(nip: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match nip {
        Some(n) => s.serialize_some(&crate::domain::ids::mask_nip(n)),
        None => s.serialize_none(),
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("pesel_masked", &self.pesel_masked)
            .field(
                "nip",
                &self.nip.as_deref().map(crate::domain::ids::mask_nip),
            )
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// What a new request carries.
pub struct NewRegistration<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub pesel_hash: Option<&'a str>,
    pub pesel_masked: Option<&'a str>,
    pub nip: Option<&'a str>,
    pub invoice_number: &'a str,
    pub contract_number: &'a str,
    pub email: &'a str,
    pub lang: &'a str,
    pub channel: &'a str,
    pub source: &'a str,
}

/// One consent of an account (or of a request not yet decided).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Consent {
    pub id: i64,
    pub kind: String,
    pub regulations_version: String,
    pub given_at: DateTime<Utc>,
    pub channel: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, status, kind, name, pesel_hash, pesel_masked, nip, invoice_number, \
     contract_number, email, lang, channel, source, created_at, decided_at, decided_by, reason, account_id";

const CUSTOMER_COLUMNS: &str =
    "id, number, kind, name, pesel_masked, nip, address, area, email, interest_regime";

impl Tx {
    pub async fn insert_registration(&mut self, r: &NewRegistration<'_>) -> anyhow::Result<i64> {
        let sql = "INSERT INTO registrations (status, kind, name, pesel_hash, pesel_masked, nip, \
                   invoice_number, contract_number, email, lang, channel, source, created_at) \
                   VALUES ('pending', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
        on_tx!(self, |c| sqlx::query_scalar(sql)
            .bind(r.kind)
            .bind(r.name)
            .bind(r.pesel_hash)
            .bind(r.pesel_masked)
            .bind(r.nip)
            .bind(r.invoice_number)
            .bind(r.contract_number)
            .bind(r.email)
            .bind(r.lang)
            .bind(r.channel)
            .bind(r.source)
            .bind(now())
            .fetch_one(c)
            .await)
        .context("saving a registration request")
    }

    pub async fn insert_consent(
        &mut self,
        registration_id: i64,
        kind: &str,
        version: &str,
        channel: &str,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO consents (registration_id, kind, regulations_version, given_at, channel) \
                   VALUES ($1, $2, $3, $4, $5)";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(registration_id)
            .bind(kind)
            .bind(version)
            .bind(now())
            .bind(channel)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("recording a consent")?;
        Ok(())
    }

    /// Moves a pending request to `status`; `false` when it was no longer pending
    /// (another staff member decided first).
    pub async fn decide_registration(
        &mut self,
        id: i64,
        status: &str,
        staff: &str,
        reason: Option<&str>,
    ) -> anyhow::Result<bool> {
        let sql = "UPDATE registrations SET status = $1, decided_at = $2, decided_by = $3, reason = $4 \
                   WHERE id = $5 AND status = 'pending'";
        let n = on_tx!(self, |c| sqlx::query(sql)
            .bind(status)
            .bind(now())
            .bind(staff)
            .bind(reason)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("deciding a registration request")?;
        Ok(n == 1)
    }

    /// Links an approved request and its consents to the new account.
    pub async fn link_registration(
        &mut self,
        registration_id: i64,
        account_id: i64,
    ) -> anyhow::Result<()> {
        for sql in [
            "UPDATE registrations SET account_id = $1 WHERE id = $2",
            "UPDATE consents SET account_id = $1 WHERE registration_id = $2",
        ] {
            on_tx!(self, |c| sqlx::query(sql)
                .bind(account_id)
                .bind(registration_id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .context("linking a request to its account")?;
        }
        Ok(())
    }

    /// The id of an account created earlier in this transaction.
    pub async fn account_id(&mut self, identifier: &str) -> anyhow::Result<i64> {
        let sql = "SELECT id FROM accounts WHERE identifier = $1";
        on_tx!(self, |c| sqlx::query_scalar(sql)
            .bind(identifier)
            .fetch_one(c)
            .await)
        .context("reading a new account's id")
    }

    pub async fn set_new_account_lang(
        &mut self,
        account_id: i64,
        lang: &str,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE accounts SET lang = $1 WHERE id = $2";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(lang)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("setting a new account's language")?;
        Ok(())
    }

    /// Marks the account's data-processing consent withdrawn and closes the account.
    pub async fn withdraw_and_close(&mut self, account_id: i64) -> anyhow::Result<()> {
        let sql = "UPDATE consents SET withdrawn_at = $1 WHERE account_id = $2 \
                   AND kind = 'data_processing' AND withdrawn_at IS NULL";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(now())
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("withdrawing a consent")?;
        let sql = "UPDATE accounts SET closed = $1 WHERE id = $2";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(true)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("closing an account")?;
        // A closed account is told nothing more.
        self.end_subscriptions(account_id).await?;
        Ok(())
    }
}

impl Store {
    pub async fn registration(&self, id: i64) -> anyhow::Result<Option<Registration>> {
        let sql = format!("SELECT {COLUMNS} FROM registrations WHERE id = $1");
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)
        .context("reading a registration request")
    }

    /// Pending requests, oldest first.
    pub async fn pending_registrations(&self, limit: i64) -> anyhow::Result<Vec<Registration>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM registrations WHERE status = 'pending' \
             ORDER BY created_at, id LIMIT $1"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(p)
            .await)
        .context("reading pending registration requests")
    }

    pub async fn count_pending_registrations(&self) -> anyhow::Result<i64> {
        let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM registrations WHERE status = 'pending'";
        on_pool!(self, |p| sqlx::query_scalar(sql).fetch_one(p).await)
            .context("counting pending registration requests")
    }

    /// Pending requests other than `id` naming the same PESEL (hash) or NIP.
    pub async fn other_pending_for(
        &self,
        id: i64,
        pesel_hash: Option<&str>,
        nip: Option<&str>,
    ) -> anyhow::Result<i64> {
        let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM registrations WHERE status = 'pending' \
                   AND id <> $1 AND ((pesel_hash IS NOT NULL AND pesel_hash = $2) \
                   OR (nip IS NOT NULL AND nip = $3))";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(id)
            .bind(pesel_hash)
            .bind(nip)
            .fetch_one(p)
            .await)
        .context("counting other pending requests")
    }

    /// Billing customers of this kind with this PESEL hash or NIP.
    pub async fn customers_by_id_number(
        &self,
        pesel_hash: Option<&str>,
        nip: Option<&str>,
    ) -> anyhow::Result<Vec<Customer>> {
        let (column, value) = match (pesel_hash, nip) {
            (Some(h), _) => ("pesel_hash", h),
            (None, Some(n)) => ("nip", n),
            (None, None) => return Ok(vec![]),
        };
        let sql =
            format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE {column} = $1 ORDER BY id");
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(value)
            .fetch_all(p)
            .await)
        .context("looking up customers by PESEL or NIP")
    }

    /// Number of the customer's newest invoice (kind 'invoice'), if any.
    pub async fn latest_invoice_number(&self, customer_id: i64) -> anyhow::Result<Option<String>> {
        let sql = "SELECT number FROM invoices WHERE customer_id = $1 AND kind = 'invoice' \
                   ORDER BY issue_date DESC, id DESC LIMIT 1";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(customer_id)
            .fetch_optional(p)
            .await)
        .context("reading the latest invoice")
    }

    /// Every invoice number of the customer (to tell "an older one" from "not theirs").
    pub async fn invoice_numbers(&self, customer_id: i64) -> anyhow::Result<Vec<String>> {
        let sql = "SELECT number FROM invoices WHERE customer_id = $1";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading invoice numbers")
    }

    /// Consents of an account, oldest first.
    pub async fn consents(&self, account_id: i64) -> anyhow::Result<Vec<Consent>> {
        let sql = "SELECT id, kind, regulations_version, given_at, channel, withdrawn_at \
                   FROM consents WHERE account_id = $1 ORDER BY given_at, id";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(account_id)
            .fetch_all(p)
            .await)
        .context("reading consents")
    }

    /// Consents recorded with a request (before an account exists).
    pub async fn registration_consents(
        &self,
        registration_id: i64,
    ) -> anyhow::Result<Vec<Consent>> {
        let sql = "SELECT id, kind, regulations_version, given_at, channel, withdrawn_at \
                   FROM consents WHERE registration_id = $1 ORDER BY given_at, id";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(registration_id)
            .fetch_all(p)
            .await)
        .context("reading a request's consents")
    }
}
