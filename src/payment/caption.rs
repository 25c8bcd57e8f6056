//! A QR code with one line of text under it, as the KSeF verification code is printed:
//! the KSeF number (or `OFFLINE`, or `CERTYFIKAT`) below the symbol. The text is drawn
//! with a small 5×7 bitmap font of the characters those captions use (digits, A–F, the
//! letters of OFFLINE and CERTYFIKAT, hyphen); any other character is left blank.

use super::png::{Bitmap, encode, symbol};
use qrcode::EcLevel;

/// Pixels per font dot.
const DOT: usize = 2;
/// A glyph is 5 dots wide and 7 high, with one dot between glyphs.
const ADVANCE: usize = 6 * DOT;
const MARGIN: usize = 8 * DOT;

/// `text` as a QR code (error correction M) with `caption` centred below it, as a PNG.
pub fn qr_png_captioned(text: &str, caption: &str) -> anyhow::Result<Vec<u8>> {
    let qr = symbol(text, EcLevel::M)?;
    let caption_width = caption.chars().count() * ADVANCE;
    let width = qr.width.max(caption_width + 2 * MARGIN);
    let height = qr.height + 7 * DOT + MARGIN;
    let mut image = Bitmap {
        width,
        height,
        pixels: vec![255u8; width * height],
    };
    let left = (width - qr.width) / 2;
    for y in 0..qr.height {
        let row = &qr.pixels[y * qr.width..(y + 1) * qr.width];
        image.pixels[y * width + left..y * width + left + qr.width].copy_from_slice(row);
    }
    // The symbol's quiet zone is the space above the caption.
    let mut x = (width - caption_width) / 2;
    for c in caption.chars() {
        draw(&mut image, glyph(c), x, qr.height);
        x += ADVANCE;
    }
    encode(&image)
}

fn draw(image: &mut Bitmap, rows: [u8; 7], x0: usize, y0: usize) {
    for (r, bits) in rows.iter().enumerate() {
        for c in 0..5 {
            if bits & (0b10000 >> c) == 0 {
                continue;
            }
            for dy in 0..DOT {
                let y = y0 + r * DOT + dy;
                let x = x0 + c * DOT;
                image.pixels[y * image.width + x..y * image.width + x + DOT].fill(0);
            }
        }
    }
}

/// Rows top to bottom, five dots each (the high bit is the left dot).
fn glyph(c: char) -> [u8; 7] {
    match c {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'N' => [0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'Y' => [0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        _ => [0; 7],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_caption_character_has_a_glyph() {
        for c in "0123456789ABCDEF-OFFLINECERTYFIKAT".chars() {
            assert_ne!(glyph(c), [0; 7], "{c}");
        }
    }

    #[test]
    fn a_long_caption_widens_the_image_and_is_drawn_below_the_code() {
        let png = qr_png_captioned(
            "https://example.test/x",
            "8880205453-20260430-0A1B2C3D4E5F-39",
        )
        .unwrap();
        let decoder = ::png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width as usize, 35 * ADVANCE + 2 * MARGIN);
        assert!(info.height > info.width / 2);
    }
}
