//! Several accounts in one chat (console; the core is the same for every front end):
//! each shows only its own data, switching, logging out of one or all, timeouts per
//! account, staff never mixed with customers, and the limit of accounts.

use crate::helpers::{Backend, TestApp, backends};
use crate::lifecycle::{exec, staff_on};
use crate::views::{example_app, login_customer};

const PASSWORD: &str = "Ciepła woda w kranie";
/// Zofia Wiśniewska: everything paid, her bills have PDFs.
const ZOFIA: &str = "K-00101";
const ZOFIA_PDF: &str = "FV/2025/01/000101";
/// Jan Kowalski: owes 934,30 zł for FV/2025/02/000102 (no PDF) and a 2,98 zł note.
const JAN: &str = "K-00102";
const JAN_BILL: &str = "FV/2025/02/000102";

/// Moves the clock of one account's session in every chat back: `column` is
/// `last_seen_at` or `started_at`.
async fn age_session(t: &TestApp, identifier: &str, column: &str, by: chrono::Duration) {
    let sql = format!(
        "UPDATE chat_sessions SET {column} = $1 WHERE account_id = \
         (SELECT id FROM accounts WHERE identifier = '{identifier}')"
    );
    exec(t, &sql, chrono::Utc::now() - by).await;
}

async fn two_in_one_chat(backend: &Backend) -> (TestApp, String, String) {
    let t = example_app(backend).await;
    let zofia = login_customer(&t, ZOFIA, "c").await;
    let jan = login_customer(&t, JAN, "c").await;
    (t, zofia, jan)
}

