//! The billing system's export that `ebok import` reads (docs/import.md): its files, their
//! columns, which of them are required, and the table columns each value is stored in.
//!
//! Declared here once, below everything that needs it: the import checks a file's header
//! against its spec, the demo writes its headers from it, and the store builds the column
//! lists of its statements from it (the store may not import the import).

/// One column of a file.
#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
    /// The table columns the value goes to; `None`: one column of the same name.
    stored_as: Option<&'static [&'static str]>,
}

impl Column {
    /// A column every file must have, stored under its own name.
    pub const fn required(name: &'static str) -> Column {
        Column {
            name,
            required: true,
            stored_as: None,
        }
    }

    /// A column a file may leave out, stored under its own name.
    pub const fn optional(name: &'static str) -> Column {
        Column {
            required: false,
            ..Column::required(name)
        }
    }

    /// Where the value is stored when not under its own name (a customer's number goes
    /// in as `customer_id`, a PDF as its hash and file name); none for a value that is
    /// not a column of the file's table.
    const fn stored_as(self, columns: &'static [&'static str]) -> Column {
        Column {
            stored_as: Some(columns),
            ..self
        }
    }

    /// The table columns this column's value is stored in.
    pub fn stored(&self) -> impl Iterator<Item = &'static str> + use<> {
        let (own, other) = match self.stored_as {
            None => (Some(self.name), &[][..]),
            Some(columns) => (None, columns),
        };
        own.into_iter().chain(other.iter().copied())
    }
}

const fn req(name: &'static str) -> Column {
    Column::required(name)
}

const fn opt(name: &'static str) -> Column {
    Column::optional(name)
}

/// One file of the export.
#[derive(Debug)]
pub struct FileSpec {
    pub file: &'static str,
    /// The table its rows are stored in.
    pub table: &'static str,
    /// The columns that identify a row (one for the files whose rows are upserted by key).
    pub key: &'static [&'static str],
    /// In the documented order, which is also the order of the stored columns.
    pub columns: &'static [Column],
}

impl FileSpec {
    /// The column names in the documented order (a header with every column).
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|c| c.name)
    }

    /// The required columns, then the optional ones: the order errors list them in.
    pub fn required_first(&self) -> impl Iterator<Item = &'static str> + '_ {
        let pick = |required: bool| {
            self.columns
                .iter()
                .filter(move |c| c.required == required)
                .map(|c| c.name)
        };
        pick(true).chain(pick(false))
    }

    /// The table columns the file's values are stored in, in order.
    pub fn stored_columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().flat_map(Column::stored)
    }
}

pub static CUSTOMERS: FileSpec = FileSpec {
    file: "customers.csv",
    table: "customers",
    key: &["number"],
    columns: &[
        req("number"),
        req("kind"),
        req("name"),
        // Kept only as a keyed hash and a masked form, never as written.
        opt("pesel").stored_as(&["pesel_hash", "pesel_masked"]),
        opt("nip"),
        opt("address"),
        opt("area"),
        opt("email"),
        opt("phone"),
        opt("interest_regime"),
        opt("bank_account"),
    ],
};

pub static CONTRACTS: FileSpec = FileSpec {
    file: "contracts.csv",
    table: "contracts",
    key: &["number"],
    columns: &[
        req("number"),
        req("customer").stored_as(&["customer_id"]),
        req("kind"),
        opt("parent").stored_as(&["parent_number"]),
        req("title"),
        req("signed_on"),
        req("valid_from"),
        opt("valid_to"),
        req("status"),
        opt("pdf").stored_as(&["pdf_sha256", "pdf_name"]),
    ],
};

pub static INVOICES: FileSpec = FileSpec {
    file: "invoices.csv",
    table: "invoices",
    key: &["number"],
    columns: &[
        req("number"),
        req("customer").stored_as(&["customer_id"]),
        req("kind"),
        req("issue_date"),
        req("due_date"),
        opt("description"),
        req("charge").stored_as(&["charge_gr"]),
        req("credited").stored_as(&["credited_gr"]),
        req("to_pay").stored_as(&["to_pay_gr"]),
        opt("interest").stored_as(&["interest_gr"]),
        opt("pdf").stored_as(&["pdf_sha256", "pdf_name"]),
        opt("interest_for"),
        opt("interest_to"),
        opt("ksef_number"),
        // With the XML's own hash when the XML stands beside the PDF.
        opt("ksef_hash").stored_as(&["ksef_hash", "xml_sha256"]),
        opt("ksef_mode"),
        opt("ksef_kod2"),
        opt("corrected_ksef"),
    ],
};

