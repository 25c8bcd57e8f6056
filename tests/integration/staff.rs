//! Staff (S4, C3): invisible commands for everyone else, verification flags, approve,
//! reject, reset, lock, unlock, the audit log, and staff accounts from the command line.

use crate::helpers::{TestApp, backends};
use crate::lifecycle::{
    self, NEW_PASSWORD, STAFF_PASSWORD, firm, form, person, register, staff_on,
};
use ebok::core::{Lang, View};

const STAFF_COMMANDS: &[&str] = &[
    "wnioski",
    "pending",
    "zatwierdz 1",
    "approve",
    "odrzuc 1 powód",
    "reject x",
    "resetuj-haslo EB1",
    "zablokuj EB1",
    "odblokuj",
    "dziennik 5",
    "/audit@ebok_bot",
];

fn unknown_text(t: &TestApp, word: &str) -> String {
    let view = View::new("unknown_command", serde_json::json!({ "word": word }));
    t.app
        .renderer
        .view(ebok::render::Flavour::Text, Lang::Pl, &view)
        .unwrap()
}

#[tokio::test]
async fn staff_commands_do_not_exist_for_anyone_else() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let c = person(&t, "Jan Kowalski", None).await;
        let customer = t.account(Some(c.id), "Jan Kowalski", NEW_PASSWORD).await;
        let logged_in = t.console("customer");
        logged_in
            .say(&format!("zaloguj {customer} {NEW_PASSWORD}"))
            .await;
        let anonymous = t.console("anon");
        for line in STAFF_COMMANDS {
            let (word, _) = ebok::core::command::split_command(line).unwrap();
            let expected = unknown_text(&t, &word);
            for chat in [&anonymous, &logged_in] {
                let reply = chat.send(line).await;
                assert_eq!(reply.template_names(), ["unknown_command"], "{line}");
                assert!(reply.actions.is_empty());
                assert_eq!(chat.say(line).await, expected, "{line}");
            }
        }
        // Exactly what a made-up command gets, and help does not list them.
        assert_eq!(
            anonymous.say("zatwierdzx 1").await,
            unknown_text(&t, "zatwierdzx")
        );
        let help = logged_in.say("pomoc").await;
        assert!(
            !help.contains("zatwierdz") && !help.contains("wnioski"),
            "{help}"
        );
        let staff = t.console("staff");
        staff_on(&t, &staff, "Ewa Pracownik").await;
        let help = staff.say("pomoc").await;
        assert!(
            help.contains("zatwierdz") && help.contains("wnioski"),
            "{help}"
        );
    }
}

