//! Reading one CSV file: the header, checked against the file's spec, then each
//! record's fields by column name, parsed strictly ([`super::parse`]).

use super::error::Errors;
use super::parse::{parse_date, parse_decimal, parse_grosze};
use crate::domain::export::FileSpec;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The longest invoice or contract number: with `dokument ` it fits Telegram's 64 bytes.
pub const MAX_NUMBER_BYTES: usize = 50;

/// Passes a file through and notes where its line breaks are, so that a record's byte
/// position can be turned into its physical line (the csv crate's own line count
/// skips blank lines, and a record's position includes the blank lines before it).
struct LineCounter<R> {
    inner: R,
    offset: u64,
    /// Offset of the last byte that is not a line break, plus one (0: none yet).
    content_end: u64,
    /// Line breaks read but not yet passed by the records: (offset, `content_end` then).
    breaks: VecDeque<(u64, u64)>,
    passed: u64,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, b) in buf[..n].iter().enumerate() {
            let at = self.offset + i as u64;
            match b {
                b'\n' => self.breaks.push_back((at, self.content_end)),
                b'\r' => {}
                _ => self.content_end = at + 1,
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineCounter<R> {
    /// The line (from 1) where the record starting at byte `byte` has its first
    /// character; calls must not go backwards.
    fn line_at(&mut self, byte: u64) -> u64 {
        // Breaks before the record, and those with nothing but breaks between the
        // record's start and them (blank lines counted into the record).
        while self
            .breaks
            .front()
            .is_some_and(|(at, content)| *at < byte || *content <= byte)
        {
            self.breaks.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// An open CSV file whose header matched its [`FileSpec`].
pub struct CsvFile {
    pub spec: &'static FileSpec,
    reader: csv::Reader<LineCounter<File>>,
    /// For each column of the spec, its position in the file.
    positions: Vec<Option<usize>>,
    record: csv::StringRecord,
    /// Data lines read so far (the header and blank lines not counted).
    pub rows: u64,
}

impl CsvFile {
    /// Opens `dir/spec.file` and checks the header; `None` (with errors recorded) when
    /// the header is unusable.
    pub fn open(
        dir: &Path,
        spec: &'static FileSpec,
        errors: &mut Errors,
    ) -> anyhow::Result<Option<CsvFile>> {
        let path = dir.join(spec.file);
        let file = File::open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(LineCounter {
                inner: file,
                offset: 0,
                content_end: 0,
                breaks: VecDeque::new(),
                passed: 0,
            });
        let header = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                errors.push(spec.file, 1, None, csv_reason(&e));
                return Ok(None);
            }
        };
        let names: Vec<&str> = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}'))
            .collect();
        let before = errors.is_empty();
        for (i, name) in names.iter().enumerate() {
            if !spec.names().any(|c| c == *name) {
                let expected: Vec<&str> = spec.required_first().collect();
                errors.push(
                    spec.file,
                    1,
                    Some(name),
                    format!("unknown column (the columns are: {})", expected.join(", ")),
                );
            } else if names[..i].contains(name) {
                errors.push(spec.file, 1, Some(name), "the column appears twice");
            }
        }
        for column in spec.columns.iter().filter(|c| c.required) {
            if !names.contains(&column.name) {
                errors.push(
                    spec.file,
                    1,
                    Some(column.name),
                    "required column is missing from the header",
                );
            }
        }
        if before && !errors.is_empty() {
            return Ok(None);
        }
        let positions = spec
            .names()
            .map(|c| names.iter().position(|n| *n == c))
            .collect();
        Ok(Some(CsvFile {
            spec,
            reader,
            positions,
            record: csv::StringRecord::new(),
            rows: 0,
        }))
    }

    /// The next record, or `None` at the end or once `errors` are full. An unreadable
    /// record is recorded as an error and reading goes on with the next one.
    pub fn next_row(&mut self, errors: &mut Errors) -> Option<Row<'_>> {
        if errors.full() {
            return None;
        }
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {
                    let byte = self.record.position().map_or(0, |p| p.byte());
                    let line = self.reader.get_mut().line_at(byte);
                    if self.record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    self.rows += 1;
                    return Some(Row {
                        spec: self.spec,
                        positions: &self.positions,
                        record: &self.record,
                        line,
                    });
                }
                Ok(false) => return None,
                Err(e) => {
                    let byte = e.position().map_or(0, |p| p.byte());
                    let line = self.reader.get_mut().line_at(byte);
                    errors.push(self.spec.file, line, None, csv_reason(&e));
                    if errors.full() || matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return None;
                    }
                }
            }
        }
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the line has {len} fields but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "field {} is not valid UTF-8 (save the file as UTF-8)",
            err.field() + 1
        ),
        _ => e.to_string(),
    }
}

