//! Cases as time passes (the core's "today" moved, never waited for), on SQLite and
//! PostgreSQL: an art. 6c complaint holds the collection view's warning and counts as
//! accepted the day after its deadline; the assignee is reminded before a deadline and
//! all staff are told once it has passed, each once however often the chores run.

use crate::cases::case_notices;
use crate::helpers::backends;
use crate::lifecycle::staff_on;
use crate::views::{example_app, login_customer};
use chrono::NaiveDate;

/// The example data set with a staff chat configured (`telegram.staff_chats`), so staff
/// notices have a recipient; nothing is sent here, the outbox rows are read.
async fn with_staff_chat(backend: &crate::helpers::Backend) -> crate::helpers::TestApp {
    let t = crate::helpers::TestApp::with_settings(backend, |s| {
        s.telegram = Some(ebok::config::Telegram {
            token: secrecy::SecretString::from("123456:TEST-token"),
            api_url: Some("http://127.0.0.1:9/".into()),
            staff_chats: vec![555],
            webhook_url: None,
            webhook_listen: None,
            webhook_secret: None,
            messages_per_second: 0,
            poll_timeout_seconds: 25,
            webhook_claim_seconds: 120,
            chat_messages_per_second: 0,
            chat_burst: 1,
            allow_paid_broadcast: false,
            paid_messages_per_second: 1000,
            outbox_lease_seconds: 30,
        });
    })
    .await;
    t.app.core.freeze_today(day(4, 22));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example");
    ebok::import::run(&t.app.store, &t.app.pesel_key, &dir)
        .await
        .unwrap();
    t
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).unwrap()
}

#[tokio::test]
async fn an_art_6c_complaint_not_decided_in_14_days_counts_as_accepted() {
    for backend in backends() {
        let t = example_app(&backend).await; // today: Tuesday 22 April 2025
        login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");
        let filed = jan
            .say("reklamacja\ntemat: odłączenie\nopis: Zaległość spłaciłem 15.04, a dostałem powiadomienie o wstrzymaniu dostaw.")
            .await;
        assert!(filed.contains("RK/2025/000001"), "{filed}");
        // 22.04 + 14 = Tuesday 6 May 2025.
        assert!(filed.contains("Termin rozpatrzenia: 06.05.2025"), "{filed}");
        assert!(
            filed.contains("dostawy ciepła nie zostaną wstrzymane"),
            "{filed}"
        );
        let collections = jan.say("windykacje").await;
        assert!(
            collections.contains(
                "Reklamacja RK/2025/000001 powiadomienia o wstrzymaniu dostaw czeka na rozpatrzenie"
            ) && collections.contains("nierozpatrzona do 06.05.2025"),
            "{collections}"
        );

        // On the deadline itself nothing happens yet.
        t.app.core.freeze_today(day(5, 6));
        let run = t.app.core.chase_cases().await.unwrap();
        assert_eq!(run.deemed_accepted, 0);
        assert!(jan.say("sprawy").await.contains("przyjęta"));

        // The day after, it counts as accepted, once.
        t.app.core.freeze_today(day(5, 7));
        let run = t.app.core.chase_cases().await.unwrap();
        assert_eq!(run.deemed_accepted, 1);
        assert_eq!(t.app.core.chase_cases().await.unwrap().deemed_accepted, 0);
        let case = jan.say("sprawa RK/2025/000001").await;
        assert!(
            case.contains("Stan: rozpatrzona — uważa się za uwzględnioną (art. 6c)"),
            "{case}"
        );
        assert!(
            case.contains("uznana za uwzględnioną (art. 6c) (system)"),
            "{case}"
        );
        let collections = jan.say("windykacje").await;
        assert!(
            !collections.contains("czeka na rozpatrzenie"),
            "{collections}"
        );
        // The customer is told at once: urgent (priority 10), not held by quiet hours.
        let notices = case_notices(&t, "notify_case").await;
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0].1.contains("\"event\":\"deemed_accepted\""),
            "{}",
            notices[0].1
        );
        let priority: i64 = ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar(
            "SELECT CAST(priority AS BIGINT) FROM outbox WHERE payload LIKE '%notify_case%'"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(priority, 10);
        // Staff cannot answer it any more.
        let staff = t.console("ewa");
        staff_on(&t, &staff, "Ewa Pracownik").await;
        let late = staff.say("odpowiedz RK/2025/000001 odrzuc Za późno.").await;
        assert!(
            late.contains("Sprawa jest już rozpatrzona lub zamknięta"),
            "{late}"
        );
    }
}

#[tokio::test]
async fn the_assignee_is_reminded_before_the_deadline_and_staff_told_after_it_once() {
    for backend in backends() {
        let t = with_staff_chat(&backend).await; // today: 22 April 2025
        login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");
        let filed = jan
            .say("wniosek\ntemat: sprawdzenie\nopis: Proszę o sprawdzenie licznika.")
            .await;
        assert!(filed.contains("WN/2025/000001"), "{filed}");
        // Staff notices go to the configured staff chat.
        let staff = t.console("ewa");
        staff_on(&t, &staff, "Ewa Pracownik").await;
        staff.say("przejmij WN/2025/000001").await;
        // More information asked and given: staff are told it came, each time.
        staff
            .say("dopytaj WN/2025/000001 Proszę podać numer licznika.")
            .await;
        let waiting = jan.say("sprawy").await;
        assert!(waiting.contains("czeka na Twoje informacje"), "{waiting}");
        jan.say("sprawa WN/2025/000001 dopisz Licznik nr 12345.")
            .await;
        let told = case_notices(&t, "staff_case").await;
        assert!(
            told.iter()
                .any(|(_, p)| p.contains("\"event\":\"info_added\"")),
            "{told:?}"
        );
        assert!(jan.say("sprawy").await.contains("w toku"));
        let before = case_notices(&t, "staff_case").await.len();

        // Deadline 06.05.2025; two days before, the assignee's reminder.
        t.app.core.freeze_today(day(5, 3));
        assert_eq!(t.app.core.chase_cases().await.unwrap().reminded, 0);
        t.app.core.freeze_today(day(5, 4));
        assert_eq!(t.app.core.chase_cases().await.unwrap().reminded, 1);
        assert_eq!(t.app.core.chase_cases().await.unwrap().reminded, 0);
        t.app.core.freeze_today(day(5, 7));
        let run = t.app.core.chase_cases().await.unwrap();
        assert_eq!((run.reminded, run.escalated), (0, 1));
        assert_eq!(t.app.core.chase_cases().await.unwrap().escalated, 0);
        let rows = case_notices(&t, "staff_case").await;
        let new: Vec<&String> = rows[before..].iter().map(|(_, p)| p).collect();
        assert!(
            new.iter().any(|p| p.contains("\"event\":\"due_soon\"")),
            "{new:?}"
        );
        assert!(
            new.iter().any(|p| p.contains("\"event\":\"overdue\"")),
            "{new:?}"
        );
        // Overdue first in the staff's list, marked.
        let list = staff.say("sprawy").await;
        assert!(list.contains("🔴 WN/2025/000001"), "{list}");
        let status = ebok::cli::cases::run(&t.app, ebok::cli::CasesCommand::Status)
            .await
            .unwrap();
        assert!(status.contains("open 1 (overdue 1)"), "{status}");
    }
}