pub static INVOICE_ITEMS: FileSpec = FileSpec {
    file: "invoice_items.csv",
    table: "invoice_items",
    key: &["invoice", "line"],
    columns: &[
        req("invoice").stored_as(&["invoice_id"]),
        req("line").stored_as(&["line_no"]),
        req("name"),
        req("quantity"),
        req("unit"),
        req("unit_price"),
        req("net").stored_as(&["net_gr"]),
        req("vat_rate"),
        req("vat").stored_as(&["vat_gr"]),
        req("gross").stored_as(&["gross_gr"]),
        opt("point"),
    ],
};

pub static PAYMENTS: FileSpec = FileSpec {
    file: "payments.csv",
    table: "payments",
    key: &["reference"],
    columns: &[
        req("reference"),
        req("customer").stored_as(&["customer_id"]),
        req("paid_on"),
        req("amount").stored_as(&["amount_gr"]),
        opt("invoice").stored_as(&["invoice_number"]),
        opt("title"),
    ],
};

pub static COLLECTIONS: FileSpec = FileSpec {
    file: "collections.csv",
    table: "collections",
    key: &["case_number"],
    columns: &[
        req("case_number"),
        req("customer").stored_as(&["customer_id"]),
        req("stage"),
        req("status"),
        req("opened_on"),
        req("updated_on"),
        req("principal").stored_as(&["principal_gr"]),
        opt("interest").stored_as(&["interest_gr"]),
        opt("costs").stored_as(&["costs_gr"]),
        opt("court"),
        opt("signature"),
        opt("bailiff"),
        opt("description"),
    ],
};

pub static MESSAGES: FileSpec = FileSpec {
    file: "messages.csv",
    table: "messages",
    key: &["reference"],
    columns: &[
        req("reference"),
        req("kind"),
        req("title"),
        req("body"),
        req("valid_from"),
        opt("valid_to"),
        opt("area"),
    ],
};

pub static INTEREST_RATES: FileSpec = FileSpec {
    file: "interest_rates.csv",
    table: "interest_rates",
    key: &["table", "from"],
    columns: &[
        req("table").stored_as(&["regime"]),
        req("from").stored_as(&["valid_from"]),
        req("rate"),
        // One date for both tables: a setting, not a column of the table.
        req("confirmed_on").stored_as(&[]),
    ],
};

/// The files in the order an import reads them (later files refer to earlier ones).
pub static FILES: [&FileSpec; 8] = [
    &CUSTOMERS,
    &CONTRACTS,
    &INVOICES,
    &INVOICE_ITEMS,
    &PAYMENTS,
    &COLLECTIONS,
    &MESSAGES,
    &INTEREST_RATES,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_list_the_required_columns_first() {
        let listed: Vec<_> = CONTRACTS.required_first().collect();
        assert_eq!(
            listed.join(", "),
            "number, customer, kind, title, signed_on, valid_from, status, parent, valid_to, pdf"
        );
    }

    #[test]
    fn values_are_stored_under_their_own_name_unless_said_otherwise() {
        let stored: Vec<_> = PAYMENTS.stored_columns().collect();
        assert_eq!(
            stored.join(", "),
            "reference, customer_id, paid_on, amount_gr, invoice_number, title"
        );
        let rates: Vec<_> = INTEREST_RATES.stored_columns().collect();
        assert_eq!(rates, ["regime", "valid_from", "rate"]);
    }

    #[test]
    fn every_file_has_its_key_among_its_required_columns() {
        for spec in FILES {
            for key in spec.key {
                let column = spec.columns.iter().find(|c| c.name == *key);
                assert!(column.is_some_and(|c| c.required), "{}: {key}", spec.file);
            }
        }
    }

    /// docs/import.md documents each file in a table, one row a column: the same
    /// columns in the same order, "yes" in its third cell for the required ones.
    #[test]
    fn the_documented_columns_are_the_specs() {
        let doc = include_str!("../../docs/import.md");
        for spec in FILES {
            let heading = format!("\n### {}\n", spec.file);
            let start = doc.find(&heading).expect(spec.file) + heading.len();
            let section = doc[start..].split("\n#").next().unwrap_or_default();
            let documented: Vec<(String, bool)> = section
                .lines()
                .filter(|l| l.starts_with("| `"))
                .map(|l| {
                    let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                    (cells[1].trim_matches('`').to_string(), cells[3] == "yes")
                })
                .collect();
            let declared: Vec<(String, bool)> = spec
                .columns
                .iter()
                .map(|c| (c.name.to_string(), c.required))
                .collect();
            assert_eq!(documented, declared, "{}", spec.file);
        }
    }
}
