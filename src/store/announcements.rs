//! Announcements published by staff (the import brings the billing system's own). They
//! live in the same table, under references of their own ("EBOK-…"), which the import
//! never touches.

use super::Tx;
use anyhow::Context;
use chrono::NaiveDate;

/// A new announcement, for every customer or for the heat areas `area` names.
#[derive(Debug, Clone)]
pub struct NewAnnouncement<'a> {
    pub reference: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Comma-separated heat areas (see [`crate::domain::area`]); `None`: everyone.
    pub area: Option<&'a str>,
}

impl Tx {
    pub async fn insert_announcement(&mut self, a: &NewAnnouncement<'_>) -> anyhow::Result<()> {
        let sql = "INSERT INTO messages (reference, kind, title, body, valid_from, valid_to, area, row_hash) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, 'staff')";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(a.reference)
            .bind(a.kind)
            .bind(a.title)
            .bind(a.body)
            .bind(a.valid_from)
            .bind(a.valid_to)
            .bind(a.area)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("storing an announcement")?;
        Ok(())
    }
}
