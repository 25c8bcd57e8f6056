//! Two instances on one database and one command mailbox: each its own pool, responder
//! and reply worker, both running at once. Every mail is answered exactly once.

use crate::email_helpers::{EmailRig, fast_options, fast_policy, unseen, until};
use crate::helpers::backends;
use ebok::channels::email::{self, REPLY_CHANNEL, Responder};
use std::sync::Arc;

/// The second instance: a new pool on the rig's database, its responder and reply worker.
async fn second_instance(rig: &mut EmailRig) {
    let store = ebok::store::Store::open(&rig.t.db.url)
        .await
        .expect("second pool");
    let settings = (*rig.app().settings).clone();
    let app = ebok::app::App::with_store(settings, store.clone())
        .await
        .expect("second app");
    let wake = Arc::new(tokio::sync::Notify::new());
    let responder = Responder::new(app, fast_options(), wake.clone()).expect("a responder");
    rig.spawn(tokio::spawn(async move {
        if let Err(e) = responder.run().await {
            eprintln!("second responder stopped: {e:#}");
        }
    }));
    let smtp = rig.app().settings.smtp.clone().expect("smtp settings");
    let mailer = ebok::mail::Mailer::new(&smtp).expect("a mailer");
    let worker = email::deliver::reply_worker(store, mailer, fast_policy());
    rig.spawn(tokio::spawn(email::deliver::run_worker(
        worker,
        wake,
        fast_policy().idle_poll,
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_responders_on_one_mailbox_answer_each_mail_once() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email two instances", |_| {}).await else {
            return;
        };
        rig.start();
        second_instance(&mut rig).await;
        let senders: Vec<String> = (0..3)
            .map(|i| rig.mail.fresh_address_with(&format!("two{i}")))
            .collect();
        let mut ids = Vec::new();
        for round in 0..3 {
            for s in &senders {
                let body = format!("KONTAKT\nWIADOMOSCI\nrunda {round}");
                ids.push((s.clone(), rig.send(s, "", &body).await));
            }
        }
        for (sender, id) in &ids {
            rig.reply_to(sender, id).await;
        }
        let r = &rig;
        until("every mail to be marked seen", || async move {
            unseen(r).await.is_empty()
        })
        .await;
        rig.replies_settled().await;
        for (sender, id) in &ids {
            assert_eq!(rig.replies_to(sender, id).await.len(), 1, "{sender} {id}");
        }
        let rows = rig.app().store.outbox_rows(REPLY_CHANNEL).await.unwrap();
        assert_eq!(rows.len(), ids.len(), "{}", rig.t.db.label);
    }
}
