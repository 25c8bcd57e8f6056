//! The usage chart as a PNG: heat used per month (bars) beside the same month a year
//! before (a line with dots), and the cost per month split into its fixed and variable
//! parts (stacked bars). Drawn with plotters on an RGB buffer with the PDFs' DejaVu Sans
//! (embedded, so no system font is needed), colours of the Okabe–Ito palette chosen to
//! differ in lightness as well (they survive grey-scale and colour-blindness), every
//! series also told apart by its shape and named in a legend. The caller runs it on a
//! blocking thread: a chart takes milliseconds of CPU.

use super::figures::Month;
use crate::domain::money::format_decimal;
use crate::domain::pdf::{BOLD, REGULAR};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use rust_decimal::prelude::ToPrimitive;

/// The image's size: wide enough for 24 months, legible on a phone held upright.
pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 760;

const FONT: &str = "ebok-sans";
/// Okabe–Ito: blue (dark), orange (light), vermillion (middle), sky blue (light).
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const SKY: RGBColor = RGBColor(0x56, 0xB4, 0xE9);

/// The chart's words, in the reader's language.
#[derive(Debug, Clone)]
pub struct Labels {
    pub title: String,
    pub heat: String,
    pub cost: String,
    pub this_period: String,
    pub year_before: String,
    pub fixed: String,
    pub variable: String,
    /// Short month names, January first.
    pub months: [String; 12],
}

/// `months` and, in the same order, the same months a year before.
pub fn render(months: &[Month], before: &[Month], labels: &Labels) -> anyhow::Result<Vec<u8>> {
    fonts()?;
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(&mut rgb, months, before, labels)
        .map_err(|e| anyhow::anyhow!("drawing the chart: {e}"))?;
    encode(&rgb)
}

fn fonts() -> anyhow::Result<()> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, REGULAR).is_ok()
            && register_font(FONT, FontStyle::Bold, BOLD).is_ok()
    });
    anyhow::ensure!(*ok, "the chart's font did not load");
    Ok(())
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;
type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn draw(rgb: &mut [u8], months: &[Month], before: &[Month], labels: &Labels) -> DrawResult {
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root
        .margin(10, 0, 0, 0)
        .titled(&labels.title, (FONT, 34).into_font().style(FontStyle::Bold))?;
    let (upper, lower) = root.split_vertically(HEIGHT * 46 / 100);
    heat_panel(&upper, months, before, labels)?;
    cost_panel(&lower, months, labels)?;
    root.present()?;
    Ok(())
}

fn gj(m: &Month) -> f64 {
    m.gj.to_f64().unwrap_or(0.0)
}

fn zl(gr: i64) -> f64 {
    gr as f64 / 100.0
}

/// The month under bar `i`: every label up to 12 months, every other one beyond.
fn month_label(months: &[Month], labels: &Labels, v: &SegmentValue<i32>) -> String {
    let SegmentValue::CenterOf(i) = v else {
        return String::new();
    };
    let every = if months.len() > 12 { 2 } else { 1 };
    match months.get(*i as usize) {
        Some(m) if (*i as usize).is_multiple_of(every) => format!(
            "{} {:02}",
            labels.months[m.month.month as usize - 1],
            m.month.year % 100
        ),
        _ => String::new(),
    }
}

/// A number on an axis the Polish way: `1 200`, `2,5`.
fn axis_number(v: f64, decimals: usize) -> String {
    format_decimal(&format!("{:.*}", decimals, v)).replace('.', ",")
}

fn top(values: impl Iterator<Item = f64>) -> f64 {
    let max = values.fold(0.0f64, f64::max);
    // Room above the tallest bar for the legend.
    if max <= 0.0 { 1.0 } else { max * 1.45 }
}

fn heat_panel(area: &Area<'_>, months: &[Month], before: &[Month], labels: &Labels) -> DrawResult {
    let n = months.len() as i32;
    let y_max = top(months.iter().chain(before).map(gj));
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .caption(&labels.heat, (FONT, 26))
        .build_cartesian_2d((0..n).into_segmented(), 0.0..y_max)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(months.len())
        .x_label_formatter(&|v| month_label(months, labels, v))
        .y_label_formatter(&|v| axis_number(*v, if y_max < 10.0 { 1 } else { 0 }))
        .label_style((FONT, 20))
        .draw()?;
    chart
        .draw_series(months.iter().enumerate().map(|(i, m)| {
            let i = i as i32;
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), gj(m)),
                ],
                BLUE.filled(),
            );
            bar.set_margin(0, 0, 4, 4);
            bar
        }))?
        .label(&labels.this_period)
        .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], BLUE.filled()));
    let points: Vec<_> = before
        .iter()
        .enumerate()
        .filter(|(_, m)| m.has_data())
        .map(|(i, m)| (SegmentValue::CenterOf(i as i32), gj(m)))
        .collect();
    chart
        .draw_series(std::iter::once(PathElement::new(
            points.clone(),
            ORANGE.stroke_width(4),
        )))?
        .label(&labels.year_before)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], ORANGE.stroke_width(4)));
    chart.draw_series(
        points
            .into_iter()
            .map(|p| Circle::new(p, 6, BLACK.filled())),
    )?;
    legend(&mut chart)
}

