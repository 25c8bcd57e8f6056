//! Login throttling that an attacker cannot turn into a lock-out, enumeration (same
//! answer, same timing), and session timeouts.

use crate::helpers::{TestApp, backends};
use crate::lifecycle::{NEW_PASSWORD, exec};
use std::time::{Duration, Instant};

/// Lets every current wait run out (time passing, without sleeping in the test).
async fn waits_pass(t: &TestApp) {
    exec(
        t,
        "UPDATE login_throttle SET blocked_until = $1",
        chrono::Utc::now() - chrono::Duration::seconds(1),
    )
    .await;
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
async fn waits_escalate_per_source_and_per_identifier_within_limits() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        // One chat trying many identifiers: 5 s for the first five failures, then doubling.
        let chat = t.console("guesser");
        let mut shown = Vec::new();
        for i in 0..9 {
            let out = chat.say(&format!("zaloguj EB10{i:04} zgadywane")).await;
            shown.push(seconds_shown(&out));
            // Within the wait the next attempt is refused without being checked.
            let out = chat.say(&format!("zaloguj EB20{i:04} zgadywane")).await;
            assert!(out.starts_with("⏳"), "{out}");
            waits_pass(&t).await;
        }
        assert_eq!(shown, [5, 5, 5, 5, 5, 10, 20, 40, 80]);
        // One identifier tried from many chats: its wait grows too, but at most to 60 s.
        let id = t.account(None, "Anna Nowak", NEW_PASSWORD).await;
        let mut last = 0;
        for i in 0..12 {
            let out = t
                .console(&format!("bot-{i}"))
                .say(&format!("zaloguj {id} zgadywane"))
                .await;
            last = seconds_shown(&out);
            waits_pass(&t).await;
        }
        let out = t
            .console("bot-x")
            .say(&format!("zaloguj {id} zgadywane"))
            .await;
        assert_eq!(seconds_shown(&out), 60, "capped: {out}");
        assert!(last <= 60);
    }
}

#[tokio::test]
async fn an_attacker_cannot_lock_the_customer_out_of_their_own_chat() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let id = t.account(None, "Anna Nowak", NEW_PASSWORD).await;
        let home = t.console("home");
        assert!(
            home.say(&format!("zaloguj {id} {NEW_PASSWORD}"))
                .await
                .contains("Zalogowano")
        );
        home.say("wyloguj").await;
        // Failures from many sources keep the identifier blocked for new chats...
        for i in 0..20 {
            t.console(&format!("attacker-{i}"))
                .say(&format!("zaloguj {id} zgadywane"))
                .await;
            waits_pass(&t).await;
        }
        t.console("attacker-x")
            .say(&format!("zaloguj {id} zgadywane"))
            .await;
        let out = t
            .console("new-phone")
            .say(&format!("zaloguj {id} {NEW_PASSWORD}"))
            .await;
        assert!(out.contains("Zaloguj się ponownie po"), "{out}");
        assert!(seconds_shown(&out) <= 60, "never more than a minute: {out}");
        // ...but the chat the customer logged in from before is not affected.
        let out = home.say(&format!("zaloguj {id} {NEW_PASSWORD}")).await;
        assert!(out.contains("Zalogowano"), "{out}");
    }
}

/// A timing comparison only means something on an otherwise idle machine: it is left
/// out of the parallel run and run alone by scripts/test (`--ignored --test-threads=1`).
#[tokio::test]
#[ignore = "timing: run alone by scripts/test"]
async fn unknown_identifiers_and_wrong_passwords_look_and_take_the_same() {
    for backend in backends() {
        let t = TestApp::with_settings(&backend, |s| s.security.login_wait_seconds = 0).await;
        let id = t.account(None, "Anna Nowak", NEW_PASSWORD).await;
        let wrong = t
            .console("a")
            .say(&format!("zaloguj {id} nie-to-haslo"))
            .await;
        let unknown = t.console("b").say("zaloguj EB999999 nie-to-haslo").await;
        assert_eq!(wrong, unknown);
        // A pending self-service reset adds nothing measurable either.
        t.console("r").say(&format!("reset {id}")).await;
        let warm = t.console("warm");
        warm.say("zaloguj EB000001 x").await;
        // With a blank at an end the password is checked twice (trimmed, then as typed):
        // for unknown identifiers too.
        for typed in ["nie-to-haslo", "nie-to-haslo "] {
            let (known_ms, unknown_ms) = timings(&t, &id, typed).await;
            // A busy or shared machine only ever adds time, and adds it in stretches (runs
            // of 30 ms logins, then of 50 ms, here and in CI): the low end of each side is
            // the work the login does, and is the test. Skipping the hash for unknown
            // identifiers would put that side at a few milliseconds; an extra query shows
            // as a few percent.
            let low = |v: &[Duration]| v[v.len() / 10];
            let (k, u) = (low(&known_ms), low(&unknown_ms));
            let ratio = k.as_secs_f64() / u.as_secs_f64();
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            eprintln!(
                "[{}] login timing over {ROUNDS} rounds, password {typed:?}, wrong password / \
                 unknown identifier: 10th percentile {:.1} / {:.1} ms (ratio {ratio:.3}), \
                 median {:.1} / {:.1} ms",
                t.db.label,
                ms(k),
                ms(u),
                ms(known_ms[ROUNDS / 2]),
                ms(unknown_ms[ROUNDS / 2]),
            );
            // Idle, the two sides come within 4% of each other; one busy core next to the
            // test took it to 10%.
            assert!(
                (ratio - 1.0).abs() < 0.15,
                "{typed:?}: the 10th percentiles of the login times differ by {:.1}%",
                (ratio - 1.0) * 100.0
            );
        }
    }
}

