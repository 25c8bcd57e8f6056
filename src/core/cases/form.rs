//! The one-message form (email, and any channel): `reklamacja` or `wniosek` followed by
//! `pole: wartość` lines — `temat`, `faktura`, `moc`, `od`, `opis` (or their English
//! names) — checked as a whole, so a form with a mistake files nothing and says what to
//! correct (docs/cases.md has an example to copy).

use super::common::problem;
use super::file::{self, Draft};
use crate::core::{Ctx, CustomerSession};
use crate::domain::case::{CaseKind, Subject, parse_capacity_change};
use crate::domain::reply::Reply;
use crate::domain::text::fold;

/// The fields of a form, as typed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub subject: Option<String>,
    pub invoice: Option<String>,
    pub capacity: Option<String>,
    pub from: Option<String>,
    pub description: String,
}

/// Reads `key: value` lines; `None` when there are none (not a form).
pub fn fields(rest: &str) -> Option<Fields> {
    let mut f = Fields::default();
    let mut any = false;
    for line in rest.lines() {
        let Some((key, value)) = line.split_once([':', '=']) else {
            continue;
        };
        let value = value.trim().to_string();
        let slot = match fold(key.trim()).as_str() {
            "temat" | "rodzaj" | "subject" => &mut f.subject,
            "faktura" | "rachunek" | "invoice" | "bill" => &mut f.invoice,
            "moc" | "capacity" => &mut f.capacity,
            "od" | "od dnia" | "from" => &mut f.from,
            "opis" | "tresc" | "description" => {
                if !f.description.is_empty() {
                    f.description.push('\n');
                }
                f.description.push_str(&value);
                any = true;
                continue;
            }
            _ => continue,
        };
        *slot = Some(value);
        any = true;
    }
    any.then_some(f)
}

/// Checks the form and files it.
pub(crate) async fn file_form(
    ctx: &mut Ctx<'_>,
    me: &CustomerSession,
    kind: CaseKind,
    f: Fields,
) -> anyhow::Result<Reply> {
    let lang = ctx.lang;
    let Some(subject) = f
        .subject
        .as_deref()
        .and_then(|s| Subject::parse_word(kind, s))
    else {
        return Ok(problem(
            lang,
            "form_subject",
            f.subject.as_deref().unwrap_or(""),
        ));
    };
    if subject == Subject::Bill && f.invoice.is_none() {
        return Ok(problem(lang, "form_invoice", ""));
    }
    let capacity = if subject == Subject::Capacity {
        let (Some(mw), Some(from)) = (&f.capacity, &f.from) else {
            return Ok(problem(lang, "form_capacity", ""));
        };
        match parse_capacity_change(mw, from, ctx.core.today()) {
            Ok(c) => Some(c),
            Err(p) => return Ok(problem(lang, p.key(), &format!("{mw} {from}"))),
        }
    } else {
        None
    };
    let draft = Draft {
        subject,
        invoice: f.invoice.map(|i| i.to_uppercase()),
        capacity,
    };
    file::file(ctx, me, &draft, &f.description).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_lines_are_read_in_both_languages() {
        let f = fields(
            "\nTemat: rachunek\nFaktura: FV/2025/02/000102\nOpis: Za dużo GJ.\nopis: Lokal stał pusty.",
        )
        .unwrap();
        assert_eq!(f.subject.as_deref(), Some("rachunek"));
        assert_eq!(f.invoice.as_deref(), Some("FV/2025/02/000102"));
        assert_eq!(f.description, "Za dużo GJ.\nLokal stał pusty.");
        let g = fields("subject: capacity\ncapacity: 0,010\nfrom: 01.10.2026").unwrap();
        assert_eq!(g.capacity.as_deref(), Some("0,010"));
        assert_eq!(g.from.as_deref(), Some("01.10.2026"));
        assert_eq!(fields("rachunek"), None);
    }
}
