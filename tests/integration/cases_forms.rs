//! Forms and files of cases, on SQLite and PostgreSQL: the capacity request shown
//! against the capacity on the latest invoice, values that do not check out (`abc`, a
//! past date) and attachments that are refused (type, size, count) with clear words and
//! nothing half-saved; the discount computed exactly; staff opening a case for a
//! customer who phoned; the back office's export.

use crate::cases::case_count;
use crate::helpers::backends;
use crate::lifecycle::staff_on;
use crate::views::{example_app, login_customer};
use ebok::core::IncomingFile;

fn file(name: &str, body: &[u8]) -> IncomingFile {
    IncomingFile {
        name: name.into(),
        body: body.to_vec(),
    }
}

#[tokio::test]
async fn a_capacity_request_is_checked_and_shown_against_the_current_capacity() {
    for backend in backends() {
        let t = example_app(&backend).await; // today: 22.04.2025
        login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");
        jan.say("wniosek").await;
        let ask = jan.say("moc").await;
        assert!(
            ask.contains("Obecna moc zamówiona: 0,012 MW (faktura FV/2025/02/000102)"),
            "{ask}"
        );
        let bad = jan.say("abc").await;
        assert!(
            bad.contains("Moc podaj w MW jako liczbę większą od zera"),
            "{bad}"
        );
        let ok = jan.say("0,010").await;
        assert!(ok.contains("Nowa moc: 0,010 MW. Od którego dnia?"), "{ok}");
        let past = jan.say("01.04.2025").await;
        assert!(past.contains("Data nie może być z przeszłości"), "{past}");
        let nodate = jan.say("jutro").await;
        assert!(nodate.contains("Datę podaj jako DD.MM.RRRR"), "{nodate}");
        jan.say("01.10.2025").await;
        let filed = jan.say("Ocieplono budynek, potrzebujemy mniej mocy.").await;
        assert!(
            filed.contains("Przyjęliśmy wniosek nr WN/2025/000001"),
            "{filed}"
        );
        assert!(
            filed.contains("Nowa moc zamówiona: 0,010 MW od 01.10.2025 (obecnie 0,012 MW)"),
            "{filed}"
        );
        // A command typed after filing is not taken as information for the case.
        let saldo = jan.say("saldo").await;
        assert!(
            saldo.contains("Polecenia saldo nie dopisano do sprawy"),
            "{saldo}"
        );
        let case = jan.say("sprawa WN/2025/000001").await;
        assert!(!case.contains("dopisana informacja"), "{case}");

        // The one-message form says the same about bad values, and files nothing.
        for (form, says) in [
            (
                "wniosek\ntemat: moc\nmoc: abc\nod: 01.10.2025\nopis: x",
                "Moc podaj w MW",
            ),
            (
                "wniosek\ntemat: moc\nmoc: 0,5\nod: 01.01.2025\nopis: x",
                "z przeszłości",
            ),
            ("wniosek\ntemat: moc\nopis: x", "wymaga pól moc: i od:"),
            ("reklamacja\ntemat: rachunek\nopis: x", "wymaga numeru"),
            (
                "reklamacja\ntemat: kosmos\nopis: x",
                "brakuje tematu albo jest nieznany",
            ),
            ("reklamacja\ntemat: licznik\nopis: ", "Brakuje opisu sprawy"),
        ] {
            let out = jan.say(form).await;
            assert!(out.contains(says), "{form}: {out}");
        }
        assert_eq!(case_count(&t).await, 1);
    }
}