#[tokio::test]
async fn pending_requests_show_clear_flags() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let staff = t.console("staff");
        staff_on(&t, &staff, "Ewa Pracownik").await;
        // 1: everything matches (name typed in another order, in capitals, no diacritics).
        let good = person(&t, "Łukasz Wróbel", Some("lukasz@example.test")).await;
        let mut good_form = form(&good, "Lukasz@Example.test");
        good_form = good_form.replace("nazwa: Łukasz Wróbel", "nazwa: WROBEL LUKASZ");
        let r1 = register(&t.console("a"), &good_form).await;
        // 2: a firm with its legal form spelled out, an older invoice, an ended contract,
        //    another email, no email on file for the second firm.
        let f = firm(
            &t,
            "Ciepłownia Północ Sp. z o.o.",
            Some("biuro@polnoc.test"),
        )
        .await;
        let firm_form = form(&f, "prezes@example.test")
            .replace(
                "Ciepłownia Północ Sp. z o.o.",
                "CIEPŁOWNIA PÓŁNOC SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
            )
            .replace(&f.latest_invoice, &f.older_invoice)
            .replace(&f.contract, &f.ended_contract);
        let r2 = register(&t.console("b"), &firm_form).await;
        // 3: nobody on file with this PESEL.
        let stranger = lifecycle::Customer {
            pesel: Some(lifecycle::random_pesel()),
            ..good.clone()
        };
        let r3 = register(&t.console("c"), &form(&stranger, "x@example.test")).await;
        // 4: someone else's invoice and contract, another name.
        let other = person(&t, "Anna Nowak", None).await;
        let mixed = form(&other, "anna@example.test")
            .replace(&other.latest_invoice, &good.latest_invoice)
            .replace(&other.contract, &good.contract)
            .replace("Anna Nowak", "Anna Maria Nowak");
        let r4 = register(&t.console("d"), &mixed).await;

        let out = staff.say("wnioski").await;
        let section = |id: i64| -> String {
            let start = out
                .find(&format!("Nr {id} ·"))
                .unwrap_or_else(|| panic!("{id}: {out}"));
            let rest = &out[start..];
            let end = rest[3..].find("Nr ").map_or(rest.len(), |e| e + 3);
            rest[..end].to_string()
        };
        let s1 = section(r1);
        for line in [
            "✅ Klient w kartotece: znaleziony po PESEL/NIP",
            "✅ Ostatnia faktura: to ostatnia faktura klienta",
            "✅ Umowa: obowiązująca umowa klienta",
            "✅ Nazwa: zgodna z kartoteką",
            "✅ E-mail: zgodny z kartoteką",
            "✅ Konto e-BOK: klient nie ma jeszcze konta",
            "Wszystko się zgadza",
        ] {
            assert!(s1.contains(line), "{line:?} in\n{s1}");
        }
        assert!(
            s1.contains(&format!("Kartoteka: klient nr {}", good.number)),
            "{s1}"
        );
        let s2 = section(r2);
        for line in [
            "✅ Nazwa: zgodna z kartoteką",
            "⚠️ Ostatnia faktura: faktura klienta, ale nie ostatnia",
            "⚠️ Umowa: umowa klienta, ale nieobowiązująca",
            "❌ E-mail: inny niż w kartotece",
            "NIP ",
        ] {
            assert!(s2.contains(line), "{line:?} in\n{s2}");
        }
        let s3 = section(r3);
        assert!(
            s3.contains("❌ Klient w kartotece: brak klienta z tym PESEL/NIP"),
            "{s3}"
        );
        assert!(s3.contains("➖ Ostatnia faktura: nie sprawdzono"), "{s3}");
        let s4 = section(r4);
        for line in [
            "❌ Ostatnia faktura: nie jest fakturą tego klienta",
            "❌ Umowa: nie jest umową tego klienta",
            "⚠️ Nazwa: podobna",
            "⚠️ E-mail: brak adresu w kartotece",
        ] {
            assert!(s4.contains(line), "{line:?} in\n{s4}");
        }
        // Unknown customers cannot be approved.
        let out = staff.say(&format!("zatwierdz {r3}")).await;
        assert!(out.contains("dostęp mają tylko klienci"), "{out}");
    }
}

/// A fixed-term contract counts as in force up to its last day, in the utility's dates.
#[tokio::test]
async fn a_contract_is_checked_against_the_utilitys_today() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let staff = t.console("staff");
        staff_on(&t, &staff, "Ewa Pracownik").await;
        let c = person(&t, "Marek Zając", Some("marek@example.test")).await;
        let claim = form(&c, "marek@example.test").replace(&c.contract, &c.fixed_term_contract);
        register(&t.console("m"), &claim).await;
        t.app
            .core
            .freeze_today(chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
        let out = staff.say("wnioski").await;
        assert!(
            out.contains("✅ Umowa: obowiązująca umowa klienta"),
            "{}: {out}",
            t.db.label
        );
        t.app
            .core
            .freeze_today(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        let out = staff.say("wnioski").await;
        assert!(
            out.contains("⚠️ Umowa: umowa klienta, ale nieobowiązująca"),
            "{}: {out}",
            t.db.label
        );
    }
}

