//! `ebok serve` as operators run it: the real binary as a child process, its operations
//! endpoint (`/healthz`, `/readyz`, `/metrics`) on a loopback port, and SIGTERM.

use crate::email_helpers::Proxy;
use crate::helpers::{Backend, TestDb, backends};
use crate::serve::{Serve, TOKEN, WAIT, free_port, sample, smtp_env, telegram_env};
use fake_telegram::FakeTelegram;
use mail_support::MailEnv;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_commands_sent() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let fake = FakeTelegram::start().await;
        let serve = Serve::start(&db.url, &telegram_env(&fake));
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        let before = serve.metrics().await;
        let contact = [
            ("channel", "telegram"),
            ("command", "contact"),
            ("outcome", "ok"),
        ];
        let failed = [("channel", "telegram"), ("result", "failed")];
        assert_eq!(sample(&before, "ebok_commands_total", &contact), 0.0);
        assert_eq!(
            sample(
                &before,
                "ebok_build_info",
                &[("version", env!("CARGO_PKG_VERSION"))]
            ),
            1.0,
            "{}: build info",
            db.label
        );
        for (chat, text) in [
            (501, "kontakt"),
            (502, "/kontakt"),
            (503, "zaloguj nikt haslo123"),
        ] {
            fake.push_text(chat, text);
            fake.expect_message(chat, |_| true, WAIT).await;
        }
        fake.push_text(501, "contact");
        fake.wait_until(|f| f.messages_to(501).len() >= 2, WAIT)
            .await;
        // The counters are updated when a command is handled, before its reply goes out.
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut after = serve.metrics().await;
        while sample(&after, "ebok_commands_total", &contact) < 3.0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
            after = serve.metrics().await;
        }
        assert_eq!(
            sample(&after, "ebok_commands_total", &contact),
            3.0,
            "{}",
            db.label
        );
        assert_eq!(
            sample(&after, "ebok_logins_total", &failed),
            1.0,
            "{}",
            db.label
        );
        assert_eq!(
            sample(
                &after,
                "ebok_command_duration_seconds_count",
                &[("channel", "telegram"), ("command", "contact")]
            ),
            3.0,
            "{}: latency histogram",
            db.label
        );
        // Nothing the customer typed is in the metrics.
        let (_, text) = serve.get("/metrics").await.unwrap();
        assert!(
            !text.contains("haslo123") && !text.contains("nikt"),
            "{text}"
        );
    }
}

/// Copies the newest migration's record aside and removes it: the schema looks behind.
async fn hide_last_migration(db: &TestDb) {
    for sql in [
        "CREATE TABLE hidden_migration AS SELECT * FROM _sqlx_migrations \
         WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM hidden_migration)",
    ] {
        exec(db, sql).await;
    }
}

async fn restore_last_migration(db: &TestDb) {
    exec(
        db,
        "INSERT INTO _sqlx_migrations SELECT * FROM hidden_migration",
    )
    .await;
}

async fn exec(db: &TestDb, sql: &str) {
    match &db.store {
        ebok::store::Store::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        ebok::store::Store::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn check(ready: &serde_json::Value, name: &str) -> String {
    ready["checks"][name]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_database() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        // PostgreSQL through a proxy the test can take down: the database goes away.
        let (url, proxy) = match &backend {
            Backend::Postgres(_) => {
                let port = db_port(&db.url);
                let proxy = Proxy::start(port).await;
                (
                    db.url
                        .replace(&format!(":{port}/"), &format!(":{}/", proxy.port)),
                    Some(proxy),
                )
            }
            Backend::Sqlite => (db.url.clone(), None),
        };
        let serve = Serve::start(&url, &[]);
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        assert_eq!(check(&ready, "database"), "ok");
        let (status, body) = serve.get("/healthz").await.unwrap();
        assert_eq!(status, 200, "{body}");

        hide_last_migration(&db).await;
        let (status, ready) = serve.wait_ready(false).await;
        assert_eq!(status, 503, "{}: {ready}", db.label);
        assert!(
            check(&ready, "database").contains("ebok migrate"),
            "{ready}"
        );
        restore_last_migration(&db).await;
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);

        if let Some(proxy) = &proxy {
            proxy.set_up(false);
            proxy.cut();
            let (status, ready) = serve.wait_ready(false).await;
            assert_eq!(status, 503, "{ready}");
            assert_ne!(check(&ready, "database"), "ok", "{ready}");
            // Alive all the same: a restart would not help.
            assert_eq!(serve.get("/healthz").await.unwrap().0, 200);
            proxy.set_up(true);
            let (status, ready) = serve.wait_ready(true).await;
            assert_eq!(status, 200, "{ready}");
        }
    }
}

