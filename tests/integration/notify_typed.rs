//! The notices the database writes are the typed notices of `domain::notice`: every row
//! the fan-out writes — of an import (invoice, payment, collection case, imported
//! announcement), of staff (announcement) and of the scheduler (due soon, overdue) —
//! reads back as its notice of the kind in its key, whose data are exactly the row's,
//! and renders in both languages; on SQLite and PostgreSQL.

use crate::helpers::backends;
use crate::notifications::{app_with_customers, as_customer, new_rows, notices, warsaw};
use crate::telegram_support::{PASSWORD, append, example_copy, import};
use ebok::core::Channel;
use ebok::domain::lang::Lang;
use ebok::domain::notice::Kind;
use ebok::domain::payload::Payload;
use std::collections::BTreeSet;

#[tokio::test]
async fn every_notice_the_fan_out_writes_reads_back_as_its_typed_notice() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102"]).await;
        for (channel, source) in [(Channel::Telegram, "5001"), (Channel::Console, "jan")] {
            as_customer(&t, channel, source, &ids[0], "powiadomienia wlacz").await;
        }
        let dir = example_copy();
        new_rows(dir.path());
        std::fs::write(
            dir.path().join("collections.csv"),
            "case_number,customer,stage,status,opened_on,updated_on,principal,interest,costs,court,signature,bailiff,description\n\
             WN/2025/0040,K-00102,court,open,2025-03-01,2025-03-10,934.30,3.40,120.00,Sąd Rejonowy we Włocławku,I C 123/25,,Pozew\n",
        )
        .unwrap();
        append(
            dir.path(),
            "messages.csv",
            &["MSG-2025-099,interruption,Przerwa – ul. Toruńska,Bez ciepłej wody 8:00–14:00.,2025-03-10,,WS-31".into()],
        );
        import(&t, dir.path()).await;
        let staff = t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        let draft = desk
            .say("komunikat taryfa Nowa taryfa | Od kwietnia nowe ceny.")
            .await;
        let reference = draft
            .split_whitespace()
            .find(|w| w.starts_with("EBOK-"))
            .unwrap()
            .trim_end_matches(':')
            .to_string();
        desk.say(&format!("komunikat wyslij {reference}")).await;
        // FV/2025/02/000102 (unpaid) is due Friday 14 March 2025.
        for (when, holder) in [("2025-03-11 07:00", "a"), ("2025-03-17 07:00", "b")] {
            ebok::notify::scheduler::run_once(&t.app.store, &t.app.settings, warsaw(when), holder)
                .await
                .unwrap();
        }
        let rows = notices(&t).await;
        let mut kinds = BTreeSet::new();
        for (key, _, _, stored) in &rows {
            let payload = Payload::parse(stored).unwrap();
            let notice = payload
                .notice()
                .unwrap_or_else(|e| panic!("{key} ({}): {e:#}\n{stored}", t.db.label));
            let kind: Kind = key.split(':').nth(1).unwrap().parse().unwrap();
            assert_eq!(notice.kind(), Some(kind), "{key}");
            assert_eq!(
                serde_json::Value::Object(notice.data()),
                serde_json::Value::Object(payload.data.clone()),
                "{key} ({}): the notice carries exactly the row's data",
                t.db.label
            );
            for lang in [Lang::Pl, Lang::En] {
                let mut p = payload.clone();
                p.lang = lang;
                let reply = ebok::core::Reply::new(lang, p.view().unwrap());
                let text = t
                    .app
                    .renderer
                    .reply(ebok::render::Flavour::Text, &reply)
                    .unwrap();
                assert!(text.contains("K-00102"), "{key} ({lang:?}): {text}");
            }
            kinds.insert(kind.as_str());
        }
        assert_eq!(
            kinds,
            Kind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<BTreeSet<_>>(),
            "every kind written ({}): {:?}",
            t.db.label,
            rows.iter().map(|r| &r.0).collect::<Vec<_>>()
        );
        let announcements = rows
            .iter()
            .filter(|r| r.0.starts_with("notify:announcement:"))
            .count();
        assert_eq!(announcements, 4, "imported and staff's, on both targets");
    }
}