fn cost_panel(area: &Area<'_>, months: &[Month], labels: &Labels) -> DrawResult {
    let n = months.len() as i32;
    let y_max = top(months
        .iter()
        .map(|m| zl(m.fixed_gr.max(0) + m.variable_gr.max(0))));
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .caption(&labels.cost, (FONT, 26))
        .build_cartesian_2d((0..n).into_segmented(), 0.0..y_max)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(months.len())
        .x_label_formatter(&|v| month_label(months, labels, v))
        .y_label_formatter(&|v| axis_number(*v, 0))
        .label_style((FONT, 20))
        .draw()?;
    let bar = |i: usize, from: f64, to: f64, color: RGBColor| {
        let i = i as i32;
        let mut r = Rectangle::new(
            [
                (SegmentValue::Exact(i), from),
                (SegmentValue::Exact(i + 1), to),
            ],
            color.filled(),
        );
        r.set_margin(0, 0, 4, 4);
        r
    };
    let fixed = |m: &Month| zl(m.fixed_gr.max(0));
    chart
        .draw_series(
            months
                .iter()
                .enumerate()
                .map(|(i, m)| bar(i, 0.0, fixed(m), VERMILLION)),
        )?
        .label(&labels.fixed)
        .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], VERMILLION.filled()));
    chart
        .draw_series(
            months
                .iter()
                .enumerate()
                .map(|(i, m)| bar(i, fixed(m), fixed(m) + zl(m.variable_gr.max(0)), SKY)),
        )?
        .label(&labels.variable)
        .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], SKY.filled()));
    legend(&mut chart)
}

fn legend<'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<X, Y>>,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 20))
        .draw()?;
    Ok(())
}

fn encode(rgb: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        encoder.set_compression(::png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::calendar::YearMonth;
    use rust_decimal::Decimal;

    /// Two winters of a household's bills: more heat in the colder months.
    pub(crate) fn two_years() -> (Vec<Month>, Vec<Month>) {
        let share = [165, 145, 125, 80, 35, 20, 15, 15, 30, 80, 130, 160];
        let mut month = YearMonth {
            year: 2023,
            month: 12,
        };
        let mut all = Vec::new();
        for i in 0..36 {
            let gj = Decimal::new(share[month.month as usize - 1] * (60 + i % 7), 3);
            all.push(Month {
                month,
                gj,
                fixed_gr: 26_300 + i * 40,
                variable_gr: (gj * Decimal::from(9_800))
                    .round()
                    .to_string()
                    .parse()
                    .unwrap(),
            });
            month = month.next();
        }
        (all[12..].to_vec(), all[..24].to_vec())
    }

    pub(crate) fn labels() -> Labels {
        Labels {
            title: "Zużycie ciepła i koszt: grudzień 2024 – listopad 2026".into(),
            heat: "Ciepło, GJ".into(),
            cost: "Koszt brutto, zł".into(),
            this_period: "ten okres".into(),
            year_before: "rok wcześniej".into(),
            fixed: "opłaty stałe".into(),
            variable: "opłaty zmienne".into(),
            months: [
                "sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru",
            ]
            .map(String::from),
        }
    }

    #[test]
    fn the_chart_is_a_png_of_the_stated_size() {
        let (months, before) = two_years();
        let png = render(&months, &before, &labels()).unwrap();
        let decoder = ::png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert_eq!(info.color_type, ::png::ColorType::Rgb);
        if let Ok(path) = std::env::var("EBOK_CHART_OUT") {
            std::fs::write(path, &png).unwrap();
        }
    }

    #[test]
    fn a_chart_without_figures_still_draws() {
        let month = Month::empty(YearMonth {
            year: 2025,
            month: 1,
        });
        assert!(render(&[month], &[month], &labels()).is_ok());
    }
}
