//! Notifications as the database holds them: a customer turns them on, events of an
//! import, of staff and of the scheduler become outbox rows for subscribers only, once,
//! timed by quiet hours; on SQLite and PostgreSQL. Delivery through the real channels:
//! `notifications_delivery`.

use crate::helpers::{TestApp, backends};
use crate::telegram_support::{PASSWORD, append, example_copy, example_dir, import};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ebok::core::Channel;
use ebok::domain::calendar::TZ;

pub fn warsaw(text: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    TZ.from_local_datetime(&naive).unwrap().with_timezone(&Utc)
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Rows of the outbox written for notifications: (dedupe key, next attempt, priority,
/// payload).
pub async fn notices(t: &TestApp) -> Vec<(String, DateTime<Utc>, i32, String)> {
    let sql = "SELECT dedupe_key, next_attempt_at, priority, payload FROM outbox \
               WHERE dedupe_key LIKE 'notify:%' ORDER BY dedupe_key";
    match &t.app.store {
        ebok::store::Store::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        ebok::store::Store::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    }
}

/// What the customer reads for the notice with dedupe key `key`, in `lang`.
pub async fn read(t: &crate::helpers::TestApp, key: &str, lang: ebok::core::Lang) -> String {
    let rows = notices(t).await;
    let (_, _, _, payload) = rows
        .iter()
        .find(|r| r.0 == key)
        .unwrap_or_else(|| panic!("no notice {key} in {rows:?}"));
    let mut payload = ebok::domain::payload::Payload::parse(payload).unwrap();
    payload.lang = lang;
    let reply = ebok::core::Reply::new(lang, payload.view().unwrap());
    t.app
        .renderer
        .reply(ebok::render::Flavour::Text, &reply)
        .unwrap()
}

pub async fn keys(t: &TestApp) -> Vec<String> {
    notices(t).await.into_iter().map(|n| n.0).collect()
}

/// The app with the import example (today 10 March 2025) and a customer account for
/// each of `numbers`, returning their identifiers.
pub async fn app_with_customers(
    backend: &crate::helpers::Backend,
    numbers: &[&str],
) -> (TestApp, Vec<String>) {
    app_with_customers_and(backend, numbers, |_| {}).await
}

/// [`app_with_customers`] with settings changed by `tweak`.
pub async fn app_with_customers_and(
    backend: &crate::helpers::Backend,
    numbers: &[&str],
    tweak: impl FnOnce(&mut ebok::config::Settings),
) -> (TestApp, Vec<String>) {
    let t = TestApp::with_settings(backend, tweak).await;
    t.app.core.freeze_today(day("2025-03-10"));
    t.app.core.clock().set(warsaw("2025-03-10 12:00"));
    import(&t, &example_dir()).await;
    let mut ids = Vec::new();
    for number in numbers {
        let store = &t.app.store;
        let id = store.customer_id_by_number(number).await.unwrap().unwrap();
        let name = store.customer(id).await.unwrap().unwrap().name;
        ids.push(t.account(Some(id), &name, PASSWORD).await);
    }
    (t, ids)
}

/// Logs `identifier` in on `channel`/`source` and types `line`; returns the text shown.
pub async fn as_customer(
    t: &TestApp,
    channel: Channel,
    source: &str,
    identifier: &str,
    line: &str,
) -> String {
    let chat = t.chat(channel, source);
    let login = chat.say(&format!("zaloguj {identifier} {PASSWORD}")).await;
    assert!(login.contains("Zalogowano"), "{login}");
    chat.say(line).await
}

#[tokio::test]
async fn a_customer_turns_notifications_on_and_off_per_kind_and_each_change_is_audited() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102"]).await;
        let tg = t.chat(Channel::Telegram, "5001");
        assert!(
            tg.say("powiadomienia").await.contains("zaloguj"),
            "needs a login"
        );
        let login = tg.say(&format!("zaloguj {} {PASSWORD}", ids[0])).await;
        assert!(
            login.contains("powiadomienia wlacz"),
            "offered after login: {login}"
        );
        let shown = tg.say("powiadomienia wlacz").await;
        assert!(shown.contains("Włączono"), "{shown}");
        assert!(shown.contains("✅ terminy"), "{shown}");
        assert!(shown.contains("na tym czacie Telegram"), "{shown}");
        let off = tg.say("powiadomienia wylacz terminy").await;
        assert!(off.contains("▫️ terminy"), "{off}");
        assert!(off.contains("✅ faktury"), "{off}");
        let quiet = tg.say("powiadomienia cisza wylacz").await;
        assert!(
            quiet.contains("Godziny ciszy (21:00–08:00): wyłączone"),
            "{quiet}"
        );
        let bad = tg.say("powiadomienia wlacz plotki").await;
        assert!(bad.contains("Niepoprawne polecenie"), "{bad}");
        // Logging out does not end them.
        tg.say("wyloguj").await;
        let (kinds, quiet) = t
            .app
            .store
            .subscriptions(account_id(&t, &ids[0]).await, "telegram", "5001")
            .await
            .unwrap();
        assert_eq!(kinds.len(), 5, "{kinds:?} ({})", t.db.label);
        assert_eq!(quiet, ebok::domain::notice::QuietMode::Off);
        let audit = t.app.store.audit_tail(20).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        for expected in ["notifications_on", "notifications_off", "quiet_hours_off"] {
            assert!(actions.contains(&expected), "{expected} in {actions:?}");
        }
    }
}