#[tokio::test]
async fn approval_creates_the_account_and_queues_the_credentials_in_one_go() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let staff = t.console("staff");
        let staff_id = staff_on(&t, &staff, "Ewa Pracownik").await;
        let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
        let id = register(&t.console("c"), &form(&c, "jan@example.test")).await;
        let out = staff.say(&format!("zatwierdz #{id}")).await;
        assert!(
            out.contains(&format!("Wniosek nr {id} zatwierdzony")),
            "{out}"
        );
        let account = t
            .app
            .store
            .account_for_customer(c.id)
            .await
            .unwrap()
            .unwrap();
        assert!(out.contains(&account.identifier), "{out}");
        assert!(account.identifier.starts_with("EB") && !account.identifier.contains("800515"));
        assert!(account.must_change);
        assert_eq!(account.email.as_deref(), Some("jan@example.test"));
        let row = t
            .app
            .store
            .outbox_state(&format!("credentials:registration:{id}"))
            .await
            .unwrap()
            .expect("the credentials are queued");
        assert_eq!(
            (row.channel.as_str(), row.recipient.as_str()),
            ("email", "jan@example.test")
        );
        assert_eq!(row.status, "pending");
        let request = t.app.store.registration(id).await.unwrap().unwrap();
        assert_eq!(request.status, "approved");
        assert_eq!(request.decided_by.as_deref(), Some(staff_id.as_str()));
        assert_eq!(request.account_id, Some(account.id));
        let consents = t.app.store.consents(account.id).await.unwrap();
        assert_eq!(
            consents.len(),
            2,
            "the request's consents belong to the account"
        );
        // Deciding twice is refused; so is a second account for the customer.
        let out = staff.say(&format!("zatwierdz {id}")).await;
        assert!(out.contains("ma już decyzję: zatwierdzony"), "{out}");
        let again = register(&t.console("c2"), &form(&c, "jan@example.test")).await;
        let out = staff.say(&format!("zatwierdz {again}")).await;
        assert!(out.contains("klient ma już konto e-BOK"), "{out}");
        // Audit: who, what, when.
        let audit = t.app.store.audit_tail(50).await.unwrap();
        let entry = audit
            .iter()
            .find(|e| e.action == "registration_approved")
            .unwrap();
        assert_eq!(entry.actor, staff_id);
        assert!(
            entry.target.contains(&format!("#{id}")) && entry.target.contains(&account.identifier)
        );
        assert!(entry.at <= chrono::Utc::now());
        let shown = staff.say("dziennik 10").await;
        assert!(
            shown.contains("wniosek zatwierdzony") && !shown.contains("registration_approved"),
            "{shown}"
        );
    }
}

