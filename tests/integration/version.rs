//! `wersja` / `version`: what the chat is talking to — the release, the day the billing
//! data was last imported (a failed run does not count) and the interest tables'
//! confirmed date with their source; in the console and in the bot, in both languages.

use crate::helpers::{TestApp, backends};
use crate::telegram_support::Bot;
use ebok::domain::calendar::TZ;

/// The Warsaw day of the last successful import run, as the replies print it.
async fn last_import_day(t: &TestApp) -> String {
    let run = t.app.store.import_stats().await.unwrap().last_ok.unwrap();
    run.finished_at
        .with_timezone(&TZ)
        .format("%d.%m.%Y")
        .to_string()
}

#[tokio::test]
async fn version_shows_the_release_the_last_import_and_the_interest_tables() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let chat = t.console("wersja");
        let before = chat.say("wersja").await;
        let release = env!("CARGO_PKG_VERSION");
        assert!(before.contains(&format!("wersja {release}")), "{before}");
        assert!(
            before.contains("Dane rozliczeniowe zaimportowane: jeszcze ani razu."),
            "{before}"
        );
        assert!(
            before.contains("Tabele odsetek potwierdzone 06.05.2026 (z konfiguracji)."),
            "{before}"
        );

        // What `ebok import` records when it ends; a later failed run does not count.
        t.app
            .store
            .record_import_run(chrono::Utc::now(), true, 120, 0.4)
            .await
            .unwrap();
        let day = last_import_day(&t).await;
        t.app
            .store
            .record_import_run(chrono::Utc::now(), false, 3, 0.1)
            .await
            .unwrap();
        let after = chat.say("/WERSJA").await;
        assert!(
            after.contains(&format!("Dane rozliczeniowe zaimportowane: {day}.")),
            "{after}"
        );

        chat.say("jezyk en").await;
        let english = chat.say("version").await;
        assert!(english.contains(&format!("version {release}")), "{english}");
        assert!(
            english.contains(&format!("Billing data imported: {day}.")),
            "{english}"
        );
        assert!(
            english.contains("Interest tables confirmed on 06.05.2026 (from the configuration)."),
            "{english}"
        );
        let usage = chat.say("wersja teraz").await;
        assert!(usage.contains("Invalid command. Usage: version"), "{usage}");
    }
}

#[tokio::test]
async fn the_bot_answers_version_and_lists_it_in_its_menu() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let pl = bot.fake.my_commands(None).unwrap();
        assert!(
            pl.iter()
                .any(|(c, d)| c == "wersja" && d.contains("import")),
            "{pl:?}"
        );
        let en = bot.fake.my_commands(Some("en")).unwrap();
        assert!(en.iter().any(|(c, _)| c == "version"), "{en:?}");
        let release = format!("wersja {}", env!("CARGO_PKG_VERSION"));
        let reply = bot
            .say(1901, "/wersja", |m| m.visible().contains(&release))
            .await;
        assert!(
            reply
                .visible()
                .contains("Tabele odsetek potwierdzone 06.05.2026"),
            "{}",
            reply.visible()
        );
        let help = bot
            .say(1901, "/pomoc", |m| m.visible().contains("Polecenia e-BOK"))
            .await;
        assert!(help.visible().contains("wersja"), "{}", help.visible());
        bot.assert_no_errors();
    }
}