pub async fn account_id(t: &TestApp, identifier: &str) -> i64 {
    t.app
        .store
        .account_by_identifier(identifier)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// New invoices and payments for K-00102 and K-00101 in the import example `dir`.
pub fn new_rows(dir: &std::path::Path) {
    append(
        dir,
        "invoices.csv",
        &[
            "FV/2025/03/000102,K-00102,invoice,2025-03-10,2025-03-24,Ciepło – marzec 2025,812.40,0.00,812.40,,,,".into(),
            "FV/2025/03/000101,K-00101,invoice,2025-03-10,2025-03-24,Ciepło – marzec 2025,700.00,0.00,700.00,,,,".into(),
            // Issued before the customer turned notifications on: no notice.
            "FV/2025/02/900102,K-00102,correction,2025-02-20,2025-03-06,Korekta,-10.00,0.00,-10.00,,,,".into(),
        ],
    );
    append(
        dir,
        "payments.csv",
        &[
            "PB/2025/03/10/0101,K-00102,2025-03-10,500.00,FV/2025/02/000102,Przelew – część".into(),
            "PB/2025/03/10/0102,K-00101,2025-03-10,100.00,,Przelew".into(),
        ],
    );
}

#[tokio::test]
async fn an_import_notifies_subscribers_once_and_nobody_else() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102", "K-00101"]).await;
        as_customer(
            &t,
            Channel::Telegram,
            "5001",
            &ids[0],
            "powiadomienia wlacz",
        )
        .await;
        as_customer(
            &t,
            Channel::Console,
            "jan",
            &ids[0],
            "powiadomienia wlacz faktury",
        )
        .await;
        // Zofia (K-00101) turns nothing on.
        as_customer(&t, Channel::Telegram, "5002", &ids[1], "powiadomienia").await;
        assert_eq!(
            keys(&t).await,
            Vec::<String>::new(),
            "nothing before an event"
        );
        let dir = example_copy();
        new_rows(dir.path());
        import(&t, dir.path()).await;
        let got = keys(&t).await;
        assert_eq!(
            got,
            vec![
                "notify:invoice:FV/2025/03/000102:email:klient@example.test".to_string(),
                "notify:invoice:FV/2025/03/000102:telegram:5001".to_string(),
                "notify:payment:PB/2025/03/10/0101:telegram:5001".to_string(),
            ],
            "({})",
            t.db.label
        );
        // The same files again: nothing new.
        import(&t, dir.path()).await;
        assert_eq!(keys(&t).await, got, "({})", t.db.label);
        // What the customer reads, with the account it is about.
        let rows = notices(&t).await;
        let payload = ebok::domain::payload::Payload::parse(&rows[1].3).unwrap();
        let reply = ebok::core::Reply::new(payload.lang, payload.view().unwrap());
        let text = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        for expected in [
            "Faktura FV/2025/03/000102",
            "812,40 zł",
            "24.03.2025",
            "K-00102",
            "Jan Kowalski",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert_eq!(rows[1].2, 0, "not urgent");
    }
}