/// The request's address differs from the billing record's: approving without a choice
/// sends nothing and says how to choose; the chosen address gets the credentials, is the
/// account's address (so later resets go there too) and is audited.
#[tokio::test]
async fn approval_makes_staff_choose_between_two_different_addresses() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let staff = t.console("staff");
        let staff_id = staff_on(&t, &staff, "Ewa Pracownik").await;
        let listed_flag = "różni się od kartoteki";
        for (choice, expected) in [
            ("kartoteka", "jan@example.test"),
            ("wniosek", "nowy@example.test"),
            ("JAN@example.test", "jan@example.test"),
        ] {
            let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
            let id = register(&t.console(&c.number), &form(&c, "nowy@example.test")).await;
            let listed = staff.say("wnioski").await;
            assert!(
                listed.contains(listed_flag)
                    && listed.contains(&format!("zatwierdz {id} kartoteka")),
                "{listed}"
            );
            let reply = staff.send(&format!("zatwierdz {id}")).await;
            let out = t
                .app
                .renderer
                .reply(ebok::render::Flavour::Text, &reply)
                .unwrap();
            assert!(
                out.contains("nowy@example.test")
                    && out.contains("jan@example.test")
                    && out.contains(&format!("zatwierdz {id} wniosek"))
                    && out.contains(&format!("zatwierdz {id} kartoteka")),
                "{out}"
            );
            // A button per address (Telegram), each the command with its choice.
            let buttons: Vec<(&str, &str)> = reply
                .actions
                .iter()
                .map(|a| (a.arg.as_str(), a.command.as_str()))
                .collect();
            let (wniosek, kartoteka) = (
                format!("zatwierdz {id} wniosek"),
                format!("zatwierdz {id} kartoteka"),
            );
            assert_eq!(
                buttons,
                [
                    ("nowy@example.test", wniosek.as_str()),
                    ("jan@example.test", kartoteka.as_str())
                ]
            );
            let credentials = format!("credentials:registration:{id}");
            assert!(
                t.app
                    .store
                    .outbox_state(&credentials)
                    .await
                    .unwrap()
                    .is_none()
            );
            assert!(
                t.app
                    .store
                    .account_for_customer(c.id)
                    .await
                    .unwrap()
                    .is_none()
            );
            assert_eq!(
                t.app.store.registration(id).await.unwrap().unwrap().status,
                "pending"
            );
            // Something that names neither address is refused the same way.
            let out = staff
                .say(&format!("zatwierdz {id} inny@example.test"))
                .await;
            assert!(out.contains("nie wskazuje żadnego"), "{out}");

            let out = staff.say(&format!("zatwierdz {id} {choice}")).await;
            assert!(
                out.contains("zatwierdzony") && out.contains(expected),
                "{choice}: {out}"
            );
            let row = t
                .app
                .store
                .outbox_state(&credentials)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.recipient, expected, "{choice}");
            let account = t
                .app
                .store
                .account_for_customer(c.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(account.email.as_deref(), Some(expected), "{choice}");
            staff
                .say(&format!("resetuj-haslo {}", account.identifier))
                .await;
            let resets = t.app.store.outbox_rows("email").await.unwrap();
            assert!(
                resets
                    .iter()
                    .any(|(k, r)| k.starts_with(&format!("reset:{}:", account.id))
                        && r.recipient == expected),
                "{choice}: the staff reset follows the choice"
            );
            let audit = t.app.store.audit_tail(50).await.unwrap();
            let chosen = audit
                .iter()
                .find(|e| {
                    e.action == "approval_email_chosen" && e.target.contains(&format!("#{id} "))
                })
                .unwrap_or_else(|| panic!("{choice}: the choice is audited: {audit:?}"));
            assert_eq!(chosen.actor, staff_id);
            assert!(chosen.detail.ends_with(expected), "{}", chosen.detail);
        }
        // No billing address: nothing to choose, the request's address is used.
        let c = person(&t, "Anna Nowak", None).await;
        let id = register(&t.console("anna"), &form(&c, "anna@example.test")).await;
        let out = staff.say(&format!("zatwierdz {id}")).await;
        assert!(
            out.contains("zatwierdzony") && out.contains("anna@example.test"),
            "{out}"
        );
    }
}

#[tokio::test]
async fn rejection_queues_the_reason_for_the_customer() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let staff = t.console("staff");
        let staff_id = staff_on(&t, &staff, "Ewa Pracownik").await;
        let c = person(&t, "Jan Kowalski", None).await;
        let id = register(&t.console("c"), &form(&c, "jan@example.test")).await;
        // Without a reason nothing is decided (staff are offered common reasons).
        staff.say(&format!("odrzuc {id}")).await;
        let request = t.app.store.registration(id).await.unwrap().unwrap();
        assert_eq!(request.status, "pending", "a reason is required");
        let out = staff
            .say(&format!(
                "odrzuc {id} Numer umowy nie zgadza się z kartoteką"
            ))
            .await;
        assert!(out.contains(&format!("Wniosek nr {id} odrzucony")), "{out}");
        let row = t
            .app
            .store
            .outbox_state(&format!("rejected:registration:{id}"))
            .await
            .unwrap()
            .unwrap();
        assert!(
            row.payload
                .contains("Numer umowy nie zgadza się z kartoteką")
        );
        assert_eq!(row.recipient, "jan@example.test");
        let request = t.app.store.registration(id).await.unwrap().unwrap();
        assert_eq!(request.status, "rejected");
        assert_eq!(request.decided_by.as_deref(), Some(staff_id.as_str()));
        assert!(
            t.app
                .store
                .account_for_customer(c.id)
                .await
                .unwrap()
                .is_none()
        );
        let audit = t.app.store.audit_tail(10).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "registration_rejected" && e.actor == staff_id)
        );
    }
}

