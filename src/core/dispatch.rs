//! The router: every input of every front end goes through [`Core::handle`]. It loads
//! the chat, checks the session, and then either answers the open dialogue (an
//! exhaustive match over [`Dialogue`]) or parses the line once and applies the rules
//! said only here: staff commands do not exist for others, login required (with the
//! chat's accounts to choose from), a temporary password is changed first, email's
//! one-click notifications-off works without a login. Then it runs the group's handler
//! with what the group guarantees (the account, the customer, the staff account).

use super::command::{self, AccountCommand, Command, Row};
use super::dialogue::Dialogue;
use super::notifications::{self, NotifyChange};
use super::{
    Channel, Core, Ctx, CustomerSession, IncomingFile, Lang, Origin, auth, chat_accounts,
    password_change, views,
};
use crate::domain::model::{Customer, Role};
use crate::domain::reply::{Expect, Reply, View};
use crate::store::{Account, ChatRow};
use serde_json::json;

/// A session's last-seen time is refreshed at most this often.
const SESSION_TOUCH_SECONDS: i64 = 10;

/// The metric's name of an input that is no command (a dialogue's answer, an unknown
/// word): never the input itself, which may be a password.
const OTHER: &str = "other";

impl Core {
    /// Handles one line of input (typed text or a pressed button's command).
    pub async fn handle(&self, origin: &Origin, text: &str) -> Reply {
        self.handle_with_files(origin, text, Vec::new()).await
    }

    /// [`Core::handle`] with files that came with the line (a photo and its caption, a
    /// mail's attachments): `Reply::files_taken` says whether a case took them.
    #[tracing::instrument(skip(self, text, files), fields(channel = origin.channel.as_str()))]
    pub async fn handle_with_files(
        &self,
        origin: &Origin,
        text: &str,
        files: Vec<IncomingFile>,
    ) -> Reply {
        let started = std::time::Instant::now();
        let mut name = OTHER;
        let reply = self.handle_timed(origin, (text, files), &mut name).await;
        let outcome = match reply.views.first().map(|v| v.template) {
            Some("unexpected_error") => "error",
            _ => "ok",
        };
        crate::metrics::get().command(origin.channel.as_str(), name, outcome, started.elapsed());
        reply
    }

