//! The command menu (setMyCommands), generated from the core's command table: Polish
//! names and descriptions by default, English ones for users whose Telegram is in English.
//! Staff commands are not in that menu: for everyone else they do not exist. A chat where
//! a staff member logs in gets its own menu with them (a chat-scoped setMyCommands, in
//! the staff member's language), removed again when the session ends there.

use super::bot::Telegram;
use crate::core::{DEFS, Lang};
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};

/// The menu in `lang`: Telegram allows `[a-z0-9_]{1,32}` names, so `-` becomes `_`
/// (turned back before the core sees it).
pub fn commands(lang: Lang) -> Vec<BotCommand> {
    menu(lang, false)
}

/// The menu of a chat where a staff member is logged in: everything, staff commands too.
pub fn staff_commands(lang: Lang) -> Vec<BotCommand> {
    menu(lang, true)
}

fn menu(lang: Lang, staff: bool) -> Vec<BotCommand> {
    DEFS.iter()
        .filter(|def| !def.hidden && (staff || !def.staff()))
        .map(|def| {
            let name = def.name(lang).replace('-', "_");
            let help = def.help.get(lang);
            let mut chars = help.chars();
            let description: String = chars
                .next()
                .into_iter()
                .flat_map(char::to_uppercase)
                .chain(chars)
                .take(256)
                .collect();
            BotCommand::new(name, description)
        })
        .filter(|c| {
            (1..=32).contains(&c.command.len())
                && c.command
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        })
        .collect()
}

/// Sets both menus; a failure is logged (the bot works without a menu).
pub(super) async fn register(tg: &Telegram) {
    let bot = tg.sender.bot();
    let polish = bot.set_my_commands(commands(Lang::Pl)).await;
    let english = bot
        .set_my_commands(commands(Lang::En))
        .language_code("en")
        .await;
    for result in [polish, english] {
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not set the Telegram command menu");
        }
    }
}

/// After a login or logout in `chat`: a staff session gets the staff menu there, any
/// other state the common one (the chat's own menu is deleted). A failure is logged.
pub(super) async fn follow_session(tg: &Telegram, chat: ChatId, staff: bool, lang: Lang) {
    let bot = tg.sender.bot();
    let scope = BotCommandScope::Chat {
        chat_id: Recipient::Id(chat),
    };
    let result = if staff {
        bot.set_my_commands(staff_commands(lang))
            .scope(scope)
            .await
            .map(|_| ())
    } else {
        bot.delete_my_commands().scope(scope).await.map(|_| ())
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, chat = chat.0, "could not change the chat's command menu");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menus_are_valid_and_leave_staff_out() {
        for lang in [Lang::Pl, Lang::En] {
            let list = commands(lang);
            assert!(list.len() >= 15, "{list:?}");
            assert!(list.iter().all(|c| !c.description.is_empty()));
            for staff in [
                "pending",
                "wnioski",
                "approve",
                "zatwierdz",
                "lock",
                "zablokuj",
            ] {
                assert!(list.iter().all(|c| c.command != staff), "{staff}");
            }
        }
        let pl: Vec<String> = commands(Lang::Pl).into_iter().map(|c| c.command).collect();
        assert!(pl.contains(&"saldo".to_string()) && pl.contains(&"nowe_haslo".to_string()));
        let en: Vec<String> = commands(Lang::En).into_iter().map(|c| c.command).collect();
        assert!(en.contains(&"balance".to_string()));
    }

    #[test]
    fn the_staff_menu_adds_the_staff_commands() {
        let pl: Vec<String> = staff_commands(Lang::Pl)
            .into_iter()
            .map(|c| c.command)
            .collect();
        for name in ["wnioski", "zatwierdz", "odrzuc", "zablokuj", "saldo"] {
            assert!(pl.contains(&name.to_string()), "{name}: {pl:?}");
        }
        assert!(pl.len() <= 100, "Telegram takes at most 100 commands");
        let en: Vec<String> = staff_commands(Lang::En)
            .into_iter()
            .map(|c| c.command)
            .collect();
        assert!(en.contains(&"pending".to_string()) && en.contains(&"approve".to_string()));
    }
}
