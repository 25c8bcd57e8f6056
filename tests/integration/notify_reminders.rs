//! Reminders until paid, as the customer gets them: "due soon" at the lead the account
//! chose, one on the due day, then "overdue" every seven days at most three times —
//! each stopping at the import that shows the bill paid (a partly paid bill says what
//! remains), and none at all while the last billing import is too old. The scheduler's
//! runs are made with the clock moved, on SQLite and PostgreSQL.

use crate::helpers::{TestApp, backends};
use crate::notifications::{app_with_customers, as_customer, keys, read, warsaw};
use crate::telegram_support::{example_copy, import};
use chrono::{DateTime, Utc};
use ebok::core::{Channel, Lang};
use ebok::notify::scheduler::run_once;
use std::path::Path;

/// Due Friday 14 March 2025; 934,30 zł, unpaid in the import example.
const BILL: &str = "FV/2025/02/000102";

async fn run(t: &TestApp, when: DateTime<Utc>) -> ebok::notify::scheduler::Summary {
    run_once(&t.app.store, &t.app.settings, when, "test")
        .await
        .unwrap()
        .expect("the lease")
}

/// The import example as billing exports it after `credited` of `BILL` is settled
/// (the amount to pay is the rest of its 934.30).
fn export_with_credited(credited: &str, to_pay: &str) -> tempfile::TempDir {
    let dir = example_copy();
    let path = dir.path().join("invoices.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed: Vec<String> = text
        .lines()
        .map(|line| {
            if !line.starts_with(&format!("{BILL},")) {
                return line.to_string();
            }
            let mut cells: Vec<&str> = line.split(',').collect();
            cells[7] = credited;
            cells[8] = to_pay;
            cells.join(",")
        })
        .collect();
    std::fs::write(&path, changed.join("\n") + "\n").unwrap();
    dir
}

async fn import_from(t: &TestApp, dir: &Path) {
    import(t, dir).await;
}

/// The outbox row's state for the key that starts with `key`.
async fn status_of(t: &TestApp, key: &str) -> (String, Option<String>) {
    let sql = "SELECT status, last_error FROM outbox WHERE dedupe_key LIKE $1";
    let like = format!("{key}%");
    match &t.app.store {
        ebok::store::Store::Sqlite(p) => sqlx::query_as(sql).bind(like).fetch_one(p).await.unwrap(),
        ebok::store::Store::Postgres(p) => {
            sqlx::query_as(sql).bind(like).fetch_one(p).await.unwrap()
        }
    }
}

#[tokio::test]
async fn overdue_reminders_repeat_until_the_import_that_pays_the_bill() {
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
        let key = |tail: &str| format!("notify:{tail}:telegram:5001");

        // The due day (Friday the 14th) has a reminder of its own.
        run(&t, warsaw("2025-03-14 07:00")).await;
        let today = read(&t, &key(&format!("due_soon:{BILL}:today")), Lang::Pl).await;
        assert!(today.contains("Dziś mija termin płatności"), "{today}");

        // Overdue from Monday the 17th, again a week later: reminder 2 of 3.
        run(&t, warsaw("2025-03-17 07:00")).await;
        run(&t, warsaw("2025-03-20 07:00")).await;
        run(&t, warsaw("2025-03-24 07:00")).await;
        let second = read(&t, &key(&format!("overdue:{BILL}:2")), Lang::Pl).await;
        assert!(second.contains("(przypomnienie 2 z 3)"), "{second}");
        assert!(second.contains("Do zapłaty 934,30 zł"), "{second}");

        // Part of it settled: the third reminder says how much and what remains.
        // Written at 06:00, in the quiet hours, it waits for 08:00.
        import_from(&t, export_with_credited("434.30", "500.00").path()).await;
        run(&t, warsaw("2025-03-31 06:00")).await;
        let third = read(&t, &key(&format!("overdue:{BILL}:3")), Lang::Pl).await;
        assert!(
            third.contains("Rozliczono już 434,30 zł z 934,30 zł; pozostało 500,00 zł."),
            "{third}"
        );
        assert_eq!(
            status_of(&t, &key(&format!("overdue:{BILL}:3"))).await.0,
            "pending"
        );

        // The import that pays it: the waiting reminder is cancelled, no more come.
        import_from(&t, export_with_credited("934.30", "0.00").path()).await;
        let (status, why) = status_of(&t, &key(&format!("overdue:{BILL}:3"))).await;
        assert_eq!(
            (status.as_str(), why.as_deref()),
            ("failed", Some("cancelled: the bill is paid")),
            "{}",
            t.db.label
        );
        let before = keys(&t).await;
        run(&t, warsaw("2025-04-07 07:00")).await;
        assert_eq!(keys(&t).await, before, "({})", t.db.label);
        let mut written = before.clone();
        written.sort();
        let mut expected = [
            key(&format!("due_soon:{BILL}:today")),
            key(&format!("overdue:{BILL}")),
            key(&format!("overdue:{BILL}:2")),
            key(&format!("overdue:{BILL}:3")),
        ];
        expected.sort();
        assert_eq!(written, expected, "({})", t.db.label);
    }
}

