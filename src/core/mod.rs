//! The command core every front end calls: text in, [`Reply`] out.
//!
//! `handle` loads the chat (session and dialogue), checks the session's timeouts,
//! feeds dialogue input or parses a command, enforces login and the first-login
//! password change, runs the handler and turns errors into a reply.

pub mod command;
mod common_passwords;
pub mod dialogue;
pub mod hash_pool;
pub mod password;

pub mod accounts;
mod auth;
mod chat_accounts;
mod views;

mod consents;
mod limits;
mod owner_notice;
pub mod registration;
mod reset;
pub mod staff;
mod staff_notice;

mod announce;
pub mod decisions;
mod menu;
mod notifications;
mod registration_steps;

pub use crate::domain::reply::{Action, Attachment, Expect, Reply, View};
pub use command::{COMMANDS, Command, Lang, NotifyChange, ParseError, PayTarget, Secret, parse};

use crate::config::Settings;
use crate::domain::model::Customer;
use crate::domain::model::Role;
use crate::store::{Account, ChatRow, Store};
use dialogue::Dialogue;
use std::sync::Arc;

/// A session's last-seen time is refreshed at most this often.
const SESSION_TOUCH_SECONDS: i64 = 10;

/// Where an input came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Console,
    Telegram,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Console => "console",
            Channel::Telegram => "telegram",
            Channel::Email => "email",
        }
    }
}

/// A chat: the channel and the identity of the sender within it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub channel: Channel,
    /// Telegram chat id, email address (lower case), or a console name.
    pub source: String,
    /// The language the client suggests (Telegram's language_code), if any.
    pub lang_hint: Option<Lang>,
}

impl Origin {
    pub fn new(channel: Channel, source: impl Into<String>) -> Origin {
        Origin {
            channel,
            source: source.into(),
            lang_hint: None,
        }
    }
}

/// The core, cheap to clone and shared by all front ends.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    settings: Arc<Settings>,
    /// Hash verified when the identifier is unknown, so timing reveals nothing.
    dummy_hash: String,
    /// A fixed "today" for reproducible output (tests, screenshots); `None`: the clock.
    frozen_today: std::sync::RwLock<Option<chrono::NaiveDate>>,
    /// "Now" for notices (quiet hours): the system clock, which tests set and move.
    clock: crate::domain::clock::Clock,
    /// Templates for text the core puts in files (the calendar's events), built on
    /// first use with the configured overrides.
    renderer: std::sync::OnceLock<Arc<crate::render::Renderer>>,
}

/// Everything a handler needs about the current input.
pub(crate) struct Ctx<'a> {
    pub core: &'a Core,
    pub origin: &'a Origin,
    pub lang: Lang,
    pub account: Option<Account>,
    /// The session's customer as read with it (see [`Ctx::customer`]).
    pub customer: Option<Customer>,
    pub dialogue: Dialogue,
    /// Sessions open in the chat when the input arrived (the current one included).
    pub sessions: i64,
}

impl Ctx<'_> {
    /// The logged-in account's customer: the one read with the session when it is still
    /// that account's (a login in this input may have changed the account), else read now.
    pub async fn customer(&self) -> anyhow::Result<Option<Customer>> {
        let Some(id) = self.account.as_ref().and_then(|a| a.customer_id) else {
            return Ok(None);
        };
        match &self.customer {
            Some(c) if c.id == id => Ok(Some(c.clone())),
            _ => self.core.store().customer(id).await,
        }
    }
}

