//! `ebok demo` and `ebok import`: wiring the import and demo data to the CLI.

use crate::app::App;
use crate::config::Settings;
use std::path::Path;

pub async fn run(settings: Settings, fresh: bool, no_console: bool) -> anyhow::Result<()> {
    let _ = (settings, fresh, no_console);
    anyhow::bail!("the demo is being wired up")
}

pub async fn import(app: &App, dir: &Path) -> anyhow::Result<()> {
    let _ = (app, dir);
    anyhow::bail!("the import is being wired up")
}