#[tokio::test]
async fn a_collection_case_notifies_on_opening_and_on_each_new_stage() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102"]).await;
        as_customer(
            &t,
            Channel::Telegram,
            "5001",
            &ids[0],
            "powiadomienia wlacz windykacja",
        )
        .await;
        let dir = example_copy();
        let header = "case_number,customer,stage,status,opened_on,updated_on,principal,interest,costs,court,signature,bailiff,description";
        let write = |stage: &str, updated: &str| {
            std::fs::write(
                dir.path().join("collections.csv"),
                format!("{header}\nWN/2025/0040,K-00102,{stage},open,2025-03-10,{updated},934.30,3.40,0.00,,,,Wezwanie\n"),
            )
            .unwrap();
        };
        write("reminder", "2025-03-10");
        import(&t, dir.path()).await;
        write("demand", "2025-03-11");
        import(&t, dir.path()).await;
        import(&t, dir.path()).await;
        assert_eq!(
            keys(&t).await,
            vec![
                "notify:collection:WN/2025/0040:demand:telegram:5001".to_string(),
                "notify:collection:WN/2025/0040:reminder:telegram:5001".to_string(),
            ],
            "({})",
            t.db.label
        );
    }
}

#[tokio::test]
async fn a_blocked_chat_a_locked_account_and_a_password_change_end_subscriptions() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102", "K-00101"]).await;
        as_customer(
            &t,
            Channel::Telegram,
            "5001",
            &ids[0],
            "powiadomienia wlacz",
        )
        .await;
        as_customer(
            &t,
            Channel::Telegram,
            "5002",
            &ids[1],
            "powiadomienia wlacz",
        )
        .await;
        as_customer(
            &t,
            Channel::Telegram,
            "5003",
            &ids[1],
            "powiadomienia wlacz",
        )
        .await;
        t.app
            .store
            .set_chat_blocked("telegram", "5001", true)
            .await
            .unwrap();
        let jan = account_id(&t, &ids[0]).await;
        let (kinds, _) = t
            .app
            .store
            .subscriptions(jan, "telegram", "5001")
            .await
            .unwrap();
        assert!(kinds.is_empty(), "blocked chat: {kinds:?}");
        // A password change offers ending them everywhere; the customer asks.
        let chat = t.chat(Channel::Telegram, "5002");
        chat.say("haslo").await;
        chat.say(PASSWORD).await;
        chat.say("Nowe hasło do e-BOK 2025 Ab").await;
        let changed = chat.say("Nowe hasło do e-BOK 2025 Ab").await;
        assert!(
            changed.contains("powiadomienia wylacz wszedzie"),
            "{changed}"
        );
        let ended = chat.say("powiadomienia wylacz wszedzie").await;
        assert!(ended.contains("na każdym czacie"), "{ended}");
        let zofia = account_id(&t, &ids[1]).await;
        assert_eq!(t.app.store.subscription_targets(zofia).await.unwrap(), 0);
        // Locking ends them too.
        as_customer(
            &t,
            Channel::Telegram,
            "5001",
            &ids[0],
            "powiadomienia wlacz",
        )
        .await;
        t.app
            .store
            .set_chat_blocked("telegram", "5001", false)
            .await
            .unwrap();
        let mut tx = t.app.store.begin().await.unwrap();
        tx.set_locked(jan, true).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            t.app.store.subscription_targets(jan).await.unwrap(),
            0,
            "({})",
            t.db.label
        );
    }
}