#[tokio::test]
async fn reminders_pause_while_the_last_billing_import_is_too_old() {
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
        let store = &t.app.store;
        store
            .record_import_run(warsaw("2025-03-10 06:00"), true, 100, 0.5)
            .await
            .unwrap();

        // Friday the 14th, four days after the last import (the limit is three).
        t.app.core.clock().set(warsaw("2025-03-14 07:00"));
        let paused = run(&t, warsaw("2025-03-14 07:00")).await;
        assert!(paused.paused, "{paused:?}");
        assert!(keys(&t).await.is_empty(), "({})", t.db.label);
        let ready = ebok::http::readiness(&t.app).await;
        assert!(ready.degraded, "{ready:?}");
        let why = &ready.checks["reminders"];
        assert!(
            why.contains("reminders paused") && why.contains("4 days ago"),
            "{why}"
        );

        // The export comes again: the next run reminds, readiness is clean.
        store
            .record_import_run(warsaw("2025-03-14 08:00"), true, 100, 0.5)
            .await
            .unwrap();
        t.app.core.clock().set(warsaw("2025-03-14 09:00"));
        let ran = run(&t, warsaw("2025-03-14 09:00")).await;
        assert!(!ran.paused && ran.due_soon == 1, "{ran:?}");
        let ready = ebok::http::readiness(&t.app).await;
        assert_eq!(ready.checks["reminders"], "ok");
    }
}

#[tokio::test]
async fn a_customer_chooses_how_many_days_ahead_the_reminder_comes() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102"]).await;
        let shown = as_customer(&t, Channel::Console, "c", &ids[0], "powiadomienia wlacz").await;
        assert!(
            shown.contains("Terminy: przypomnienie 3 dni przed terminem i w dniu terminu, a po terminie co 7 dni (najwyżej 3 razy)"),
            "{shown}"
        );
        let chat = t.console("c");
        // Monday the 10th: the bill is due in four days, beyond the default three.
        run(&t, warsaw("2025-03-10 07:00")).await;
        assert!(keys(&t).await.is_empty(), "({})", t.db.label);

        let wrong = chat.say("powiadomienia terminy 30").await;
        assert!(
            wrong.contains("od 1 do 14 dni przed terminem, a podano 30")
                && wrong.contains("powiadomienia terminy 5"),
            "{wrong}"
        );
        let set = chat.say("powiadomienia terminy 7").await;
        assert!(
            set.contains("✅ Przypomnienie o terminie płatności przyjdzie 7 dni wcześniej."),
            "{set}"
        );
        assert!(
            set.contains("Terminy: przypomnienie 7 dni przed terminem"),
            "{set}"
        );
        run(&t, warsaw("2025-03-10 09:00")).await;
        let written = keys(&t).await;
        assert_eq!(written.len(), 1, "{written:?}");
        assert!(
            written[0].starts_with(&format!("notify:due_soon:{BILL}:email:")),
            "{written:?}"
        );
        let audit = t.app.store.audit_tail(10).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "reminder_lead_set" && a.detail == "7"),
            "{audit:?}"
        );
    }
}
