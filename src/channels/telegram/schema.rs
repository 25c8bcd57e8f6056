//! The dispatch tree: private text → the core; a pressed button → its command; anything
//! else (groups, stickers, photos, voice, edits) gets a polite answer; a user blocking or
//! unblocking the bot is noted. Each handler
//! answers the user itself; errors only go to the log.

use super::answer::Source;
use super::buttons::{Press, data_on};
use super::{Telegram, lang_hint};
use crate::core::dialogue::Dialogue;
use std::sync::Arc;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{ChatId, ChatMemberUpdated};

type Shared = Arc<Telegram>;

pub fn schema() -> UpdateHandler<anyhow::Error> {
    let messages = Update::filter_message()
        .branch(dptree::filter(|m: Message| !m.chat.is_private()).endpoint(not_private))
        .branch(Message::filter_text().endpoint(on_text))
        .branch(dptree::endpoint(not_text));
    dptree::entry()
        .branch(messages)
        .branch(Update::filter_edited_message().endpoint(on_edited))
        .branch(Update::filter_callback_query().endpoint(on_button))
        .branch(Update::filter_my_chat_member().endpoint(on_membership))
}

fn hint(msg: &Message) -> Option<crate::domain::lang::Lang> {
    lang_hint(msg.from.as_ref().and_then(|u| u.language_code.as_deref()))
}

async fn on_text(tg: Shared, msg: Message, text: String) -> anyhow::Result<()> {
    let text = telegram_command(&text);
    tg.answer(msg.chat.id, hint(&msg), &text, Source::Typed(msg.id))
        .await
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

async fn not_private(tg: Shared, msg: Message) -> anyhow::Result<()> {
    let lang = tg.chat_lang(msg.chat.id, hint(&msg)).await;
    let text = tg.text(lang, "tg_private_only");
    tg.sender.send_html(msg.chat.id, &text, None).await?;
    Ok(())
}

async fn not_text(tg: Shared, msg: Message) -> anyhow::Result<()> {
    let lang = tg.chat_lang(msg.chat.id, hint(&msg)).await;
    let text = tg.text(lang, "tg_not_text");
    tg.sender.send_html(msg.chat.id, &text, None).await?;
    Ok(())
}

/// An edited message is not run again (it may be an old command or hold a password).
async fn on_edited(tg: Shared, msg: Message) -> anyhow::Result<()> {
    let lang = tg.chat_lang(msg.chat.id, hint(&msg)).await;
    let template = if msg.chat.is_private() {
        "tg_edited"
    } else {
        "tg_private_only"
    };
    tg.sender
        .send_html(msg.chat.id, &tg.text(lang, template), None)
        .await?;
    Ok(())
}

/// Telegram tells the bot when a user blocks (or unblocks) it: nothing is sent to a
/// blocked chat, not even a notification.
async fn on_membership(tg: Shared, change: ChatMemberUpdated) -> anyhow::Result<()> {
    if change.chat.is_private() {
        let gone = change.new_chat_member.is_banned() || change.new_chat_member.is_left();
        tg.app
            .store
            .set_chat_blocked(super::CHANNEL, &change.chat.id.0.to_string(), gone)
            .await?;
    }
    Ok(())
}

/// A pressed button. The session is the user's: the reply goes to their private chat, and
/// edits the pressed message only when that message is in it.
async fn on_button(tg: Shared, q: CallbackQuery) -> anyhow::Result<()> {
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
    let Some(command) = command else {
        let lang = tg.chat_lang(user, hint).await;
        let notice = tg.plain(lang, "tg_button_stale");
        tg.sender.answer_callback(user, q.id, Some(notice)).await?;
        return Ok(());
    };
    if tg.buttons.double_tap(user.0, message_id, &data) {
        tg.sender.answer_callback(user, q.id, None).await?;
        return Ok(());
    }
    // A button is never taken as a password the dialogue waits for.
    if awaits_secret(&tg, user).await {
        let lang = tg.chat_lang(user, hint).await;
        let notice = tg.plain(lang, "tg_button_during_password");
        tg.sender.answer_callback(user, q.id, Some(notice)).await?;
        return Ok(());
    }
    tg.sender.answer_callback(user, q.id, None).await?;
    let source = Source::Pressed(pressed);
    tg.answer(user, hint, &command, source).await
}

async fn awaits_secret(tg: &Telegram, chat: ChatId) -> bool {
    let chat = tg
        .app
        .store
        .chat(super::CHANNEL, &chat.0.to_string())
        .await
        .ok()
        .flatten();
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
