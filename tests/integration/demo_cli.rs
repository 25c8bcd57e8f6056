//! `ebok demo` and a database configured elsewhere: it writes generated customers and
//! demo logins, so it refuses a database named only by the environment or the
//! configuration file, says so, and touches nothing.

use crate::helpers::{Backend, backends};
use std::path::Path;
use std::process::{Command, Output};

fn ebok(dir: &Path, args: &[&str], env: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ebok"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("EBOK_DATABASE__URL")
        .env_remove("EBOK_CONFIG");
    if let Some(url) = env {
        cmd.env("EBOK_DATABASE__URL", url);
    }
    cmd.output().expect("run ebok")
}

#[test]
fn the_demo_refuses_a_database_named_by_the_environment_or_the_config_file() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = match &backend {
            Backend::Sqlite => format!("sqlite:{}", dir.path().join("prod.sqlite").display()),
            Backend::Postgres(url) => url.clone(),
        };
        let out = ebok(dir.path(), &["demo", "--no-console"], Some(&url));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(
            err.contains("EBOK_DATABASE__URL") && err.contains("--database"),
            "{err}"
        );
        let config = dir.path().join("ebok.toml");
        std::fs::write(&config, format!("[database]\nurl = \"{url}\"\n")).unwrap();
        let config = config.display().to_string();
        let out = ebok(
            dir.path(),
            &["--config", &config, "demo", "--no-console"],
            None,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(
            err.contains(&format!("the configuration file {config}")) && err.contains("--database"),
            "{err}"
        );
        // Nothing was written: neither the configured database nor the demo's own.
        assert!(!dir.path().join("prod.sqlite").exists());
        assert!(!dir.path().join("data").exists());
        let help = ebok(dir.path(), &["demo", "--help"], None);
        let help = String::from_utf8_lossy(&help.stdout);
        assert!(
            help.contains("data/demo.sqlite") && help.contains("EBOK_DATABASE__URL"),
            "{help}"
        );
    }
}

/// Runs `ebok` with `stdin`; fails the test if it has not exited within a minute (a
/// server that should have refused to start would run on).
fn ebok_with_input(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ebok"))
        .current_dir(dir)
        .args(args)
        .env_remove("EBOK_DATABASE__URL")
        .env_remove("EBOK_CONFIG")
        .env_remove("EBOK_UTILITY__BANK_ACCOUNT")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run ebok");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("ebok {args:?} still runs after a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// The shipped configuration's bank account is an example (marked REPLACE): `ebok serve`
/// and `ebok console` on a database that is not a demo's refuse to start with it, saying
/// what to set; `ebok demo` and the console on the demo's database run with it.
#[tokio::test]
async fn serve_and_console_refuse_the_example_bank_account_but_the_demo_runs_with_it() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::helpers::TestDb::new(&backend).await;
        let url = db.url.clone();
        for args in [
            vec!["--database", &url, "serve"],
            vec!["--database", &url, "console"],
        ] {
            let out = ebok_with_input(dir.path(), &args, "kontakt\n");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{args:?}: {err}");
            assert!(
                err.contains("utility.bank_account")
                    && err.contains("is still the example account")
                    && err.contains("61 1090 1014 0000 0712 1981 2874")
                    && err.contains("[utility]")
                    && err.contains("EBOK_UTILITY__BANK_ACCOUNT"),
                "{args:?}: {err}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = format!("sqlite:{}", dir.path().join("demo.sqlite").display());
    let out = ebok_with_input(
        dir.path(),
        &["--database", &demo, "demo", "--no-console"],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Which login shows the offline KSeF invoice (the demo's months reach past April 2026).
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("czeka na numer (KOD II): zaloguj "),
        "{printed}"
    );
    let out = ebok_with_input(dir.path(), &["--database", &demo, "console"], "kontakt\n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("54 231 73 00"),
        "the contact view: {stdout}"
    );
}
