//! The billing records ebok shows, as read from the store.

use crate::domain::interest::Regime;
use chrono::NaiveDate;
use serde::Serialize;

crate::text_enum!(
    /// A private person (identified by PESEL) or a firm (identified by NIP).
    CustomerKind { Person = "person", Firm = "firm" }
);
crate::text_enum!(InvoiceKind { Invoice = "invoice", Correction = "correction", InterestNote = "interest_note" });
crate::text_enum!(ContractKind { Contract = "contract", Annex = "annex" });
crate::text_enum!(ContractStatus { Active = "active", Ended = "ended", Pending = "pending" });
crate::text_enum!(
    /// How far debt collection has gone: reminder, payment demand, court, bailiff.
    CollectionStage { Reminder = "reminder", Demand = "demand", Court = "court", Enforcement = "enforcement" }
);
crate::text_enum!(CollectionStatus { Open = "open", Closed = "closed" });
crate::text_enum!(MessageKind {
    Failure = "failure",
    Interruption = "interruption",
    Maintenance = "maintenance",
    Tariff = "tariff",
    Information = "information",
});
crate::text_enum!(Role { Customer = "customer", Staff = "staff" });

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Customer {
    pub id: i64,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub kind: CustomerKind,
    pub name: String,
    pub pesel_masked: Option<String>,
    pub nip: Option<String>,
    pub address: String,
    pub area: String,
    pub email: Option<String>,
    /// As the billing system decides it (`statutory` / `commercial`); `None`: by kind.
    pub interest_regime: Option<String>,
}

impl Customer {
    /// The interest regime: the billing system's where it gave one, else statutory for a
    /// person and commercial for a firm (a NIP alone does not make an entrepreneur, so
    /// the export should say so for housing communities and the like).
    pub fn regime(&self) -> Regime {
        regime_of(self.kind, self.interest_regime.as_deref())
    }
}

/// See [`Customer::regime`].
pub fn regime_of(kind: CustomerKind, given: Option<&str>) -> Regime {
    match given.and_then(|r| r.parse().ok()) {
        Some(regime) => regime,
        None => match kind {
            CustomerKind::Person => Regime::Statutory,
            CustomerKind::Firm => Regime::Commercial,
        },
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Invoice {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: InvoiceKind,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub description: String,
    pub charge_gr: i64,
    pub credited_gr: i64,
    pub to_pay_gr: i64,
    pub interest_gr: Option<i64>,
    pub pdf_sha256: Option<String>,
    pub pdf_name: Option<String>,
    /// An interest note: the invoice it charged interest on, and up to which day.
    pub interest_for: Option<String>,
    pub interest_to: Option<NaiveDate>,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub ksef: InvoiceKsef,
}

/// What the billing export says of an invoice's life in KSeF (docs/ksef.md); all
/// empty for an invoice outside KSeF.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct InvoiceKsef {
    pub ksef_number: Option<String>,
    /// SHA-256 of the invoice's XML, Base64URL without padding.
    pub ksef_hash: Option<String>,
    /// The stored XML file (SHA-256 hex of the files table), when the export gave it.
    pub xml_sha256: Option<String>,
    /// `online` or `offline`; `None`: not a KSeF invoice.
    pub ksef_mode: Option<String>,
    /// An offline invoice's second code (KOD II, `CERTYFIKAT`), as the billing system made it.
    pub ksef_kod2: Option<String>,
    /// A correction: the KSeF number of the invoice it corrects.
    pub corrected_ksef: Option<String>,
}

impl InvoiceKsef {
    /// Issued through KSeF (online, or offline and sent or to be sent).
    pub fn is_ksef(&self) -> bool {
        self.ksef_mode.is_some()
    }

    /// Offline and not yet given its number by KSeF.
    pub fn awaiting_number(&self) -> bool {
        self.is_ksef() && self.ksef_number.is_none()
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct InvoiceItem {
    pub line_no: i64,
    pub name: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub net_gr: i64,
    pub vat_rate: String,
    pub vat_gr: i64,
    pub gross_gr: i64,
    /// The point of delivery (a building) the line bills, where the export names one.
    pub point: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Payment {
    pub reference: String,
    pub paid_on: NaiveDate,
    pub amount_gr: i64,
    pub invoice_number: Option<String>,
    pub title: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Contract {
    pub id: i64,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub kind: ContractKind,
    pub parent_number: Option<String>,
    pub title: String,
    pub signed_on: NaiveDate,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    #[sqlx(try_from = "String")]
    pub status: ContractStatus,
    pub pdf_sha256: Option<String>,
    pub pdf_name: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Collection {
    pub case_number: String,
    #[sqlx(try_from = "String")]
    pub stage: CollectionStage,
    #[sqlx(try_from = "String")]
    pub status: CollectionStatus,
    pub opened_on: NaiveDate,
    pub updated_on: NaiveDate,
    pub principal_gr: i64,
    pub interest_gr: i64,
    pub costs_gr: i64,
    pub court: Option<String>,
    pub signature: Option<String>,
    pub bailiff: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Announcement {
    pub reference: String,
    #[sqlx(try_from = "String")]
    pub kind: MessageKind,
    pub title: String,
    pub body: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub area: Option<String>,
}

/// A stored file (invoice or contract PDF).
#[derive(Clone, sqlx::FromRow)]
pub struct StoredFile {
    pub sha256: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for StoredFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredFile({}, {} bytes)", self.sha256, self.body.len())
    }
}
