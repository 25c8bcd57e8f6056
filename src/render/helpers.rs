//! Template helpers: amounts and dates as Polish users write them, padding for
//! aligned columns, dictionary lookups, and markup that depends on the flavour.

use super::flavour::{Flavour, escape_html};
use super::strings::Strings;
use crate::domain::lang::Lang;
use crate::domain::money::{format_decimal, format_number};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonRender, Output, RenderContext,
    RenderError, RenderErrorReason, Renderable,
};
use rust_decimal::Decimal;
use serde_json::Value;

pub fn register(reg: &mut Handlebars<'static>, flavour: Flavour, strings: Strings) {
    // Numbers are grouped by thousands with a space; in HTML a non-breaking one, so a
    // chat or a mail client never splits "10 240,56" across two lines.
    let html = flavour.is_html();
    let numbers: [(&str, NumberFormat); 4] = [
        ("money", |h| {
            Ok(format!("{} zł", format_number(decimal_param(h, 0)?)))
        }),
        // Integer grosze, as notifications carry them.
        ("money_gr", |h| {
            let grosze = decimal_param(h, 0)?;
            Ok(format!(
                "{} zł",
                format_number(grosze / Decimal::ONE_HUNDRED)
            ))
        }),
        ("amount", |h| Ok(format_number(decimal_param(h, 0)?))),
        ("decimal", |h| Ok(format_decimal(&first_param(h)))),
    ];
    for (name, format) in numbers {
        reg.register_helper(
            name,
            Box::new(
                move |h: &Helper,
                      _: &Handlebars,
                      _: &Context,
                      _: &mut RenderContext,
                      out: &mut dyn Output| {
                    out.write(&thousands(&format(h)?, html))?;
                    Ok(())
                },
            ),
        );
    }
    let esc: fn(&str) -> String = if flavour.is_html() {
        escape_html
    } else {
        str::to_string
    };
    // Helpers that turn their first parameter into text, escaped for the flavour.
    let texts: [(&str, TextFormat); 4] = [
        ("pad", |h| fit(&first_param(h), width_param(h), false)),
        ("lpad", |h| fit(&first_param(h), width_param(h), true)),
        ("date", |h| format_date(&first_param(h))),
        ("datetime", |h| format_datetime(&first_param(h))),
    ];
    for (name, format) in texts {
        reg.register_helper(
            name,
            Box::new(
                move |h: &Helper,
                      _: &Handlebars,
                      _: &Context,
                      _: &mut RenderContext,
                      out: &mut dyn Output| {
                    out.write(&esc(&format(h)))?;
                    Ok(())
                },
            ),
        );
    }
    reg.register_helper("add", Box::new(add));
    reg.register_helper("concat", Box::new(concat));
    reg.register_helper("rate", Box::new(rate));
    reg.register_helper("is_negative", Box::new(is_negative));
    reg.register_helper("abs", Box::new(abs));
    reg.register_helper(
        "plural",
        Box::new(
            move |h: &Helper,
                  _: &Handlebars,
                  ctx: &Context,
                  _: &mut RenderContext,
                  out: &mut dyn Output| {
                out.write(&esc(&plural_form(h, lang_of(ctx))?))?;
                Ok(())
            },
        ),
    );
    reg.register_helper(
        "t",
        Box::new(
            move |h: &Helper,
                  _: &Handlebars,
                  ctx: &Context,
                  _: &mut RenderContext,
                  out: &mut dyn Output| {
                let lang = lang_of(ctx);
                let key: Vec<String> = h.params().iter().map(|p| p.value().render()).collect();
                let key = key.join(".");
                let text = strings.get(lang, &key).unwrap_or(&key);
                let text = if flavour.is_html() {
                    escape_html(text)
                } else {
                    text.to_string()
                };
                out.write(&text)?;
                Ok(())
            },
        ),
    );
    for (name, open, close) in [
        ("b", "<b>", "</b>"),
        ("i", "<i>", "</i>"),
        ("pre", "<pre>", "</pre>"),
        ("code", "<code>", "</code>"),
    ] {
        let (open, close) = if flavour.is_html() {
            (open, close)
        } else {
            ("", "")
        };
        reg.register_helper(name, Box::new(Wrap { open, close, esc }));
    }
}

/// A helper's text from its parameters (before the flavour's escaping).
type TextFormat = fn(&Helper) -> String;
/// Formats a helper's argument as a number for people to read.
type NumberFormat = fn(&Helper) -> Result<String, RenderError>;

/// A block (or one-argument) helper that wraps its content in markup.
struct Wrap {
    open: &'static str,
    close: &'static str,
    esc: fn(&str) -> String,
}

impl HelperDef for Wrap {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        out.write(self.open)?;
        if let Some(t) = h.template() {
            t.render(r, ctx, rc, out)?;
        } else if let Some(p) = h.param(0) {
            out.write(&(self.esc)(&p.value().render()))?;
        }
        out.write(self.close)?;
        Ok(())
    }
}

fn decimal_param(h: &Helper, index: usize) -> Result<Decimal, RenderError> {
    let value = h
        .param(index)
        .map(|p| p.value().clone())
        .unwrap_or(Value::Null);
    let text = match &value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Null => "0".into(),
        other => other.to_string(),
    };
    text.parse::<Decimal>()
        .map_err(|_| RenderErrorReason::Other(format!("'{text}' is not an amount")).into())
}