#[tokio::test]
async fn an_area_announcement_reaches_exactly_that_areas_subscribers_after_confirmation() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102", "K-00101", "F-00201"]).await;
        for (i, id) in ids.iter().enumerate() {
            let chat = format!("600{i}");
            as_customer(
                &t,
                Channel::Telegram,
                &chat,
                id,
                "powiadomienia wlacz komunikaty",
            )
            .await;
        }
        let staff = t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        let draft = desk
            .say("komunikat remont obszar=WS-31,WS-12 do 2025-03-20 Wymiana zaworów | Przerwa w dostawie ciepłej wody 8:00–14:00.")
            .await;
        // Jan (WS-31) and Zofia (WS-12); the cooperative (WS-30) is not in the areas.
        assert!(draft.contains("Dotrze do 2 klientów"), "{draft}");
        assert!(draft.contains("pójdzie na 2 czaty Telegram"), "{draft}");
        assert_eq!(
            keys(&t).await,
            Vec::<String>::new(),
            "nothing before confirmation"
        );
        let reference = draft
            .split_whitespace()
            .find(|w| w.starts_with("EBOK-"))
            .unwrap()
            .trim_end_matches(':')
            .to_string();
        let sent = desk.say(&format!("komunikat wyslij {reference}")).await;
        assert!(sent.contains("Powiadomienia do wysłania: 2"), "{sent}");
        let again = desk.say(&format!("komunikat wyslij {reference}")).await;
        assert!(again.contains("już wysłano"), "{again}");
        assert_eq!(
            keys(&t).await,
            vec![
                format!("notify:announcement:{reference}:telegram:6000"),
                format!("notify:announcement:{reference}:telegram:6001"),
            ],
            "({})",
            t.db.label
        );
        let progress = desk.say(&format!("komunikat postep {reference}")).await;
        assert!(progress.contains("czekają: 2"), "{progress}");
        let stopped = desk.say(&format!("komunikat wstrzymaj {reference}")).await;
        assert!(
            stopped.contains("czekają: 0 · nieudane: 0 · wstrzymane: 2"),
            "{stopped}"
        );
        // Customers of those areas see it in `wiadomosci`; the cooperative does not.
        let jan = as_customer(&t, Channel::Console, "j", &ids[0], "wiadomosci").await;
        assert!(jan.contains("Wymiana zaworów"), "{jan}");
        let coop = as_customer(&t, Channel::Console, "c", &ids[2], "wiadomosci").await;
        assert!(!coop.contains("Wymiana zaworów"), "{coop}");
    }
}

#[tokio::test]
async fn quiet_hours_hold_ordinary_notices_and_let_failures_through() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102"]).await;
        as_customer(
            &t,
            Channel::Telegram,
            "5001",
            &ids[0],
            "powiadomienia wlacz",
        )
        .await;
        let staff = t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        t.app.core.clock().set(warsaw("2025-03-10 22:30"));
        for line in [
            "komunikat taryfa Nowa taryfa | Od kwietnia nowe ceny.",
            "komunikat awaria obszar=WS-31 Awaria sieci | Brak ciepła.",
        ] {
            let draft = desk.say(line).await;
            let reference = draft
                .split_whitespace()
                .find(|w| w.starts_with("EBOK-"))
                .unwrap()
                .trim_end_matches(':')
                .to_string();
            desk.say(&format!("komunikat wyslij {reference}")).await;
        }
        let rows = notices(&t).await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        let (urgent, ordinary): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.2 == 10);
        let now = t.app.core.clock().now();
        assert!(
            (urgent[0].1 - now).num_seconds().abs() < 5,
            "the failure goes now: {:?}",
            urgent[0].1
        );
        assert_eq!(
            ordinary[0].1,
            warsaw("2025-03-11 08:00"),
            "the tariff waits for the morning"
        );
    }
}

