//! Process metrics in the Prometheus text format (prometheus-client, the Prometheus
//! project's own Rust client: an explicit registry, no global recorder to install, and
//! the OpenMetrics text encoding Prometheus scrapes). One registry per process — one
//! process is one scrape target — so every part records through [`get`] without
//! carrying a handle. Labels are fixed words (channel, command name, outcome, reason),
//! never user input: no identifier, address, password or text ends up in a label.
//!
//! Gauges of the outbox are read from the database at each scrape ([`Metrics::render`]).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CommandLabels {
    pub channel: String,
    pub command: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LatencyLabels {
    pub channel: String,
    pub command: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabels {
    pub channel: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub channel: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MailLabels {
    pub outcome: String,
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FileLabels {
    pub file: String,
}

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    pub commands: Family<CommandLabels, Counter>,
    pub command_seconds: Family<LatencyLabels, Histogram>,
    pub logins: Family<ResultLabels, Counter>,
    pub outbox_pending: Family<ChannelLabels, Gauge>,
    pub outbox_oldest_seconds: Family<ChannelLabels, Gauge<f64, AtomicU64>>,
    pub deliveries: Family<ResultLabels, Counter>,
    pub telegram_errors: Family<CodeLabels, Counter>,
    pub imap_seen: Counter,
    pub imap_mails: Family<MailLabels, Counter>,
    pub import_runs: Family<ResultLabels, Counter>,
    pub import_rows: Family<FileLabels, Counter>,
    pub import_seconds: Histogram,
}

fn latency_histogram() -> Histogram {
    // 1 ms … about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    fn new() -> Metrics {
        let mut r = Registry::with_prefix("ebok");
        let m = Metrics {
            commands: Family::default(),
            command_seconds: Family::new_with_constructor(latency_histogram),
            logins: Family::default(),
            outbox_pending: Family::default(),
            outbox_oldest_seconds: Family::default(),
            deliveries: Family::default(),
            telegram_errors: Family::default(),
            imap_seen: Counter::default(),
            imap_mails: Family::default(),
            import_runs: Family::default(),
            import_rows: Family::default(),
            import_seconds: Histogram::new(exponential_buckets(0.1, 2.0, 14)),
            registry: Registry::default(),
        };
        r.register(
            "commands",
            "Commands handled, by channel, command and outcome (ok, error)",
            m.commands.clone(),
        );
        r.register(
            "command_duration_seconds",
            "Time to handle one command in the core, by channel and command",
            m.command_seconds.clone(),
        );
        r.register(
            "logins",
            "Login attempts by channel and result (ok, failed)",
            m.logins.clone(),
        );
        r.register(
            "outbox_pending",
            "Outbox rows waiting to be delivered, by channel",
            m.outbox_pending.clone(),
        );
        r.register(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox row, by channel (0 when none)",
            m.outbox_oldest_seconds.clone(),
        );
        r.register(
            "deliveries",
            "Outbox delivery attempts by channel and result (sent, retried, failed)",
            m.deliveries.clone(),
        );
        r.register(
            "telegram_api_errors",
            "Bot API answers 429 (flood limit) and 403 (blocked by the user)",
            m.telegram_errors.clone(),
        );
        r.register(
            "imap_mails_seen",
            "Unseen mails fetched from the command mailbox",
            m.imap_seen.clone(),
        );
        r.register(
            "imap_mails",
            "Mails of the command mailbox dealt with, by outcome (answered, skipped) and reason",
            m.imap_mails.clone(),
        );
        r.register(
            "import_runs",
            "Billing import runs by result (ok, failed)",
            m.import_runs.clone(),
        );
        r.register(
            "import_rows",
            "Rows imported, by file",
            m.import_rows.clone(),
        );
        r.register(
            "import_duration_seconds",
            "Duration of billing import runs",
            m.import_seconds.clone(),
        );
        r.register(
            "build",
            "The running build",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        Metrics { registry: r, ..m }
    }

    /// A command handled by the core.
    pub fn command(&self, channel: &str, command: &str, outcome: &str, took: Duration) {
        self.commands
            .get_or_create(&CommandLabels {
                channel: channel.into(),
                command: command.into(),
                outcome: outcome.into(),
            })
            .inc();
        self.command_seconds
            .get_or_create(&LatencyLabels {
                channel: channel.into(),
                command: command.into(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn login(&self, channel: &str, ok: bool) {
        self.logins
            .get_or_create(&ResultLabels {
                channel: channel.into(),
                result: if ok { "ok" } else { "failed" }.into(),
            })
            .inc();
    }

    /// `result`: "sent", "retried" or "failed".
    pub fn delivery(&self, channel: &str, result: &str) {
        self.deliveries
            .get_or_create(&ResultLabels {
                channel: channel.into(),
                result: result.into(),
            })
            .inc();
    }

    pub fn telegram_error(&self, code: u16) {
        self.telegram_errors
            .get_or_create(&CodeLabels {
                code: code.to_string(),
            })
            .inc();
    }

    /// A mail of the command mailbox: `outcome` "answered" or "skipped", with why.
    pub fn mail(&self, outcome: &str, reason: &str) {
        self.imap_mails
            .get_or_create(&MailLabels {
                outcome: outcome.into(),
                reason: reason.into(),
            })
            .inc();
    }

    pub fn import_run(&self, ok: bool, took: Duration) {
        self.import_runs
            .get_or_create(&ResultLabels {
                channel: "cli".into(),
                result: if ok { "ok" } else { "failed" }.into(),
            })
            .inc();
        self.import_seconds.observe(took.as_secs_f64());
    }

    /// The outbox gauges from the database's current state.
    pub fn set_outbox(&self, stats: &[crate::store::OutboxStat]) {
        self.outbox_pending.clear();
        self.outbox_oldest_seconds.clear();
        for s in stats {
            let labels = ChannelLabels {
                channel: s.channel.clone(),
            };
            self.outbox_pending.get_or_create(&labels).set(s.pending);
            self.outbox_oldest_seconds
                .get_or_create(&labels)
                .set(s.oldest_age_seconds);
        }
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The process's metrics.
pub fn get() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}
