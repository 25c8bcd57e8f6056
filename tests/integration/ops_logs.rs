//! Logs as an operator gets them: the real binary as a child process, stderr to a pipe
//! (as under systemd, in a log file or in a cron mail).

use crate::helpers::{TestDb, backends};
use std::process::{Command, Output};

const ESC: u8 = 0x1b;

fn ebok(db_url: &str, args: &[&str], env: &[(&str, &str)], dir: &std::path::Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ebok"));
    cmd.arg("--database")
        .arg(db_url)
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("EBOK_CONFIG")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run the ebok binary")
}

fn example_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example")
}

/// A line the way tracing's text format starts it: a timestamp, then a level.
pub(crate) fn is_log_line(line: &str) -> bool {
    let plain: String = line.chars().filter(|c| *c != '\u{1b}').collect();
    ["INFO", "WARN", "ERROR", "DEBUG", "TRACE"]
        .iter()
        .any(|level| plain.contains(&format!(" {level} ")) || plain.contains(&format!("m{level}")))
        && plain.starts_with(|c: char| c.is_ascii_digit() || c == '[')
}

#[tokio::test]
async fn import_logs_to_a_pipe_without_colour_codes() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let work = tempfile::tempdir().unwrap();
        let example = example_dir();
        let out = ebok(
            &db.url,
            &["import", example.to_str().unwrap()],
            &[],
            work.path(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: {stderr}", db.label);
        assert!(
            stderr.lines().any(is_log_line),
            "{}: the import logs what it does: {stderr}",
            db.label
        );
        assert!(
            !out.stderr.contains(&ESC) && !out.stdout.contains(&ESC),
            "{}: no ANSI escape codes when not on a terminal: {stderr:?}",
            db.label
        );
    }
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let work = tempfile::tempdir().unwrap();
        let example = example_dir();
        let out = ebok(
            &db.url,
            &["import", example.to_str().unwrap()],
            &[("EBOK_LOG__FORMAT", "json")],
            work.path(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: {stderr}", db.label);
        let lines: Vec<&str> = stderr.lines().collect();
        assert!(!lines.is_empty(), "{}: nothing logged", db.label);
        for line in lines {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", db.label));
            assert!(
                v["level"].is_string() && v["timestamp"].is_string(),
                "{line}"
            );
        }
        // The example's PESEL numbers are never in a log.
        let customers = std::fs::read_to_string(example_dir().join("customers.csv")).unwrap();
        for pesel in customers
            .split([',', ';', '\n', '"'])
            .filter(|f| f.len() == 11 && f.chars().all(|c| c.is_ascii_digit()))
        {
            assert!(!stderr.contains(pesel), "{}: a PESEL in the log", db.label);
        }
    }
}

#[tokio::test]
async fn the_demo_prints_its_table_without_log_lines() {
    let work = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", work.path().join("demo.sqlite").display());
    let out = ebok(&db, &["demo", "--no-console"], &[], work.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Konta demonstracyjne"), "{stdout}");
    let logged: Vec<&str> = stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| is_log_line(l))
        .collect();
    assert!(
        logged.is_empty(),
        "log lines around the demo's table: {logged:#?}"
    );
    assert!(!out.stderr.contains(&ESC) && !out.stdout.contains(&ESC));
}

/// The packaged systemd unit passes `systemd-analyze verify` (with its ExecStart pointed
/// at the binary under test). Skipped, saying so, where systemd-analyze is missing.
#[test]
fn the_systemd_unit_verifies() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze not installed: the_systemd_unit_verifies skipped");
        return;
    };
    assert!(version.status.success());
    let unit = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/ebok.service"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ebok.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/ebok", env!("CARGO_BIN_EXE_ebok")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Only complaints about this unit count (the host's own units may have their own).
    let ours: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ebok.service"))
        .collect();
    assert!(out.status.success() && ours.is_empty(), "{text}");
}

/// The container file passes hadolint (a Dockerfile linter: shell and best-practice
/// rules). The image itself is built by `.ci/run` only where a container builder runs.
#[test]
fn the_containerfile_passes_hadolint() {
    let Ok(version) = Command::new("hadolint").arg("--version").output() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI is set but hadolint is not installed: run scripts/test"
        );
        eprintln!("hadolint not installed: the_containerfile_passes_hadolint skipped");
        return;
    };
    assert!(version.status.success());
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Containerfile");
    let out = Command::new("hadolint")
        .arg("--no-color")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Each `tracing::error!` / `tracing::warn!` call of `src/`: its level and message (the
/// last string literal of the call, up to its first placeholder), with where it is.
fn error_and_warning_calls() -> Vec<(String, String, String)> {
    let mut files = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut calls = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for level in ["error", "warn"] {
            let opening = format!("tracing::{level}!(");
            for (at, _) in text.match_indices(&opening) {
                let message = last_literal(&text[at + opening.len()..]);
                let message = message.split('{').next().unwrap_or_default();
                let line = text[..at].lines().count() + 1;
                calls.push((
                    level.to_uppercase(),
                    message.trim().trim_end_matches(':').to_string(),
                    format!("{}:{line}", path.display()),
                ));
            }
        }
    }
    calls
}

/// The last string literal before the parenthesis that closes the call `rest` starts in.
fn last_literal(rest: &str) -> String {
    let (mut depth, mut last, mut chars) = (1, String::new(), rest.chars());
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                last.clear();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => last.extend(chars.next()),
                        '"' => break,
                        c => last.push(c),
                    }
                }
            }
            '(' => depth += 1,
            ')' if depth == 1 => break,
            ')' => depth -= 1,
            _ => {}
        }
    }
    last
}

/// The operator's table of log messages (docs/operations.md, "What the log levels
/// mean") names every ERROR and WARN message of the code, at its level.
#[test]
fn every_error_and_warning_is_in_the_operations_table() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/operations.md"),
    )
    .unwrap();
    let calls = error_and_warning_calls();
    assert!(calls.len() > 40, "{calls:#?}");
    let missing: Vec<_> = calls
        .iter()
        .filter(|(level, message, _)| {
            message.is_empty()
                || !docs.lines().any(|row| {
                    row.starts_with(&format!("| {level} |")) && row.contains(&format!("`{message}"))
                })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "not in the table of docs/operations.md at their level: {missing:#?}"
    );
}
