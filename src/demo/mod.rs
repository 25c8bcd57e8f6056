//! `ebok demo`: a realistic data set written as the billing system would export it
//! (CSV files and PDFs, see `docs/import.md`), to be loaded with [`crate::import::run`].
//! The same seed and day give the same files.

mod announcements;
pub(crate) mod data;
pub(crate) mod documents;
mod files;
mod generate;
pub(crate) mod ksef;
mod people;
pub(crate) mod tariff;

use crate::config::Settings;
use crate::domain::model::CustomerKind;
use anyhow::Context;
use chrono::NaiveDate;
use data::{DataSet, Habit};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rust_decimal::Decimal;
use std::path::Path;

/// The seed `generate` uses.
pub const DEFAULT_SEED: u64 = 0xEB0C_2025;

/// One demo customer, for creating a demo account.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DemoCustomer {
    pub number: String,
    pub name: String,
    pub kind: CustomerKind,
    pub email: String,
    /// What is special about this customer, in Polish (e.g. "zaległości, sprawa w sądzie").
    pub note: String,
}

/// What was written, with totals to check an import against.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DemoSummary {
    pub customers: Vec<DemoCustomer>,
    pub contracts: usize,
    pub invoices: usize,
    pub invoice_items: usize,
    pub payments: usize,
    pub collections: usize,
    pub messages: usize,
    pub pdf_files: usize,
    /// Sum of all invoice charges.
    pub total_charge: Decimal,
    /// Sum of all payments.
    pub total_paid: Decimal,
    /// Sum of what is still to pay (negative: overpaid) over all invoices.
    pub total_to_pay: Decimal,
    /// Invoices issued through KSeF, and the one still offline (awaiting its number).
    pub ksef_invoices: usize,
    pub ksef_offline: Option<String>,
    /// The billing system's next export, in which KSeF has numbered the offline invoice
    /// (written beside the first, not imported by the demo).
    pub ksef_next: Option<std::path::PathBuf>,
}

/// Writes the demo data set for `today` into `dir` (created if missing).
pub fn generate(dir: &Path, today: NaiveDate) -> anyhow::Result<DemoSummary> {
    generate_with_seed(dir, today, DEFAULT_SEED)
}

pub fn generate_with_seed(dir: &Path, today: NaiveDate, seed: u64) -> anyhow::Result<DemoSummary> {
    let settings = Settings::defaults()?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut set = generate::build(&mut rng, today, &settings.interest.statutory);
    let offline = ksef::assign(&mut set, &settings.utility);
    std::fs::create_dir_all(dir.join("pdf"))
        .with_context(|| format!("creating {}", dir.display()))?;
    let pdf_files = write_pdfs(dir, &set, &settings)?;
    files::write(dir, &set)?;
    let mut summary = summary(&set, pdf_files);
    if let Some(number) = &offline {
        summary.ksef_next = Some(next_export(dir, &mut set, &settings, number)?);
    }
    summary.ksef_offline = offline;
    Ok(summary)
}

/// Writes the next export beside `dir` (`<dir>-ksef`): the same data, the offline
/// invoice `number` now with its KSeF number. Returns its directory.
fn next_export(
    dir: &Path,
    set: &mut DataSet,
    settings: &Settings,
    number: &str,
) -> anyhow::Result<std::path::PathBuf> {
    let name = dir
        .file_name()
        .map(|n| format!("{}-ksef", n.to_string_lossy()))
        .unwrap_or_else(|| "demo-import-ksef".into());
    let next = dir.with_file_name(name);
    ksef::number_offline(set, &settings.utility, number);
    std::fs::create_dir_all(next.join("pdf"))
        .with_context(|| format!("creating {}", next.display()))?;
    write_pdfs(&next, set, settings)?;
    files::write(&next, set)?;
    Ok(next)
}

fn note(set: &DataSet, c: &data::Customer) -> String {
    let mut notes = Vec::new();
    match c.habit {
        Habit::Overdue => notes.push("zaległości, sprawa w sądzie"),
        Habit::OnceLate => notes.push("nota odsetkowa"),
        Habit::Overpays => notes.push("nadpłata"),
        Habit::OnTime => {}
    }
    if c.e_invoice {
        notes.push("e-faktury PDF");
    }
    let ksef = set
        .invoices
        .iter()
        .filter(|i| set.customers[i.customer].number == c.number);
    let ksef: Vec<_> = ksef.filter_map(|i| set.ksef.get(&i.number)).collect();
    if ksef.iter().any(|k| k.offline) {
        notes.push("faktury KSeF, jedna offline z KOD II");
    } else if !ksef.is_empty() {
        notes.push("faktury KSeF");
    }
    notes.join(", ")
}

