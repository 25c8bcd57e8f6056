//! `ebok console`: chatting with e-BOK in the terminal.

use crate::app::App;
use crate::channels::console::Console;
use anyhow::Context;
use std::io::IsTerminal;

/// Runs the console on stdin/stdout.
pub async fn console(app: &App, name: &str, downloads: &std::path::Path) -> anyhow::Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if interactive {
        println!("e-BOK — konsola. Napisz „pomoc”, aby zobaczyć polecenia; „koniec”, aby wyjść.");
    }
    let console = Console::new(name, downloads);
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    console
        .run(app, stdin, tokio::io::stdout(), interactive)
        .await
        .context("running the console")
}
