//! An in-process fake of the Telegram Bot API for tests, strict like the real one.
//!
//! ```ignore
//! let fake = FakeTelegram::start().await;
//! let bot = teloxide::Bot::new("123:TEST").set_api_url(fake.api_url());
//! // … run the bot's Dispatcher in a task …
//! fake.push_text(42, "/start");
//! let reply = fake.expect_message(42, |m| m.visible().contains("Witaj"), Duration::from_secs(5)).await;
//! fake.press_button(42, reply.message_id, "Saldo");
//! ```
//!
//! What the fake checks like Telegram does (each failure is the Bot API's 400/403/409/429 with its
//! description, so teloxide maps it to the same `ApiError`):
//! - texts: 1..=4096 and captions ..=1024 UTF-16 code units *after* entity parsing; empty text;
//!   `parse_mode` HTML (Telegram's tag subset, balanced, escaped `<`/`&`), MarkdownV2 (reserved
//!   characters), legacy Markdown; unknown parse modes;
//! - `reply_markup`: inline keyboards well-formed, one action per button, callback_data 1..=64
//!   bytes, button URLs;
//! - edits/deletes only of existing messages of that chat, "message is not modified", and
//!   `editMessageText` without `reply_markup` removes the keyboard (as Telegram does);
//! - the chat must be known (the user wrote first, or [`FakeTelegram::add_chat`]) and not
//!   blocked ([`FakeTelegram::block_user`]);
//! - getUpdates: offsets, long polling (held until an update arrives or `timeout` passes, then
//!   `[]`), `allowed_updates`, a newer concurrent poll terminates the waiting one with 409, no
//!   polling while a webhook is set; a request whose client hangs up before the answer (an HTTP
//!   timeout shorter than the poll) is recorded as a failed call (499);
//! - answerCallbackQuery only once per known query, and only within [`CALLBACK_TIMEOUT`] of
//!   the press ("query is too old …" otherwise); setMyCommands' command syntax;
//! - when switched on ([`FakeTelegram::enforce_limits`]), Telegram's flood limits over all
//!   chats, per chat and for paid broadcasts (the model: `limits.rs`), with 429s counted.

mod edit;
mod html;
mod inspect;
mod limits;
mod markdown;
mod markup;
mod methods;
mod misc;
mod push;
mod server;
mod state;
mod text;
mod types;

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};
use tokio::sync::Notify;

pub use limits::{LimitStats, Limits};
pub use markup::Markup;
pub use state::CALLBACK_TIMEOUT;
pub use text::{MAX_CAPTION, MAX_TEXT, Parsed, TextUse, utf16_len};
pub use types::{ApiError, Button, Call, Entity, SentDocument, SentMessage, TgUser, UploadedFile};

/// Parse `parse_mode` text like Telegram (for unit tests of message builders).
pub use text::parse as parse_entities;

/// Telegram's text/caption rules (parse, trim, length) for unit tests of message builders.
pub use text::check as check_text;

/// Check a `reply_markup` JSON like Telegram (for unit tests of keyboard builders).
pub use markup::check as check_reply_markup;

use server::Params;
use state::{Injected, Inner};

pub const BOT_ID: i64 = 777_000;
pub const BOT_USERNAME: &str = "ebok_test_bot";
pub const BOT_FIRST_NAME: &str = "e-BOK";

/// The fake server. Cheap to clone (shared state); serves until the tokio runtime ends.
#[derive(Clone)]
pub struct FakeTelegram {
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
    url: Arc<String>,
}