fn summary(set: &DataSet, pdf_files: usize) -> DemoSummary {
    DemoSummary {
        customers: set
            .customers
            .iter()
            .map(|c| DemoCustomer {
                number: c.number.clone(),
                name: c.name.clone(),
                kind: c.kind,
                email: c.email.clone(),
                note: note(set, c),
            })
            .collect(),
        contracts: set.contracts.len(),
        invoices: set.invoices.len(),
        invoice_items: set.invoices.iter().map(|i| i.lines.len()).sum(),
        payments: set.payments.len(),
        collections: set.cases.len(),
        messages: set.messages.len(),
        pdf_files,
        total_charge: set.invoices.iter().map(|i| i.charge).sum(),
        total_paid: set
            .payments
            .iter()
            .map(|p| crate::domain::money::from_grosze(p.record.amount_gr))
            .sum(),
        total_to_pay: set.invoices.iter().map(|i| i.to_pay()).sum(),
        ksef_invoices: set.ksef.len(),
        ksef_offline: None,
        ksef_next: None,
    }
}

fn write_pdfs(dir: &Path, set: &DataSet, settings: &Settings) -> anyhow::Result<usize> {
    let mut count = 0;
    let mut write = |rel: &str, bytes: Vec<u8>| -> anyhow::Result<()> {
        let path = dir.join(rel);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        count += 1;
        Ok(())
    };
    for c in &set.contracts {
        let bytes = documents::contract(&settings.utility, &set.customers[c.customer], c)?;
        write(&c.pdf, bytes)?;
    }
    for inv in &set.invoices {
        if let Some(rel) = &inv.pdf {
            let bytes = documents::invoice(&settings.utility, &set.customers[inv.customer], inv)?;
            write(rel, bytes)?;
            // The KSeF XML stands beside the PDF (docs/import.md): ebok stores it.
            if let Some(k) = set.ksef.get(&inv.number) {
                let xml = format!("{}.xml", rel.trim_end_matches(".pdf"));
                std::fs::write(dir.join(&xml), &k.xml).with_context(|| format!("writing {xml}"))?;
            }
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_files() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let sa = generate(a.path(), day()).unwrap();
        let sb = generate(b.path(), day()).unwrap();
        assert_eq!(sa, sb);
        for f in [
            "customers.csv",
            "invoices.csv",
            "invoice_items.csv",
            "payments.csv",
        ] {
            assert_eq!(
                std::fs::read(a.path().join(f)).unwrap(),
                std::fs::read(b.path().join(f)).unwrap(),
                "{f}"
            );
        }
        let pdf = "pdf/umowa-UM-2019-0101.pdf";
        assert_eq!(
            std::fs::read(a.path().join(pdf)).unwrap(),
            std::fs::read(b.path().join(pdf)).unwrap()
        );
    }

    /// Rewrites the PDFs of docs/import-example: `cargo test --lib -- --ignored example_pdfs`.
    #[test]
    #[ignore]
    fn example_pdfs() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example/pdf");
        std::fs::create_dir_all(&dir).unwrap();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let seller = "Sprzedawca: Miejskie Przedsiębiorstwo Energetyki Cieplnej Sp. z o.o. we Włocławku, ul. Płocka 30/32, 87-800 Włocławek.";
        let docs: [(&str, &str, NaiveDate, Vec<&str>); 5] = [
            (
                "umowa-UM-2019-0101.pdf",
                "Umowa kompleksowa sprzedaży ciepła nr UM/2019/0101",
                d(2019, 8, 20),
                vec![
                    seller,
                    "Odbiorca: Zofia Wiśniewska, ul. Kościuszki 12 m. 4, 87-800 Włocławek (nr odbiorcy K-00101).",
                    "§ 1. Sprzedawca dostarcza ciepło z węzła WS-12; moc zamówiona 0,015 MW.",
                    "§ 2. Rozliczenia według taryfy zatwierdzonej przez Prezesa URE; termin płatności 14 dni od wystawienia faktury.",
                ],
            ),
            (
                "umowa-UM-2018-0201.pdf",
                "Umowa kompleksowa sprzedaży ciepła nr UM/2018/0201",
                d(2018, 6, 4),
                vec![
                    seller,
                    "Odbiorca: Spółdzielnia Mieszkaniowa \"Zazamcze\", ul. Kaliska 76, 87-800 Włocławek (nr odbiorcy F-00201), NIP 888-123-45-63.",
                    "§ 1. Dostawa ciepła do budynków przy ul. Kaliskiej z węzła WS-30; moc zamówiona 0,800 MW.",
                ],
            ),
            (
                "aneks-UM-2018-0201-A1.pdf",
                "Aneks nr 1 do umowy UM/2018/0201",
                d(2024, 8, 28),
                vec![
                    seller,
                    "Odbiorca: Spółdzielnia Mieszkaniowa \"Zazamcze\" (F-00201).",
                    "§ 1. Od dnia 01.10.2024 moc cieplna zamówiona wynosi 0,850 MW (dotychczas 0,800 MW).",
                ],
            ),
            (
                "FV-2025-01-000101.pdf",
                "Faktura VAT nr FV/2025/01/000101",
                d(2025, 1, 31),
                vec![
                    seller,
                    "Nabywca: Zofia Wiśniewska (K-00101). Ciepło – styczeń 2025.",
                    "Opłata za zamówioną moc cieplną 153,61 zł netto; opłata za ciepło 573,37 zł; opłata stała za usługi przesyłowe 60,18 zł; opłata zmienna za usługi przesyłowe 195,62 zł.",
                    "Razem netto 982,78 zł, VAT 23% 226,04 zł, do zapłaty 1 208,82 zł do 14.02.2025.",
                ],
            ),
            (
                "FV-2025-02-000101.pdf",
                "Faktura VAT nr FV/2025/02/000101",
                d(2025, 2, 28),
                vec![
                    seller,
                    "Nabywca: Zofia Wiśniewska (K-00101). Ciepło – luty 2025.",
                    "Do zapłaty 1 139,34 zł do 14.03.2025.",
                ],
            ),
        ];
        for (name, title, date, paragraphs) in docs {
            std::fs::write(
                dir.join(name),
                crate::domain::pdf::simple_pdf(title, date, &paragraphs).unwrap(),
            )
            .unwrap();
        }
    }

    #[test]
    fn the_data_set_has_what_the_demo_promises() {
        let dir = tempfile::tempdir().unwrap();
        let s = generate(dir.path(), day()).unwrap();
        let households = s
            .customers
            .iter()
            .filter(|c| c.kind == CustomerKind::Person)
            .count();
        assert!(households >= 3 && s.customers.len() - households >= 2);
        assert!(s.customers.iter().any(|c| c.note.contains("sądzie")));
        assert!(s.customers.iter().any(|c| c.note.contains("nadpłata")));
        // 24 monthly invoices per customer plus at least one interest note
        assert!(s.invoices > 24 * s.customers.len());
        assert_eq!(s.collections, 1);
        assert_eq!(s.messages, 5);
        let collections = std::fs::read_to_string(dir.path().join("collections.csv")).unwrap();
        assert!(collections.contains(",court,open,"), "{collections}");
        assert!(collections.contains("I C "), "{collections}");
        let messages = std::fs::read_to_string(dir.path().join("messages.csv")).unwrap();
        assert!(messages.contains("https://www.ure.gov.pl"));
        for kind in [
            "failure",
            "interruption",
            "maintenance",
            "tariff",
            "information",
        ] {
            assert!(messages.contains(&format!(",{kind},")), "{kind}");
        }
        let items = std::fs::read_to_string(dir.path().join("invoice_items.csv")).unwrap();
        for component in [
            "zamówioną moc",
            "Opłata za ciepło",
            "stała za usługi",
            "zmienna za usługi",
            "nośnik",
        ] {
            assert!(items.contains(component), "{component}");
        }
        // The housing cooperative's buildings are its points of delivery.
        for building in ["ul. Kaliska 76", "ul. Kaliska 78"] {
            assert!(items.contains(building), "{building}");
        }
    }
}
