//! Each validation error of the import, with nothing imported.

use crate::helpers::{TestDb, backends};
use crate::import::{KEY, assert_rejected};
use ebok::import::{self, ImportError};

#[tokio::test]
async fn rejects_a_pesel_with_a_wrong_check_digit() {
    assert_rejected(
        &[("customers.csv", "58031245127", Some("58031245128"))],
        "customers.csv, line 2, column pesel: PESEL check digit does not match",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_pesel_of_wrong_length() {
    assert_rejected(
        &[("customers.csv", "85113023816", Some("8511302381"))],
        "customers.csv, line 3, column pesel: PESEL must have 11 digits",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_pesel_with_an_impossible_date() {
    // 31 November; the check digit is right for these ten digits
    assert_rejected(
        &[("customers.csv", "85113023816", Some("85113123813"))],
        "customers.csv, line 3, column pesel: PESEL encodes an impossible birth date",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_nip_with_a_wrong_check_digit() {
    assert_rejected(
        &[("customers.csv", "888-123-45-63", Some("888-123-45-64"))],
        "customers.csv, line 4, column nip: NIP check digit does not match",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_invoice_number_too_long_for_a_button() {
    let long = format!("FV/2025/01/{}", "0".repeat(40));
    assert_rejected(
        &[(
            "invoices.csv",
            "FV/2025/01/000101,K-00101",
            Some(&format!("{long},K-00101")),
        )],
        &format!(
            "invoices.csv, line 2, column number: '{long}' is longer than 50 bytes (a number is typed in commands and carried by Telegram buttons)"
        ),
    )
    .await;
}

#[tokio::test]
async fn rejects_a_contract_number_with_a_space() {
    assert_rejected(
        &[(
            "contracts.csv",
            "UM/2019/0101,K-00101",
            Some("UM 2019/0101,K-00101"),
        )],
        "contracts.csv, line 2, column number: 'UM 2019/0101' contains a space (a number is one word in commands)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_person_without_pesel() {
    assert_rejected(
        &[(
            "customers.csv",
            "Jan Kowalski,85113023816,",
            Some("Jan Kowalski,,"),
        )],
        "customers.csv, line 3, column pesel: a person needs a PESEL",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_kind() {
    assert_rejected(
        &[("customers.csv", "F-00201,firm,", Some("F-00201,company,"))],
        "customers.csv, line 4, column kind: 'company' is not one of: person, firm",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_key_that_appears_twice() {
    assert_rejected(
        &[("customers.csv", "K-00102,person", Some("K-00101,person"))],
        "customers.csv, line 3, column number: customer number 'K-00101' appears twice in the file (first on line 2)",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_column() {
    assert_rejected(
        &[("customers.csv", ",phone\n", Some(",telefon\n"))],
        "customers.csv, line 1, column telefon: unknown column (the columns are: number, kind, name, pesel, nip, address, area, email, phone, interest_regime, bank_account)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_missing_required_column() {
    assert_rejected(
        &[(
            "payments.csv",
            "reference,customer,paid_on,amount,",
            Some("reference,customer,paid_on,kwota,"),
        )],
        "payments.csv, line 1, column amount: required column is missing from the header",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_line_with_too_few_fields() {
    assert_rejected(
        &[("payments.csv", ",Wpłata gotówkowa w kasie", Some(""))],
        "payments.csv, line 4: the line has 5 fields but the header has 6",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_bad_date() {
    assert_rejected(
        &[("invoices.csv", "invoice,2025-02-28,2025-03-14", Some("invoice,2025-02-30,2025-03-14"))],
        "invoices.csv, line 3, column issue_date: '2025-02-30' is not a date (expected YYYY-MM-DD, e.g. 2025-03-14)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_bad_amount() {
    assert_rejected(
        &[("invoices.csv", ",1208.82,1208.82,0.00,", Some(",\"1 208,82\",1208.82,0.00,"))],
        "invoices.csv, line 2, column charge: '1 208,82' is not an amount (expected digits, a dot and two decimals, e.g. 1234.56)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_due_date_before_the_issue_date() {
    assert_rejected(
        &[(
            "invoices.csv",
            "2025-02-28,2025-03-14,Ciepło – luty 2025,934.30",
            Some("2025-02-28,2025-02-14,Ciepło – luty 2025,934.30"),
        )],
        "invoices.csv, line 5, column due_date: 2025-02-14 is before issue_date 2025-02-28",
    )
    .await;
}

#[tokio::test]
async fn rejects_to_pay_that_is_not_charge_minus_credited() {
    assert_rejected(
        &[("invoices.csv", "934.30,0.00,934.30", Some("934.30,100.00,934.30"))],
        "invoices.csv, line 5, column to_pay: 934.30 is not charge − credited = 934.30 − 100.00 = 834.30",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_invoice_of_an_unknown_customer() {
    assert_rejected(
        &[("invoices.csv", "FV/2025/01/000101,K-00101", Some("FV/2025/01/000101,K-09999"))],
        "invoices.csv, line 2, column customer: customer 'K-09999' is neither in customers.csv nor in the database",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_annex_without_its_contract() {
    assert_rejected(
        &[("contracts.csv", "annex,UM/2018/0201,", Some("annex,UM/2018/0999,"))],
        "contracts.csv, line 5, column parent: contract 'UM/2018/0999' is neither in contracts.csv nor in the database",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_annex_to_another_customers_contract() {
    assert_rejected(
        &[("contracts.csv", "annex,UM/2018/0201,", Some("annex,UM/2019/0101,"))],
        "contracts.csv, line 5, column parent: contract 'UM/2019/0101' belongs to customer 'K-00101', not to 'F-00201'",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_missing_pdf() {
    let dir_edit = ("pdf/umowa-UM-2019-0101.pdf", "", None);
    assert_rejected(
        &[dir_edit],
        "contracts.csv, line 2, column pdf: the file 'pdf/umowa-UM-2019-0101.pdf' does not exist in the import directory",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_pdf_outside_the_directory() {
    assert_rejected(
        &[("contracts.csv", "pdf/umowa-UM-2019-0101.pdf", Some("../umowa.pdf"))],
        "contracts.csv, line 2, column pdf: '../umowa.pdf' must be a path inside the import directory, with / between folders and no '..'",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_item_whose_net_does_not_compute() {
    assert_rejected(
        &[("invoice_items.csv", "10240.56,153.61,23,35.33,188.94", Some("10240.56,153.60,23,35.33,188.93"))],
        "invoice_items.csv, line 2, column net: 153.60 is not quantity × unit_price = 0.015 × 10240.56 = 153.61",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_item_whose_vat_does_not_compute() {
    assert_rejected(
        &[(
            "invoice_items.csv",
            "10240.56,153.61,23,35.33,188.94",
            Some("10240.56,153.61,23,35.30,188.91"),
        )],
        "invoice_items.csv, line 2, column vat: 35.30 is not 23% of the net 153.61 = 35.33",
    )
    .await;
}

#[tokio::test]
async fn rejects_items_that_do_not_add_up_to_the_charge() {
    assert_rejected(
        &[("invoices.csv", "1208.82,1208.82,0.00", Some("1208.83,1208.83,0.00"))],
        "invoice_items.csv, line 2, column gross: the items of invoice 'FV/2025/01/000101' come to 1208.82 gross (VAT per rate on the net totals) but the invoice charge is 1208.83 (off by -0.01)",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_item_of_an_unknown_invoice() {
    assert_rejected(
        &[("invoice_items.csv", "FV/2025/01/000101,1,", Some("FV/2025/13/000101,1,"))],
        "invoice_items.csv, line 2, column invoice: invoice 'FV/2025/13/000101' is neither in invoices.csv nor in the database",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_payment_for_another_customers_invoice() {
    assert_rejected(
        &[("payments.csv", "K-00102,2025-02-24,967.49,FV/2025/01/000102", Some("K-00102,2025-02-24,967.49,FV/2025/01/000101"))],
        "payments.csv, line 4, column invoice: invoice 'FV/2025/01/000101' belongs to customer 'K-00101', not to 'K-00102'",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_court_case_without_signature() {
    assert_rejected(
        &[(
            "collections.csv",
            "demand,open,2025-04-02,2025-04-02,934.30,3.40,0.00,,,,",
            Some("court,open,2025-04-02,2025-04-02,934.30,3.40,0.00,Sąd Rejonowy we Włocławku,,,"),
        )],
        "collections.csv, line 2, column signature: a case in court needs its signature (e.g. I C 1234/25)",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_message_kind() {
    assert_rejected(
        &[("messages.csv", "MSG-2025-001,failure,", Some("MSG-2025-001,awaria,"))],
        "messages.csv, line 2, column kind: 'awaria' is not one of: failure, interruption, maintenance, tariff, information",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_csv_file() {
    assert_rejected(
        &[("invoces.csv", "", Some("number\n"))],
        "invoces.csv: not an import file (the files are: customers.csv, contracts.csv, invoices.csv, invoice_items.csv, payments.csv, collections.csv, messages.csv, interest_rates.csv)",
    )
    .await;
}

#[tokio::test]
async fn stops_after_fifty_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("number,kind,name,pesel\n");
    for i in 0..80 {
        csv.push_str(&format!("K-{i},person,Jan Nowak,12345678901\n"));
    }
    std::fs::write(dir.path().join("customers.csv"), csv).unwrap();
    let db = TestDb::new(&backends()[0]).await;
    match import::run(&db.store, KEY, dir.path()).await.unwrap_err() {
        ImportError::Invalid {
            errors,
            stopped_early,
        } => {
            assert_eq!(errors.len(), import::MAX_ERRORS);
            assert!(stopped_early);
        }
        other => panic!("{other:?}"),
    }
}
