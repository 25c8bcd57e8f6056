//! The billing export's field parsers: whatever a field holds, each either accepts it or
//! records an error that names the file, the line and the column — never a panic.

use crate::domain::export::{Column, FileSpec};
use crate::domain::model::InvoiceKind;
use crate::import::error::Errors;
use crate::import::fields::CsvFile;
use crate::import::parse::{parse_date, parse_decimal, parse_grosze};
use crate::import::{ImportError, RowError};
use proptest::prelude::*;

static SPEC: FileSpec = FileSpec {
    file: "fields.csv",
    table: "fields",
    key: &[],
    columns: &[
        Column::required("text"),
        Column::required("number"),
        Column::required("date"),
        Column::required("opt_date"),
        Column::required("amount"),
        Column::required("opt_amount"),
        Column::required("decimal"),
        Column::required("kind"),
    ],
};

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[-0-9. ,]{0,16}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[ \"',;\r\n\t]{0,6}[a-z0-9]{0,6}",
        Just("invoice".to_string()),
    ]
}

/// One parser called on its column: true when it accepted the value.
type Check<'a> = Box<dyn Fn(&mut Errors) -> bool + 'a>;

/// The errors recorded by one parser call.
fn recorded(errors: Errors) -> Vec<RowError> {
    match errors.into_error() {
        ImportError::Invalid { errors, .. } => errors,
        ImportError::Unexpected(e) => panic!("{e:#}"),
    }
}

proptest! {
    #![proptest_config(super::config())]

    #[test]
    fn every_field_parser_accepts_or_names_the_column(values in proptest::collection::vec(field(), 8)) {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = csv::Writer::from_path(dir.path().join(SPEC.file)).unwrap();
        writer.write_record(SPEC.names()).unwrap();
        writer.write_record(&values).unwrap();
        writer.flush().unwrap();
        drop(writer);
        let mut errors = Errors::default();
        let mut file = CsvFile::open(dir.path(), &SPEC, &mut errors).unwrap().expect("the header");
        let Some(row) = file.next_row(&mut errors) else {
            // A record of blanks only is skipped, as the import does.
            prop_assume!(false);
            unreachable!()
        };
        prop_assert!(errors.is_empty());
        let checks: Vec<(&str, Check<'_>)> = vec![
            ("text", Box::new(|e| row.text(e, "text").is_some())),
            ("number", Box::new(|e| row.number(e, "number").is_some())),
            ("date", Box::new(|e| row.date(e, "date").is_some())),
            ("opt_date", Box::new(|e| row.opt_date(e, "opt_date").is_some())),
            ("amount", Box::new(|e| row.amount(e, "amount").is_some())),
            ("opt_amount", Box::new(|e| row.opt_amount(e, "opt_amount").is_some())),
            ("decimal", Box::new(|e| row.decimal(e, "decimal").is_some())),
            ("kind", Box::new(|e| row.choice::<InvoiceKind>(e, "kind").is_some())),
        ];
        for (column, check) in checks {
            let mut errors = Errors::default();
            let accepted = check(&mut errors);
            let list = recorded(errors);
            if accepted {
                prop_assert!(list.is_empty(), "{column}: accepted with errors {list:?}");
            } else {
                prop_assert_eq!(list.len(), 1, "{}: {:?}", column, list);
                let e = &list[0];
                prop_assert_eq!(e.column.as_deref(), Some(column));
                prop_assert_eq!((e.file.as_str(), e.line), (SPEC.file, 2));
                prop_assert!(!e.reason.trim().is_empty());
            }
        }
    }

    #[test]
    fn field_parsers_never_panic(text in "\\PC{0,40}") {
        let _ = parse_date(&text);
        let _ = parse_grosze(&text);
        let _ = parse_decimal(&text);
    }
}