/// Failed logins with `typed` as the password, to account `id` and to an unknown
/// identifier, back to back: the times of each side, sorted.
async fn timings(t: &TestApp, id: &str, typed: &str) -> (Vec<Duration>, Vec<Duration>) {
    let (mut known_ms, mut unknown_ms) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Back to back, alternating which goes first: load that drifts over the run
        // (other tests share the machine) affects both sides alike.
        let mut pair = [(true, id), (false, "EB999999")];
        if round % 2 == 1 {
            pair.reverse();
        }
        for (known, who) in pair {
            let chat = t.console(&format!("t-{round}-{who}-{}", typed.len()));
            let start = Instant::now();
            let out = chat.say(&format!("zaloguj {who} {typed}")).await;
            let took = start.elapsed();
            assert!(out.contains("nieprawidłowe"), "{out}");
            let side = if known {
                &mut known_ms
            } else {
                &mut unknown_ms
            };
            side.push(took);
        }
    }
    known_ms.sort();
    unknown_ms.sort();
    (known_ms, unknown_ms)
}

const ROUNDS: usize = 60;

#[tokio::test]
async fn sessions_end_when_idle_when_too_old_and_on_logout() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let id = t.account(None, "Anna Nowak", NEW_PASSWORD).await;
        let chat = t.console("c");
        let login = format!("zaloguj {id} {NEW_PASSWORD}");
        let now = chrono::Utc::now();

        // Idle: 15 minutes by default.
        chat.say(&login).await;
        exec(
            &t,
            "UPDATE chat_sessions SET last_seen_at = $1",
            now - chrono::Duration::minutes(14),
        )
        .await;
        assert!(!chat.say("pomoc").await.contains("Sesja wygasła"));
        exec(
            &t,
            "UPDATE chat_sessions SET last_seen_at = $1",
            now - chrono::Duration::minutes(16),
        )
        .await;
        let out = chat.say("pomoc").await;
        assert!(out.contains("Sesja wygasła"), "{out}");
        // The expiry asks for the identifier again; leave that dialogue.
        assert_eq!(chat.send("anuluj").await.logged_in_as, None);

        // Absolute: 12 hours, however active.
        chat.say(&login).await;
        exec(
            &t,
            "UPDATE chat_sessions SET started_at = $1",
            now - chrono::Duration::hours(11),
        )
        .await;
        assert!(!chat.say("pomoc").await.contains("Sesja wygasła"));
        exec(
            &t,
            "UPDATE chat_sessions SET started_at = $1",
            now - chrono::Duration::hours(13),
        )
        .await;
        assert!(chat.say("pomoc").await.contains("Sesja wygasła"));
        chat.say("anuluj").await;

        // Logout ends it.
        chat.say(&login).await;
        chat.say("wyloguj").await;
        assert!(chat.say("saldo").await.contains("wymaga zalogowania"));

        // Both limits are configurable.
        let t = TestApp::with_settings(&backend, |s| {
            s.security.session_idle_minutes = 60;
            s.security.session_max_hours = 1;
        })
        .await;
        let id = t.account(None, "Anna Nowak", NEW_PASSWORD).await;
        let chat = t.console("c");
        chat.say(&format!("zaloguj {id} {NEW_PASSWORD}")).await;
        exec(
            &t,
            "UPDATE chat_sessions SET last_seen_at = $1",
            now - chrono::Duration::minutes(30),
        )
        .await;
        assert!(!chat.say("pomoc").await.contains("Sesja wygasła"));
        exec(
            &t,
            "UPDATE chat_sessions SET started_at = $1",
            now - chrono::Duration::minutes(61),
        )
        .await;
        assert!(chat.say("pomoc").await.contains("Sesja wygasła"));
    }
}

