//! Logging to stderr: `RUST_LOG` (default `warn` plus `ebok=info`), as text or as one
//! JSON object per line (`[log] format`). Colours only when stderr is a terminal: log
//! files, journald and cron mail get plain text. Nothing logged carries a password, a
//! PESEL or a message body (the core logs command names and references, never input).

use crate::config::{Log, LogFormat};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// How much the process logs when `RUST_LOG` is unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Services and batch commands: what they do (`ebok=info`).
    Normal,
    /// Commands that print their own report (the demo): only errors.
    Quiet,
}

pub fn init(log: &Log, verbosity: Verbosity) {
    let default = match verbosity {
        Verbosity::Normal => "warn,ebok=info",
        Verbosity::Quiet => "error",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match log.format {
        LogFormat::Json => builder
            .json()
            .with_current_span(false)
            .flatten_event(true)
            .try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
