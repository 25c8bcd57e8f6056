//! What can go wrong in an import: rows that fail validation (the user fixes the
//! files), files that cannot be read, and unexpected database trouble.

use std::fmt;

/// At most this many validation errors are collected; then the import stops reading.
pub const MAX_ERRORS: usize = 50;

/// One problem in one place of the input: file, line, column and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// Line in the file, from 1 (the header is line 1); 0 for the directory itself.
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ", line {}", self.line)?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files break the rules: nothing was imported.
    #[error("{}", describe(.errors, *.stopped_early))]
    Invalid {
        errors: Vec<RowError>,
        /// True when the import stopped reading after [`MAX_ERRORS`] errors.
        stopped_early: bool,
    },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn describe(errors: &[RowError], stopped_early: bool) -> String {
    let mut text = format!(
        "the import was rejected and nothing was imported: {} error{}{}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        if stopped_early {
            format!(" (stopped after the first {MAX_ERRORS})")
        } else {
            String::new()
        }
    );
    for e in errors {
        text.push_str("\n  ");
        text.push_str(&e.to_string());
    }
    text
}

/// Collects validation errors up to [`MAX_ERRORS`].
#[derive(Debug, Default)]
pub struct Errors {
    list: Vec<RowError>,
    dropped: bool,
    /// Every error recorded, kept or dropped.
    pushed: usize,
}

impl Errors {
    pub fn push(&mut self, file: &str, line: u64, column: Option<&str>, reason: impl Into<String>) {
        self.pushed += 1;
        if self.full() {
            self.dropped = true;
            return;
        }
        self.list.push(RowError {
            file: file.to_string(),
            line,
            column: column.map(str::to_string),
            reason: reason.into(),
        });
    }
    pub fn full(&self) -> bool {
        self.list.len() >= MAX_ERRORS
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    /// How many errors were recorded (also those past [`MAX_ERRORS`]).
    pub fn len(&self) -> usize {
        self.pushed
    }
    pub fn into_error(self) -> ImportError {
        let stopped_early = self.dropped || self.full();
        ImportError::Invalid {
            errors: self.list,
            stopped_early,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_file_line_column_and_reason() {
        let mut errors = Errors::default();
        errors.push(
            "invoices.csv",
            7,
            Some("due_date"),
            "'2025-02-30' is not a date",
        );
        errors.push("import", 0, None, "no files");
        let text = errors.into_error().to_string();
        assert_eq!(
            text,
            "the import was rejected and nothing was imported: 2 errors\n  \
             invoices.csv, line 7, column due_date: '2025-02-30' is not a date\n  \
             import: no files"
        );
    }

    #[test]
    fn collection_stops_at_the_limit() {
        let mut errors = Errors::default();
        for line in 0..60 {
            errors.push("a.csv", line, None, "bad");
        }
        assert!(errors.full());
        match errors.into_error() {
            ImportError::Invalid {
                errors,
                stopped_early,
            } => {
                assert_eq!(errors.len(), MAX_ERRORS);
                assert!(stopped_early);
            }
            other => panic!("{other}"),
        }
    }
}