impl Core {
    /// The calendar file a subscription token (`kalendarz link`) gives, with the current
    /// data, in the account's language; `None` for an unknown or revoked token and for an
    /// account that is closed, locked or has no customer.
    pub async fn calendar_by_link(&self, token: &str) -> anyhow::Result<Option<String>> {
        let store = self.store();
        let hash = crate::ics::token_hash(token);
        let Some(id) = store.calendar_link_account(&hash).await? else {
            return Ok(None);
        };
        let Some(account) = store.account(id).await?.filter(|a| !a.closed && !a.locked) else {
            return Ok(None);
        };
        let Some(customer_id) = account.customer_id else {
            return Ok(None);
        };
        let Some(customer) = store.customer(customer_id).await? else {
            return Ok(None);
        };
        let lang = Lang::parse(&account.lang).unwrap_or(Lang::Pl);
        let (body, _) = views::ics::calendar_ics(self, customer.id, &customer.number, lang).await?;
        Ok(Some(body))
    }

    pub async fn new(store: Store, settings: Arc<Settings>) -> anyhow::Result<Core> {
        let dummy_hash = password::hash(password::temporary()).await?;
        let clock = match &settings.app.test_clock_file {
            Some(path) => crate::domain::clock::Clock::from_file(path),
            None => crate::domain::clock::Clock::default(),
        };
        Ok(Core {
            inner: Arc::new(Inner {
                store,
                settings,
                dummy_hash,
                frozen_today: std::sync::RwLock::new(None),
                clock,
                renderer: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The utility's local date (Europe/Warsaw) by the core's clock, unless frozen with [`Core::freeze_today`].
    pub fn today(&self) -> chrono::NaiveDate {
        let frozen = self.inner.frozen_today.read().map(|d| *d).unwrap_or(None);
        frozen.unwrap_or_else(|| {
            let now = self.inner.clock.now();
            now.with_timezone(&crate::domain::calendar::TZ).date_naive()
        })
    }

    /// Fixes "today" for every clone of this core: reproducible interest and calendars.
    pub fn freeze_today(&self, date: chrono::NaiveDate) {
        if let Ok(mut d) = self.inner.frozen_today.write() {
            *d = Some(date);
        }
    }

    /// The core's clock: the system's, unless a test set or moved it.
    pub fn clock(&self) -> &crate::domain::clock::Clock {
        &self.inner.clock
    }

    /// When notices written now may go (quiet hours of `[notifications]`).
    pub fn timing(&self) -> crate::domain::notice::Timing {
        crate::domain::notice::Timing::at(
            self.inner.clock.now(),
            self.settings().notifications.quiet_hours(),
        )
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The templates, for text that goes into files rather than replies.
    pub(crate) fn renderer(&self) -> anyhow::Result<Arc<crate::render::Renderer>> {
        if let Some(r) = self.inner.renderer.get() {
            return Ok(r.clone());
        }
        let dir = self.inner.settings.app.templates_dir.as_deref();
        let built = Arc::new(crate::render::Renderer::new(dir)?);
        Ok(self.inner.renderer.get_or_init(|| built).clone())
    }

    pub(crate) fn dummy_hash(&self) -> &str {
        &self.inner.dummy_hash
    }

    fn default_lang(&self) -> Lang {
        Lang::parse(&self.settings().app.default_language).unwrap_or(Lang::Pl)
    }

    /// Handles one line of input (typed text or a pressed button's command).
    #[tracing::instrument(skip(self, text), fields(channel = origin.channel.as_str()))]
    pub async fn handle(&self, origin: &Origin, text: &str) -> Reply {
        let started = std::time::Instant::now();
        let reply = self.handle_timed(origin, text).await;
        let outcome = match reply.views.first().map(|v| v.template) {
            Some("unexpected_error") => "error",
            _ => "ok",
        };
        crate::metrics::get().command(
            origin.channel.as_str(),
            metric_name(text),
            outcome,
            started.elapsed(),
        );
        reply
    }

    async fn handle_timed(&self, origin: &Origin, text: &str) -> Reply {
        let session = match self
            .store()
            .session(origin.channel.as_str(), &origin.source)
            .await
        {
            Ok(session) => session,
            Err(e) => return self.unexpected(self.default_lang(), e),
        };
        let (chat, account, customer) = session.map_or((None, None, None), |s| {
            (Some(s.chat), s.account, s.customer)
        });
        let lang = self.chat_lang(chat.as_ref(), origin);
        match self
            .handle_in_chat(origin, chat, (account, customer), lang, text)
            .await
        {
            Ok(reply) => reply,
            Err(e) => self.unexpected(lang, e),
        }
    }

    fn chat_lang(&self, chat: Option<&ChatRow>, origin: &Origin) -> Lang {
        chat.and_then(|c| c.lang.as_deref())
            .and_then(Lang::parse)
            .or(origin.lang_hint)
            .unwrap_or_else(|| self.default_lang())
    }

    async fn handle_in_chat(
        &self,
        origin: &Origin,
        chat: Option<ChatRow>,
        (account, customer): (Option<Account>, Option<Customer>),
        lang: Lang,
        text: &str,
    ) -> anyhow::Result<Reply> {
        let had_session = chat.as_ref().and_then(|c| c.account_id);
        let expired = self
            .session_account(origin, chat.as_ref(), &account)
            .await?;
        let account = if expired.is_some() { None } else { account };
        let dialogue = if expired.is_some() {
            Dialogue::Idle
        } else {
            chat.as_ref()
                .map(|c| Dialogue::from_json(&c.state))
                .unwrap_or_default()
        };
        let mut ctx = Ctx {
            core: self,
            origin,
            lang,
            account,
            customer,
            dialogue,
            sessions: chat.as_ref().map_or(0, |c| c.sessions),
        };
        let mut reply = if let Some(identifier) = expired {
            self.session_expired(&ctx, identifier).await?
        } else if registration_steps::applies(&ctx) && !is_cancel(text) {
            registration_steps::continue_dialogue(&mut ctx, text).await?
        } else if ctx.dialogue != Dialogue::Idle && !is_cancel(text) {
            auth::continue_dialogue(&mut ctx, text).await?
        } else {
            self.run_line(&mut ctx, text).await?
        };
        if let Some(header) = chat_accounts::header(&ctx, &reply).await? {
            reply.views.insert(0, header);
        }
        // Handlers keep `ctx.account` in step with the session (login, logout, closing).
        reply.session_changed = had_session != ctx.account.as_ref().map(|a| a.id);
        reply.staff = ctx.account.as_ref().is_some_and(|a| a.role == Role::Staff);
        reply.logged_in_as = ctx.account.map(|a| a.identifier);
        Ok(reply)
    }

    /// The current account's session just expired: with no other account open, ask to
    /// log in again (as always); with others open, say which one expired and let the
    /// user choose (the command typed is not run as another account).
    async fn session_expired(&self, ctx: &Ctx<'_>, identifier: String) -> anyhow::Result<Reply> {
        let open = chat_accounts::live(ctx).await?;
        if !open.is_empty() {
            let mut r = Reply::new(
                ctx.lang,
                View::new(
                    "session_expired_account",
                    serde_json::json!({ "identifier": identifier }),
                ),
            );
            let list = chat_accounts::choose(ctx, &open).await?;
            r.views.extend(list.views);
            r.actions = list.actions;
            return Ok(r);
        }
        let mut r = Reply::new(ctx.lang, View::bare("session_expired"));
        r.views.push(View::new("login_prompt_identifier", ()));
        r.expect = Expect::Text;
        self.set_dialogue(ctx.origin, &Dialogue::LoginIdentifier)
            .await?;
        Ok(r)
    }

    /// Checks the current account's session (read with the chat) against the idle and
    /// absolute timeouts and the account's state; ends it when it fails them and returns
    /// the account's identifier (empty when the account itself is gone).
    async fn session_account(
        &self,
        origin: &Origin,
        chat: Option<&ChatRow>,
        account: &Option<Account>,
    ) -> anyhow::Result<Option<String>> {
        let Some(chat) = chat else {
            return Ok(None);
        };
        let Some(account_id) = chat.account_id else {
            return Ok(None);
        };
        let account = account.as_ref().filter(|a| a.id == account_id);
        let usable = account.is_some_and(|a| !a.locked && !a.closed);
        let (ch, src) = (origin.channel.as_str(), origin.source.as_str());
        if !(usable && chat_accounts::alive(self, chat.session_started_at, chat.last_seen_at)) {
            self.store().end_session(ch, src, account_id).await?;
            return Ok(Some(
                account.map(|a| a.identifier.clone()).unwrap_or_default(),
            ));
        }
        // Refreshing costs a write per command; within a few seconds it changes nothing
        // that matters (the idle deadline moves by at most that much).
        let now = crate::store::now();
        let fresh = chat
            .last_seen_at
            .is_some_and(|t| now - t < chrono::Duration::seconds(SESSION_TOUCH_SECONDS));
        if !fresh && !self.store().touch_session(ch, src, account_id).await? {
            tracing::info!(
                channel = ch,
                "the session's last use was not noted: the database is busy with another writer (an import?); the command is answered all the same"
            );
        }
        Ok(None)
    }

    /// Parses and runs one command line.
    async fn run_line(&self, ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
        let is_staff = ctx.account.as_ref().is_some_and(|a| a.role == Role::Staff);
        // Staff commands do not exist for anyone else, whatever their arguments.
        if !is_staff && staff::is_staff_command(text) {
            return Ok(staff::unknown(ctx, text));
        }
        let command = match parse(text) {
            Ok(c) => c,
            Err(ParseError::Empty) => return Ok(Reply::new(ctx.lang, View::bare("empty"))),
            Err(ParseError::Unknown(word)) => {
                return Ok(Reply::new(
                    ctx.lang,
                    View::new("unknown_command", serde_json::json!({ "word": word })),
                ));
            }
            Err(ParseError::BadArguments { command }) => {
                if let Some(r) = (is_staff && command == "reject")
                    .then(|| decisions::choose_reason(ctx.lang, text))
                    .flatten()
                {
                    return Ok(r);
                }
                return Ok(views::bad_arguments(ctx.lang, command));
            }
        };
        let needs_login = command::lookup(command_name(&command)).is_some_and(|s| s.needs_login);
        if needs_login && ctx.account.is_none() {
            // Commands about the chat's accounts work while none is current.
            if matches!(
                command,
                Command::Accounts | Command::Account { .. } | Command::Logout { all: true }
            ) {
                return self.execute(ctx, command).await;
            }
            // Turning email notifications off works from the address on file without a
            // login (the one-click link of every notification mail).
            if ctx.origin.channel == Channel::Email
                && matches!(
                    command,
                    Command::Notifications {
                        change: command::NotifyChange::Off(_)
                    }
                )
            {
                return self.execute(ctx, command).await;
            }
            if ctx.sessions > 0 {
                let open = chat_accounts::live(ctx).await?;
                if !open.is_empty() {
                    return chat_accounts::choose(ctx, &open).await;
                }
            }
            return Ok(Reply::new(ctx.lang, View::bare("login_required")));
        }
        if let Some(account) = &ctx.account
            && account.must_change
            && !matches!(
                command,
                Command::Logout { .. }
                    | Command::Accounts
                    | Command::Account { .. }
                    | Command::Help
                    | Command::Language { .. }
                    | Command::Password { .. }
            )
        {
            return auth::force_change(ctx).await;
        }
        self.execute(ctx, command).await
    }

    async fn execute(&self, ctx: &mut Ctx<'_>, command: Command) -> anyhow::Result<Reply> {
        match command {
            Command::Start => Ok(menu::with_main_menu(ctx, views::start(ctx))),
            Command::Help => Ok(views::help(ctx)),
            Command::Login {
                identifier,
                password,
            } => auth::login(ctx, identifier, password).await,
            Command::Logout { all } => chat_accounts::logout(ctx, all).await,
            Command::Accounts => chat_accounts::list(ctx).await,
            Command::Account { which } => chat_accounts::switch(ctx, &which).await,
            Command::Password { old, new, repeat } => {
                auth::change_password(ctx, old, new, repeat).await
            }
            Command::Language { lang } => views::language(ctx, lang).await,
            Command::Cancel => {
                self.set_dialogue(ctx.origin, &Dialogue::Idle).await?;
                Ok(Reply::new(ctx.lang, View::bare("cancelled")))
            }
            Command::Messages => views::messages(ctx).await,
            Command::Contact => Ok(views::contact(ctx)),
            Command::Register { form } => registration_steps::start(ctx, form).await,
            Command::Regulations => Ok(consents::regulations(ctx)),
            Command::Reset { identifier } => reset::request(ctx, identifier).await,
            Command::Consents => consents::view(ctx).await,
            Command::Withdraw => consents::withdraw(ctx).await,
            Command::Notifications { change } => notifications::handle(ctx, change).await,
            staff_command @ (Command::Pending
            | Command::Approve { .. }
            | Command::Reject { .. }
            | Command::ResetPassword { .. }
            | Command::Lock { .. }
            | Command::Unlock { .. }
            | Command::Audit { .. }) => staff::execute(ctx, staff_command).await,
            Command::Announce { text } => announce::publish(ctx, &text).await,
            other => views::customer_view(ctx, other).await,
        }
    }

    pub(crate) async fn set_dialogue(
        &self,
        origin: &Origin,
        dialogue: &Dialogue,
    ) -> anyhow::Result<()> {
        self.store()
            .set_chat_state(origin.channel.as_str(), &origin.source, &dialogue.to_json())
            .await
    }

    fn unexpected(&self, lang: Lang, error: anyhow::Error) -> Reply {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        tracing::error!(error = format!("{error:#}"), %reference, "a command failed");
        Reply::new(
            lang,
            View::new(
                "unexpected_error",
                serde_json::json!({ "reference": reference }),
            ),
        )
    }
}

fn is_cancel(text: &str) -> bool {
    matches!(command::split_command(text), Some((w, rest)) if rest.is_empty() && (w == "cancel" || w == "anuluj"))
}

/// The command's name for the metrics: only names from the command table, never the
/// input itself (a dialogue's answer may be a password).
fn metric_name(text: &str) -> &'static str {
    match command::parse(text) {
        Ok(command) => command_name(&command),
        Err(command::ParseError::BadArguments { command }) => command,
        Err(_) => "other",
    }
}

/// The canonical (English) name of a parsed command.
pub fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Start => "start",
        Command::Help => "help",
        Command::Login { .. } => "login",
        Command::Logout { .. } => "logout",
        Command::Accounts => "accounts",
        Command::Account { .. } => "account",
        Command::Password { .. } => "password",
        Command::Balance => "balance",
        Command::Bills { .. } => "bills",
        Command::Bill { .. } => "bill",
        Command::Pdf { .. } => "pdf",
        Command::Pay { .. } => "pay",
        Command::Calendar { .. } | Command::CalendarFile | Command::CalendarLink { .. } => {
            "calendar"
        }
        Command::Collections => "collections",
        Command::Documents => "documents",
        Command::Document { .. } => "document",
        Command::Messages => "messages",
        Command::Contact => "contact",
        Command::Language { .. } => "language",
        Command::Cancel => "cancel",
        Command::Register { .. } => "register",
        Command::Regulations => "regulations",
        Command::Reset { .. } => "reset",
        Command::Consents => "consents",
        Command::Withdraw => "withdraw",
        Command::Notifications { .. } => "notifications",
        Command::Pending => "pending",
        Command::Approve { .. } => "approve",
        Command::Reject { .. } => "reject",
        Command::ResetPassword { .. } => "reset-password",
        Command::Lock { .. } => "lock",
        Command::Unlock { .. } => "unlock",
        Command::Audit { .. } => "audit",
        Command::Announce { .. } => "announce",
    }
}
