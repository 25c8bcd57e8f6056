//! "Is this invoice genuine?" (`sprawdz` / `verify`, docs/ksef.md) on every backend: a
//! stranger learns only that a valid invoice exists, never its data; a customer learns
//! whether it is theirs, with its verification link; misses are throttled per chat like
//! failed logins, without touching the chat's logins.

use crate::helpers::{TestApp, backends};
use crate::ksef_import::{LATER, ONLINE};
use crate::ksef_views::{LINK, import_ksef};
use crate::lifecycle::exec;
use crate::views::login_customer;

/// Lets every current wait run out (time passing, without sleeping in the test).
async fn waits_pass(t: &TestApp) {
    exec(
        t,
        "UPDATE login_throttle SET blocked_until = $1",
        chrono::Utc::now() - chrono::Duration::seconds(1),
    )
    .await;
}

async fn app() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        import_ksef(&t).await;
        apps.push(t);
    }
    apps
}

#[tokio::test]
async fn a_stranger_learns_that_it_exists_and_nothing_of_it() {
    for t in app().await {
        let chat = t.console("stranger");
        for line in [
            format!("sprawdz {ONLINE}"),
            "sprawdz fv/2026/04/000201 5000,00 30.04.2026".to_string(),
            "verify FV/2026/04/000201 5000.00 2026-04-30".to_string(),
        ] {
            let out = chat.say(&line).await;
            assert!(
                out.contains("wystawiło fakturę o tym numerze")
                    || out.contains("issued an invoice with this number"),
                "{line}: {out}"
            );
            assert!(
                out.contains("https://qr.ksef.mf.gov.pl/invoice/8880205453/"),
                "{out}"
            );
            for secret in [
                "Zazamcze",
                "5 000",
                "30.04.2026",
                "oGZ4",
                "F-00201",
                "kwiecień",
            ] {
                assert!(!out.contains(secret), "{line} shows {secret}: {out}");
            }
            waits_pass(&t).await;
        }
        let wrong = chat
            .say("sprawdz FV/2026/04/000201 5000,01 30.04.2026")
            .await;
        assert!(wrong.contains("Nie znaleźliśmy takiej faktury."), "{wrong}");
        waits_pass(&t).await;
        let unknown = chat.say(&format!("sprawdz {LATER}")).await;
        assert!(
            unknown.contains("Nie znaleźliśmy takiej faktury."),
            "{unknown}"
        );
        waits_pass(&t).await;
        let typo = chat
            .say(&format!("sprawdz {}", ONLINE.replace("-39", "-38")))
            .await;
        assert!(typo.contains("suma kontrolna się nie zgadza"), "{typo}");
    }
}

#[tokio::test]
async fn a_customer_learns_whether_it_is_theirs_and_gets_its_link() {
    for t in app().await {
        login_customer(&t, "F-00201", "firm").await;
        let firm = t.console("firm");
        let out = firm.say(&format!("sprawdz {ONLINE}")).await;
        assert!(
            out.contains("To nasza faktura, wystawiona dla Ciebie"),
            "{out}"
        );
        assert!(out.contains("FV/2026/04/000201"), "{out}");
        assert!(out.contains("5 000,00 zł"), "{out}");
        assert!(out.contains(LINK), "{out}");
        let reply = firm.send(&format!("sprawdz {ONLINE}")).await;
        let buttons: Vec<&str> = reply.actions.iter().map(|a| a.command.as_str()).collect();
        assert!(buttons.contains(&"ksef FV/2026/04/000201"), "{buttons:?}");
        // Someone else's invoice is answered exactly like one that does not exist.
        login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");
        let theirs = jan.say(&format!("sprawdz {ONLINE}")).await;
        waits_pass(&t).await;
        let none = jan.say(&format!("sprawdz {LATER}")).await;
        assert_eq!(theirs, none);
        assert!(theirs.contains("wśród Twoich rachunków"), "{theirs}");
        assert!(!theirs.contains("FV/2026"), "{theirs}");
    }
}

fn seconds_shown(out: &str) -> i64 {
    let at = out
        .find("po ")
        .unwrap_or_else(|| panic!("no wait in {out}"))
        + 3;
    out[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{out}"))
}

#[tokio::test]
async fn misses_are_throttled_per_chat_like_logins_and_logins_are_not() {
    for t in app().await {
        let chat = t.console("guesser");
        let mut shown = Vec::new();
        for i in 0..8 {
            let out = chat
                .say(&format!("sprawdz FV/2026/04/{i:06} 100,00 30.04.2026"))
                .await;
            shown.push(seconds_shown(&out));
            // Within the wait even a right guess is refused without being checked.
            let out = chat.say(&format!("sprawdz {ONLINE}")).await;
            assert!(out.starts_with("⏳ Sprawdź ponownie po"), "{out}");
            waits_pass(&t).await;
        }
        assert_eq!(shown, [5, 5, 5, 5, 5, 10, 20, 40]);
        // Another chat is not held up, and the guesser may still log in.
        let other = t.console("other").say(&format!("sprawdz {ONLINE}")).await;
        assert!(other.contains("wystawiło fakturę"), "{other}");
        let _ = chat.say(&format!("sprawdz {LATER}")).await;
        let login = chat.say("zaloguj EB000001 zgadywane").await;
        assert!(!login.starts_with("⏳"), "{login}");
    }
}

/// The same answers on Telegram and by email, to someone with no account.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stranger_gets_the_same_answer_on_telegram_and_by_email() {
    use crate::email_helpers::{EmailRig, text};
    use crate::telegram_support::Bot;
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        import_ksef(&bot.t).await;
        let user = 7_230_001;
        let out = bot
            .say(user, &format!("/sprawdz {ONLINE}"), |m| {
                m.visible().contains("wystawiło fakturę")
            })
            .await;
        assert!(!out.visible().contains("F-00201"), "{}", out.visible());
        assert!(!out.visible().contains("FV/2026"), "{}", out.visible());
        bot.assert_no_errors();

        let Some(mut rig) = EmailRig::new(&backend, "email sprawdz", |_| {}).await else {
            return;
        };
        import_ksef(&rig.t).await;
        rig.start();
        let stranger = rig.mail.fresh_address_with("obcy");
        let id = rig
            .send(&stranger, "czy to od was?", &format!("sprawdz {ONLINE}"))
            .await;
        let body = text(&rig.reply_to(&stranger, &id).await);
        assert!(body.contains("wystawiło fakturę o tym numerze"), "{body}");
        assert!(
            !body.contains("FV/2026") && !body.contains("5 000"),
            "{body}"
        );
    }
}