/// One record: its fields by column name.
pub struct Row<'a> {
    spec: &'static FileSpec,
    positions: &'a [Option<usize>],
    record: &'a csv::StringRecord,
    pub line: u64,
}

impl<'a> Row<'a> {
    /// The trimmed field, or "" when the column is absent or empty.
    pub fn raw(&self, column: &str) -> &'a str {
        let slot = self.spec.names().position(|c| c == column);
        debug_assert!(
            slot.is_some(),
            "{column} is not a column of {}",
            self.spec.file
        );
        slot.and_then(|s| self.positions[s])
            .and_then(|p| self.record.get(p))
            .map_or("", str::trim)
    }

    fn fail(&self, errors: &mut Errors, column: &str, reason: impl Into<String>) {
        errors.push(self.spec.file, self.line, Some(column), reason);
    }

    /// Records an error about this row's `column`.
    pub fn error(&self, errors: &mut Errors, column: &str, reason: impl Into<String>) {
        self.fail(errors, column, reason);
    }

    /// A required text field.
    pub fn text(&self, errors: &mut Errors, column: &str) -> Option<&'a str> {
        let value = self.raw(column);
        if value.is_empty() {
            self.fail(errors, column, "a value is required");
            return None;
        }
        Some(value)
    }

    /// A required invoice or contract number: customers type it after a command
    /// (`faktura <number>`) and buttons carry it in Telegram's 64-byte callback data, so
    /// it is one word of at most [`MAX_NUMBER_BYTES`] bytes.
    pub fn number(&self, errors: &mut Errors, column: &str) -> Option<&'a str> {
        let value = self.text(errors, column)?;
        if value.len() > MAX_NUMBER_BYTES {
            self.fail(
                errors,
                column,
                format!(
                    "'{value}' is longer than {MAX_NUMBER_BYTES} bytes (a number is typed in commands and carried by Telegram buttons)"
                ),
            );
            return None;
        }
        if value.chars().any(char::is_whitespace) {
            self.fail(
                errors,
                column,
                format!("'{value}' contains a space (a number is one word in commands)"),
            );
            return None;
        }
        Some(value)
    }

    /// An optional text field: `None` when empty.
    pub fn opt_text(&self, column: &str) -> Option<&'a str> {
        Some(self.raw(column)).filter(|v| !v.is_empty())
    }

    pub fn date(&self, errors: &mut Errors, column: &str) -> Option<NaiveDate> {
        self.parsed(errors, column, parse_date)
    }

    /// `Some(None)` when empty, `None` when invalid.
    pub fn opt_date(&self, errors: &mut Errors, column: &str) -> Option<Option<NaiveDate>> {
        self.opt_parsed(errors, column, parse_date)
    }

    /// Records an error on `column` when its date `later` is before `earlier`, the
    /// date of `earlier_column` (either may be missing: nothing to compare).
    pub fn not_before(
        &self,
        errors: &mut Errors,
        (column, later): (&str, Option<NaiveDate>),
        (earlier_column, earlier): (&str, Option<NaiveDate>),
    ) {
        if let (Some(later), Some(earlier)) = (later, earlier)
            && later < earlier
        {
            self.fail(
                errors,
                column,
                format!("{later} is before {earlier_column} {earlier}"),
            );
        }
    }

    /// A required amount, in grosze.
    pub fn amount(&self, errors: &mut Errors, column: &str) -> Option<i64> {
        self.parsed(errors, column, parse_grosze)
    }

    /// `Some(None)` when empty, `None` when invalid.
    pub fn opt_amount(&self, errors: &mut Errors, column: &str) -> Option<Option<i64>> {
        self.opt_parsed(errors, column, parse_grosze)
    }

    pub fn decimal(&self, errors: &mut Errors, column: &str) -> Option<Decimal> {
        self.parsed(errors, column, parse_decimal)
    }

    /// A required value read by `parse`; its error is recorded against `column`.
    fn parsed<T>(
        &self,
        errors: &mut Errors,
        column: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.text(errors, column)?;
        parse(value).map_err(|r| self.fail(errors, column, r)).ok()
    }

    /// An optional value read by `parse`: `Some(None)` when empty, `None` when invalid.
    fn opt_parsed<T>(
        &self,
        errors: &mut Errors,
        column: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match self.opt_text(column) {
            None => Some(None),
            Some(v) => parse(v)
                .map(Some)
                .map_err(|r| self.fail(errors, column, r))
                .ok(),
        }
    }

    /// One of a closed set of values (a `text_enum`).
    pub fn choice<T: std::str::FromStr<Err = String>>(
        &self,
        errors: &mut Errors,
        column: &str,
    ) -> Option<T> {
        let value = self.text(errors, column)?;
        value
            .parse()
            .map_err(|r: String| self.fail(errors, column, r))
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::export::Column;

    static SPEC: FileSpec = FileSpec {
        file: "t.csv",
        table: "t",
        key: &["a"],
        columns: &[
            Column::required("a"),
            Column::required("b"),
            Column::optional("c"),
        ],
    };

    fn open(text: &str) -> (Option<CsvFile>, Errors, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.csv"), text).unwrap();
        let mut errors = Errors::default();
        let file = CsvFile::open(dir.path(), &SPEC, &mut errors).unwrap();
        (file, errors, dir)
    }

    #[test]
    fn fields_are_found_by_header_name_in_any_order() {
        let (file, mut errors, _dir) = open("\u{feff}b,a\r\n 2 ,1\r\n\r\n\n\"x\ny\",3\n7,8");
        let mut file = file.unwrap();
        let row = file.next_row(&mut errors).unwrap();
        assert_eq!(
            (row.raw("a"), row.raw("b"), row.raw("c"), row.line),
            ("1", "2", "", 2)
        );
        let row = file.next_row(&mut errors).unwrap();
        assert_eq!((row.raw("a"), row.raw("b"), row.line), ("3", "x\ny", 5));
        let row = file.next_row(&mut errors).unwrap();
        assert_eq!((row.raw("a"), row.line), ("8", 7));
        assert!(file.next_row(&mut errors).is_none());
        assert!(errors.is_empty());
    }

    #[test]
    fn header_problems_are_reported() {
        let (file, errors, _dir) = open("a,x,a\n1,2,3\n");
        assert!(file.is_none());
        let text = errors.into_error().to_string();
        assert!(
            text.contains("t.csv, line 1, column x: unknown column (the columns are: a, b, c)"),
            "{text}"
        );
        assert!(
            text.contains("t.csv, line 1, column a: the column appears twice"),
            "{text}"
        );
        assert!(
            text.contains("t.csv, line 1, column b: required column is missing from the header"),
            "{text}"
        );
    }

    #[test]
    fn a_short_line_is_reported_and_reading_goes_on() {
        let (file, mut errors, _dir) = open("a,b\n1\n3,4\n");
        let mut file = file.unwrap();
        let row = file.next_row(&mut errors).unwrap();
        assert_eq!(row.raw("a"), "3");
        let text = errors.into_error().to_string();
        assert!(
            text.contains("t.csv, line 2: the line has 1 fields but the header has 2"),
            "{text}"
        );
    }
}
