//! Process metrics in the Prometheus text format (prometheus-client, the Prometheus
//! project's own Rust client: an explicit registry, no global recorder to install, and
//! the OpenMetrics text encoding Prometheus scrapes). One registry per process — one
//! process is one scrape target — so every part records through [`get`] without
//! carrying a handle. Labels are fixed words (channel, command name, outcome, reason),
//! never user input: no identifier, address, password or text ends up in a label.
//!
//! The outbox gauges and the import figures are read from the database at each scrape
//! ([`Metrics::set_outbox`], [`Metrics::set_imports`]): `ebok import` runs as a process
//! of its own and records its runs there.

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
pub struct ReasonLabels {
    pub channel: String,
    pub reason: String,
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
pub struct OutcomeLabels {
    pub result: String,
}

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    pub commands: Family<CommandLabels, Counter>,
    pub command_seconds: Family<LatencyLabels, Histogram>,
    pub logins: Family<ResultLabels, Counter>,
    pub hash_waiting: Gauge,
    pub outbox_pending: Family<ChannelLabels, Gauge>,
    pub outbox_oldest_seconds: Family<ChannelLabels, Gauge<f64, AtomicU64>>,
    pub deliveries: Family<ResultLabels, Counter>,
    pub unreachable: Family<ReasonLabels, Counter>,
    pub telegram_errors: Family<CodeLabels, Counter>,
    pub imap_seen: Counter,
    pub imap_mails: Family<MailLabels, Counter>,
    pub import_runs: Family<OutcomeLabels, Counter>,
    pub import_last_ok_time: Gauge<f64, AtomicU64>,
    pub import_last_ok_rows: Gauge,
    pub import_last_ok_seconds: Gauge<f64, AtomicU64>,
    pub import_last_failed_time: Gauge<f64, AtomicU64>,
    pub reminders_paused: Gauge,
    pub notice_edits: Family<OutcomeLabels, Counter>,
    pub cases_open: Gauge,
    pub cases_overdue: Gauge,
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
            hash_waiting: Gauge::default(),
            outbox_pending: Family::default(),
            outbox_oldest_seconds: Family::default(),
            deliveries: Family::default(),
            unreachable: Family::default(),
            telegram_errors: Family::default(),
            imap_seen: Counter::default(),
            imap_mails: Family::default(),
            import_runs: Family::default(),
            import_last_ok_time: Gauge::default(),
            import_last_ok_rows: Gauge::default(),
            import_last_ok_seconds: Gauge::default(),
            import_last_failed_time: Gauge::default(),
            reminders_paused: Gauge::default(),
            notice_edits: Family::default(),
            cases_open: Gauge::default(),
            cases_overdue: Gauge::default(),
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
            "password_hash_waiting",
            "Password hashes and checks (logins, changes) waiting for a hashing thread",
            m.hash_waiting.clone(),
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
            "Outbox delivery attempts by channel and result (sent, retried, failed, unreachable)",
            m.deliveries.clone(),
        );
        r.register(
            "unreachable_recipients",
            "Deliveries given up because the recipient cannot be reached by their own doing \
             (blocked the bot, deleted the account, no such mailbox), by channel and reason",
            m.unreachable.clone(),
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
            "Billing import runs (ebok import) recorded in the database, by result (ok, failed)",
            m.import_runs.clone(),
        );
        r.register(
            "import_last_success_timestamp_seconds",
            "When the last successful billing import ended (Unix time; 0: none yet)",
            m.import_last_ok_time.clone(),
        );
        r.register(
            "import_last_success_rows",
            "Data lines read by the last successful billing import, over all files",
            m.import_last_ok_rows.clone(),
        );
        r.register(
            "import_last_success_duration_seconds",
            "How long the last successful billing import took",
            m.import_last_ok_seconds.clone(),
        );
        r.register(
            "import_last_failure_timestamp_seconds",
            "When the last failed billing import ended (Unix time; 0: none)",
            m.import_last_failed_time.clone(),
        );
        r.register(
            "announcement_edits",
            "Edits in place of delivered announcements on Telegram (a change or the end), \
             by result: tried, edited, not_found (deleted or too old: the note went alone)",
            m.notice_edits.clone(),
        );
        r.register(
            "reminders_paused",
            "1 while date-driven reminders are paused because the last billing import is \
             older than [notifications] stale_import_days, else 0",
            m.reminders_paused.clone(),
        );
        r.register(
            "cases_open",
            "Complaints and requests not yet answered",
            m.cases_open.clone(),
        );
        r.register(
            "cases_overdue",
            "Complaints and requests not answered by their deadline",
            m.cases_overdue.clone(),
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

    /// Password hashes and checks now waiting for a hashing thread.
    pub fn password_hash_waiting(&self, waiting: usize) {
        self.hash_waiting
            .set(i64::try_from(waiting).unwrap_or(i64::MAX));
    }

    /// `result`: "sent", "retried", "failed" or "unreachable".
    pub fn delivery(&self, channel: &str, result: &str) {
        self.deliveries
            .get_or_create(&ResultLabels {
                channel: channel.into(),
                result: result.into(),
            })
            .inc();
    }

    /// A delivery given up because the recipient cannot be reached (`reason`: a fixed
    /// word such as "blocked" or "no_mailbox").
    pub fn unreachable(&self, channel: &str, reason: &str) {
        self.unreachable
            .get_or_create(&ReasonLabels {
                channel: channel.into(),
                reason: reason.into(),
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

    /// The import figures from the runs recorded in the database. The run counters
    /// follow the database's counts (they only ever grow there).
    pub fn set_imports(&self, stats: &crate::store::ImportStats) {
        for (result, count) in [("ok", stats.ok_runs), ("failed", stats.failed_runs)] {
            let counter = self.import_runs.get_or_create(&OutcomeLabels {
                result: result.into(),
            });
            let recorded = u64::try_from(count).unwrap_or(0);
            counter.inc_by(recorded.saturating_sub(counter.get()));
        }
        let unix = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as f64 / 1000.0;
        if let Some(run) = &stats.last_ok {
            self.import_last_ok_time.set(unix(run.finished_at));
            self.import_last_ok_rows.set(run.rows_read);
            self.import_last_ok_seconds.set(run.seconds);
        }
        if let Some(at) = stats.last_failed_at {
            self.import_last_failed_time.set(unix(at));
        }
    }

    /// An edit of a delivered announcement: `tried`, then `edited` or `not_found`.
    pub fn notice_edit(&self, result: &str) {
        self.notice_edits
            .get_or_create(&OutcomeLabels {
                result: result.into(),
            })
            .inc();
    }

    /// Whether the reminders are paused (a stale billing import).
    pub fn set_reminders_paused(&self, paused: bool) {
        self.reminders_paused.set(i64::from(paused));
    }

    /// The case gauges from the database's current counts.
    pub fn set_cases(&self, counts: &crate::store::CaseCounts) {
        self.cases_open.set(counts.open);
        self.cases_overdue.set(counts.overdue);
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
