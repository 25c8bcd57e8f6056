//! Complaints and requests (issue 20) on the console, on SQLite and PostgreSQL: filing
//! by dialogue (it survives a restart) and by one-message form, following the case,
//! staff taking, extending and answering it (the ADR statement of a household's
//! rejection, refused without one), the customer's notices in the outbox, the
//! discount, bad input with nothing half-saved, and another customer seeing nothing.

use crate::helpers::{TestApp, backends};
use crate::lifecycle::staff_on;
use crate::views::{example_app, login_customer};

/// The outbox rows of case notices: (recipient, payload), oldest first.
pub async fn case_notices(t: &TestApp, template: &str) -> Vec<(String, String)> {
    let sql = "SELECT recipient, payload FROM outbox WHERE payload LIKE $1 ORDER BY id";
    let like = format!("%\"template\":\"{template}\"%");
    ebok::on_pool!(&t.app.store, |p| sqlx::query_as(sql)
        .bind(&like)
        .fetch_all(p)
        .await)
    .unwrap()
}

/// How many cases are stored.
pub async fn case_count(t: &TestApp) -> i64 {
    ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM cases"
    )
    .fetch_one(p)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_bill_complaint_is_filed_followed_taken_and_answered_with_the_adr_statement() {
    for backend in backends() {
        let t = example_app(&backend).await; // today: 22.04.2025
        login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");

        let start = jan.send("reklamacja").await;
        let subjects: Vec<&str> = start.actions.iter().map(|a| a.command.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "bill",
                "heat_supply",
                "meter",
                "service",
                "disconnection",
                "anuluj"
            ]
        );
        let bills = jan.say("rachunek").await;
        assert!(bills.contains("FV/2025/02/000102"), "{bills}");
        let wrong = jan.say("FV/2025/01/000101").await; // Zofia's bill, not Jan's
        assert!(wrong.contains("Nie znaleziono takiego rachunku"), "{wrong}");

        // The half-filled dialogue survives a restart: a new core on the same database.
        let settings = (*t.app.settings).clone();
        let again = ebok::app::App::with_store(settings, t.db.store.clone())
            .await
            .unwrap();
        again.core.freeze_today(t.app.core.today());
        let origin = ebok::core::Origin::new(ebok::core::Channel::Console, "jan");
        let reply = again.core.handle(&origin, "FV/2025/02/000102").await;
        assert_eq!(reply.template_names(), ["case_ask_description"]);

        let filed = jan
            .say("Naliczono 12 GJ za luty, a lokal stał pusty — proszę o korektę.")
            .await;
        assert!(
            filed.contains("Przyjęliśmy reklamację nr RK/2025/000001"),
            "{filed}"
        );
        assert!(filed.contains("rachunek FV/2025/02/000102"), "{filed}");
        assert!(filed.contains("Data wpływu: 22.04.2025"), "{filed}");
        // 22.04 + 14 days = Tuesday 6 May 2025, a working day.
        assert!(filed.contains("Odpowiemy do 06.05.2025"), "{filed}");
        assert!(filed.contains("sprawa RK/2025/000001"), "{filed}");
        let more = jan.say("Odczyt z 28.02: 1234,5 GJ.").await;
        assert!(
            more.contains("Dopisano do sprawy RK/2025/000001: informacja"),
            "{more}"
        );
        let done = jan.say("gotowe").await;
        assert!(done.contains("jest kompletna"), "{done}");

        let list = jan.say("sprawy").await;
        assert!(list.contains("RK/2025/000001 — rachunek"), "{list}");
        assert!(list.contains("przyjęta, odpowiedź do 06.05.2025"), "{list}");

        // Staff get a notice of the new case (the configured staff address).
        let staff_chat = t.console("ewa");
        let ewa = staff_on(&t, &staff_chat, "Ewa Pracownik").await;
        let open = staff_chat.say("sprawy").await;
        assert!(
            open.contains("RK/2025/000001 — rachunek, przyjęta, termin 06.05.2025"),
            "{open}"
        );
        let taken = staff_chat.say("przejmij RK/2025/000001").await;
        assert!(taken.contains("sprawa przyjęta do rozpatrzenia"), "{taken}");
        let mine = staff_chat.say("sprawy moje").await;
        assert!(
            mine.contains(&format!(
                "RK/2025/000001 — rachunek, w toku, termin 06.05.2025, {ewa}"
            )),
            "{mine}"
        );
        let answered = staff_chat
            .say(
                "odpowiedz RK/2025/000001 odrzuc Odczyt licznika z 28.02 jest zgodny z protokołem.",
            )
            .await;
        assert!(answered.contains("RK/2025/000001: odpowiedź"), "{answered}");

        let seen = jan.say("sprawa rk/2025/1").await;
        assert!(seen.contains("Stan: rozpatrzona — odrzucona"), "{seen}");
        assert!(
            seen.contains("Odpowiedź: Odczyt licznika z 28.02 jest zgodny"),
            "{seen}"
        );
        assert!(seen.contains("dopisana informacja"), "{seen}");
        assert!(
            seen.contains(&format!("odpowiedź ({ewa}): rejected")),
            "{seen}"
        );

        // The customer's notices: taken, then the answer with the ADR statement, to the
        // account's address on file (the console has no outbox of its own).
        let notices = case_notices(&t, "notify_case").await;
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert!(notices.iter().all(|(to, _)| to == "klient@example.test"));
        assert!(
            notices[0].1.contains("\"event\":\"taken\""),
            "{}",
            notices[0].1
        );
        assert!(
            notices[1].1.contains("\"outcome\":\"rejected\""),
            "{}",
            notices[1].1
        );
        assert!(
            notices[1].1.contains("pozasądowe rozwiązanie sporu"),
            "{}",
            notices[1].1
        );

        // Another customer sees nothing of it, as if it did not exist.
        login_customer(&t, "K-00101", "zofia").await;
        let other = t.console("zofia").say("sprawa RK/2025/000001").await;
        assert!(
            other.contains("Nie znaleziono sprawy o tym numerze"),
            "{other}"
        );
        assert!(!other.contains("lokal stał pusty"), "{other}");
    }
}

#[tokio::test]
async fn a_households_rejection_without_the_adr_statement_is_refused() {
    for backend in backends() {
        let t = TestApp::with_settings(&backend, |s| {
            s.cases.adr_statement_pl.clear();
            s.cases.adr_statement_en.clear();
        })
        .await;
        t.app
            .core
            .freeze_today(chrono::NaiveDate::from_ymd_opt(2025, 4, 22).unwrap());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example");
        ebok::import::run(&t.app.store, &t.app.pesel_key, &dir)
            .await
            .unwrap();
        login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");
        let filed = jan
            .say("reklamacja\ntemat: obsługa\nopis: Nikt nie odbiera telefonu w biurze.")
            .await;
        assert!(filed.contains("RK/2025/000001"), "{filed}");
        let staff_chat = t.console("ewa");
        staff_on(&t, &staff_chat, "Ewa Pracownik").await;
        let refused = staff_chat
            .say("odpowiedz RK/2025/000001 odrzuc Nie stwierdzono.")
            .await;
        assert!(
            refused.contains("musi zawierać oświadczenie ADR"),
            "{refused}"
        );
        let still = jan.say("sprawy").await;
        assert!(still.contains("przyjęta"), "{still}");
        assert!(case_notices(&t, "notify_case").await.is_empty());
        // Accepting needs no statement.
        let ok = staff_chat
            .say("odpowiedz RK/2025/000001 uwzglednij Przepraszamy, poprawimy dyżury.")
            .await;
        assert!(ok.contains("odpowiedź"), "{ok}");
    }
}
