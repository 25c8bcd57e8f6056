//! A reply interrupted by a crash in the middle of sending goes out again once the
//! worker's 30-second lease has run out (the clock is moved, not waited for), and the
//! copy is byte for byte the first one: same Message-ID, same Date, same boundaries.

use crate::email_helpers::{EmailRig, as_sent, drain, fast_options, until};
use crate::helpers::backends;
use ebok::channels::email::{REPLY_CHANNEL, deliver::ReplyDeliverer, deliver::reply_worker};
use ebok::domain::clock::Clock;
use ebok::mail::Mailer;
use ebok::outbox::{Deliverer, DeliveryError, Message, Outcome, RetryPolicy, Worker};
use std::sync::Arc;
use std::time::Duration;

/// Sends, then "dies" before the worker can record that it sent.
struct SendsThenDies(ReplyDeliverer);

#[async_trait::async_trait]
impl Deliverer for SendsThenDies {
    async fn deliver(&self, message: &Message) -> Result<(), DeliveryError> {
        self.0.deliver(message).await?;
        std::future::pending().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_cut_off_mid_send_goes_out_again_byte_identical() {
    for backend in backends() {
        let Some(rig) = EmailRig::new(&backend, "email resend after crash", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let id = rig.send(&jan, "KONTAKT", "POMOC").await;
        drain(&rig.responder(fast_options()), 1).await;

        let smtp = rig.app().settings.smtp.clone().unwrap();
        let policy = RetryPolicy::default();
        let clock = Clock::default();
        let dying = Worker::new(
            rig.app().store.clone(),
            REPLY_CHANNEL,
            Arc::new(SendsThenDies(ReplyDeliverer::new(
                Mailer::new(&smtp).unwrap(),
            ))),
            policy,
        )
        .with_clock(clock.clone());
        let task = tokio::spawn(async move { dying.try_process_next().await });
        let first = rig.reply_to(&jan, &id).await;
        task.abort();

        // The restarted process: the reply is held while the dead worker's lease runs…
        let restarted = reply_worker(rig.app().store.clone(), Mailer::new(&smtp).unwrap(), policy)
            .with_clock(clock.clone());
        assert_eq!(restarted.try_process_next().await.unwrap(), Outcome::Empty);
        // …and goes out again within about 30 s.
        clock.advance(Duration::from_secs(31));
        assert_eq!(restarted.try_process_next().await.unwrap(), Outcome::Done);
        let (r, j, reply_id) = (&rig, &jan, &id);
        until("the second copy", || async move {
            r.replies_to(j, reply_id).await.len() == 2
        })
        .await;
        let copies = rig.replies_to(&jan, &id).await;
        assert_eq!(first.message_id, copies[1].message_id);
        assert_eq!(
            String::from_utf8_lossy(&as_sent(&copies[0].raw)),
            String::from_utf8_lossy(&as_sent(&copies[1].raw)),
            "{}",
            rig.t.db.label
        );
        let row = rig
            .app()
            .store
            .outbox_rows(REPLY_CHANNEL)
            .await
            .unwrap()
            .remove(0)
            .1;
        assert_eq!(row.status, "sent");
        assert!(
            row.payload.contains("removed after delivery"),
            "the message is scrubbed once sent: {}",
            row.payload
        );
    }
}
