//! Simple A4 documents (contracts, annexes, invoices) as real PDF files, with an
//! embedded font so Polish letters show.

use anyhow::Context;
use printpdf::{
    Color, IndirectFontRef, Line, Mm, OffsetDateTime, PdfDocument, PdfDocumentReference,
    PdfLayerReference, Point, Rgb,
};

pub(crate) const REGULAR: &[u8] = include_bytes!("../../templates/pdf/DejaVuSans-PL.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../../templates/pdf/DejaVuSans-Bold-PL.ttf");

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 18.0;

/// A text cell at a horizontal position; `right` aligns its end there instead.
pub struct Cell {
    pub x: f32,
    pub text: String,
    pub right: bool,
}

impl Cell {
    pub fn left(x: f32, text: impl Into<String>) -> Cell {
        Cell {
            x,
            text: text.into(),
            right: false,
        }
    }
    pub fn right(x: f32, text: impl Into<String>) -> Cell {
        Cell {
            x,
            text: text.into(),
            right: true,
        }
    }
}

/// Writes lines top to bottom, starting a new page when one is full.
pub struct Writer {
    doc: PdfDocumentReference,
    layer: PdfLayerReference,
    regular: IndirectFontRef,
    bold: IndirectFontRef,
    y: f32,
    id: String,
}

impl Writer {
    /// `seed` fixes the document id and `date` the metadata dates, so the same input
    /// gives the same document.
    pub fn new(title: &str, date: chrono::NaiveDate, seed: &str) -> anyhow::Result<Writer> {
        let stamp = date
            .and_hms_opt(8, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp());
        let when = OffsetDateTime::from_unix_timestamp(stamp).context("a PDF date")?;
        // 32 letters A–P, the same alphabet printpdf uses for its random ids.
        let id: String = sha_of(seed)[..16]
            .iter()
            .flat_map(|b| [b >> 4, b & 15])
            .map(|n| char::from(b'A' + n))
            .collect();
        let (doc, page, layer) = PdfDocument::new(title, Mm(PAGE_W), Mm(PAGE_H), "tekst");
        let doc = doc
            .with_document_id(id.clone())
            .with_creation_date(when)
            .with_mod_date(when)
            .with_metadata_date(when)
            .with_producer("ebok demo")
            .with_creator("ebok demo");
        let regular = doc
            .add_external_font(REGULAR)
            .map_err(|e| anyhow::anyhow!("loading the PDF font: {e}"))?;
        let bold = doc
            .add_external_font(BOLD)
            .map_err(|e| anyhow::anyhow!("loading the PDF font: {e}"))?;
        let layer = doc.get_page(page).get_layer(layer);
        Ok(Writer {
            doc,
            layer,
            regular,
            bold,
            y: PAGE_H - MARGIN,
            id,
        })
    }

    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            let (page, layer) = self.doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "tekst");
            self.layer = self.doc.get_page(page).get_layer(layer);
            self.y = PAGE_H - MARGIN;
        }
    }

    /// One line of cells at `size` points.
    pub fn row(&mut self, cells: &[Cell], size: f32, bold: bool) {
        let height = size * 0.3528 * 1.45;
        self.room(height);
        self.y -= height;
        let font = if bold { &self.bold } else { &self.regular };
        for cell in cells {
            // DejaVu Sans averages about 0.55 em per character: close enough to align
            // the right edge of numbers.
            let width = cell.text.chars().count() as f32 * size * 0.3528 * 0.55;
            let x = if cell.right { cell.x - width } else { cell.x };
            self.layer
                .use_text(cell.text.clone(), size, Mm(x), Mm(self.y), font);
        }
    }

    pub fn text(&mut self, text: &str, size: f32, bold: bool) {
        self.row(&[Cell::left(MARGIN, text)], size, bold);
    }

    /// A paragraph wrapped to the page width.
    pub fn paragraph(&mut self, text: &str, size: f32) {
        let per_line = ((PAGE_W - 2.0 * MARGIN) / (size * 0.3528 * 0.52)) as usize;
        for line in wrap(text, per_line.max(20)) {
            self.text(&line, size, false);
        }
    }

    pub fn gap(&mut self, mm: f32) {
        self.room(mm);
        self.y -= mm;
    }

    /// A thin horizontal rule across the page.
    pub fn rule(&mut self) {
        self.gap(1.5);
        let line = Line {
            points: vec![
                (Point::new(Mm(MARGIN), Mm(self.y)), false),
                (Point::new(Mm(PAGE_W - MARGIN), Mm(self.y)), false),
            ],
            is_closed: false,
        };
        self.layer
            .set_outline_color(Color::Rgb(Rgb::new(0.4, 0.4, 0.4, None)));
        self.layer.set_outline_thickness(0.5);
        self.layer.add_line(line);
        self.gap(1.5);
    }

    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        let bytes = self
            .doc
            .save_to_bytes()
            .map_err(|e| anyhow::anyhow!("writing a PDF: {e}"))?;
        // printpdf compresses only in release builds; do it always, fonts are most of it.
        let mut doc = printpdf::lopdf::Document::load_mem(&bytes)
            .map_err(|e| anyhow::anyhow!("re-reading a PDF: {e}"))?;
        doc.compress();
        let mut out = Vec::with_capacity(bytes.len() / 2);
        doc.save_to(&mut out).context("compressing a PDF")?;
        Ok(fix_trailer_id(out, self.id.as_bytes()))
    }
}