impl FakeTelegram {
    /// Binds 127.0.0.1:0 and serves in a background task of the current runtime.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!("http://{}/", listener.local_addr().expect("local addr"));
        let fake = FakeTelegram {
            inner: Arc::new(Mutex::new(Inner::default())),
            changed: Arc::new(Notify::new()),
            url: Arc::new(url),
        };
        let app = server::router(fake.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake telegram server")
        });
        fake
    }

    /// Base URL, e.g. `http://127.0.0.1:41234/` — teloxide appends `bot<token>/<Method>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// [`FakeTelegram::url`] parsed, for `Bot::set_api_url(fake.api_url())`.
    pub fn api_url(&self) -> url::Url {
        self.url.parse().expect("valid url")
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn notify(&self) {
        self.changed.notify_waiters();
    }

    /// Counts a request in `stats()` when it arrives (a long poll is counted while it waits).
    pub(crate) fn count(&self, method: &str) {
        *self.lock().stats.entry(method.to_string()).or_default() += 1;
        self.notify();
    }

    pub(crate) fn record(
        &self,
        method: String,
        params: Map<String, Value>,
        files: Vec<UploadedFile>,
        result: Result<Value, ApiError>,
    ) {
        let mut i = self.lock();
        // successful polls are noise; failed ones (409…) are kept
        if method != "getUpdates" || result.is_err() {
            i.calls.push(Call {
                method,
                params,
                files,
                result,
                at: std::time::Instant::now(),
            });
        }
        drop(i);
        self.notify();
    }

    pub(crate) async fn dispatch(
        &self,
        m: &str,
        p: &Params,
        files: &[UploadedFile],
    ) -> Result<Value, ApiError> {
        if let Some(e) = self.lock().take_injected(m) {
            return Err(e);
        }
        if m != "getupdates"
            && let Ok(chat) = p.chat_id()
            && let Some(e) = self.lock().failing_chats.get(&chat).cloned()
        {
            return Err(e);
        }
        if m == "getupdates" {
            return self.get_updates(p).await;
        }
        let mut i = self.lock();
        let r = methods::call(&mut i, m, p, files);
        drop(i);
        r
    }

    // ---- test controls ---------------------------------------------------------------

    /// The next call of `method` (case-insensitive; `"*"` = any method but getUpdates) fails
    /// with `code`/`description` (+ `parameters.retry_after`). Queued failures are used in order.
    /// E.g. `fail_next("sendMessage", 429, "Too Many Requests: retry after 2", Some(2))` or
    /// `fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", None)`.
    pub fn fail_next(&self, method: &str, code: u16, description: &str, retry_after: Option<u32>) {
        let err = ApiError {
            code,
            description: description.into(),
            retry_after,
        };
        self.lock().inject.push(Injected {
            method: method.to_ascii_lowercase(),
            err,
        });
    }

    /// From now on every call for `chat_id` fails with `code`/`description` (+
    /// `retry_after`) until [`FakeTelegram::heal_chat`]: trouble that does not pass.
    pub fn fail_chat(&self, chat_id: i64, code: u16, description: &str, retry_after: Option<u32>) {
        let err = ApiError {
            code,
            description: description.into(),
            retry_after,
        };
        self.lock().failing_chats.insert(chat_id, err);
    }

    pub fn heal_chat(&self, chat_id: i64) {
        self.lock().failing_chats.remove(&chat_id);
    }

    /// The next call of `method` (case-insensitive) is carried out at once — a message is
    /// in the chat, a callback answered — but its answer is held for `pause` before it goes
    /// back (a slow network): a bot killed meanwhile never learns that Telegram took it.
    pub fn stall_next_answer(&self, method: &str, pause: std::time::Duration) {
        self.lock().stall.push((method.to_ascii_lowercase(), pause));
    }

    /// How long after the press a callback query can be answered (Telegram: about 15 s,
    /// [`CALLBACK_TIMEOUT`], the default); `None`: any time (still only once).
    pub fn set_callback_timeout(&self, timeout: Option<std::time::Duration>) {
        self.lock().callback_timeout = timeout;
    }

    /// Flood control: at most `n` sends/edits per chat per second, then 429 with
    /// `retry_after: 1`. `None` (the default) turns it off.
    pub fn set_rate_limit(&self, per_chat_per_second: Option<u32>) {
        let mut i = self.lock();
        i.rate_limit = per_chat_per_second;
        i.recent_sends.clear();
    }

    /// Enforces Telegram's flood limits as modelled in `limits.rs` (e.g.
    /// `Limits::telegram().scaled(10.0)`); `None` (the default) turns them off. Counters
    /// start again.
    pub fn enforce_limits(&self, limits: Option<Limits>) {
        self.lock().limits = limits.map(limits::Model::new);
    }

    /// What the limits saw: messages refused for breaking one (429), messages taken.
    pub fn limit_stats(&self) -> LimitStats {
        self.lock()
            .limits
            .as_ref()
            .map(|m| m.stats())
            .unwrap_or(LimitStats {
                violations: 0,
                accepted: 0,
                span_seconds: 0.0,
                first: None,
            })
    }

    /// From now on every call for `chat_id` answers 403 "Forbidden: bot was blocked by the user".
    pub fn block_user(&self, chat_id: i64) {
        self.lock().blocked.insert(chat_id);
    }

    pub fn unblock_user(&self, chat_id: i64) {
        self.lock().blocked.remove(&chat_id);
    }

    /// Makes a private chat known without an update (Telegram answers "chat not found" for users
    /// who never wrote to the bot).
    pub fn add_chat(&self, user: impl Into<TgUser>) {
        let u = user.into();
        let mut i = self.lock();
        i.chats.insert(u.id, u.private_chat());
        i.users.insert(u.id, u);
    }

    /// `false` = any chat id is accepted (default `true`: only chats that wrote to the bot).
    pub fn set_require_known_chat(&self, on: bool) {
        self.lock().require_known_chat = on;
    }

    /// The next pushed update gets id `first` (and on from there): a bot whose database
    /// remembers the updates of an earlier run, as Telegram's ids never go back.
    pub fn start_update_ids_at(&self, first: i64) {
        self.lock().next_update_id = first;
    }
}
