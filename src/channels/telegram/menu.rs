//! The command menu (setMyCommands), generated from the core's command table: Polish
//! names and descriptions by default, English ones for users whose Telegram is in English.
//! Staff commands are not listed: for everyone else they do not exist.

use super::Telegram;
use crate::core::{COMMANDS, Lang};
use teloxide::prelude::*;
use teloxide::types::BotCommand;

/// The menu in `lang`: Telegram allows `[a-z0-9_]{1,32}` names, so `-` becomes `_`
/// (turned back before the core sees it).
pub fn commands(lang: Lang) -> Vec<BotCommand> {
    COMMANDS
        .iter()
        .filter(|spec| !spec.staff)
        .map(|spec| {
            let name = spec.name(lang).replace('-', "_");
            let help = match lang {
                Lang::Pl => spec.help_pl,
                Lang::En => spec.help_en,
            };
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
}