pub fn left_margin() -> f32 {
    MARGIN
}

pub fn right_edge() -> f32 {
    PAGE_W - MARGIN
}

fn sha_of(text: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).to_vec()
}

/// printpdf puts random ids into the trailer; replace them with ours (same length, and
/// after everything the cross-reference table points at) so equal input gives equal bytes.
fn fix_trailer_id(mut bytes: Vec<u8>, id: &[u8]) -> Vec<u8> {
    let tail_start = bytes.len().saturating_sub(4096);
    let Some(pos) = find(&bytes[tail_start..], b"/ID[").map(|p| p + tail_start) else {
        return bytes;
    };
    // /ID[(<32 chars>)(<32 chars>)]
    let first = pos + 5;
    let second = first + 32 + 2;
    if id.len() == 32
        && bytes.len() >= second + 32
        && bytes[first - 1] == b'('
        && bytes[second - 1] == b'('
    {
        bytes[first..first + 32].copy_from_slice(id);
        bytes[second..second + 32].copy_from_slice(id);
    }
    bytes
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits `text` into lines of at most `width` characters at spaces.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

/// A plain PDF document: a title and paragraphs, Polish letters included (used for the
/// example set in `docs/import-example/` and by tests).
pub fn simple_pdf(
    title: &str,
    date: chrono::NaiveDate,
    paragraphs: &[&str],
) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new(title, date, title)?;
    w.text(title, 15.0, true);
    w.rule();
    for p in paragraphs {
        w.gap(2.0);
        w.paragraph(p, 10.0);
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("ala ma kota i psa", 8), ["ala ma", "kota i", "psa"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
    }

    #[test]
    fn a_document_is_a_pdf_and_repeatable() {
        let date = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let make = || {
            let mut w = Writer::new("Umowa", date, "UM/1").unwrap();
            w.text("Zażółć gęślą jaźń – Włocławek", 14.0, true);
            w.rule();
            w.paragraph(&"Łódź ".repeat(200), 10.0);
            w.row(
                &[Cell::left(20.0, "a"), Cell::right(190.0, "1 234,56 zł")],
                10.0,
                false,
            );
            w.finish().unwrap()
        };
        let a = make();
        assert!(a.starts_with(b"%PDF-"));
        if std::env::var("PDF_DEBUG").is_ok() {
            std::fs::write("/tmp/a.pdf", &a).unwrap();
            std::fs::write("/tmp/b.pdf", make()).unwrap();
        }
        assert!(a == make(), "two renderings differ");
        assert!(a.len() < 400_000, "{} bytes", a.len());
    }
}
