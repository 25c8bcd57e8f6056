//! Every kind of notice end to end through a real `ebok serve` (the rig of
//! `notify_serve`): the billing import of 10 March, staff's announcement and the
//! scheduler's reminders reach the one subscriber once on Telegram and once by email
//! through the real Postfix, and nobody else.

use crate::email_helpers::text;
use crate::helpers::backends;
use crate::notifications::warsaw;
use crate::notify_serve::{JAN_CHAT, Rig, ZOFIA_CHAT, import, notice_count, visible};
use crate::telegram_support::{append, example_copy};
use ebok::core::Channel;
use mail_support::MailEnv;
use std::path::Path;
use std::time::{Duration, Instant};

/// Long enough for a debug build on a busy machine; a pass never waits for it.
const DEADLINE: Duration = Duration::from_secs(30);

fn collections(dir: &Path, jan_stage: &str, updated: &str) {
    let header = "case_number,customer,stage,status,opened_on,updated_on,principal,interest,costs,court,signature,bailiff,description";
    let existing = "WN/2025/0031,K-00102,demand,open,2025-04-02,2025-04-02,934.30,3.40,0.00,,,,Wezwanie do zapłaty FV/2025/02/000102 wysłane listem poleconym";
    std::fs::write(
        dir.join("collections.csv"),
        format!(
            "{header}\n{existing}\n\
             WN/2025/0040,K-00102,{jan_stage},open,2025-03-10,{updated},812.40,1.20,0.00,,,,Wezwanie\n\
             WN/2025/0041,K-00101,{jan_stage},open,2025-03-10,{updated},700.00,1.00,0.00,,,,Wezwanie\n"
        ),
    )
    .unwrap();
}

/// The export of 10 March 2025 with a new invoice, correction and interest note, a
/// payment and a collection case for both customers, and an announcement for everyone.
fn new_rows(dir: &Path) {
    append(
        dir,
        "invoices.csv",
        &[
            "FV/2025/03/000102,K-00102,invoice,2025-03-10,2025-03-24,Ciepło – marzec 2025,812.40,0.00,812.40,,,,".into(),
            "KOR/2025/03/000102,K-00102,correction,2025-03-10,2025-03-24,Korekta FV/2025/01/000102,-15.50,0.00,-15.50,,,,".into(),
            "NO/2025/03/000102,K-00102,interest_note,2025-03-10,2025-03-24,Nota odsetkowa,2.98,0.00,2.98,,,FV/2025/01/000102,2025-02-24".into(),
            "FV/2025/03/000101,K-00101,invoice,2025-03-10,2025-03-24,Ciepło – marzec 2025,700.00,0.00,700.00,,,,".into(),
        ],
    );
    append(
        dir,
        "payments.csv",
        &[
            "PB/2025/03/10/0101,K-00102,2025-03-10,500.00,FV/2025/03/000102,Przelew – część".into(),
            "PB/2025/03/10/0102,K-00101,2025-03-10,100.00,,Przelew".into(),
        ],
    );
    append(
        dir,
        "messages.csv",
        &["MSG-2025-100,maintenance,Płukanie instalacji – Mościce,Płukanie sieci w nocy z 12 na 13 marca.,2025-03-10,2025-03-20,".into()],
    );
    collections(dir, "reminder", "2025-03-10");
}

/// Each kind's notice as the customer sees it: what identifies it, and what it must say.
fn expected() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "invoice",
            vec![
                "Nowy dokument: Faktura FV/2025/03/000102",
                "812,40 zł",
                "termin płatności: 24.03.2025",
            ],
        ),
        (
            "correction",
            vec![
                "Nowy dokument: Korekta KOR/2025/03/000102",
                "Nadpłata do zwrotu: 15,50 zł — nic do zapłaty.",
            ],
        ),
        (
            "interest note",
            vec![
                "Nowy dokument: Nota odsetkowa NO/2025/03/000102",
                "2,98 zł",
                "24.03.2025",
            ],
        ),
        (
            "payment",
            vec![
                "Zaksięgowaliśmy wpłatę 500,00 zł",
                "Data wpłaty: 10.03.2025",
                "na poczet: FV/2025/03/000102",
            ],
        ),
        (
            "collection opened",
            vec![
                "Sprawa windykacyjna WN/2025/0040: przypomnienie o płatności",
                "812,40 zł",
            ],
        ),
        (
            "collection stage",
            vec![
                "Sprawa windykacyjna WN/2025/0040: wezwanie do zapłaty",
                "Od 12.03.2025",
            ],
        ),
        (
            "announcement (staff)",
            vec![
                "Taryfa: Nowa taryfa od kwietnia",
                "Ceny ciepła od 1 kwietnia.",
            ],
        ),
        (
            "announcement (messages.csv)",
            vec![
                "Przerwa remontowa: Płukanie instalacji – Mościce",
                "Płukanie sieci w nocy",
            ],
        ),
        (
            "due soon",
            vec![
                "Przypomnienie: termin płatności 14.03.2025",
                "Faktura FV/2025/02/000102: do zapłaty 934,30 zł",
            ],
        ),
        (
            "overdue",
            vec![
                "Termin płatności minął: Faktura FV/2025/02/000102",
                "termin upłynął 14.03.2025",
                "naliczamy odsetki ok. 0,",
            ],
        ),
    ]
}

