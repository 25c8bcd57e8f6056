//! `ebok serve` as a child process, the one way the tests and the benches start it: the
//! real binary, configured through the environment only (no configuration file), its
//! operations endpoint (`/healthz`, `/readyz`, `/metrics`) on a free loopback port, its
//! log where the caller wants it. Readiness is a condition polled with a deadline, never
//! a fixed sleep. Dropped, the process is killed (SIGKILL) and reaped, so a failing test
//! leaves none behind; [`Serve::sigterm`] and [`Serve::kill`] stop it on purpose.
//!
//! The benches include this file with `#[path]`: it uses nothing of the test crate.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// Long enough for a debug build on a busy machine; a pass never waits for it.
pub const WAIT: Duration = Duration::from_secs(60);

/// A valid account number (NRB) that is not the example of bot-config/ebok.toml, for
/// runs of `ebok serve`, which refuses the example.
pub const OWN_BANK_ACCOUNT: &str = "60 1020 1026 0000 1234 5678 9012";

/// The token the fake Bot API is called with.
pub const TOKEN: &str = "123456:TEST-token";

/// A loopback port free at the time of the call.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The Telegram front end on `fake`, unpaced.
pub fn telegram_env(fake: &fake_telegram::FakeTelegram) -> Vec<(&'static str, String)> {
    vec![
        ("EBOK_TELEGRAM__TOKEN", TOKEN.into()),
        ("EBOK_TELEGRAM__API_URL", fake.url().to_string()),
        ("EBOK_TELEGRAM__MESSAGES_PER_SECOND", "0".into()),
    ]
}

/// Mail out through the test's Postfix (`mail`), reached at `port` (its own or a proxy's),
/// from `from`, with STARTTLS and the test CA.
pub fn smtp_env(
    mail: &mail_support::MailEnv,
    port: u16,
    from: &str,
    timeout_seconds: u32,
) -> Vec<(&'static str, String)> {
    vec![
        ("EBOK_SMTP__HOST", mail.smtp_host.clone()),
        ("EBOK_SMTP__PORT", port.to_string()),
        ("EBOK_SMTP__TLS", "starttls".into()),
        ("EBOK_SMTP__CA_CERT", mail.ca_cert.display().to_string()),
        ("EBOK_SMTP__FROM_ADDRESS", from.to_string()),
        ("EBOK_SMTP__FROM_NAME", "e-BOK".into()),
        ("EBOK_SMTP__TIMEOUT_SECONDS", timeout_seconds.to_string()),
    ]
}

/// How an `ebok serve` is started: `ebok --database <url> serve`, no configuration file,
/// `RUST_LOG=info`, a bank account of the utility's own and an operations endpoint on a
/// free port; [`Launch::env`] adds to that or overrides it.
pub struct Launch {
    cmd: Command,
    ops_port: u16,
    log: Option<PathBuf>,
}

impl Launch {
    pub fn new(db_url: &str) -> Launch {
        Launch::with_binary(Path::new(env!("CARGO_BIN_EXE_ebok")), db_url)
    }

