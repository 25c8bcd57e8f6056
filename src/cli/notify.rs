//! The operator's view: `ebok notify status` and `ebok notify preview`.

use crate::app::App;
use crate::domain::lang::Lang;
use crate::domain::notice::{Kind, Notice};
use crate::domain::payload::Payload;
use crate::domain::reply::Reply;
use crate::render::Flavour;
use std::fmt::Write;

/// Notifications by kind, channel and state, as a table; also logged as fields.
pub async fn status(app: &App) -> anyhow::Result<String> {
    let rows = app.store.notify_status(crate::store::now()).await?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<13} {:<9} {:<8} {:>8} {:>6}  oldest waiting since",
        "kind", "channel", "state", "count", "held"
    );
    for r in &rows {
        let oldest = r
            .oldest
            .map(|t| {
                t.with_timezone(&crate::domain::calendar::TZ)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<13} {:<9} {:<8} {:>8} {:>6}  {oldest}",
            r.kind, r.channel, r.status, r.count, r.held
        );
        tracing::info!(kind = %r.kind, channel = %r.channel, state = %r.status, count = r.count, held = r.held, oldest = %oldest, "notifications");
    }
    if rows.is_empty() {
        out.push_str("no notifications yet\n");
    }
    Ok(out)
}

/// What a customer gets for `event` (its first notification), or a sample of a kind;
/// in Polish and English, as plain text.
pub async fn preview(app: &App, event: &str) -> anyhow::Result<String> {
    let payload = match app.store.notice_payload(event).await? {
        Some(text) => Payload::parse(&text)?,
        None => match event.parse::<Kind>().ok().and_then(Notice::example_of) {
            Some(example) => Payload::of(Lang::Pl, &example),
            None => anyhow::bail!(
                "no notification was written for {event:?}, and it is not a kind ({}): give an \
                 event key such as invoice:FV/2025/03/000102 (see `ebok notify status`) or a kind",
                Kind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let mut out = String::new();
    for lang in [Lang::Pl, Lang::En] {
        let mut p = payload.clone();
        p.lang = lang;
        let reply = Reply::new(lang, p.view()?);
        let text = app.renderer.reply(Flavour::Text, &reply)?;
        let _ = writeln!(out, "--- {} ({}) ---\n{text}", p.template, lang.code());
    }
    Ok(out)
}