#[tokio::test]
async fn every_kind_of_event_reaches_a_subscriber_once_on_telegram_and_by_email_and_nobody_else() {
    for backend in backends() {
        let Some(mail) = MailEnv::from_env_or_skip("notify_serve") else {
            return;
        };
        let utility = mail.fresh_address_with("ebok");
        let (jan_mail, zofia_mail) = (mail.fresh_address(), mail.fresh_address());
        let mut rig = Rig::new(
            &backend,
            warsaw("2025-03-10 12:00"),
            Some((mail.clone(), utility)),
            (&jan_mail, &zofia_mail),
        )
        .await;
        let (jan, zofia) = (rig.jan.clone(), rig.zofia.clone());
        let chat = JAN_CHAT.to_string();
        let on = rig
            .say(Channel::Telegram, &chat, &jan, "powiadomienia wlacz")
            .await;
        assert!(on.contains("Włączono"), "{on}");
        let by_mail = rig
            .say(Channel::Console, "jan", &jan, "powiadomienia wlacz")
            .await;
        assert!(by_mail.contains("Włączono"), "{by_mail}");
        // Zofia looks, but turns nothing on.
        let zchat = ZOFIA_CHAT.to_string();
        let shown = rig
            .say(Channel::Telegram, &zchat, &zofia, "powiadomienia")
            .await;
        assert!(shown.contains("▫️ faktury"), "{shown}");
        rig.serve().await;

        // The import of 10 March, and staff's announcement.
        let dir = example_copy();
        new_rows(dir.path());
        import(&rig.t, dir.path()).await;
        rig.announce("komunikat taryfa Nowa taryfa od kwietnia | Ceny ciepła od 1 kwietnia.")
            .await;
        // 11 March: the scheduler of serve finds FV/2025/02/000102 due on the 14th.
        rig.settle().await;
        rig.set_clock(warsaw("2025-03-11 12:00"));
        rig.telegram(JAN_CHAT, &["Przypomnienie: termin płatności"])
            .await;
        // 12 March: the case moves on.
        rig.settle().await;
        rig.set_clock(warsaw("2025-03-12 12:00"));
        collections(dir.path(), "demand", "2025-03-12");
        import(&rig.t, dir.path()).await;
        // Monday 17 March, the first working day after the due date: overdue.
        rig.settle().await;
        rig.set_clock(warsaw("2025-03-17 12:00"));
        rig.telegram(JAN_CHAT, &["Termin płatności minął"]).await;
        rig.all_sent().await;

        let tg = visible(&rig.fake, JAN_CHAT);
        let mails = mail_texts(&mail, &jan_mail, &expected()).await;
        for (kind, texts) in expected() {
            let head = texts[0];
            let on_tg: Vec<&String> = tg.iter().filter(|m| m.contains(head)).collect();
            assert_eq!(
                on_tg.len(),
                1,
                "{}: {kind} on Telegram: {tg:#?}",
                rig.db().label
            );
            let in_mail = mails.iter().map(|m| m.matches(head).count()).sum::<usize>();
            assert_eq!(
                in_mail,
                1,
                "{}: {kind} by email: {mails:#?}",
                rig.db().label
            );
            let mail_text = mails.iter().find(|m| m.contains(head)).unwrap();
            for t in &texts {
                assert!(on_tg[0].contains(t), "{kind}: {t:?} in {}", on_tg[0]);
                assert!(mail_text.contains(t), "{kind}: {t:?} in {mail_text}");
            }
            for account in ["K-00102", "Jan Kowalski"] {
                assert!(
                    on_tg[0].contains(account),
                    "{kind}: {account} in {}",
                    on_tg[0]
                );
            }
        }
        assert_eq!(tg.len(), expected().len(), "nothing else: {tg:#?}");
        // The invoice's buttons: details and PDF.
        let invoice = rig
            .telegram(JAN_CHAT, &["Nowy dokument: Faktura FV/2025/03/000102"])
            .await;
        let labels: Vec<&str> = invoice.buttons().map(|b| b.text.as_str()).collect();
        assert!(
            labels
                .iter()
                .any(|l| l.contains("FV/2025/03/000102") && !l.contains("PDF"))
                && labels.iter().any(|l| l.contains("PDF")),
            "details and PDF buttons: {labels:?}"
        );
        // Zofia had events of every kind but subscribed to none.
        assert_eq!(visible(&rig.fake, ZOFIA_CHAT), Vec::<String>::new());
        assert_eq!(mail.fetch_all(&zofia_mail).await.unwrap().len(), 0);
        let stats = rig.fake.limit_stats();
        assert_eq!(stats.violations, 0, "limits broken: {stats:?}");

        // The same files again: nothing new.
        let written = notice_count(&rig.t).await;
        import(&rig.t, dir.path()).await;
        assert_eq!(notice_count(&rig.t).await, written, "{}", rig.db().label);
        rig.kill_all().await;
    }
}

/// Texts of the mails to `address`, once every expected kind arrived.
async fn mail_texts(mail: &MailEnv, address: &str, expected: &[(&str, Vec<&str>)]) -> Vec<String> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let texts: Vec<String> = mail
            .fetch_all(address)
            .await
            .unwrap_or_default()
            .iter()
            .map(text)
            .collect();
        let all = texts.join("\n");
        let missing: Vec<&str> = expected
            .iter()
            .map(|(_, t)| t[0])
            .filter(|h| !all.contains(h))
            .collect();
        if missing.is_empty() {
            return texts;
        }
        assert!(
            Instant::now() < deadline,
            "no mail to {address} with {missing:?}: {texts:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