#[tokio::test]
async fn two_accounts_in_one_chat_each_show_only_their_own_data() {
    for backend in backends() {
        let t = example_app(&backend).await;
        let chat = t.console("c");
        let zofia = login_customer(&t, ZOFIA, "c").await;
        // One account: the views are as they always were, without a header.
        let single = chat.say("saldo").await;
        assert!(!single.contains("👤 Konto"), "{single}");
        assert!(single.contains("Zofia Wiśniewska"), "{single}");

        let jan = t
            .account(Some(customer(&t, JAN).await), JAN, PASSWORD)
            .await;
        let login = chat.say(&format!("zaloguj {jan} {PASSWORD}")).await;
        assert!(
            login.starts_with(&format!("👤 Konto {jan} · nr klienta K-00102")),
            "{login}"
        );
        assert!(
            login.contains("Zalogowano") && login.contains("Jan Kowalski"),
            "{login}"
        );

        let list = chat.say("konta").await;
        assert!(
            list.contains(&format!(
                "1. {zofia} — Zofia Wiśniewska (nr klienta K-00101): 0,00 zł"
            )),
            "{list}"
        );
        assert!(
            list.contains(&format!(
                "2. {jan} — Jan Kowalski (nr klienta K-00102): 937,28 zł do zapłaty ◀ bieżące"
            )),
            "{list}"
        );
        let buttons: Vec<String> = chat
            .send("konta")
            .await
            .actions
            .into_iter()
            .map(|a| a.command)
            .collect();
        assert_eq!(
            buttons,
            ["konto 1"],
            "a button for each account but the current one"
        );

        // Jan is current: his panel, under a header naming him.
        let out = chat.say("saldo").await;
        assert!(
            out.starts_with(&format!(
                "👤 Konto {jan} · nr klienta K-00102 · Jan Kowalski"
            )),
            "{out}"
        );
        assert!(out.contains("934,30") && !out.contains("Zofia"), "{out}");
        // Zofia's bill and PDF do not exist for Jan.
        let out = chat.say(&format!("faktura {ZOFIA_PDF}")).await;
        assert!(out.contains("Nie znaleziono rachunku"), "{out}");
        let reply = chat.send(&format!("pdf {ZOFIA_PDF}")).await;
        assert!(reply.attachments.is_empty(), "{reply:?}");

        // Switch to Zofia: her panel, her header, her PDF; Jan's bill is not hers.
        let out = chat.say("konto 1").await;
        assert!(
            out.contains(&format!("Bieżące konto: {zofia} — Zofia Wiśniewska")),
            "{out}"
        );
        assert!(
            out.contains("wszystko opłacone") && !out.contains("934,30"),
            "{out}"
        );
        let out = chat.say("rachunki").await;
        assert!(
            out.starts_with(&format!("👤 Konto {zofia} · nr klienta K-00101")),
            "{out}"
        );
        assert!(!out.contains("000102") && out.contains("000101"), "{out}");
        for command in [format!("faktura {JAN_BILL}"), format!("pdf {JAN_BILL}")] {
            let reply = chat.send(&command).await;
            assert!(reply.attachments.is_empty(), "{command}");
            let out = chat.say(&command).await;
            assert!(
                out.contains("Nie znaleziono rachunku") && !out.contains("934,30"),
                "{out}"
            );
        }
        let reply = chat.send(&format!("pdf {ZOFIA_PDF}")).await;
        assert_eq!(reply.attachments.len(), 1, "{reply:?}");
        // Nor can Zofia pay Jan's bill or his balance: no QR code, no amount of his.
        let reply = chat.send(&format!("zaplac {JAN_BILL}")).await;
        assert!(reply.attachments.is_empty(), "{reply:?}");
        for command in [format!("zaplac {JAN_BILL}"), "zaplac".to_string()] {
            let out = chat.say(&command).await;
            assert!(!out.contains("934,30") && !out.contains("K-00102"), "{out}");
        }
        let out = chat.say(&format!("zaplac {JAN_BILL}")).await;
        assert!(
            out.contains(&format!(
                "Nie znaleziono rachunku „{JAN_BILL}” wśród Twoich"
            )),
            "{out}"
        );
        // Jan's unpaid bill is in neither Zofia's calendar nor her calendar file, and
        // asking for his by customer number or identifier only shows the usage.
        let out = chat.say("kalendarz 2025-03").await;
        assert!(
            out.starts_with(&format!("👤 Konto {zofia}"))
                && !out.contains(JAN_BILL)
                && !out.contains("934,30"),
            "{out}"
        );
        let reply = chat.send("kalendarz ics").await;
        let files: Vec<&str> = reply
            .attachments
            .iter()
            .map(|a| a.file_name.as_str())
            .collect();
        assert_eq!(files, ["kalendarz-K-00101.ics"], "her own calendar file");
        let ics = String::from_utf8(reply.attachments[0].body.clone()).unwrap();
        assert!(
            !ics.contains("000102") && !ics.contains("934,30") && !ics.contains("Kowalski"),
            "{ics}"
        );
        for command in [
            "kalendarz ics K-00102".to_string(),
            format!("kalendarz ics {jan}"),
        ] {
            let reply = chat.send(&command).await;
            assert!(reply.attachments.is_empty(), "{command}: {reply:?}");
            let out = chat.say(&command).await;
            assert!(
                out.contains("Niepoprawne polecenie. Użycie:") && !out.contains(JAN_BILL),
                "{out}"
            );
        }
        // His contract is no document of hers.
        let out = chat.say("dokument UM/2021/0102").await;
        assert!(
            out.contains("Nie znaleziono dokumentu „UM/2021/0102” wśród Twoich"),
            "{out}"
        );
        assert!(
            chat.send("dokument UM/2021/0102")
                .await
                .attachments
                .is_empty()
        );
        let out = chat.say(&format!("pdf {JAN_BILL}")).await;
        assert!(
            out.contains(&format!(
                "Nie znaleziono rachunku „{JAN_BILL}” wśród Twoich"
            )),
            "{out}"
        );

        // By identifier too; an account not open here is refused with the list.
        let out = chat.say(&format!("konto {jan}")).await;
        assert!(
            out.contains("Bieżące konto") && out.contains("Jan Kowalski"),
            "{out}"
        );
        let reply = chat.send(&format!("zaplac {JAN_BILL}")).await;
        assert_eq!(
            reply.attachments.len(),
            1,
            "his own bill's QR code: {reply:?}"
        );
        let out = chat.say("konto 3").await;
        assert!(out.contains("nie ma zalogowanego konta „3”"), "{out}");
        assert_eq!(
            chat.send("saldo").await.logged_in_as.as_deref(),
            Some(jan.as_str())
        );
        // Another chat sees none of it.
        assert!(
            t.console("other")
                .say("saldo")
                .await
                .contains("wymaga zalogowania")
        );
    }
}