#[tokio::test]
async fn refused_attachments_save_nothing_and_say_why() {
    for backend in backends() {
        let t = example_app(&backend).await;
        login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");
        let form = "reklamacja\ntemat: licznik\nopis: Licznik stoi od tygodnia.";
        let pdf = file("protokol.pdf", b"%PDF-1.4 protokol");
        let exe = file("zdjecie.jpg", b"MZ\x90\0 not a photo");
        let mut big = b"%PDF-".to_vec();
        big.resize(10 * 1024 * 1024 + 1, b' ');
        for (files, says) in [
            (
                vec![pdf.clone(), exe],
                "tylko pliki PDF, JPEG i PNG; nic nie zapisano",
            ),
            (
                vec![file("skan.pdf", &big)],
                "większy niż 10 MB; nic nie zapisano",
            ),
            (vec![pdf.clone(); 6], "najwyżej 5 plików; nic nie zapisano"),
        ] {
            let reply = t.app.core.handle_with_files(&jan.origin, form, files).await;
            let out = t
                .app
                .renderer
                .reply(ebok::render::Flavour::Text, &reply)
                .unwrap();
            assert!(out.contains(says), "{out}");
            assert_eq!(case_count(&t).await, 0, "{out}");
        }
        // Numbers stay gap-free: the refused filings took none.
        let reply = t
            .app
            .core
            .handle_with_files(&jan.origin, form, vec![pdf.clone(); 5])
            .await;
        assert!(reply.files_taken);
        let out = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        assert!(
            out.contains("RK/2025/000001") && out.contains("Załączniki: 5"),
            "{out}"
        );
        let more = t
            .app
            .core
            .handle_with_files(
                &jan.origin,
                "sprawa RK/2025/000001 dopisz jeszcze jeden",
                vec![pdf],
            )
            .await;
        let out = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &more)
            .unwrap();
        assert!(out.contains("najwyżej 5 plików"), "{out}");
        let case = jan.say("sprawa RK/2025/000001").await;
        assert!(!case.contains("jeszcze jeden"), "{case}");
    }
}

#[tokio::test]
async fn staff_open_a_case_for_a_caller_record_a_discount_and_export_it() {
    for backend in backends() {
        let t = example_app(&backend).await;
        let staff = t.console("ewa");
        let ewa = staff_on(&t, &staff, "Ewa Pracownik").await;
        let opened = staff
            .say("zaloz-sprawe K-00102 dostawa Ogrzewanie włączono 3 dni po terminie zgłoszonym przez wspólnotę.")
            .await;
        assert!(
            opened.contains("Przyjęliśmy reklamację nr RK/2025/000001"),
            "{opened}"
        );
        // Capacity charge on Jan's latest invoice: 122.89 zł; 3 days = 3 × 122.89 / 30 = 12.289 → 12.29 zł.
        let d = staff.say("bonifikata RK/2025/000001 3").await;
        assert!(d.contains("naliczona bonifikata"), "{d}");
        staff
            .say("odpowiedz RK/2025/000001 uwzglednij Przyznajemy bonifikatę za 3 dni.")
            .await;
        let case = staff.say("sprawa RK/2025/000001").await;
        assert!(case.contains("Bonifikata: 12,29 zł za 3 dni"), "{case}");
        assert!(
            case.contains(&format!("przyjęcie sprawy ({ewa})")),
            "{case}"
        );
        assert!(case.contains("Klient: K-00102"), "{case}");
        // The customer follows it like their own.
        login_customer(&t, "K-00102", "jan").await;
        let mine = t.console("jan").say("sprawy").await;
        assert!(mine.contains("RK/2025/000001 — dostawa ciepła"), "{mine}");

        let csv = ebok::cli::cases::run(
            &t.app,
            ebok::cli::CasesCommand::Export {
                since: None,
                format: "csv".into(),
            },
        )
        .await
        .unwrap();
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("number,kind,subject,customer"),
            "{csv}"
        );
        let row = lines.next().unwrap();
        assert!(
            row.starts_with("RK/2025/000001,complaint,heat_supply,K-00102"),
            "{row}"
        );
        assert!(
            row.contains(",accepted,Przyznajemy bonifikatę za 3 dni.,3,12.29,"),
            "{row}"
        );
        let json = ebok::cli::cases::run(
            &t.app,
            ebok::cli::CasesCommand::Export {
                since: Some(chrono::NaiveDate::from_ymd_opt(2999, 1, 1).unwrap()),
                format: "json".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(json.trim(), "[]");
    }
}