#[tokio::test]
async fn the_scheduler_reminds_once_even_with_two_instances_and_restarts() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102"]).await;
        as_customer(
            &t,
            Channel::Telegram,
            "5001",
            &ids[0],
            "powiadomienia wlacz",
        )
        .await;
        // A second instance: its own pool on the same database.
        let other = ebok::store::Store::open(&t.db.url).await.unwrap();
        let settings = t.app.settings.clone();
        // FV/2025/02/000102 (934,30 zł unpaid) is due Friday 14 March 2025.
        let morning = warsaw("2025-03-11 07:00");
        let (a, b) = tokio::join!(
            ebok::notify::scheduler::run_once(&t.app.store, &settings, morning, "a"),
            ebok::notify::scheduler::run_once(&other, &settings, morning, "b"),
        );
        let ran: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert!(!ran.is_empty());
        // A restart the same day, then days later.
        for (when, holder) in [
            (warsaw("2025-03-11 09:00"), "c"),
            (warsaw("2025-03-14 07:00"), "d"),
            (warsaw("2025-03-17 07:00"), "e"),
            (warsaw("2025-03-18 07:00"), "f"),
        ] {
            ebok::notify::scheduler::run_once(&other, &settings, when, holder)
                .await
                .unwrap();
        }
        assert_eq!(
            keys(&t).await,
            vec![
                "notify:due_soon:FV/2025/02/000102:telegram:5001".to_string(),
                "notify:due_soon:FV/2025/02/000102:today:telegram:5001".to_string(),
                "notify:overdue:FV/2025/02/000102:telegram:5001".to_string(),
            ],
            "({})",
            t.db.label
        );
        let rows = notices(&t).await;
        let overdue = rows
            .iter()
            .find(|r| r.0.starts_with("notify:overdue:"))
            .expect("the overdue notice");
        let payload = ebok::domain::payload::Payload::parse(&overdue.3).unwrap();
        let reply = ebok::core::Reply::new(payload.lang, payload.view().unwrap());
        let text = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        assert!(text.contains("934,30 zł"), "{text}");
        assert!(text.contains("odsetki ok. 0,"), "interest per day: {text}");
    }
}

#[tokio::test]
async fn the_operator_sees_counts_by_kind_and_state_and_previews_an_event() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102"]).await;
        as_customer(
            &t,
            Channel::Telegram,
            "5001",
            &ids[0],
            "powiadomienia wlacz",
        )
        .await;
        let dir = example_copy();
        new_rows(dir.path());
        import(&t, dir.path()).await;
        let status = ebok::cli::notify::status(&t.app).await.unwrap();
        let line = |kind: &str| {
            status
                .lines()
                .find(|l| l.starts_with(kind))
                .unwrap_or_else(|| panic!("{kind} in {status}"))
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(line("invoice"), "invoice telegram pending 1", "{status}");
        assert_eq!(line("payment"), "payment telegram pending 1", "{status}");
        let preview = ebok::cli::notify::preview(&t.app, "invoice:FV/2025/03/000102")
            .await
            .unwrap();
        assert!(
            preview.contains("Nowy dokument: Faktura FV/2025/03/000102"),
            "{preview}"
        );
        assert!(
            preview.contains("New document: Invoice FV/2025/03/000102"),
            "{preview}"
        );
        let sample = ebok::cli::notify::preview(&t.app, "due_soon")
            .await
            .unwrap();
        assert!(
            sample.contains("Przypomnienie: termin płatności"),
            "{sample}"
        );
        let err = ebok::cli::notify::preview(&t.app, "plotka:1")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("is not a kind"), "{err}");
    }
}