    /// The same with another build of ebok (a bench comparing two builds).
    pub fn with_binary(bin: &Path, db_url: &str) -> Launch {
        let ops_port = free_port();
        let mut cmd = Command::new(bin);
        cmd.arg("--database")
            .arg(db_url)
            .arg("serve")
            .env_remove("EBOK_CONFIG")
            .env("RUST_LOG", "info")
            .env("EBOK_UTILITY__BANK_ACCOUNT", OWN_BANK_ACCOUNT)
            .env("EBOK_HTTP__LISTEN", format!("127.0.0.1:{ops_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        Launch {
            cmd,
            ops_port,
            log: None,
        }
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Launch {
        self.cmd.env(key, value);
        self
    }

    pub fn envs<K: AsRef<str>, V: AsRef<std::ffi::OsStr>>(mut self, pairs: &[(K, V)]) -> Launch {
        for (k, v) in pairs {
            self.cmd.env(k.as_ref(), v);
        }
        self
    }

    pub fn env_remove(mut self, key: &str) -> Launch {
        self.cmd.env_remove(key);
        self
    }

    /// Nothing of the test's own environment but `PATH`: what the process knows is what
    /// this launch sets.
    pub fn clear_env(mut self) -> Launch {
        let path = std::env::var("PATH").unwrap_or_default();
        let kept: Vec<_> = self
            .cmd
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
            .collect();
        self.cmd.env_clear().env("PATH", path).envs(kept);
        self
    }

    /// Its log (stdout and stderr) appended to `path`, which several processes may share.
    pub fn log_to(mut self, path: &Path) -> Launch {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("the log file of ebok serve");
        self.cmd
            .stdout(file.try_clone().expect("the log file"))
            .stderr(file);
        self.log = Some(path.to_path_buf());
        self
    }

    /// Its stderr to `stderr` (the default: the test's own).
    pub fn stderr(mut self, stderr: impl Into<Stdio>) -> Launch {
        self.cmd.stderr(stderr);
        self
    }

    pub fn start(mut self) -> Serve {
        let child = self.cmd.spawn().expect("start ebok serve");
        Serve {
            child,
            ops: format!("http://127.0.0.1:{}", self.ops_port),
            log: self.log,
        }
    }
}

/// A running `ebok serve`, killed (SIGKILL) and reaped when dropped.
pub struct Serve {
    pub child: Child,
    ops: String,
    log: Option<PathBuf>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Started with the defaults of [`Launch`] and `env`.
    /// Logs ebok's INFO lines (and others' warnings) to the test's stderr.
    pub fn start(db_url: &str, env: &[(&str, String)]) -> Serve {
        Launch::new(db_url)
            .env("RUST_LOG", "warn,ebok=info")
            .envs(env)
            .start()
    }

    /// The operations endpoint, `http://127.0.0.1:<port>`.
    pub fn ops_url(&self) -> &str {
        &self.ops
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn get(&self, path: &str) -> Option<(u16, String)> {
        let response = reqwest::get(format!("{}{path}", self.ops)).await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.ok()?))
    }

    /// Polls `/readyz` until its readiness is `ready`; the last answer either way (the
    /// caller asserts on it). Panics if the endpoint never answers.
    pub async fn wait_ready(&self, ready: bool) -> (u16, serde_json::Value) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some((status, body)) = self.get("/readyz").await {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                if json["ready"] == ready || tokio::time::Instant::now() > deadline {
                    return (status, json);
                }
            } else if tokio::time::Instant::now() > deadline {
                panic!("the operations endpoint never answered:\n{}", self.tail(30));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Scrapes `/metrics` and parses it with a Prometheus text-format parser.
    pub async fn metrics(&self) -> prometheus_parse::Scrape {
        let (status, body) = self.get("/metrics").await.expect("/metrics answers");
        assert_eq!(status, 200, "{body}");
        prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string())))
            .unwrap_or_else(|e| panic!("/metrics does not parse ({e}):\n{body}"))
    }

    /// Waits for the process to exit, at most `within`.
    pub async fn exit_within(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("the state of ebok serve") {
                return Some(status);
            }
            if tokio::time::Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM: the shutdown an operator (systemd) asks for.
    pub fn sigterm(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) with a pid of our own child, which is not reaped yet.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(rc, 0, "SIGTERM: {}", std::io::Error::last_os_error());
    }

    /// SIGKILL: no shutdown code of ebok runs; returns once the process is reaped.
    pub async fn kill(mut self) {
        let _ = self.child.kill();
        while matches!(self.child.try_wait(), Ok(None)) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Its log so far ("" when it logs elsewhere).
    pub fn log(&self) -> String {
        self.log
            .as_deref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// The last `lines` of its log, for a failure message.
    pub fn tail(&self, lines: usize) -> String {
        tail(&self.log(), lines)
    }

    /// `field` of `/proc/<pid>/status` as a number (VmRSS, VmHWM: kB; Threads: a count);
    /// 0 once the process is gone.
    pub fn proc_status(&self, field: &str) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0)
    }
}

/// Telegram's POST of `update` to the webhook at `127.0.0.1:<port><path>` with `secret`:
/// the status, or `None` when no answer came (the instance died).
pub async fn post_update(
    port: u16,
    path: &str,
    secret: &str,
    update: &serde_json::Value,
) -> Option<u16> {
    let response = reqwest::Client::builder()
        .timeout(WAIT)
        .build()
        .expect("an HTTP client")
        .post(format!("http://127.0.0.1:{port}{path}"))
        .header("X-Telegram-Bot-Api-Secret-Token", secret)
        .json(update)
        .send()
        .await
        .ok()?;
    Some(response.status().as_u16())
}

/// The value of the sample `name` whose labels include `labels` (0 when absent).
pub fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    use prometheus_parse::Value;
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum()
}

/// The last `lines` of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
