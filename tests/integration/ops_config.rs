//! A configuration `ebok serve` cannot use is refused before anything runs: the real
//! binary, one bad configuration of each kind, its exit status, its stderr (as systemd
//! keeps it) and the database it was pointed at.

use crate::helpers::{TestDb, backends};
use crate::ops_logs::is_log_line;
use crate::serve::{Launch, WAIT, telegram_env};
use fake_telegram::FakeTelegram;
use std::time::Duration;

/// Runs `ebok serve` on `db_url` with `env` (and nothing else configured); its exit
/// status and stderr. Panics if it is still running after [`WAIT`]: it started.
async fn serve_refused(db_url: &str, env: &[(&str, String)]) -> (i32, String) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut serve = Launch::new(db_url)
        .env_remove("RUST_LOG")
        .envs(env)
        .log_to(log.path())
        .start();
    let Some(status) = serve.exit_within(WAIT).await else {
        panic!("ebok serve started with {env:?}:\n{}", serve.log());
    };
    (status.code().unwrap_or(-1), serve.log())
}

fn env(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// An IMAP account on a remote host, as `[email]` needs.
fn email_env(tls: &str) -> Vec<(&'static str, String)> {
    env(&[
        ("EBOK_EMAIL__IMAP_HOST", "imap.mpec.example.pl"),
        ("EBOK_EMAIL__IMAP_PORT", "993"),
        ("EBOK_EMAIL__IMAP_TLS", tls),
        ("EBOK_EMAIL__IMAP_USER", "ebok@mpec.example.pl"),
        ("EBOK_EMAIL__IMAP_PASSWORD", "haslo-skrzynki"),
        ("EBOK_EMAIL__MAILBOX", "INBOX"),
    ])
}

fn smtp_env(host: &str, tls: &str) -> Vec<(&'static str, String)> {
    env(&[
        ("EBOK_SMTP__HOST", host),
        ("EBOK_SMTP__PORT", "25"),
        ("EBOK_SMTP__TLS", tls),
        ("EBOK_SMTP__FROM_ADDRESS", "ebok@mpec.example.pl"),
        ("EBOK_SMTP__FROM_NAME", "e-BOK"),
        ("EBOK_SMTP__TIMEOUT_SECONDS", "5"),
    ])
}

/// Each kind of bad configuration, with the keys its refusal must name.
async fn bad_configurations(
    fake: &FakeTelegram,
    taken: &std::net::TcpListener,
) -> Vec<(&'static str, Vec<(&'static str, String)>, Vec<&'static str>)> {
    let taken = taken.local_addr().unwrap().to_string();
    let mut cases = Vec::new();
    let mut email_alone = email_env("implicit");
    email_alone.extend(telegram_env(fake));
    cases.push(("[email] without [smtp]", email_alone, vec!["[email]"]));
    let mut plain = email_env("plain");
    plain.extend(smtp_env("smtp.mpec.example.pl", "plain"));
    cases.push((
        "plain text to remote mail servers",
        plain,
        vec!["email.imap_tls", "smtp.tls"],
    ));
    let mut webhook = telegram_env(fake);
    webhook.push((
        "EBOK_TELEGRAM__WEBHOOK_URL",
        "https://bot.example.test/hook".into(),
    ));
    cases.push((
        "a webhook without its address and secret",
        webhook,
        vec!["telegram.webhook_listen", "telegram.webhook_secret"],
    ));
    cases.push((
        "the example bank account",
        env(&[(
            "EBOK_UTILITY__BANK_ACCOUNT",
            "61 1090 1014 0000 0712 1981 2874",
        )]),
        vec!["utility.bank_account"],
    ));
    cases.push((
        "a missing template directory and an unknown language",
        env(&[
            ("EBOK_APP__TEMPLATES_DIR", "/nonexistent/ebok-templates"),
            ("EBOK_APP__DEFAULT_LANGUAGE", "de"),
        ]),
        vec!["app.templates_dir", "app.default_language"],
    ));
    cases.push((
        "an operations endpoint on a port in use",
        env(&[("EBOK_HTTP__LISTEN", &taken)]),
        vec!["http.listen"],
    ));
    let mut hook_taken = telegram_env(fake);
    hook_taken.extend(env(&[
        (
            "EBOK_TELEGRAM__WEBHOOK_URL",
            "https://bot.example.test/hook",
        ),
        ("EBOK_TELEGRAM__WEBHOOK_LISTEN", &taken),
        ("EBOK_TELEGRAM__WEBHOOK_SECRET", "s3cret_Token-4"),
    ]));
    cases.push((
        "a webhook on a port in use",
        hook_taken,
        vec!["telegram.webhook_listen"],
    ));
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_configuration_is_refused_before_anything_runs() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let fake = FakeTelegram::start().await;
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut cases = bad_configurations(&fake, &taken).await;
        // A token Telegram refuses (401 to getMe), as a revoked one is.
        cases.push((
            "a refused token",
            telegram_env(&fake),
            vec!["telegram.token"],
        ));
        for (what, env, keys) in cases {
            if keys == ["telegram.token"] {
                fake.fail_next("getMe", 401, "Unauthorized", None);
            }
            let (code, stderr) = serve_refused(&db.url, &env).await;
            assert_ne!(code, 0, "{}, {what}: exit status 0\n{stderr}", db.label);
            let refusal = stderr.lines().find(|l| l.starts_with("ebok: "));
            assert!(
                refusal.is_some(),
                "{}, {what}: no refusal\n{stderr}",
                db.label
            );
            let logged: Vec<&str> = stderr.lines().filter(|l| is_log_line(l)).collect();
            assert!(
                logged.is_empty(),
                "{}, {what}: something ran before the refusal: {logged:#?}",
                db.label
            );
            for key in keys {
                assert!(
                    stderr.contains(&format!("{key}: ")),
                    "{}, {what}: {key} not named\n{stderr}",
                    db.label
                );
            }
            assert!(!stderr.contains("haslo-skrzynki") && !stderr.contains("TEST-token"));
        }
        // Nothing was written: the scheduler never ran, no outbox row, and Telegram
        // was not told anything (no webhook set, no menu, no message).
        let store = &db.store;
        let job = ebok::notify::scheduler::JOB;
        assert_eq!(store.job_last_run(job).await.unwrap(), None, "{}", db.label);
        assert!(
            store
                .outbox_counts()
                .await
                .unwrap()
                .iter()
                .all(|(_, n)| *n == 0),
            "{}",
            db.label
        );
        for method in ["setWebhook", "setMyCommands", "sendMessage", "getUpdates"] {
            assert!(fake.calls_of(method).is_empty(), "{}: {method}", db.label);
        }
    }
}

/// The other side of the test above: the same runner, a good configuration, and the
/// scheduler runs at once (so its absence above means something).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_configuration_starts_the_scheduler() {
    let db = TestDb::new(&crate::helpers::Backend::Sqlite).await;
    let fake = FakeTelegram::start().await;
    let serve = crate::serve::Serve::start(&db.url, &telegram_env(&fake));
    let deadline = tokio::time::Instant::now() + WAIT;
    let job = ebok::notify::scheduler::JOB;
    while db.store.job_last_run(job).await.unwrap().is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the scheduler never ran"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(serve);
}
