//! PDF files referenced from the CSV files by a path relative to the import directory,
//! and an invoice's KSeF XML beside its PDF. Each is stored once, under the SHA-256 of
//! its content.

use crate::store::Tx;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// The largest PDF the import accepts.
pub const MAX_PDF_BYTES: u64 = 20 * 1024 * 1024;

/// A resolved reference: the content hash and the file name shown to customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfRef {
    pub sha256: String,
    pub name: String,
}

/// An invoice's XML: its stored hash, KSeF's hash of it, and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlRef {
    pub sha256: String,
    pub ksef_hash: String,
    pub path: String,
}

#[derive(Default)]
pub struct Pdfs {
    dir: PathBuf,
    by_path: HashMap<String, PdfRef>,
    stored: Option<HashSet<String>>,
    /// Hash, content type and body of the files to store.
    pending: Vec<(String, &'static str, Vec<u8>)>,
    pub stored_now: u64,
}

impl Pdfs {
    pub fn new(dir: &Path) -> Pdfs {
        Pdfs {
            dir: dir.to_path_buf(),
            by_path: HashMap::new(),
            stored: None,
            pending: Vec::new(),
            stored_now: 0,
        }
    }

    /// Reads and checks the file at `rel`; the reason for the user when it is unusable.
    pub fn resolve(&mut self, rel: &str) -> Result<PdfRef, String> {
        if let Some(found) = self.by_path.get(rel) {
            return Ok(found.clone());
        }
        let path = Path::new(rel);
        let inside = path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside || rel.contains('\\') {
            return Err(format!(
                "'{rel}' must be a path inside the import directory, with / between folders and no '..'"
            ));
        }
        let full = self.dir.join(path);
        let meta = std::fs::metadata(&full)
            .map_err(|_| format!("the file '{rel}' does not exist in the import directory"))?;
        if !meta.is_file() {
            return Err(format!("'{rel}' is not a file"));
        }
        if meta.len() > MAX_PDF_BYTES {
            return Err(format!("the file '{rel}' is larger than 20 MB"));
        }
        let body = std::fs::read(&full).map_err(|e| format!("cannot read '{rel}': {e}"))?;
        if !body.starts_with(b"%PDF-") {
            return Err(format!(
                "the file '{rel}' is not a PDF (it does not start with %PDF-)"
            ));
        }
        let sha256 = hex::encode(Sha256::digest(&body));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| rel.to_string());
        let found = PdfRef { sha256, name };
        self.pending
            .push((found.sha256.clone(), "application/pdf", body));
        self.by_path.insert(rel.to_string(), found.clone());
        Ok(found)
    }

    /// The invoice's XML beside its PDF at `pdf_rel` (the same path ending in `.xml`),
    /// if there is one; the reason for the user when it is unusable.
    pub fn xml_beside(&mut self, pdf_rel: &str) -> Result<Option<XmlRef>, String> {
        let rel = match pdf_rel.rsplit_once('.') {
            Some((stem, _)) if !stem.ends_with('/') => format!("{stem}.xml"),
            _ => format!("{pdf_rel}.xml"),
        };
        let full = self.dir.join(&rel);
        let Ok(meta) = std::fs::metadata(&full) else {
            return Ok(None);
        };
        if !meta.is_file() || meta.len() > MAX_PDF_BYTES {
            return Err(format!("'{rel}' is not a file of at most 20 MB"));
        }
        let body = std::fs::read(&full).map_err(|e| format!("cannot read '{rel}': {e}"))?;
        let text = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&body);
        if !text.trim_ascii_start().starts_with(b"<") {
            return Err(format!(
                "the file '{rel}' is not XML (it does not start with <)"
            ));
        }
        let found = XmlRef {
            sha256: hex::encode(Sha256::digest(&body)),
            ksef_hash: crate::domain::ksef::xml_hash(&body),
            path: rel,
        };
        self.pending
            .push((found.sha256.clone(), "application/xml", body));
        Ok(Some(found))
    }

    /// Stores the files resolved since the last call, unless the database has them.
    pub async fn store(&mut self, tx: &mut Tx) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if self.stored.is_none() {
            self.stored = Some(tx.existing_files().await?.into_iter().collect());
        }
        let stored = self.stored.get_or_insert_with(HashSet::new);
        for (sha256, content_type, body) in self.pending.drain(..) {
            if stored.insert(sha256.clone()) {
                tx.insert_file(&sha256, content_type, &body).await?;
                self.stored_now += 1;
            }
        }
        Ok(())
    }

    /// Forgets unstored bodies (the run failed; nothing will be written).
    pub fn discard(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pdf")).unwrap();
        std::fs::write(dir.path().join("pdf/a.pdf"), b"%PDF-1.4 hello").unwrap();
        std::fs::write(dir.path().join("b.pdf"), b"hello").unwrap();
        let mut pdfs = Pdfs::new(dir.path());
        let a = pdfs.resolve("pdf/a.pdf").unwrap();
        assert_eq!(a.name, "a.pdf");
        assert_eq!(a.sha256.len(), 64);
        assert_eq!(pdfs.resolve("pdf/a.pdf").unwrap(), a);
        assert_eq!(pdfs.pending.len(), 1);
        assert!(pdfs.resolve("b.pdf").unwrap_err().contains("is not a PDF"));
        assert!(
            pdfs.resolve("missing.pdf")
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(pdfs.resolve("../x.pdf").unwrap_err().contains("no '..'"));
        assert!(
            pdfs.resolve("/etc/passwd")
                .unwrap_err()
                .contains("inside the import directory")
        );
        assert!(pdfs.resolve("pdf").unwrap_err().contains("is not a file"));
    }
}