#[tokio::test]
async fn a_password_change_ends_every_other_session() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let id = t.account(None, "Anna Nowak", NEW_PASSWORD).await;
        let (laptop, phone) = (t.console("laptop"), t.console("phone"));
        for chat in [&laptop, &phone] {
            chat.say(&format!("zaloguj {id} {NEW_PASSWORD}")).await;
        }
        laptop.say("haslo").await;
        laptop.say(NEW_PASSWORD).await;
        laptop.say("Ciepła woda w kranie").await;
        let out = laptop.say("Ciepła woda w kranie").await;
        assert!(out.contains("Wylogowano pozostałe sesje (1)"), "{out}");
        assert!(phone.say("saldo").await.contains("wymaga zalogowania"));
        assert_eq!(
            laptop.send("pomoc").await.logged_in_as.as_deref(),
            Some(id.as_str())
        );
    }
}

/// Identifiers are typed on phones: `eb587327` is the account `EB587327` in every
/// front end and in the staff commands that name an account.
#[tokio::test]
async fn identifiers_are_accepted_in_any_case() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let c = crate::lifecycle::person(&t, "Jan Kowalski", Some("klient@example.test")).await;
        let id = t.account(Some(c.id), "Jan Kowalski", NEW_PASSWORD).await;
        let lower = id.to_lowercase();
        assert_ne!(lower, id, "{}: the test needs letters", t.db.label);
        let out = t
            .console("one-line")
            .say(&format!("zaloguj {lower} {NEW_PASSWORD}"))
            .await;
        assert!(out.contains("Zalogowano"), "{}: {out}", t.db.label);
        // Step by step, as on Telegram.
        let chat = t.chat(ebok::core::Channel::Telegram, "42");
        chat.say("zaloguj").await;
        chat.say(&lower).await;
        let out = chat.say(NEW_PASSWORD).await;
        assert!(out.contains("Zalogowano"), "{}: {out}", t.db.label);
        let mail = t.chat(ebok::core::Channel::Email, "klient@example.test");
        let out = mail.say(&format!("ZALOGUJ {lower} {NEW_PASSWORD}")).await;
        assert!(out.contains("Zalogowano"), "{}: {out}", t.db.label);
        // Self-service reset.
        t.console("forgot").say(&format!("reset {lower}")).await;
        assert!(
            crate::lifecycle::queued_reset_password(&t, "klient@example.test")
                .await
                .is_some(),
            "{}: a reset mail is queued",
            t.db.label
        );
        // Staff commands; replies and the audit name the account as it is spelled.
        let staff = t.console("staff");
        crate::lifecycle::staff_on(&t, &staff, "Ewa Pracownik").await;
        let out = staff.say(&format!("zablokuj {lower}")).await;
        assert!(out.contains(&id) && out.contains("zablokowane"), "{out}");
        let out = staff.say(&format!("odblokuj {}", lower)).await;
        assert!(out.contains(&id) && out.contains("odblokowane"), "{out}");
        let out = staff.say(&format!("resetuj-haslo {lower}")).await;
        assert!(out.contains("Nowe hasło tymczasowe"), "{out}");
        let audit = t.app.store.audit_tail(20).await.unwrap();
        assert!(audit.iter().all(|e| e.target != lower), "{audit:?}");
        // Staff identifiers from the command line: one account whatever the case.
        let core = &t.app.core;
        let creds = ebok::core::staff::create_staff(core, "jkowalska", "Joanna Kowalska", None)
            .await
            .unwrap();
        let clash = ebok::core::staff::create_staff(core, "JKowalska", "X", None).await;
        assert!(
            clash.unwrap_err().to_string().contains("already exists"),
            "{}",
            t.db.label
        );
        let again = ebok::core::staff::reset_staff(core, "JKOWALSKA")
            .await
            .unwrap();
        assert_eq!(again.identifier, "jkowalska");
        assert_ne!(again.password, creds.password);
        let out = t
            .console("staff-2")
            .say(&format!("zaloguj JKowalska {}", again.password))
            .await;
        assert!(
            out.contains("zmienić hasło") || out.contains("nowe hasło"),
            "{}: {out}",
            t.db.label
        );
    }
}
