//! The console front end: an interactive chat in the terminal, or a script on stdin
//! (`printf 'zaloguj K1 hasło\nsaldo\n' | ebok console`). Files are saved to a folder.

use crate::app::App;
use crate::core::{Channel, Expect, Origin, Reply};
use crate::render::Flavour;
use anyhow::Context;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

/// Options of one console session.
pub struct Console {
    pub origin: Origin,
    /// Where attachments (PDFs) are saved.
    pub downloads: PathBuf,
}

impl Console {
    pub fn new(name: &str, downloads: &Path) -> Console {
        Console {
            origin: Origin::new(Channel::Console, name),
            downloads: downloads.to_path_buf(),
        }
    }

    /// Runs until end of input. Prompts only when both ends are a terminal.
    pub async fn run<R, W>(
        &self,
        app: &App,
        input: R,
        mut output: W,
        interactive: bool,
    ) -> anyhow::Result<()>
    where
        R: AsyncBufRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let mut lines = input.lines();
        let mut expect = Expect::Command;
        loop {
            if interactive {
                output.write_all(prompt(expect).as_bytes()).await?;
                output.flush().await?;
            }
            let line = if interactive && expect == Expect::Secret && std::io::stdin().is_terminal()
            {
                tokio::task::spawn_blocking(rpassword::read_password)
                    .await?
                    .ok()
            } else {
                lines
                    .next_line()
                    .await
                    .context("reading the console input")?
            };
            let Some(line) = line else { break };
            let line = line.trim_end_matches('\r');
            if expect == Expect::Command && line.trim().is_empty() {
                continue;
            }
            if expect == Expect::Command && matches!(line.trim(), "exit" | "quit" | "koniec") {
                break;
            }
            let reply = app.core.handle(&self.origin, line).await;
            expect = reply.expect;
            let text = self.show(app, &reply).await;
            output.write_all(text.as_bytes()).await?;
            output.write_all(b"\n\n").await?;
            output.flush().await?;
        }
        Ok(())
    }

    /// The reply as console text, with attachments saved and their paths listed.
    pub async fn show(&self, app: &App, reply: &Reply) -> String {
        let mut text = match app.renderer.reply(Flavour::Text, reply) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "rendering a reply");
                "⚠️ Nie udało się wyświetlić odpowiedzi / the reply could not be shown.".to_string()
            }
        };
        for file in &reply.attachments {
            match self.save(&file.file_name, &file.body).await {
                Ok(path) => text.push_str(&format!("\n📎 {}", path.display())),
                Err(e) => text.push_str(&format!("\n⚠️ {}: {e:#}", file.file_name)),
            }
        }
        text
    }

    async fn save(&self, name: &str, body: &[u8]) -> anyhow::Result<PathBuf> {
        tokio::fs::create_dir_all(&self.downloads)
            .await
            .with_context(|| format!("creating {}", self.downloads.display()))?;
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || ".-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.downloads.join(safe);
        tokio::fs::write(&path, body)
            .await
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

fn prompt(expect: Expect) -> &'static str {
    match expect {
        Expect::Command => "e-BOK> ",
        Expect::Text => "> ",
        Expect::Secret => "🔑 ",
    }
}
