//! The QR symbol as a PNG: black modules on white, a quiet zone of four modules, each
//! module a square of pixels so the image is at least 250 pixels wide (the size the
//! banks' recommendation asks for).

use qrcode::{Color, EcLevel, QrCode};

/// The recommendation's smallest image, in pixels.
const MIN_PIXELS: usize = 250;
/// The quiet zone around the symbol, in modules (ISO/IEC 18004).
const QUIET: usize = 4;

/// A grey-scale image: `width × height` pixels, 0 black, 255 white, row by row.
pub struct Bitmap {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// `text` as a QR code (error correction L, as the recommendation says) in a PNG.
pub fn qr_png(text: &str) -> anyhow::Result<Vec<u8>> {
    encode(&symbol(text, EcLevel::L)?)
}

/// `text` as a QR symbol with its quiet zone, at least [`MIN_PIXELS`] wide.
pub fn symbol(text: &str, level: EcLevel) -> anyhow::Result<Bitmap> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), level)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side_modules = modules + 2 * QUIET;
    let scale = MIN_PIXELS.div_ceil(side_modules).max(1);
    let side = side_modules * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = ((i % modules + QUIET) * scale, (i / modules + QUIET) * scale);
        for y in my..my + scale {
            pixels[y * side + mx..y * side + mx + scale].fill(0);
        }
    }
    Ok(Bitmap {
        width: side,
        height: side,
        pixels,
    })
}

/// The bitmap as a grey-scale PNG.
pub fn encode(image: &Bitmap) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let (w, h) = (u32::try_from(image.width)?, u32::try_from(image.height)?);
        let mut encoder = ::png::Encoder::new(&mut out, w, h);
        encoder.set_color(::png::ColorType::Grayscale);
        encoder.set_depth(::png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&image.pixels)?;
        writer.finish()?;
    }
    Ok(out)
}
