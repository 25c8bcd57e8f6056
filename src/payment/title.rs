//! The transfer title: the customer number, then the numbers of the documents paid, in
//! the order they fall due, in as many lines of as many characters as the title may
//! hold (a Polish domestic transfer: 4 lines of 35; the QR code: one line of 32).
//!
//! When not every document number fits, the oldest ones are listed (a payment is booked
//! against the oldest debt first) and the title ends with [`MORE`], so the bookkeeping
//! knows the amount covers more documents than it names; the customer number is always
//! there and lets it find them.

/// The width of a line of a domestic transfer's title.
pub const LINE: usize = 35;
/// How many lines a domestic transfer's title has.
pub const LINES: usize = 4;
/// Ends a title that could not name every document ("and others").
pub const MORE: &str = "i inne";

/// A title laid out in lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title {
    pub lines: Vec<String>,
    /// How many of the documents are named.
    pub listed: usize,
    /// How many are not (then the last words are [`MORE`]).
    pub omitted: usize,
}

impl Title {
    /// The title as one text (lines joined by spaces).
    pub fn joined(&self) -> String {
        self.lines.join(" ")
    }
}

/// Lays out `customer` and as many of `documents` as fit in `lines` lines of `width`
/// characters.
pub fn compose(customer: &str, documents: &[&str], width: usize, lines: usize) -> Title {
    let n = documents.len();
    for listed in (0..=n).rev() {
        let mut words: Vec<&str> = vec![customer];
        words.extend_from_slice(&documents[..listed]);
        if listed < n {
            words.push(MORE);
        }
        if let Some(laid) = lay_out(&words, width, lines) {
            return Title {
                lines: laid,
                listed,
                omitted: n - listed,
            };
        }
    }
    // Not even the customer number fits: cut it (a configuration no export has).
    Title {
        lines: vec![customer.chars().take(width).collect()],
        listed: 0,
        omitted: n,
    }
}

/// Words into lines, a word never split; `None` when they do not fit.
fn lay_out(words: &[&str], width: usize, lines: usize) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for word in words {
        let len = word.chars().count();
        if len > width {
            return None;
        }
        match out.last_mut() {
            Some(line) if line.chars().count() + 1 + len <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
        if out.len() > lines {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_that_fits_is_named_in_lines_of_35() {
        let t = compose(
            "K-00101",
            &[
                "FV/2025/01/000101",
                "FV/2025/02/000101",
                "NO/2025/04/000007",
            ],
            LINE,
            LINES,
        );
        assert_eq!(
            t.lines,
            [
                "K-00101 FV/2025/01/000101",
                "FV/2025/02/000101 NO/2025/04/000007"
            ]
        );
        assert_eq!((t.listed, t.omitted), (3, 0));
        assert!(t.lines.iter().all(|l| l.chars().count() <= LINE));
    }

    #[test]
    fn too_many_documents_name_the_oldest_and_say_there_are_others() {
        let docs: Vec<String> = (1..=9).map(|i| format!("FV/2025/{i:02}/000101")).collect();
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let t = compose("K-00101", &refs, LINE, LINES);
        assert_eq!(t.lines.len(), LINES);
        assert!(t.lines.iter().all(|l| l.chars().count() <= LINE), "{t:?}");
        assert_eq!(t.listed + t.omitted, 9);
        assert!(t.omitted > 0);
        assert!(t.joined().ends_with(MORE), "{t:?}");
        assert!(t.joined().starts_with("K-00101 FV/2025/01/000101"));
        // The QR code's single line of 32.
        let q = compose("K-00101", &refs, 32, 1);
        assert_eq!(q.joined(), "K-00101 FV/2025/01/000101 i inne");
        assert_eq!((q.listed, q.omitted), (1, 8));
        let one = compose("K-00101", &refs[..1], 32, 1);
        assert_eq!(one.joined(), "K-00101 FV/2025/01/000101");
    }
}