/// The thousands separator (the spaces inside a number) as a non-breaking space in
/// HTML; the space before "zł" stays an ordinary one.
fn thousands(formatted: &str, html: bool) -> String {
    if !html {
        return formatted.to_string();
    }
    let (number, unit) = match formatted.strip_suffix(" zł") {
        Some(n) => (n, " zł"),
        None => (formatted, ""),
    };
    format!("{}{unit}", number.replace(' ', "\u{a0}"))
}

fn is_negative(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    if decimal_param(h, 0)?.is_sign_negative() {
        out.write("true")?;
    }
    Ok(())
}

/// `{{abs n}}`: the magnitude of an amount (a credit of -5000 grosze is shown as 50,00 zł
/// next to the word that says it is a credit).
fn abs(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&decimal_param(h, 0)?.abs().to_string())?;
    Ok(())
}

/// The language the view is rendered in (`_lang`, set by the renderer).
fn lang_of(ctx: &Context) -> Lang {
    ctx.data()
        .get("_lang")
        .and_then(Value::as_str)
        .and_then(Lang::parse)
        .unwrap_or(Lang::Pl)
}

/// `{{plural n "czat" "czaty" "czatów"}}` (English: `{{plural n "chat" "chats"}}`): the
/// form of the noun after `n` ([`super::plural`]); a count that is not a whole number
/// takes the last form.
fn plural_form(h: &Helper, lang: Lang) -> Result<String, RenderError> {
    let count = decimal_param(h, 0)?;
    let forms: Vec<String> = h
        .params()
        .iter()
        .skip(1)
        .map(|p| p.value().render())
        .collect();
    if forms.is_empty() {
        return Err(RenderErrorReason::Other("plural needs the forms of the noun".into()).into());
    }
    let forms: Vec<&str> = forms.iter().map(String::as_str).collect();
    let whole = count
        .fract()
        .is_zero()
        .then(|| i64::try_from(count).ok())
        .flatten();
    Ok(match whole {
        Some(n) => super::plural::choose(lang, n, &forms).to_string(),
        None => forms[forms.len() - 1].to_string(),
    })
}

/// A stored timestamp (RFC 3339, UTC) as the utility's local time.
fn warsaw(text: &str) -> Option<chrono::DateTime<chrono_tz::Tz>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&crate::domain::calendar::TZ))
}

/// `2025-03-07` → `07.03.2025`; a timestamp gives its date in Warsaw (23:30 UTC on
/// 7 March is already 8 March there); anything else is returned as is.
pub fn format_date(text: &str) -> String {
    if let Some(t) = warsaw(text) {
        return t.format("%d.%m.%Y").to_string();
    }
    match chrono::NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d") {
        Ok(d) => d.format("%d.%m.%Y").to_string(),
        Err(_) => text.to_string(),
    }
}

/// A timestamp as `07.03.2025 14:05`, Warsaw time; anything else as [`format_date`].
pub fn format_datetime(text: &str) -> String {
    match warsaw(text) {
        Some(t) => t.format("%d.%m.%Y %H:%M").to_string(),
        None => format_date(text),
    }
}

fn first_param(h: &Helper) -> String {
    h.param(0).map(|p| p.value().render()).unwrap_or_default()
}

fn width_param(h: &Helper) -> usize {
    h.param(1).and_then(|p| p.value().as_u64()).unwrap_or(0) as usize
}

fn add(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let a = h.param(0).and_then(|p| p.value().as_i64()).unwrap_or(0);
    let b = h.param(1).and_then(|p| p.value().as_i64()).unwrap_or(0);
    out.write(&(a + b).to_string())?;
    Ok(())
}

/// Joins its parameters as text (for building commands shown to the user).
fn concat(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let joined: String = h.params().iter().map(|p| p.value().render()).collect();
    out.write(&joined)?;
    Ok(())
}

/// A VAT rate as printed: `23` → `23%`, `zw` stays `zw`.
fn rate(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let text = first_param(h);
    let shown = if text.chars().all(|c| c.is_ascii_digit()) && !text.is_empty() {
        format!("{text}%")
    } else {
        text
    };
    out.write(&shown)?;
    Ok(())
}

/// Pads `text` to `width` characters; left-aligned text (names) longer than that is
/// cut with "…", right-aligned text (amounts, numbers) never is: a cut amount would be
/// a wrong amount.
pub fn fit(text: &str, width: usize, right: bool) -> String {
    let len = text.chars().count();
    if len >= width && right {
        return text.to_string();
    }
    if len > width {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        return format!("{cut}…");
    }
    let fill = " ".repeat(width - len);
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

#[cfg(test)]
mod tests {
    use super::{format_date, format_datetime};

    #[test]
    fn timestamps_show_the_warsaw_date_and_time() {
        assert_eq!(format_date("2025-03-07"), "07.03.2025");
        // 23:30 UTC in winter is 00:30 the next day in Warsaw (UTC+1).
        assert_eq!(format_date("2025-03-07T23:30:00Z"), "08.03.2025");
        assert_eq!(format_datetime("2025-03-07T23:30:00Z"), "08.03.2025 00:30");
        // Summer time: UTC+2.
        assert_eq!(
            format_datetime("2025-07-01T10:05:00.123456Z"),
            "01.07.2025 12:05"
        );
        assert_eq!(format_datetime("2025-07-01"), "01.07.2025");
        assert_eq!(format_date("soon"), "soon");
    }
}