fn db_port(url: &str) -> u16 {
    let host = url.split('@').nth(1).unwrap_or(url);
    let port = host.split(['/', ':']).nth(1).expect("a port in the URL");
    port.parse().expect("a numeric port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_mailbox() {
    let Some(mail) = MailEnv::from_env_or_skip("readyz_follows_the_mailbox") else {
        return;
    };
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let proxy = Proxy::start(mail.imap_port).await;
        let utility = mail.fresh_address_with("ebok");
        let ca = mail.ca_cert.display().to_string();
        let mut env = vec![
            ("EBOK_EMAIL__IMAP_HOST", mail.imap_host.clone()),
            ("EBOK_EMAIL__IMAP_PORT", proxy.port.to_string()),
            ("EBOK_EMAIL__IMAP_TLS", "starttls".into()),
            ("EBOK_EMAIL__IMAP_USER", utility.clone()),
            ("EBOK_EMAIL__IMAP_PASSWORD", mail.pass.clone()),
            ("EBOK_EMAIL__MAILBOX", "INBOX".into()),
            ("EBOK_EMAIL__CA_CERT", ca),
        ];
        env.extend(smtp_env(&mail, mail.smtp_port, &utility, 10));
        let serve = Serve::start(&db.url, &env);
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        assert_eq!(check(&ready, "imap"), "ok");

        proxy.set_up(false);
        proxy.cut();
        let (status, ready) = serve.wait_ready(false).await;
        assert_eq!(status, 503, "{}: {ready}", db.label);
        assert!(check(&ready, "imap").contains("IMAP"), "{ready}");
        assert_eq!(check(&ready, "database"), "ok", "{ready}");

        proxy.set_up(true);
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        let checks: BTreeMap<String, String> =
            serde_json::from_value(ready["checks"].clone()).unwrap();
        // Stale interest tables only degrade: they are reported, and the rest is ready.
        assert!(
            checks
                .iter()
                .all(|(k, v)| v == "ok" || k == "interest_tables"),
            "{checks:?}"
        );
        assert_eq!(
            ready["degraded"].as_bool(),
            Some(checks["interest_tables"] != "ok"),
            "{ready}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_commands_in_flight_and_exits_0() {
    const GRACE: u64 = 30;
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let fake = FakeTelegram::start().await;
        let mut env = telegram_env(&fake);
        env.push(("EBOK_SHUTDOWN__GRACE_SECONDS", GRACE.to_string()));
        let mut serve = Serve::start(&db.url, &env);
        serve.wait_ready(true).await;
        // A burst of logins: each checks a password hash (slow on purpose), so they are
        // still being handled when the signal comes.
        let chats: Vec<i64> = (700..712).collect();
        for chat in &chats {
            fake.push_text(*chat, &format!("zaloguj nikt{chat} ZleHaslo{chat}"));
        }
        // All of them fetched by the bot (none left waiting at the fake), then SIGTERM.
        let fetched = fake.wait_until(|f| f.pending_updates() == 0, WAIT).await;
        assert!(fetched, "{}: the bot did not fetch the burst", db.label);
        let answered_before = chats
            .iter()
            .filter(|c| !fake.messages_to(**c).is_empty())
            .count();
        serve.sigterm();
        let status = serve
            .exit_within(Duration::from_secs(GRACE + 15))
            .await
            .unwrap_or_else(|| panic!("{}: still running after the grace period", db.label));
        assert!(status.success(), "{}: exit status {status}", db.label);
        for chat in &chats {
            assert!(
                !fake.messages_to(*chat).is_empty(),
                "{}: chat {chat} got no answer to a command taken before SIGTERM",
                db.label
            );
        }
        eprintln!(
            "{}: {answered_before} of {} commands answered before SIGTERM",
            db.label,
            chats.len()
        );
    }
}

/// Starts `ebok serve` (Telegram, long polling) with a reply held by flood control for
/// 30 s, then SIGTERM: it stops taking work and waits for that reply. The process and a
/// proof that it is waiting (`/readyz` says it is shutting down).
async fn stopping_with_a_reply_held(db: &TestDb, fake: &FakeTelegram, grace: u64) -> Serve {
    let mut env = telegram_env(fake);
    env.push(("EBOK_SHUTDOWN__GRACE_SECONDS", grace.to_string()));
    let serve = Serve::start(&db.url, &env);
    serve.wait_ready(true).await;
    fake.fail_next(
        "sendMessage",
        429,
        "Too Many Requests: retry after 30",
        Some(30),
    );
    fake.push_text(720, "kontakt");
    let held = fake.wait_until(|f| !f.errors().is_empty(), WAIT).await;
    assert!(held, "{}: the reply was not attempted", db.label);
    serve.sigterm();
    let (status, ready) = serve.wait_ready(false).await;
    assert_eq!(status, 503, "{}: {ready}", db.label);
    assert_eq!(check(&ready, "process"), "shutting down", "{ready}");
    serve
}

/// Far below the 30 s the held reply would take: the process did not wait for it.
const AT_ONCE: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_exits_at_once() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let fake = FakeTelegram::start().await;
        let mut serve = stopping_with_a_reply_held(&db, &fake, 120).await;
        assert!(
            serve.child.try_wait().unwrap().is_none(),
            "{}: exited on the first SIGTERM with a reply in flight",
            db.label
        );
        serve.sigterm();
        let status = serve.exit_within(AT_ONCE).await;
        assert!(
            status.is_some(),
            "{}: still waiting for the reply after a second SIGTERM",
            db.label
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_end_of_the_grace_period_exits_with_work_in_flight() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let fake = FakeTelegram::start().await;
        let mut serve = stopping_with_a_reply_held(&db, &fake, 1).await;
        let status = serve.exit_within(AT_ONCE).await;
        assert!(
            status.is_some(),
            "{}: still waiting for the reply after the grace period",
            db.label
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_smtp_server() {
    let Some(mail) = MailEnv::from_env_or_skip("readyz_follows_the_smtp_server") else {
        return;
    };
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let proxy = Proxy::start(mail.smtp_port).await;
        let utility = mail.fresh_address_with("ebok");
        let env = smtp_env(&mail, proxy.port, &utility, 3);
        let serve = Serve::start(&db.url, &env);
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        assert_eq!(check(&ready, "smtp"), "ok", "{ready}");

        proxy.set_up(false);
        proxy.cut();
        let (status, ready) = serve.wait_ready(false).await;
        assert_eq!(status, 503, "{}: {ready}", db.label);
        assert!(check(&ready, "smtp").contains("SMTP server"), "{ready}");
        assert_eq!(check(&ready, "database"), "ok", "{ready}");

        proxy.set_up(true);
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
    }
}

/// Calls the fake Bot API as an operator (or another process with the token) would.
async fn bot_api(fake: &FakeTelegram, method: &str, params: serde_json::Value) {
    let url = format!("{}bot{TOKEN}/{method}", fake.url());
    let response = reqwest::Client::new()
        .post(url)
        .json(&params)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{method}: {response:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_telegram() {
    const HOOK: &str = "https://bot.example.test/telegram/hook";
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        // Long polling: the token must be accepted (getMe).
        let fake = FakeTelegram::start().await;
        let serve = Serve::start(&db.url, &telegram_env(&fake));
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        fake.fail_next("getMe", 401, "Unauthorized", None);
        let (status, ready) = serve.wait_ready(false).await;
        assert_eq!(status, 503, "{}: {ready}", db.label);
        assert!(check(&ready, "telegram").contains("getMe"), "{ready}");
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        drop(serve);

        // Webhook mode: the webhook must be set to our URL.
        let fake = FakeTelegram::start().await;
        let mut env = telegram_env(&fake);
        env.extend([
            ("EBOK_TELEGRAM__WEBHOOK_URL", HOOK.to_string()),
            (
                "EBOK_TELEGRAM__WEBHOOK_LISTEN",
                format!("127.0.0.1:{}", free_port()),
            ),
            ("EBOK_TELEGRAM__WEBHOOK_SECRET", "s3cret_Token-4".into()),
        ]);
        let serve = Serve::start(&db.url, &env);
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        bot_api(&fake, "deleteWebhook", serde_json::json!({})).await;
        let (status, ready) = serve.wait_ready(false).await;
        assert_eq!(status, 503, "{}: {ready}", db.label);
        assert!(check(&ready, "telegram").contains("not set"), "{ready}");
        let elsewhere = "https://other.example.test/hook";
        bot_api(&fake, "setWebhook", serde_json::json!({ "url": elsewhere })).await;
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (status, body) = serve.get("/readyz").await.unwrap();
            if body.contains(elsewhere) {
                assert_eq!(status, 503, "{body}");
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bot_api(&fake, "setWebhook", serde_json::json!({ "url": HOOK })).await;
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
    }
}

/// `ebok import` as operators run it, on the database of `db`; whether it succeeded.
fn import(db: &TestDb, dir: &std::path::Path) -> bool {
    Command::new(env!("CARGO_BIN_EXE_ebok"))
        .arg("--database")
        .arg(&db.url)
        .arg("import")
        .arg(dir)
        .env_remove("EBOK_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run ebok import")
        .success()
}

/// `ebok import` runs as a process of its own: the serving instance reports the runs it
/// recorded in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_report_the_imports_run_by_another_process() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example");
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let serve = Serve::start(&db.url, &[]);
        serve.wait_ready(true).await;
        let before = serve.metrics().await;
        let ok = [("result", "ok")];
        let failed = [("result", "failed")];
        assert_eq!(sample(&before, "ebok_import_runs_total", &ok), 0.0);
        let last = "ebok_import_last_success_timestamp_seconds";
        assert_eq!(sample(&before, last, &[]), 0.0, "{}", db.label);

        let started = chrono::Utc::now().timestamp() as f64;
        assert!(
            import(&db, &example),
            "{}: the example import failed",
            db.label
        );
        assert!(!import(&db, &example.join("no-such-export")));
        assert!(
            import(&db, &example),
            "{}: the second import failed",
            db.label
        );
        let after = serve.metrics().await;
        assert_eq!(
            sample(&after, "ebok_import_runs_total", &ok),
            2.0,
            "{}",
            db.label
        );
        assert_eq!(sample(&after, "ebok_import_runs_total", &failed), 1.0);
        // The data lines of the example set, read again by the second run (a quoted
        // field may span lines, so the file's line count is an upper bound).
        let lines: usize = std::fs::read_dir(&example)
            .unwrap()
            .map(|f| f.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .map(|p| std::fs::read_to_string(p).unwrap().lines().count() - 1)
            .sum();
        let rows = sample(&after, "ebok_import_last_success_rows", &[]);
        assert!(
            rows > 40.0 && rows <= lines as f64,
            "{}: {rows} of {lines}",
            db.label
        );
        assert!(sample(&after, "ebok_import_last_success_duration_seconds", &[]) > 0.0);
        let at = sample(&after, last, &[]);
        let now = chrono::Utc::now().timestamp() as f64;
        assert!(started - 1.0 <= at && at <= now + 1.0, "{}: {at}", db.label);
        let failed_at = sample(&after, "ebok_import_last_failure_timestamp_seconds", &[]);
        assert!(
            started - 1.0 <= failed_at && failed_at <= at,
            "{failed_at} {at}"
        );
    }
}
