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
