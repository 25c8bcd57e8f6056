//! The interest tables' confirmed date as an operator meets it: the built-in tables
//! confirmed on 6 May 2026 (the Monetary Policy Council kept 3.75 % on 8–9 April and
//! 6 May), stale 45 days later; confirming later decisions silences the warning,
//! through the configuration or through `interest_rates.csv`. The real binary (`ebok
//! rates`, `ebok serve` and its `/readyz`, `ebok import`) with its clock read from a
//! file the test moves.

use crate::helpers::{OWN_BANK_ACCOUNT, TestDb, backends};
use crate::notifications::warsaw;
use crate::serve::{Launch, WAIT};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const STALE: &str = "warning: the interest tables are stale";

/// A database, a clock file for the processes, a directory for files.
struct Rig {
    db: TestDb,
    dir: tempfile::TempDir,
}

impl Rig {
    async fn new(backend: &crate::helpers::Backend, at: &str) -> Rig {
        let rig = Rig {
            db: TestDb::new(backend).await,
            dir: tempfile::tempdir().unwrap(),
        };
        rig.set_clock(at);
        rig
    }

    fn clock(&self) -> PathBuf {
        self.dir.path().join("clock")
    }

    /// Moves every process's clock to `at` (Warsaw time, `YYYY-MM-DD HH:MM`).
    fn set_clock(&self, at: &str) {
        ebok::domain::clock::write_file_clock(&self.clock(), warsaw(at)).unwrap();
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ebok"));
        cmd.arg("--database")
            .arg(&self.db.url)
            .args(args)
            .env_remove("EBOK_CONFIG")
            .env_remove("RUST_LOG")
            .env("EBOK_APP__TEST_CLOCK_FILE", self.clock())
            .env("EBOK_UTILITY__BANK_ACCOUNT", OWN_BANK_ACCOUNT)
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `ebok <args>` to its end: (stdout, stderr).
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
        let out: Output = self.command(args, env).output().expect("run ebok");
        let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
        assert!(
            out.status.success(),
            "ebok {args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        (text(&out.stdout), text(&out.stderr))
    }

    /// An operator's configuration file with `text`.
    fn config(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    /// `ebok import` of a billing export holding only `interest_rates.csv`.
    fn import_rates(&self, confirmed_on: &str) {
        let export = self.dir.path().join(format!("export-{confirmed_on}"));
        std::fs::create_dir_all(&export).unwrap();
        std::fs::write(
            export.join("interest_rates.csv"),
            format!(
                "table,from,rate,confirmed_on\n\
                 statutory,2016-01-01,7.00,{confirmed_on}\n\
                 statutory,2026-03-05,9.25,{confirmed_on}\n\
                 commercial,2016-01-01,9.50,{confirmed_on}\n\
                 commercial,2026-07-01,13.75,{confirmed_on}\n"
            ),
        )
        .unwrap();
        self.run(&["import", export.to_str().unwrap()], &[]);
    }

    /// `ebok serve`, logging to `log` as an operator's journal would keep it.
    fn serve(&self, log: &str, env: &[(&str, &str)]) -> Serve {
        let serve = Launch::new(&self.db.url)
            .env("EBOK_APP__TEST_CLOCK_FILE", self.clock())
            .envs(env)
            .log_to(&self.dir.path().join(log))
            .start();
        Serve(serve)
    }
}

/// The process, with what these tests read of it.
struct Serve(crate::serve::Serve);

impl Serve {
    /// Polls `/readyz` until `degraded` is as wanted; its interest check then.
    async fn degraded(&self, wanted: bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let answer = async {
                let (_, body) = self.0.get("/readyz").await?;
                serde_json::from_str::<serde_json::Value>(&body).ok()
            }
            .await;
            if let Some(ready) = answer
                && ready["degraded"] == wanted
            {
                assert_eq!(ready["ready"], true, "stale tables only degrade: {ready}");
                return ready["checks"]["interest_tables"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "/readyz never said degraded={wanted}: {}",
                self.lines("")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The log's interest-table lines containing `text`.
    fn lines(&self, text: &str) -> String {
        let log = self.0.log();
        log.lines()
            .filter(|l| l.contains("rates_stale") && l.contains(text))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until the log has `count` interest-table lines; returns them.
    async fn wait_lines(&self, count: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let lines: Vec<String> = self.lines("").lines().map(str::to_string).collect();
            if lines.len() >= count {
                return lines;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} interest-table lines of {count} in\n{}",
                lines.len(),
                self.0.tail(30)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn is_warning(line: &str) -> bool {
    line.contains(" WARN ") && line.contains("degraded=true")
}

/// `ebok rates`: the built-in tables are confirmed on 2026-05-06 and fresh for 45 days;
/// the day after, the warning. An operator who checked later decisions says so in the
/// configuration — a file with only `confirmed_on` (the built-in entries stay) or the
/// environment — and the warning is gone.
#[tokio::test]
async fn ebok_rates_warns_after_45_days_until_the_configuration_confirms_later() {
    for backend in backends() {
        let rig = Rig::new(&backend, "2026-06-20 12:00").await;
        let (out, err) = rig.run(&["rates"], &[]);
        assert!(
            out.contains(
                "the configuration's [interest] last confirmed on 2026-05-06 (45 days ago; stale after 45 days)"
            ),
            "{}: {out}",
            rig.db.label
        );
        assert!(out.contains("from 2026-03-05    9.25 %"), "{out}");
        assert!(!err.contains(STALE), "{err}");

        rig.set_clock("2026-06-21 12:00");
        let (out, err) = rig.run(&["rates"], &[]);
        assert!(out.contains("(46 days ago"), "{out}");
        assert!(err.contains(STALE), "{err}");

        rig.set_clock("2026-07-15 12:00");
        let file = rig.config(
            "operator.toml",
            "[interest]\nconfirmed_on = \"2026-07-09\"\n",
        );
        let (out, err) = rig.run(&["--config", &file, "rates"], &[]);
        assert!(
            out.contains("last confirmed on 2026-07-09 (6 days ago"),
            "{out}"
        );
        assert!(
            out.contains("from 2016-01-01    7.00 %"),
            "the entries stay: {out}"
        );
        assert!(!err.contains(STALE), "{err}");
        let (out, err) = rig.run(&["rates"], &[("EBOK_INTEREST__CONFIRMED_ON", "2026-07-09")]);
        assert!(out.contains("last confirmed on 2026-07-09"), "{out}");
        assert!(!err.contains(STALE), "{err}");
    }
}

/// `ebok serve` with the built-in tables: fresh and not degraded on day 45, warning and
/// degraded from day 46 as its clock moves on; restarted with the configuration
/// confirming later decisions: fresh again, no warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_warns_from_day_46_and_a_confirmation_in_the_configuration_silences_it() {
    for backend in backends() {
        let rig = Rig::new(&backend, "2026-06-20 12:00").await;
        let serve = rig.serve("first.log", &[]);
        assert_eq!(serve.degraded(false).await, "ok", "{}", rig.db.label);
        let lines = serve.wait_lines(1).await;
        assert!(
            lines[0].contains("confirmed on 2026-05-06 (45 days ago"),
            "{lines:?}"
        );
        assert!(!is_warning(&lines[0]), "{lines:?}");

        // The next day by the process's clock: the warning, once, and degraded.
        rig.set_clock("2026-06-21 12:00");
        let reason = serve.degraded(true).await;
        assert!(reason.contains("2026-05-06 (46 days ago"), "{reason}");
        let lines = serve.wait_lines(2).await;
        assert!(is_warning(&lines[1]), "{lines:?}");
        assert!(lines[1].contains("update [interest]"), "{lines:?}");
        drop(serve);

        // The operator checked the Council's later decisions and says so.
        rig.set_clock("2026-07-15 12:00");
        let file = rig.config(
            "operator.toml",
            "[interest]\nconfirmed_on = \"2026-07-09\"\n",
        );
        let serve = rig.serve("confirmed.log", &[("EBOK_CONFIG", &file)]);
        assert_eq!(serve.degraded(false).await, "ok");
        let lines = serve.wait_lines(1).await;
        assert!(lines[0].contains("confirmed on 2026-07-09"), "{lines:?}");
        assert!(!is_warning(&lines[0]), "{lines:?}");
        // Still without a warning the next day.
        rig.set_clock("2026-07-16 12:00");
        let lines = serve.wait_lines(2).await;
        assert!(lines.iter().all(|l| !is_warning(l)), "{lines:?}");
    }
}

/// `ebok serve` running while the billing export brings `interest_rates.csv` confirmed
/// later: `/readyz` is no longer degraded at once, `ebok rates` and the next day's log
/// say so; 46 days after that confirmation they warn again, telling the operator to
/// import the file again (the configuration's tables are not used while imported ones
/// exist, so confirming them does not help).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_confirmation_silences_the_warning_while_serve_runs() {
    for backend in backends() {
        let rig = Rig::new(&backend, "2026-07-15 12:00").await;
        let serve = rig.serve("serve.log", &[]);
        let reason = serve.degraded(true).await;
        assert!(reason.contains("2026-05-06"), "{}: {reason}", rig.db.label);
        assert!(is_warning(&serve.wait_lines(1).await[0]));

        rig.import_rates("2026-07-10");
        assert_eq!(serve.degraded(false).await, "ok");
        let (out, err) = rig.run(&["rates"], &[]);
        assert!(
            out.contains("interest_rates.csv last confirmed on 2026-07-10 (5 days ago"),
            "{out}"
        );
        assert!(out.contains("from 2026-07-01   13.75 %"), "{out}");
        assert!(!err.contains(STALE), "{err}");
        rig.set_clock("2026-07-16 12:00");
        let lines = serve.wait_lines(2).await;
        assert!(lines[1].contains("confirmed on 2026-07-10"), "{lines:?}");
        assert!(!is_warning(&lines[1]), "{lines:?}");

        // 46 days after the export's confirmation: stale again.
        rig.set_clock("2026-08-25 12:00");
        let reason = serve.degraded(true).await;
        assert!(
            reason.contains("import interest_rates.csv again"),
            "{reason}"
        );
        let lines = serve.wait_lines(3).await;
        assert!(is_warning(&lines[2]), "{lines:?}");
        // Confirming the configuration's tables changes nothing: the export's are in force.
        let file = rig.config(
            "operator.toml",
            "[interest]\nconfirmed_on = \"2026-08-20\"\n",
        );
        let (out, err) = rig.run(&["--config", &file, "rates"], &[]);
        assert!(
            out.contains("interest_rates.csv last confirmed on 2026-07-10"),
            "{out}"
        );
        assert!(out.contains("is not used"), "{out}");
        assert!(err.contains(STALE), "{err}");
        // A newer export does.
        rig.import_rates("2026-08-24");
        assert_eq!(serve.degraded(false).await, "ok");
        let (_, err) = rig.run(&["rates"], &[]);
        assert!(!err.contains(STALE), "{err}");
    }
}
