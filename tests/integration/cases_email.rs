//! A request by email (real Postfix and Dovecot, sent with swaks) on SQLite and
//! PostgreSQL: the one-message form with a PDF attached files a capacity request with
//! the PDF kept in the database; a form with a file that is no PDF, JPEG or PNG files
//! nothing and says why.

use crate::cases::case_count;
use crate::email_helpers::{EmailRig, customer_account, text};
use crate::helpers::backends;
use mail_support::OutgoingAttachment;

const AUDIT: &[u8] = b"%PDF-1.4\n% audyt energetyczny budynku\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_capacity_request_by_email_with_a_pdf_is_filed_and_keeps_the_pdf() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "cases by email", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        rig.start();
        let login = format!("ZALOGUJ {} {}", creds.identifier, creds.password);
        let form = "WNIOSEK\ntemat: moc\nmoc: 0,010\nod: 01.10.2030\n\
                    opis: Budynek ocieplono, prosimy o zmniejszenie mocy.";
        let pdf = OutgoingAttachment::new("audyt.pdf", "application/pdf", AUDIT);
        let id = format!("{}@client.example.test", uuid::Uuid::new_v4().simple());
        let mid = format!("<{id}>");
        rig.mail
            .send_with_swaks(
                &jan,
                &rig.utility,
                "wniosek",
                &format!("{login}\n{form}"),
                &[("Message-Id", &mid)],
                &[pdf],
            )
            .await
            .unwrap();
        let body = text(&rig.reply_to(&jan, &id).await);
        let year = chrono::Datelike::year(&ebok::domain::calendar::today());
        let number = format!("WN/{year}/000001");
        assert!(
            body.contains(&format!("Przyjęliśmy wniosek nr {number}")),
            "{body}"
        );
        assert!(
            body.contains("Nowa moc zamówiona: 0,010 MW od 01.10.2030 (obecnie 0,012 MW)"),
            "{body}"
        );
        assert!(body.contains("Załączniki: 1"), "{body}");
        // The PDF is in the database, as sent.
        let case = rig
            .app()
            .store
            .case_by_number(&number)
            .await
            .unwrap()
            .unwrap();
        let files = rig.app().store.case_files(case.id).await.unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(
            (files[0].name.as_str(), files[0].content_type.as_str()),
            ("audyt.pdf", "application/pdf")
        );
        let stored = rig
            .app()
            .store
            .case_file_body(case.id, files[0].id)
            .await
            .unwrap();
        assert_eq!(stored.as_deref(), Some(AUDIT));
        assert_eq!(case.channel, "email");
        assert_eq!(case.reply_to, jan);

        // A "PDF" that is not one: nothing filed, the reason said.
        let fake = OutgoingAttachment::new(
            "faktura.pdf",
            "application/pdf",
            b"MZ\x90\0 not a pdf".to_vec(),
        );
        let id2 = format!("{}@client.example.test", uuid::Uuid::new_v4().simple());
        let mid2 = format!("<{id2}>");
        let form2 = "REKLAMACJA\ntemat: licznik\nopis: Licznik stoi.";
        rig.mail
            .send_with_swaks(
                &jan,
                &rig.utility,
                "reklamacja",
                &format!("{login}\n{form2}"),
                &[("Message-Id", &mid2)],
                &[fake],
            )
            .await
            .unwrap();
        let body2 = text(&rig.reply_to(&jan, &id2).await);
        assert!(
            body2.contains("Przyjmujemy tylko pliki PDF, JPEG i PNG; nic nie zapisano"),
            "{body2}"
        );
        assert_eq!(case_count(&rig.t).await, 1);
    }
}
