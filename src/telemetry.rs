//! Logging to stderr: `RUST_LOG` (default `warn` plus `ebok=info`), as text or as one
//! JSON object per line (`[log] format`). Colours only when stderr is a terminal: log
//! files, journald and cron mail get plain text. The console and the demo log only
//! warnings unless `--verbose`, and never in colour: their terminal shows a conversation. Nothing logged carries a password, a
//! PESEL or a message body (the core logs command names and references, never input).

use crate::config::{Log, LogFormat};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// How much the process logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Services and batch commands: what they do (`RUST_LOG`, default `warn,ebok=info`).
    Normal,
    /// The console and the demo, whose terminal shows a conversation: only warnings and
    /// errors (`RUST_LOG` is not read), or with `verbose` what [`Verbosity::Normal`]
    /// logs; never in colour, which would land among the replies.
    Conversation { verbose: bool },
}

pub fn init(log: &Log, verbosity: Verbosity) {
    let filter = match verbosity {
        Verbosity::Conversation { verbose: false } => EnvFilter::new("warn"),
        _ => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,ebok=info")),
    };
    let colour = verbosity == Verbosity::Normal && std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match log.format {
        LogFormat::Json => builder
            .json()
            .with_current_span(false)
            .flatten_event(true)
            .try_init(),
        LogFormat::Text => builder.with_ansi(colour).try_init(),
    };
}
