//! What an import did, per file.

use super::known::{Claim, Known};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FileReport {
    pub file: &'static str,
    /// Data lines read (the header and blank lines not counted).
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub seconds: f64,
}

impl FileReport {
    pub fn new(file: &'static str) -> FileReport {
        FileReport {
            file,
            ..FileReport::default()
        }
    }

    /// Counts a row with fingerprint `hash` under its claim; true when it must be written.
    pub(crate) fn count(&mut self, claim: Claim, known: &mut Known, hash: u64) -> bool {
        match claim {
            Claim::New(slot) => {
                known.entry_mut(slot).hash = hash;
                self.inserted += 1;
                true
            }
            Claim::Existing(slot) => {
                let entry = known.entry_mut(slot);
                if entry.hash == hash {
                    self.unchanged += 1;
                    false
                } else {
                    entry.hash = hash;
                    self.updated += 1;
                    true
                }
            }
            Claim::Duplicate(_) => false,
        }
    }

    pub fn rows_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.rows as f64 / self.seconds
        } else {
            0.0
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    /// The files found, in the order they were imported.
    pub files: Vec<FileReport>,
    /// Notifications written for what the import brought.
    pub notices: u64,
    /// PDF files stored by this run (files already stored are not counted).
    pub pdfs_stored: u64,
    pub seconds: f64,
}

impl ImportReport {
    pub fn file(&self, name: &str) -> Option<&FileReport> {
        self.files.iter().find(|f| f.file == name)
    }

    /// Rows inserted or updated over all files.
    pub fn changed(&self) -> u64 {
        self.files.iter().map(|f| f.inserted + f.updated).sum()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<20} {:>9} {:>9} {:>9} {:>9} {:>8}",
            "file", "rows", "inserted", "updated", "unchanged", "seconds"
        )?;
        for r in &self.files {
            writeln!(
                f,
                "{:<20} {:>9} {:>9} {:>9} {:>9} {:>8.2}",
                r.file, r.rows, r.inserted, r.updated, r.unchanged, r.seconds
            )?;
        }
        write!(
            f,
            "PDF files stored: {}; {} rows changed in {:.2} s",
            self.pdfs_stored,
            self.changed(),
            self.seconds
        )?;
        if self.notices > 0 {
            write!(f, "; notifications written: {}", self.notices)?;
        }
        Ok(())
    }
}