    async fn handle_timed(
        &self,
        origin: &Origin,
        (text, files): (&str, Vec<IncomingFile>),
        name: &mut &'static str,
    ) -> Reply {
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
            .handle_in_chat(origin, chat, (account, customer), lang, (text, files, name))
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
        (text, files, name): (&str, Vec<IncomingFile>, &mut &'static str),
    ) -> anyhow::Result<Reply> {
        let had_session = chat.as_ref().and_then(|c| c.account_id);
        let expired = self
            .session_account(origin, chat.as_ref(), &account)
            .await?;
        let account = if expired.is_some() { None } else { account };
        let dialogue = match (&expired, &chat) {
            (None, Some(c)) => Dialogue::from_json(&c.state),
            _ => Dialogue::default(),
        };
        let mut ctx = Ctx {
            core: self,
            origin,
            lang,
            account,
            customer,
            sessions: chat.as_ref().map_or(0, |c| c.sessions),
            defs: command::DEFS,
            files,
            files_taken: false,
        };
        let mut reply = match expired {
            Some(identifier) => session_expired(&mut ctx, identifier).await?,
            None => answer(&mut ctx, dialogue, text, name).await?,
        };
        // Files nothing took (no case dialogue, no `sprawa <nr> dopisz`): say how to add
        // them to a case, rather than dropping them silently.
        if !ctx.files.is_empty() && !ctx.files_taken {
            if reply.template_names() == ["empty"] {
                reply.views.clear();
            }
            reply.views.push(View::bare("case_file_unused"));
        }
        if let Some(header) = chat_accounts::header(&ctx, &reply).await? {
            reply.views.insert(0, header);
        }
        // Handlers keep `ctx.account` in step with the session (login, logout, closing).
        reply.session_changed = had_session != ctx.account.as_ref().map(|a| a.id);
        reply.staff = ctx.account.as_ref().is_some_and(|a| a.role == Role::Staff);
        reply.logged_in_as = ctx.account.map(|a| a.identifier);
        reply.files_taken = ctx.files_taken;
        Ok(reply)
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
}

/// The current account's session just expired: with no other account open, ask to
/// log in again (as always); with others open, say which one expired and let the
/// user choose (the command typed is not run as another account).
async fn session_expired(ctx: &mut Ctx<'_>, identifier: String) -> anyhow::Result<Reply> {
    let open = chat_accounts::live(ctx).await?;
    if !open.is_empty() {
        let mut r = Reply::new(
            ctx.lang,
            View::new(
                "session_expired_account",
                json!({ "identifier": identifier }),
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
    ctx.set_step(&auth::LoginStep::LoginIdentifier).await?;
    Ok(r)
}

/// The input goes to the open dialogue, unless it is `anuluj`/`cancel`; with none open
/// it is a command line.
async fn answer(
    ctx: &mut Ctx<'_>,
    dialogue: Dialogue,
    text: &str,
    name: &mut &'static str,
) -> anyhow::Result<Reply> {
    let dialogue = if is_cancel(text) {
        Dialogue::default()
    } else {
        dialogue
    };
    let secret = dialogue.expects_secret();
    let Some(reply) = dialogue.answer(ctx, text).await else {
        return run_line(ctx, text, name).await;
    };
    let mut reply = reply?;
    reply.input_was_secret |= secret;
    Ok(reply)
}

fn is_cancel(text: &str) -> bool {
    matches!(command::split_command(text), Some((w, rest)) if rest.is_empty() && (w == "cancel" || w == "anuluj"))
}

/// Parses one command line (once) and runs it under the rules of its group.
async fn run_line(ctx: &mut Ctx<'_>, text: &str, name: &mut &'static str) -> anyhow::Result<Reply> {
    let Some((word, rest)) = command::split_command(text) else {
        return Ok(Reply::new(ctx.lang, View::bare("empty")));
    };
    let is_staff = ctx.account.as_ref().is_some_and(|a| a.role == Role::Staff);
    // Staff commands do not exist for anyone else, whatever their arguments.
    let Some(row) = command::row(&word).filter(|r| is_staff || !r.def.staff()) else {
        return Ok(unknown(ctx.lang, &word));
    };
    let args = command::args(text, rest);
    let command = match (row.parse)(&args) {
        Ok(command) => command,
        Err(_) => return Ok(bad_arguments(ctx.lang, row, &args, name)),
    };
    *name = command.def().id();
    // Email's one-click notifications-off: from the address on file, without a login.
    if ctx.account.is_none()
        && ctx.origin.channel == Channel::Email
        && let Command::Account(AccountCommand::Notifications(n)) = &command
        && let NotifyChange::Off(kind) = n.change
    {
        return notifications::off_by_address(ctx, kind).await;
    }
    if let Some(refusal) = admission(ctx, &command).await? {
        return Ok(refusal);
    }
    run(ctx, command).await
}

/// The rules before a handler runs: login required (offering the chat's other open
/// accounts), and a temporary password that must be changed first.
async fn admission(ctx: &mut Ctx<'_>, command: &Command) -> anyhow::Result<Option<Reply>> {
    let def = command.def();
    let needs_current = match command {
        Command::Public(_) => false,
        Command::Sessions(c) => c.needs_current(),
        Command::Account(_) | Command::Customer(_) | Command::Staff(_) => true,
    };
    let Some(account) = &ctx.account else {
        if !needs_current {
            return Ok(None);
        }
        if ctx.sessions > 0 {
            let open = chat_accounts::live(ctx).await?;
            if !open.is_empty() {
                return chat_accounts::choose(ctx, &open).await.map(Some);
            }
        }
        return Ok(Some(Reply::new(ctx.lang, View::bare("login_required"))));
    };
    if account.must_change && !def.before_password_change {
        return password_change::force_change(ctx).await.map(Some);
    }
    Ok(None)
}

/// Runs the command's handler with what its group guarantees.
async fn run(ctx: &mut Ctx<'_>, command: Command) -> anyhow::Result<Reply> {
    let account = ctx.account.clone();
    match (command, account) {
        (Command::Public(c), _) => c.run(ctx).await,
        (Command::Sessions(c), _) => c.run(ctx).await,
        (Command::Account(c), Some(account)) => c.run(ctx, &account).await,
        (Command::Customer(c), Some(account)) => {
            let Some(customer) = ctx.customer().await? else {
                return Ok(Reply::new(ctx.lang, View::bare("no_customer_data")));
            };
            c.run(ctx, &CustomerSession { account, customer }).await
        }
        (Command::Staff(c), Some(account)) if account.role == Role::Staff => {
            c.run(ctx, &account).await
        }
        // Admission let none of these through; said rather than assumed.
        (Command::Account(_) | Command::Customer(_), None) => {
            Ok(Reply::new(ctx.lang, View::bare("login_required")))
        }
        (Command::Staff(c), _) => Ok(unknown(ctx.lang, Command::Staff(c).def().id())),
    }
}

/// What a word that names no command (or a staff command, for others) gets.
fn unknown(lang: Lang, word: &str) -> Reply {
    Reply::new(lang, View::new("unknown_command", json!({ "word": word })))
}

/// Arguments that do not fit: what the command offers instead, or its usage.
fn bad_arguments(
    lang: Lang,
    row: &Row,
    args: &command::Args<'_>,
    name: &mut &'static str,
) -> Reply {
    *name = row.def.id();
    (row.usage)(lang, args).unwrap_or_else(|| views::bad_arguments(lang, row.def))
}