#[tokio::test]
async fn lock_unlock_and_staff_reset_end_sessions_and_are_audited() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let staff = t.console("staff");
        let staff_id = staff_on(&t, &staff, "Ewa Pracownik").await;
        let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
        let customer = t.account(Some(c.id), "Jan Kowalski", NEW_PASSWORD).await;
        let chat = t.console("customer");
        chat.say(&format!("zaloguj {customer} {NEW_PASSWORD}"))
            .await;

        let out = staff.say(&format!("zablokuj {customer}")).await;
        assert!(out.contains("zablokowane; zakończone sesje: 1"), "{out}");
        assert!(chat.say("saldo").await.contains("wymaga zalogowania"));
        let out = t
            .console("c2")
            .say(&format!("zaloguj {customer} {NEW_PASSWORD}"))
            .await;
        assert!(out.contains("Konto jest zablokowane"), "{out}");
        staff.say(&format!("odblokuj {customer}")).await;
        let out = t
            .console("c3")
            .say(&format!("zaloguj {customer} {NEW_PASSWORD}"))
            .await;
        assert!(out.contains("Zalogowano"), "{out}");

        let out = staff.say(&format!("resetuj-haslo {customer}")).await;
        assert!(out.contains("Nowe hasło tymczasowe"), "{out}");
        assert!(
            t.console("c3")
                .say("saldo")
                .await
                .contains("wymaga zalogowania")
        );
        let out = t
            .console("c4")
            .say(&format!("zaloguj {customer} {NEW_PASSWORD}"))
            .await;
        assert!(
            out.contains("nieprawidłowe"),
            "the old password stops working: {out}"
        );
        let rows = t.app.store.outbox_rows("email").await.unwrap();
        assert!(
            rows.iter()
                .any(|(k, r)| k.starts_with("reset:") && r.recipient == "klient@example.test")
        );
        // Staff cannot act on staff accounts or unknown identifiers.
        let out = staff.say(&format!("zablokuj {staff_id}")).await;
        assert!(out.contains("Nie ma otwartego konta klienta"), "{out}");
        let actions: Vec<String> = t
            .app
            .store
            .audit_tail(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.actor == staff_id)
            .map(|e| e.action)
            .collect();
        for a in [
            "account_locked",
            "account_unlocked",
            "password_reset_by_staff",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
        // Staff read the events in their language, not as codes.
        let out = staff.say("dziennik").await;
        for shown in [
            "blokada konta",
            "odblokowanie konta",
            "nowe hasło tymczasowe nadane przez pracownika",
        ] {
            assert!(out.contains(shown), "{shown} in {out}");
        }
        assert!(
            !out.contains("account_locked") && !out.contains("password_reset_by_staff"),
            "{out}"
        );
        staff.say("language en").await;
        let out = staff.say("audit").await;
        assert!(
            out.contains("new temporary password given by staff") && out.contains("account locked"),
            "{out}"
        );
    }
}

#[tokio::test]
async fn staff_accounts_from_the_command_line_log_in_like_customers() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let creds =
            ebok::core::staff::create_staff(&t.app.core, "jkowalska", "Joanna Kowalska", None)
                .await
                .unwrap();
        assert_eq!(creds.identifier, "jkowalska");
        let again = ebok::core::staff::create_staff(&t.app.core, "jkowalska", "X", None).await;
        assert!(again.unwrap_err().to_string().contains("already exists"));
        let bad = ebok::core::staff::create_staff(&t.app.core, "j k", "X", None).await;
        assert!(bad.is_err());
        let chat = t.console("staff");
        let out = chat
            .say(&format!("zaloguj jkowalska {}", creds.password))
            .await;
        assert!(
            out.contains("zmienić hasło") || out.contains("nowe hasło"),
            "{out}"
        );
        // Nothing else works before the change, staff commands included.
        assert!(
            chat.say("anuluj")
                .await
                .contains("ustaw teraz własne hasło")
        );
        let out = chat.say("wnioski").await;
        assert!(
            out.contains("Podaj nowe hasło") && !out.contains("Wnioski o dostęp"),
            "{out}"
        );
        chat.send(STAFF_PASSWORD).await;
        let out = chat.say(STAFF_PASSWORD).await;
        assert!(
            out.contains("Hasło zostało zmienione") && out.contains("konto pracownika"),
            "{out}"
        );
        assert!(chat.say("wnioski").await.contains("Brak wniosków"));
        let audit = t.app.store.audit_tail(10).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.actor == "operator" && e.action == "staff_added")
        );
    }
}
