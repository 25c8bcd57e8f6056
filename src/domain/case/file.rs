//! The attachments a case takes: PDF, JPEG or PNG, told by their first bytes (never by
//! the name or the type a client claims), at most 10 MB each and 5 per case.

/// The most bytes one attachment may have.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most attachments one case may have.
pub const MAX_FILES: usize = 5;

/// Why an attachment is refused; each is said to the customer in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// Not a PDF, JPEG or PNG.
    Type,
    TooBig,
    TooMany,
    Empty,
}

impl FileProblem {
    /// The key of its text (`case_file_problem.<key>` in `strings.toml`).
    pub fn key(self) -> &'static str {
        match self {
            FileProblem::Type => "type",
            FileProblem::TooBig => "too_big",
            FileProblem::TooMany => "too_many",
            FileProblem::Empty => "empty",
        }
    }
}

/// The content type of `body` when it is an allowed file, else why not.
pub fn sniff(body: &[u8]) -> Result<&'static str, FileProblem> {
    if body.is_empty() {
        return Err(FileProblem::Empty);
    }
    if body.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooBig);
    }
    if body.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else if body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if body.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else {
        Err(FileProblem::Type)
    }
}

/// A file name safe to show and to send back: the last path part, control characters
/// dropped, at most 100 characters; `fallback` when nothing is left.
pub fn clean_name(name: &str, fallback: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        fallback.to_string()
    } else {
        clean.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pdf_jpeg_and_png_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.4 ..."), Ok("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Ok("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
        assert_eq!(
            sniff(b"MZ\x90\0 an exe named photo.jpg"),
            Err(FileProblem::Type)
        );
        assert_eq!(sniff(b"GIF89a"), Err(FileProblem::Type));
        assert_eq!(sniff(b""), Err(FileProblem::Empty));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_FILE_BYTES + 1, b' ');
        assert_eq!(sniff(&big), Err(FileProblem::TooBig));
        big.truncate(MAX_FILE_BYTES);
        assert_eq!(sniff(&big), Ok("application/pdf"));
    }

    #[test]
    fn names_lose_their_paths_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(clean_name("C:\\Users\\faktura.pdf", "x"), "faktura.pdf");
        assert_eq!(clean_name("zdjęcie\n.jpg", "x"), "zdjęcie.jpg");
        assert_eq!(clean_name("", "zalacznik.pdf"), "zalacznik.pdf");
    }
}
