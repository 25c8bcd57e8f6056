//! The bot as every part of the front end sees it: [`Telegram`] (the app, the paced
//! sender, the button codes), the channel's name, and the Bot API client.

use super::buttons::Buttons;
use super::pace;
use super::send::Sender;
use crate::app::App;
use crate::core::{Lang, View};
use crate::render::Flavour;
use crate::store::ChatRow;
use anyhow::Context;
use secrecy::ExposeSecret;
use std::sync::Arc;
use teloxide::prelude::*;

/// The channel name in chats, sessions and outbox rows.
pub const CHANNEL: &str = "telegram";

/// What every handler needs (one `dptree` dependency).
pub struct Telegram {
    pub app: App,
    pub sender: Sender,
    pub buttons: Buttons,
}

impl Telegram {
    /// Builds the bot from `[telegram]` (the token is never logged).
    pub fn from_settings(app: App) -> anyhow::Result<Arc<Telegram>> {
        let cfg = app
            .settings
            .telegram
            .clone()
            .context("the [telegram] section is missing")?;
        let bot = bot_with(&cfg, None)?;
        let sender = Sender::new(bot, app.store.clone(), pace::Limits::from_settings(&cfg));
        Ok(Arc::new(Telegram {
            app,
            sender,
            buttons: Buttons::default(),
        }))
    }

    /// A text of the front end itself (`templates/<lang>/tg_*.hbs`), as Telegram HTML.
    pub(crate) fn text(&self, lang: Lang, template: &'static str) -> String {
        self.app
            .renderer
            .view(Flavour::Telegram, lang, &View::bare(template))
            .unwrap_or_else(|e| {
                tracing::error!(error = format!("{e:#}"), template, "a template failed");
                template.to_string()
            })
    }

    /// The same, as plain text (callback notices are not HTML).
    pub(crate) fn plain(&self, lang: Lang, template: &'static str) -> String {
        self.app
            .renderer
            .view(Flavour::Text, lang, &View::bare(template))
            .unwrap_or_else(|_| template.to_string())
    }

    /// The chat's row; a failed read counts as none (the callers fall back to defaults).
    pub(crate) async fn stored_chat(&self, chat: ChatId) -> Option<ChatRow> {
        let row = self.app.store.chat(CHANNEL, &chat.0.to_string()).await;
        row.ok().flatten()
    }

    /// The chat's language for the front end's own texts: the chat's choice, else the
    /// user's Telegram language, else the default (as the core decides).
    pub(crate) async fn chat_lang(&self, chat: ChatId, hint: Option<Lang>) -> Lang {
        let stored = self
            .stored_chat(chat)
            .await
            .and_then(|c| c.lang)
            .and_then(|l| Lang::parse(&l));
        stored.or(hint).unwrap_or_else(|| {
            Lang::parse(&self.app.settings.app.default_language).unwrap_or(Lang::Pl)
        })
    }
}

/// A bot for `cfg`'s token and API server; `timeout` replaces teloxide's default HTTP
/// timeout (17 s, too short for a long poll).
pub(crate) fn bot_with(
    cfg: &crate::config::Telegram,
    timeout: Option<std::time::Duration>,
) -> anyhow::Result<Bot> {
    let mut client = teloxide::net::default_reqwest_settings();
    if let Some(timeout) = timeout {
        client = client.timeout(timeout);
    }
    let client = client
        .build()
        .context("building the HTTP client for the Bot API")?;
    let mut bot = Bot::with_client(cfg.token.expose_secret(), client);
    if let Some(url) = cfg.api_url.as_deref().filter(|u| !u.trim().is_empty()) {
        let url = url::Url::parse(url).context("telegram.api_url is not a URL")?;
        bot = bot.set_api_url(url);
    }
    Ok(bot)
}

/// A Telegram `language_code` as one of ours ("en-GB" → English; others: no hint).
pub(crate) fn lang_hint(code: Option<&str>) -> Option<Lang> {
    let code = code?.split(['-', '_']).next()?;
    match code {
        "pl" => Some(Lang::Pl),
        "en" => Some(Lang::En),
        _ => None,
    }
}
