//! Two instances on one database and one command mailbox: each its own pool, responder
//! and reply worker, both running at once. Every mail is answered exactly once, and no
//! mail with a password stays behind, also when one of them takes the way of servers
//! without UIDPLUS and another was killed between flagging and expunging.

use crate::email_helpers::{
    EmailRig, customer_account, drain_until_crash, fast_options, fast_policy, unseen, until,
};
use crate::helpers::backends;
use ebok::channels::email::{self, CrashPoint, Options, REPLY_CHANNEL, Responder};
use std::sync::Arc;

/// The second instance: a new pool on the rig's database, its responder and reply worker.
async fn second_instance(rig: &mut EmailRig) {
    second_instance_with(rig, fast_options()).await;
}

/// [`second_instance`] with its responder's options.
async fn second_instance_with(rig: &mut EmailRig, opts: Options) {
    let store = ebok::store::Store::open(&rig.t.db.url)
        .await
        .expect("second pool");
    let settings = (*rig.app().settings).clone();
    let app = ebok::app::App::with_store(settings, store.clone())
        .await
        .expect("second app");
    let wake = Arc::new(tokio::sync::Notify::new());
    let responder = Responder::new(app, opts, wake.clone()).expect("a responder");
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

/// A mail with a password was flagged `\\Deleted` by an instance killed before the
/// expunge; then two instances start at once, one with UID EXPUNGE, one on the way of
/// servers without UIDPLUS, and answer mail with and without passwords. Every mail is
/// answered once, no mail with the password is left (flagged or not), and the mail
/// someone else flagged `\\Deleted` is still there with its flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_with_and_without_uidplus_leave_no_password_and_nothing_else_goes() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email instances purge", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        let login = format!("ZALOGUJ {} {}", creds.identifier, creds.password);
        let theirs = rig.send(&jan, "", "notatka biura").await;
        let r = &rig;
        let t = theirs.clone();
        until("the other mail to arrive", || {
            let t = t.clone();
            async move { r.utility_ids().await.contains(&t) }
        })
        .await;
        let flagged = rig
            .mail
            .add_flags(&rig.utility, &theirs, "\\Seen \\Deleted");
        assert_eq!(flagged.await.unwrap(), 1);
        let first = rig.send(&jan, "", &format!("{login}\nSALDO")).await;
        let killed = rig.responder(Options {
            crash_at: Some(CrashPoint::AfterDeleteFlag),
            ..fast_options()
        });
        drain_until_crash(&killed).await;

        rig.start();
        second_instance_with(
            &mut rig,
            Options {
                uid_expunge: false,
                ..fast_options()
            },
        )
        .await;
        let other = rig.mail.fresh_address_with("anna");
        let mut ids = vec![(jan.clone(), first)];
        for round in 0..4 {
            let body = format!("{login}\nSALDO\nrunda {round}");
            ids.push((jan.clone(), rig.send(&jan, "", &body).await));
            ids.push((other.clone(), rig.send(&other, "", "KONTAKT").await));
        }
        for (sender, id) in &ids {
            rig.reply_to(sender, id).await;
        }
        rig.replies_settled().await;
        for (sender, id) in &ids {
            assert_eq!(rig.replies_to(sender, id).await.len(), 1, "{sender} {id}");
        }
        let secret = creds.password.clone();
        let r = &rig;
        until("no mail with the password in the mailbox", || {
            let secret = secret.clone();
            async move {
                let all = r.mail.fetch_all(&r.utility).await.expect("IMAP");
                !all.iter()
                    .any(|m| String::from_utf8_lossy(&m.raw).contains(&secret))
            }
        })
        .await;
        let all = rig.mail.fetch_all(&rig.utility).await.unwrap();
        let kept: Vec<_> = all
            .iter()
            .filter(|m| m.message_id.as_deref() == Some(theirs.as_str()))
            .collect();
        assert_eq!(kept.len(), 1, "{}", rig.t.db.label);
        assert!(
            kept[0].flags.iter().any(|f| f == "\\Deleted"),
            "{:?}",
            kept[0].flags
        );
    }
}
