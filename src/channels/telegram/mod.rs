//! The Telegram front end (teloxide 0.17). It only translates: an update becomes a line
//! for [`crate::core::Core::handle`] (a typed text, or the command behind a pressed
//! button), and the [`crate::core::Reply`] becomes Telegram messages — HTML split under
//! the length limit, inline keyboards from the reply's actions, documents, edits in place
//! for paging and the calendar. Sessions and dialogue state live in the core's database.
//!
//! Modules: [`bot`] (what every part shares: the app, the paced sender, the button codes,
//! the Bot API client), [`schema`] (what an update asks for, decided), `answer` (an input through
//! the core, its reply as Bot API calls: [`steps`]), `journal` (an update's reply stored,
//! then sent: a redelivered update gets it again and is not run again), [`send`] (every
//! Bot API call: 429 retries, 403 marking), [`pace`] (pacing: per chat, over all chats,
//! replies first), `dispatch` (the outbox's Telegram rows, many in flight, most urgent
//! first), [`split`], [`buttons`], `menu` (setMyCommands), [`deliver`] (outbox rows of
//! channel "telegram": staff notifications), `listen` (long polling or webhook), `poll`
//! (long polling that confirms an update only once it is answered), `hook` (the webhook,
//! which does the same), `claim` (the webhook's claims on updates).

mod answer;
pub mod bot;
pub mod buttons;
mod claim;
pub mod deliver;
pub mod dispatch;
mod files;
mod hook;
mod journal;
mod listen;
mod menu;
pub mod pace;
mod poll;
pub mod schema;
pub mod send;
pub mod split;
pub mod steps;

use crate::app::App;
use std::sync::Arc;
use teloxide::prelude::*;

pub use bot::{CHANNEL, Telegram};
pub use buttons::Buttons;
pub use deliver::TelegramDeliverer;
pub use listen::{Preflight, config_problems, preflight};
pub use send::Sender;

/// Runs the bot until the task is aborted: menus, the outbox worker for Telegram rows,
/// and the dispatcher on long polling or a webhook, as configured.
pub async fn run(app: App) -> anyhow::Result<()> {
    run_checked(app, Preflight::default()).await
}

/// [`run`] after `ebok serve`'s [`preflight`] (the token accepted, the webhook's socket
/// bound).
pub async fn run_checked(app: App, ready: Preflight) -> anyhow::Result<()> {
    let telegram = Telegram::from_settings(app)?;
    telegram.run(ready).await
}

impl Telegram {
    pub async fn run(self: Arc<Self>, ready: Preflight) -> anyhow::Result<()> {
        menu::register(&self).await;
        let worker = crate::outbox::Worker::new(
            self.app.store.clone(),
            CHANNEL,
            Arc::new(TelegramDeliverer::new(self.clone())),
            crate::outbox::RetryPolicy {
                // Staff wait for these, and a notice should go within a second.
                idle_poll: dispatch::IDLE_POLL,
                base: std::time::Duration::from_secs(5),
                lease: std::time::Duration::from_secs(self.outbox_lease().max(1)),
                ..crate::outbox::RetryPolicy::default()
            },
        )
        .with_clock(self.app.core.clock().clone())
        .with_quiet_hours(self.app.settings.notifications.clone())
        .with_recipient_spacing(self.chat_spacing())
        .with_configured_recipients(self.staff_chats());
        let rate = self.outbox_rate();
        let worker = tokio::spawn(
            dispatch::Dispatcher::new(worker, dispatch::Dispatcher::in_flight_for(rate)).run(),
        );
        let result = listen::dispatch(self, ready).await;
        worker.abort();
        result
    }

    /// `telegram.staff_chats` as outbox recipients.
    fn staff_chats(&self) -> Vec<String> {
        let cfg = self.app.settings.telegram.as_ref();
        cfg.map_or_else(Vec::new, |c| {
            c.staff_chats.iter().map(|c| c.to_string()).collect()
        })
    }

    fn outbox_lease(&self) -> u64 {
        let cfg = self.app.settings.telegram.as_ref();
        cfg.map_or(30, |c| c.outbox_lease_seconds)
    }

    /// The least time between two outbox rows to one chat, whichever process sends them
    /// (`None`: no limit per chat configured).
    fn chat_spacing(&self) -> Option<chrono::Duration> {
        let per_second = self
            .app
            .settings
            .telegram
            .as_ref()?
            .chat_messages_per_second;
        (per_second > 0).then(|| chrono::Duration::milliseconds(1000 / i64::from(per_second)))
    }

    /// The pace of notifications (messages per second), for the dispatcher's batch.
    fn outbox_rate(&self) -> u32 {
        let cfg = self.app.settings.telegram.as_ref();
        match cfg {
            Some(c) if c.allow_paid_broadcast => c.paid_messages_per_second,
            Some(c) if c.messages_per_second > 0 => c.messages_per_second,
            _ => 30,
        }
    }
}

/// Gives back the webhook claims this process still holds: at shutdown, once the grace
/// period is over (the updates they hold are answered by another instance at once).
pub async fn release_claims(store: &crate::store::Store) {
    claim::release_held(store).await;
}

/// Whether Telegram serves the bot of `cfg` as configured (getMe, or in webhook mode
/// getWebhookInfo showing our URL): the `telegram` check of `/readyz`.
pub async fn check(cfg: &crate::config::Telegram) -> Result<(), String> {
    static BOT: std::sync::OnceLock<Bot> = std::sync::OnceLock::new();
    let bot = match BOT.get() {
        Some(bot) => bot,
        None => {
            let bot = bot::bot_with(cfg, Some(std::time::Duration::from_secs(5)))
                .map_err(|e| format!("{e:#}"))?;
            BOT.get_or_init(|| bot)
        }
    };
    listen::check(bot, cfg).await
}
