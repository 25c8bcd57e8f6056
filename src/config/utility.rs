//! The utility's own data (name, contact, bank account), its regulations and the
//! interest tables it charges.

use crate::domain::interest::{RatePeriod, RateSource, RateTables};
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Utility {
    pub name: String,
    pub short_name: String,
    pub address: String,
    /// Checked (it goes into the transfer QR code), kept as written for display.
    #[serde(deserialize_with = "nip")]
    pub nip: String,
    /// The account (NRB, 26 digits) customers pay into when the billing export gives
    /// them no individual one; checked with the IBAN mod-97 rule, kept as its digits.
    #[serde(deserialize_with = "bank_account")]
    pub bank_account: String,
    pub regon: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub customer_service_phones: Vec<String>,
    pub office_hours: String,
    pub regulator_url: String,
}

/// A NIP with a valid check digit.
fn nip<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    crate::domain::ids::Nip::parse(&text)
        .map_err(|e| serde::de::Error::custom(format!("'{text}' is not a valid NIP: {e}")))?;
    Ok(text)
}

/// A valid NRB, as its 26 digits.
fn bank_account<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    crate::domain::nrb::Nrb::parse(&text)
        .map(|n| n.digits().to_string())
        .map_err(|e| {
            serde::de::Error::custom(format!("'{text}' is not a valid account number: {e}"))
        })
}

#[derive(Debug, Clone, Deserialize)]
pub struct Regulations {
    pub version: String,
    /// Text of the regulations (regulamin), shown before consent.
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InterestTables {
    /// Statutory interest for delay (households).
    pub statutory: Vec<RatePeriod>,
    /// Interest for delay in commercial transactions (firms).
    pub commercial: Vec<RatePeriod>,
    /// The day the tables were last checked against the sources (docs/interest.md).
    pub confirmed_on: NaiveDate,
    /// Older than this many days, the tables are stale: `ebok serve` warns and reports
    /// itself degraded.
    #[serde(default = "default_stale_after_days")]
    pub stale_after_days: i64,
}

fn default_stale_after_days() -> i64 {
    45
}

impl InterestTables {
    /// The configured tables, as used when the billing export carries none.
    pub fn tables(&self) -> RateTables {
        RateTables {
            statutory: self.statutory.clone(),
            commercial: self.commercial.clone(),
            confirmed_on: self.confirmed_on,
            source: RateSource::Config,
        }
    }
}
