//! Case numbers stay gap-free and unique with two `ebok serve` processes on one
//! PostgreSQL, Telegram in webhook mode, the test playing Telegram: twelve chats of one
//! customer file a complaint at once, their updates spread over both instances. The numbers are
//! 1…12 of the year, each chat got its own, none twice.
//!
//! PostgreSQL only: several instances on one database need it (docs/operations.md).

use crate::helpers::{Backend, TestApp, backends};
use crate::serve::{Serve, WAIT, free_port, telegram_env};
use chrono::Datelike;
use fake_telegram::FakeTelegram;
use std::time::Duration;

const SECRET: &str = "cases_Token-2";
const PATH: &str = "/telegram/hook";
const PASSWORD: &str = "Ciepła woda z kranu 2025";
const CUSTOMERS: usize = 12;

fn update(id: i64, chat: i64, text: &str) -> serde_json::Value {
    serde_json::json!({"update_id": id, "message": {"message_id": id, "date": 1_700_000_000,
        "chat": {"id": chat, "type": "private", "first_name": "Ala"},
        "from": {"id": chat, "is_bot": false, "first_name": "Ala", "language_code": "pl"},
        "text": text}})
}

/// Posts `body` to the instances in turn, from `first`, until one answers 200.
async fn deliver(client: &reqwest::Client, ports: &[u16], first: usize, body: &serde_json::Value) {
    let deadline = tokio::time::Instant::now() + WAIT;
    for attempt in 0.. {
        let port = ports[(first + attempt) % ports.len()];
        let sent = client
            .post(format!("http://127.0.0.1:{port}{PATH}"))
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .json(body)
            .send()
            .await;
        if sent.is_ok_and(|r| r.status().as_u16() == 200) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "update never acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_filing_at_once_number_cases_without_gaps() {
    let pg: Vec<Backend> = backends()
        .into_iter()
        .filter(|b| matches!(b, Backend::Postgres(_)))
        .collect();
    if pg.is_empty() {
        eprintln!("two instances need PostgreSQL: skipped (scripts/test sets it up)");
    }
    for backend in pg {
        let t = TestApp::new(&backend).await;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example");
        ebok::import::run(&t.app.store, &t.app.pesel_key, &dir)
            .await
            .unwrap();
        let customer = t
            .app
            .store
            .customer_id_by_number("K-00102")
            .await
            .unwrap()
            .unwrap();
        // One account, logged in from twelve chats (a family, a housing manager's staff).
        let account = t.account(Some(customer), "Jan Kowalski", PASSWORD).await;
        let accounts = vec![account; CUSTOMERS];
        let fake = FakeTelegram::start().await;
        let chats: Vec<i64> = (0..CUSTOMERS as i64).map(|n| 6100 + n).collect();
        for chat in &chats {
            fake.add_chat(*chat);
        }
        let ports: Vec<u16> = (0..2).map(|_| free_port()).collect();
        let instances: Vec<Serve> = ports
            .iter()
            .map(|port| {
                let mut env = telegram_env(&fake);
                env.extend([
                    (
                        "EBOK_TELEGRAM__WEBHOOK_URL",
                        format!("https://bot.example.test{PATH}"),
                    ),
                    ("EBOK_TELEGRAM__WEBHOOK_LISTEN", format!("127.0.0.1:{port}")),
                    ("EBOK_TELEGRAM__WEBHOOK_SECRET", SECRET.to_string()),
                ]);
                Serve::start(&t.db.url, &env)
            })
            .collect();
        for serve in &instances {
            let (status, ready) = serve.wait_ready(true).await;
            assert_eq!(status, 200, "{ready}");
        }
        let client = reqwest::Client::builder().timeout(WAIT).build().unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for (n, (chat, account)) in chats.iter().zip(&accounts).enumerate() {
            let (client, ports, chat) = (client.clone(), ports.clone(), *chat);
            let login = update(
                1000 + n as i64 * 2,
                chat,
                &format!("zaloguj {account} {PASSWORD}"),
            );
            let form = update(
                1001 + n as i64 * 2,
                chat,
                &format!("reklamacja\ntemat: obsługa\nopis: Zgłoszenie numer {n}."),
            );
            tasks.spawn(async move {
                deliver(&client, &ports, n, &login).await;
                deliver(&client, &ports, n + 1, &form).await;
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        let year = ebok::domain::calendar::today().year();
        let mut seen = Vec::new();
        for chat in &chats {
            let filed = fake
                .expect_message(
                    *chat,
                    |m| m.visible().contains("Przyjęliśmy reklamację nr"),
                    WAIT,
                )
                .await;
            let text = filed.visible();
            let at = text.find(&format!("RK/{year}/")).expect("a number");
            seen.push(text[at..at + 14].to_string());
        }
        seen.sort();
        let expected: Vec<String> = (1..=CUSTOMERS)
            .map(|n| format!("RK/{year}/{n:06}"))
            .collect();
        assert_eq!(
            seen, expected,
            "each chat its own number, none twice, no gap"
        );
        let stored = t
            .app
            .store
            .case_numbers(ebok::domain::case::CaseKind::Complaint, year)
            .await
            .unwrap();
        assert_eq!(stored, (1..=CUSTOMERS as i64).collect::<Vec<_>>());
        drop(instances);
    }
}
