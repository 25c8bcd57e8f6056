//! A closed loop of Telegram users and its figures, shared by the benches that measure
//! ebok as customers see it: each user sends its next command when the reply to the
//! previous one reached the fake Bot API; the latency runs from sending the update to the
//! reply accepted by the fake.

use fake_telegram::FakeTelegram;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Commands per user, after the warm-up round.
pub const COMMANDS: usize = 30;
pub const WARM_UP: usize = 2;

/// How a user's `i`-th command reaches the bot (chat id, command index).
pub type Sender = Arc<dyn Fn(i64, usize) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Commands pushed into the fake's update queue, for a bot that polls it: `asked[i % n]`.
pub fn push_texts(fake: &FakeTelegram, asked: &'static [&'static str]) -> Sender {
    let fake = fake.clone();
    Arc::new(move |chat, i| {
        fake.push_text(chat, asked[i % asked.len()]);
        Box::pin(async {})
    })
}

pub struct Figures {
    pub rate: f64,
    pub latencies: Vec<Duration>,
}

impl Figures {
    /// The run as a table row: label, commands/s, p50 and p99 in ms, commands.
    pub fn row(&self, label: &str) -> String {
        let mut l = self.latencies.clone();
        l.sort();
        let at = |q: f64| l[((l.len() as f64 * q) as usize).min(l.len() - 1)];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{label:<32} {:>11.0} {:>9.2} {:>9.2} {:>9}",
            self.rate,
            ms(at(0.50)),
            ms(at(0.99)),
            l.len()
        )
    }
}

/// Runs every user's loop; one collector reads the fake's call log in order and wakes
/// the user whose reply arrived.
pub async fn drive(fake: &FakeTelegram, chats: &[i64], send: Sender) -> anyhow::Result<Figures> {
    let mut wakers = HashMap::new();
    let mut receivers = Vec::new();
    for chat in chats {
        let (tx, rx) = mpsc::unbounded_channel::<Instant>();
        wakers.insert(*chat, tx);
        receivers.push((*chat, rx));
    }
    let collector = {
        let fake = fake.clone();
        let mut seen = fake.call_count();
        tokio::spawn(async move {
            while let Some(call) = fake
                .wait_for_since(seen, |_| true, Duration::from_secs(60))
                .await
            {
                seen += 1;
                if call.is("sendMessage")
                    && call.ok()
                    && let Some(tx) = call.chat_id().and_then(|c| wakers.get(&c))
                {
                    let _ = tx.send(Instant::now());
                }
            }
        })
    };
    let mut users = Vec::new();
    let started = Arc::new(tokio::sync::OnceCell::<Instant>::new());
    for (chat, mut rx) in receivers {
        let send = send.clone();
        let started = started.clone();
        users.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(COMMANDS);
            for i in 0..WARM_UP + COMMANDS {
                if i == WARM_UP {
                    started.get_or_init(|| async { Instant::now() }).await;
                }
                let sent = Instant::now();
                send(chat, i).await;
                let Some(replied) = rx.recv().await else {
                    break;
                };
                if i >= WARM_UP {
                    latencies.push(replied - sent);
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for u in users {
        latencies.extend(u.await?);
    }
    let elapsed = started.get().map(|s| s.elapsed()).unwrap_or_default();
    collector.abort();
    anyhow::ensure!(
        latencies.len() == chats.len() * COMMANDS,
        "only {} of {} replies arrived",
        latencies.len(),
        chats.len() * COMMANDS
    );
    Ok(Figures {
        rate: latencies.len() as f64 / elapsed.as_secs_f64(),
        latencies,
    })
}
