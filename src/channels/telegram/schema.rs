//! What an update asks for: private text → the core; a pressed button → its command;
//! anything else (groups, stickers, photos, voice, edits) gets a polite answer; a user
//! blocking or unblocking the bot is noted. [`decide`] returns the reply as [`Step`]s (and
//! the chat they go to) and sends nothing, but for the answer that stops a pressed button's spinner before its
//! command runs: the caller stores the steps, then sends them ([`super::journal`]).

use super::answer::Source;
use super::bot::{CHANNEL, Telegram, lang_hint};
use super::buttons::{Press, data_on};
use super::files::file_of;
use super::steps::{Outgoing, Step};
use crate::core::dialogue::Dialogue;
use teloxide::prelude::*;
use teloxide::types::{ChatId, ChatMemberUpdated, UpdateKind};

/// The reply to `update`, decided (the core run when it is a command).
pub async fn decide(tg: &Telegram, update: Update) -> anyhow::Result<Outgoing> {
    match update.kind {
        UpdateKind::Message(msg) if !msg.chat.is_private() => {
            Ok(notice(tg, &msg, "tg_private_only").await)
        }
        UpdateKind::Message(msg) => match msg.text() {
            Some(text) => {
                let text = telegram_command(text);
                let source = Source::Typed(msg.id);
                let steps = tg
                    .answer(msg.chat.id, hint(&msg), (&text, Vec::new()), source)
                    .await?;
                Ok(Outgoing::new(msg.chat.id, steps))
            }
            None => match file_of(&msg) {
                Some((id, name)) => on_file(tg, &msg, id, name).await,
                None => Ok(notice(tg, &msg, "tg_not_text").await),
            },
        },
        // An edited message is not run again (it may be an old command or hold a password).
        UpdateKind::EditedMessage(msg) => {
            let template = if msg.chat.is_private() {
                "tg_edited"
            } else {
                "tg_private_only"
            };
            Ok(notice(tg, &msg, template).await)
        }
        UpdateKind::CallbackQuery(q) => on_button(tg, q).await,
        UpdateKind::MyChatMember(change) => {
            on_membership(tg, change).await?;
            Ok(Outgoing::none())
        }
        _ => {
            tracing::debug!(update = update.id.0, "an update with no handler");
            Ok(Outgoing::none())
        }
    }
}

/// A photo or a document, with its caption as the line: a case may take it (the filing
/// dialogue after the description, `sprawa <nr> dopisz` as the caption); nothing else
/// does, and the user is told.
async fn on_file(
    tg: &Telegram,
    msg: &Message,
    id: teloxide::types::FileId,
    name: String,
) -> anyhow::Result<Outgoing> {
    let file = match tg.download(id, name).await {
        Ok(file) => file,
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "a file sent to the bot could not be fetched"
            );
            return Ok(notice(tg, msg, "tg_file_failed").await);
        }
    };
    let caption = telegram_command(msg.caption().unwrap_or(""));
    let source = Source::Typed(msg.id);
    let steps = tg
        .answer(msg.chat.id, hint(msg), (&caption, vec![file]), source)
        .await?;
    Ok(Outgoing::new(msg.chat.id, steps))
}

fn hint(msg: &Message) -> Option<crate::domain::lang::Lang> {
    lang_hint(msg.from.as_ref().and_then(|u| u.language_code.as_deref()))
}

/// Telegram command names cannot contain `-`: the menu lists `/nowe_haslo` for the core's
/// `nowe-haslo`.
fn telegram_command(text: &str) -> String {
    match text.strip_prefix('/') {
        Some(rest) => {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            format!("/{}{}", rest[..end].replace('_', "-"), &rest[end..])
        }
        None => text.to_string(),
    }
}

/// One of the front end's own texts, in the chat's language, as the reply to `msg`.
async fn notice(tg: &Telegram, msg: &Message, template: &'static str) -> Outgoing {
    let lang = tg.chat_lang(msg.chat.id, hint(msg)).await;
    let step = Step::Send {
        html: tg.text(lang, template),
        keyboard: None,
        view: None,
    };
    Outgoing::new(msg.chat.id, vec![step])
}

/// Telegram tells the bot when a user blocks (or unblocks) it: nothing is sent to a
/// blocked chat, not even a notification.
async fn on_membership(tg: &Telegram, change: ChatMemberUpdated) -> anyhow::Result<()> {
    if change.chat.is_private() {
        let gone = change.new_chat_member.is_banned() || change.new_chat_member.is_left();
        tg.app
            .store
            .set_chat_blocked(CHANNEL, &change.chat.id.0.to_string(), gone)
            .await?;
    }
    Ok(())
}

/// A pressed button. The session is the user's: the reply goes to their private chat, and
/// edits the pressed message only when that message is in it. The press is answered
/// first (its spinner stops while the command runs); Telegram refusing that answer — a
/// press delivered again after a crash was answered already — never stops the command.
async fn on_button(tg: &Telegram, q: CallbackQuery) -> anyhow::Result<Outgoing> {
    let user = ChatId(q.from.id.0 as i64);
    let hint = lang_hint(q.from.language_code.as_deref());
    let data = q.data.clone().unwrap_or_default();
    let pressed = q
        .regular_message()
        .filter(|m| m.chat.id == user)
        .map(|m| m.id);
    let message_id = q.message.as_ref().map(|m| m.id().0).unwrap_or(0);
    // Still on the message? (An edit since then replaced the keyboard: a stale tap.)
    let on_message = match q.regular_message() {
        Some(m) => m
            .reply_markup()
            .is_some_and(|k| data_on(k).any(|d| d == data)),
        None => true,
    };
    let command = match tg.buttons.decode(&data) {
        Press::Run(command) if on_message => Some(command),
        _ => None,
    };
    let query = q.id.0.clone();
    let answer = |template: &'static str| async move {
        let lang = tg.chat_lang(user, hint).await;
        let step = Step::AnswerCallback {
            query,
            notice: tg.plain(lang, template),
        };
        Outgoing::new(user, vec![step])
    };
    let Some(command) = command else {
        return Ok(answer("tg_button_stale").await);
    };
    if tg.buttons.double_tap(user.0, message_id, &data, &q.id.0) {
        tg.answer_press(user, q.id.clone(), None).await;
        return Ok(Outgoing::none());
    }
    // A button is never taken as a password the dialogue waits for.
    if awaits_secret(tg, user).await {
        return Ok(answer("tg_button_during_password").await);
    }
    tg.answer_press(user, q.id.clone(), None).await;
    let steps = tg
        .answer(user, hint, (&command, Vec::new()), Source::Pressed(pressed))
        .await?;
    Ok(Outgoing::new(user, steps))
}

async fn awaits_secret(tg: &Telegram, chat: ChatId) -> bool {
    let chat = tg.stored_chat(chat).await;
    chat.is_some_and(|c| Dialogue::from_json(&c.state).expects_secret())
}

#[cfg(test)]
mod tests {
    use super::telegram_command;

    #[test]
    fn menu_underscores_become_the_core_hyphens() {
        assert_eq!(telegram_command("/nowe_haslo K1"), "/nowe-haslo K1");
        assert_eq!(telegram_command("/saldo"), "/saldo");
        assert_eq!(telegram_command("zaloguj a_b c_d"), "zaloguj a_b c_d");
        assert_eq!(telegram_command("/login a_b c_d"), "/login a_b c_d");
    }
}