async fn customer(t: &TestApp, number: &str) -> i64 {
    t.app
        .store
        .customer_id_by_number(number)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn logging_out_of_one_leaves_the_other_and_logout_all_ends_both() {
    for backend in backends() {
        let (t, zofia, jan) = two_in_one_chat(&backend).await;
        let chat = t.console("c");
        let out = chat.say("wyloguj").await;
        assert!(
            out.contains(&format!(
                "Wylogowano z konta {jan}. Bieżące konto: {zofia} — Zofia Wiśniewska"
            )),
            "{out}"
        );
        let reply = chat.send("saldo").await;
        assert_eq!(reply.logged_in_as.as_deref(), Some(zofia.as_str()));
        let out = chat.say("konta").await;
        assert!(out.contains(&zofia) && !out.contains(&jan), "{out}");
        // With one account left the views have no header again.
        assert!(!chat.say("saldo").await.contains("👤 Konto"));

        // Jan again, then out of both at once.
        let out = chat.say(&format!("zaloguj {jan} {PASSWORD}")).await;
        assert!(out.contains("Zalogowano"), "{out}");
        let out = chat.say("wyloguj wszystkie").await;
        assert!(out.contains("Wylogowano ze wszystkich kont (2)"), "{out}");
        assert!(chat.say("saldo").await.contains("wymaga zalogowania"));
        assert!(chat.say("konta").await.contains("wymaga zalogowania"));
        let audit = t.app.store.audit_tail(20).await.unwrap();
        let logouts: Vec<&str> = audit
            .iter()
            .filter(|e| e.action == "logout")
            .map(|e| e.actor.as_str())
            .collect();
        assert!(
            logouts.contains(&zofia.as_str()) && logouts.iter().filter(|a| **a == jan).count() == 2,
            "{logouts:?}"
        );
        // `logout all` in English too, with a single account.
        chat.say(&format!("zaloguj {jan} {PASSWORD}")).await;
        assert!(chat.say("logout all").await.contains("Wylogowano"));
        assert!(chat.say("saldo").await.contains("wymaga zalogowania"));
    }
}

#[tokio::test]
async fn timeouts_apply_to_each_account_on_its_own() {
    for backend in backends() {
        let (t, zofia, jan) = two_in_one_chat(&backend).await;
        let chat = t.console("c");
        // Zofia idle for 16 minutes while Jan works: only her session ends.
        age_session(&t, &zofia, "last_seen_at", chrono::Duration::minutes(16)).await;
        let out = chat.say("saldo").await;
        assert!(
            out.contains("Jan Kowalski") && !out.contains("Sesja"),
            "{out}"
        );
        let out = chat.say("konta").await;
        assert!(out.contains(&jan) && !out.contains(&zofia), "{out}");

        // Zofia back; now Jan (current) is over the absolute limit: his session ends,
        // the command is not run as Zofia, and the chat asks which account to use.
        chat.say(&format!("zaloguj {zofia} {PASSWORD}")).await;
        chat.say(&format!("konto {jan}")).await;
        age_session(&t, &jan, "started_at", chrono::Duration::hours(13)).await;
        let out = chat.say("saldo").await;
        assert!(out.contains(&format!("Sesja konta {jan} wygasła")), "{out}");
        assert!(out.contains("Żadne konto nie jest teraz wybrane"), "{out}");
        assert!(!out.contains("Ogólne bieżące saldo"), "{out}");
        let reply = chat.send("saldo").await;
        assert_eq!(reply.logged_in_as, None);
        assert_eq!(
            reply
                .actions
                .iter()
                .map(|a| a.command.as_str())
                .collect::<Vec<_>>(),
            ["konto 1"]
        );
        let out = chat.say("konto 1").await;
        assert!(
            out.contains("Zofia Wiśniewska") && out.contains("Ogólne bieżące saldo"),
            "{out}"
        );

        // Within the limits nothing ends.
        age_session(&t, &zofia, "last_seen_at", chrono::Duration::minutes(14)).await;
        assert!(chat.say("saldo").await.contains("Zofia Wiśniewska"));
    }
}

#[tokio::test]
async fn a_password_change_or_lock_ends_only_that_accounts_sessions() {
    for backend in backends() {
        let (t, zofia, jan) = two_in_one_chat(&backend).await;
        let chat = t.console("c");
        chat.say("konto 1").await;
        // Zofia changes her password in another chat: her session here ends, Jan's stays,
        // and nothing runs as Jan until he is chosen.
        let phone = t.console("phone");
        phone.say(&format!("zaloguj {zofia} {PASSWORD}")).await;
        phone.say("haslo").await;
        phone.say(PASSWORD).await;
        phone.say("Nowe-Haslo-Zofii-2025").await;
        let out = phone.say("Nowe-Haslo-Zofii-2025").await;
        assert!(out.contains("Hasło zostało zmienione"), "{out}");
        let out = chat.say("saldo").await;
        assert!(out.contains("Żadne konto nie jest teraz wybrane"), "{out}");
        assert!(out.contains(&jan) && !out.contains(&zofia), "{out}");
        chat.say("konto 1").await;
        assert!(chat.say("saldo").await.contains("Jan Kowalski"));

        // Staff lock Jan: his session ends everywhere; Zofia's on the phone stays.
        let desk = t.console("desk");
        staff_on(&t, &desk, "Ewa Pracownik").await;
        desk.say(&format!("zablokuj {jan}")).await;
        assert!(chat.say("saldo").await.contains("wymaga zalogowania"));
        assert!(phone.say("saldo").await.contains("Zofia Wiśniewska"));
    }
}

#[tokio::test]
async fn staff_never_share_a_chat_with_customers() {
    for backend in backends() {
        let t = example_app(&backend).await;
        let chat = t.console("c");
        let zofia = login_customer(&t, ZOFIA, "c").await;
        let staff = t.account(None, "Ewa Pracownik", PASSWORD).await;
        let out = chat.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        assert!(
            out.contains("Konto pracownika nie może być zalogowane"),
            "{out}"
        );
        let reply = chat.send("saldo").await;
        assert_eq!(reply.logged_in_as.as_deref(), Some(zofia.as_str()));
        assert!(!reply.staff);
        assert!(
            chat.say("wnioski")
                .await
                .contains("Nie znam tego polecenia")
        );

        let desk = t.console("desk");
        let out = desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        assert!(out.contains("konto pracownika"), "{out}");
        let out = desk.say(&format!("zaloguj {zofia} {PASSWORD}")).await;
        assert!(
            out.contains("Konto pracownika nie może być zalogowane"),
            "{out}"
        );
        let reply = desk.send("pomoc").await;
        assert_eq!(reply.logged_in_as.as_deref(), Some(staff.as_str()));
    }
}

#[tokio::test]
async fn a_chat_holds_at_most_the_configured_number_of_accounts() {
    let t = TestApp::with_settings(&Backend::Sqlite, |s| s.security.max_chat_accounts = 2).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example");
    ebok::import::run(&t.app.store, &t.app.pesel_key, &dir)
        .await
        .unwrap();
    let chat = t.console("c");
    login_customer(&t, ZOFIA, "c").await;
    let jan = login_customer(&t, JAN, "c").await;
    let firm = t
        .account(Some(customer(&t, "F-00201").await), "SM", PASSWORD)
        .await;
    let out = chat.say(&format!("zaloguj {firm} {PASSWORD}")).await;
    assert!(out.contains("są już zalogowane 2 konta"), "{out}");
    assert_eq!(
        chat.send("saldo").await.logged_in_as.as_deref(),
        Some(jan.as_str())
    );
    // Logging in again to an account already open is no new account.
    let out = chat.say(&format!("zaloguj {jan} {PASSWORD}")).await;
    assert!(out.contains("Zalogowano"), "{out}");
}

/// A database as it was before several accounts per chat (migrations up to 0012), with
/// a chat logged in and one whose session had ended; then the current migrations.
#[tokio::test]
async fn the_migration_keeps_the_sessions_open_before_it() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (url, admin) = match &backend {
            Backend::Sqlite => (
                format!("sqlite:{}", dir.path().join("old.sqlite").display()),
                None,
            ),
            Backend::Postgres(admin_url) => {
                let name = format!(
                    "ebok_migr_{}_{}",
                    std::process::id(),
                    crate::helpers::rand_suffix()
                );
                let admin = sqlx::PgPool::connect(admin_url).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .unwrap();
                (
                    crate::helpers::replace_db_name(admin_url, &name),
                    Some((admin, name)),
                )
            }
        };
        let started = chrono::Utc::now() - chrono::Duration::minutes(30);
        let seen = chrono::Utc::now() - chrono::Duration::minutes(3);
        let setup = [
            "INSERT INTO accounts (identifier, role, name, password_hash, must_change, created_at) \
             VALUES ('EB000001', 'customer', 'Anna', 'x', FALSE, $1)",
            "INSERT INTO chats (channel, source, account_id, session_started_at, last_seen_at) \
             SELECT 'console', 'open', id, $1, $2 FROM accounts",
            "INSERT INTO chats (channel, source, account_id, session_started_at, last_seen_at) \
             SELECT 'console', 'ended', id, NULL, $2 FROM accounts",
        ];
        match &backend {
            Backend::Sqlite => {
                let opts = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(dir.path().join("old.sqlite"))
                    .create_if_missing(true);
                let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
                let mut m = sqlx::migrate!("./migrations/sqlite");
                m.migrations = m
                    .migrations
                    .iter()
                    .filter(|m| m.version < 18)
                    .cloned()
                    .collect::<Vec<_>>()
                    .into();
                m.run(&pool).await.unwrap();
                for sql in setup {
                    sqlx::query(sql)
                        .bind(started)
                        .bind(seen)
                        .execute(&pool)
                        .await
                        .unwrap();
                }
                pool.close().await;
            }
            Backend::Postgres(_) => {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                let mut m = sqlx::migrate!("./migrations/postgres");
                m.migrations = m
                    .migrations
                    .iter()
                    .filter(|m| m.version < 18)
                    .cloned()
                    .collect::<Vec<_>>()
                    .into();
                m.run(&pool).await.unwrap();
                for sql in setup {
                    sqlx::query(sql)
                        .bind(started)
                        .bind(seen)
                        .execute(&pool)
                        .await
                        .unwrap();
                }
                pool.close().await;
            }
        }
        let store = ebok::store::Store::open(&url)
            .await
            .expect("the new migrations apply");
        let open = store.open_sessions("console", "open").await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].account.identifier, "EB000001");
        assert_eq!(open[0].started_at.timestamp(), started.timestamp());
        assert_eq!(open[0].last_seen_at.timestamp(), seen.timestamp());
        let session = store.session("console", "open").await.unwrap().unwrap();
        assert_eq!(
            session.account.map(|a| a.identifier).as_deref(),
            Some("EB000001")
        );
        assert_eq!(session.chat.sessions, 1);
        let ended = store.session("console", "ended").await.unwrap().unwrap();
        assert!(ended.account.is_none() && ended.chat.account_id.is_none());
        assert_eq!(ended.chat.sessions, 0);
        store.close().await;
        if let Some((admin, name)) = admin {
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin)
                .await
                .unwrap();
        }
    }
}
