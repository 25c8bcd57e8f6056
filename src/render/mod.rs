//! Rendering replies with handlebars. One set of templates per language
//! (`templates/<lang>/`), rendered in three flavours: plain text (console, email text
//! part), Telegram HTML and email HTML. Flavours differ only in escaping and in what
//! the `b`, `i`, `pre` and `code` helpers emit. Templates are compiled into the binary
//! and an operator may override any of them from a directory with the same layout.

#[cfg(test)]
mod counts_tests;
mod flavour;
mod helpers;
#[cfg(test)]
mod notices_tests;
pub mod plural;
mod strings;

pub use flavour::{Flavour, escape_html};

use crate::domain::lang::Lang;
use crate::domain::reply::{Action, Reply, View};
use anyhow::Context;
use handlebars::Handlebars;
use rust_embed::RustEmbed;
use std::path::Path;
use strings::Strings;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Builtin;

/// Compiled templates for every flavour.
pub struct Renderer {
    text: Handlebars<'static>,
    telegram: Handlebars<'static>,
    email_html: Handlebars<'static>,
    strings: Strings,
}

impl Renderer {
    /// The built-in templates, overridden by files in `override_dir` when given.
    pub fn new(override_dir: Option<&Path>) -> anyhow::Result<Renderer> {
        let mut sources: Vec<(String, String)> = Vec::new();
        for name in Builtin::iter().filter(|n| is_template_source(n)) {
            let file = Builtin::get(&name).context("reading a built-in template")?;
            let text = String::from_utf8(file.data.into_owned())
                .context("a built-in template is not UTF-8")?;
            sources.push((name.to_string(), text));
        }
        if let Some(dir) = override_dir {
            sources.extend(read_overrides(dir)?);
        }
        let strings = Strings::from_sources(&sources)?;
        Ok(Renderer {
            text: registry(Flavour::Text, &sources, &strings)?,
            telegram: registry(Flavour::Telegram, &sources, &strings)?,
            email_html: registry(Flavour::EmailHtml, &sources, &strings)?,
            strings,
        })
    }

    fn registry(&self, flavour: Flavour) -> &Handlebars<'static> {
        match flavour {
            Flavour::Text => &self.text,
            Flavour::Telegram => &self.telegram,
            Flavour::EmailHtml => &self.email_html,
        }
    }

    /// Renders one view. A missing or failing template is an error the caller logs.
    pub fn view(&self, flavour: Flavour, lang: Lang, view: &View) -> anyhow::Result<String> {
        let mut data = match &view.data {
            serde_json::Value::Object(map) => serde_json::Value::Object(map.clone()),
            other => serde_json::json!({ "value": other }),
        };
        data["_lang"] = serde_json::json!(lang.code());
        let reg = self.registry(flavour);
        let name = template_name(reg, lang, view.template)?;
        let out = reg
            .render(&name, &data)
            .with_context(|| format!("rendering the template {name}"))?;
        Ok(tidy(&out))
    }

    /// Renders all views of a reply, separated by blank lines.
    pub fn reply(&self, flavour: Flavour, reply: &Reply) -> anyhow::Result<String> {
        let parts: anyhow::Result<Vec<String>> = reply
            .views
            .iter()
            .map(|v| self.view(flavour, reply.lang, v))
            .collect();
        Ok(parts?
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n"))
    }

    /// A button label for an action, e.g. "◀ 2025-02" or "PDF FV/1".
    pub fn label(&self, lang: Lang, action: &Action) -> String {
        let pattern = self
            .strings
            .get(lang, &format!("button.{}", action.kind))
            .unwrap_or(action.kind);
        pattern.replace("{arg}", &action.arg)
    }

    /// A plain string from `strings.toml` (subjects, captions, menu texts).
    pub fn string(&self, lang: Lang, key: &str) -> String {
        self.strings.get(lang, key).unwrap_or(key).to_string()
    }
}

/// Templates and string tables; other files under templates/ (fonts for PDFs) are not.
fn is_template_source(path: &str) -> bool {
    path.ends_with(".hbs") || path.ends_with("/strings.toml")
}

fn template_name(reg: &Handlebars<'static>, lang: Lang, template: &str) -> anyhow::Result<String> {
    let wanted = format!("{}/{template}", lang.code());
    if reg.has_template(&wanted) {
        return Ok(wanted);
    }
    let fallback = format!("pl/{template}");
    if reg.has_template(&fallback) {
        return Ok(fallback);
    }
    anyhow::bail!("no template named {template}")
}

/// Collapses runs of 3+ newlines left by block helpers and trims the ends.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut newlines = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            newlines += 1;
            if newlines > 1 {
                continue;
            }
        } else {
            newlines = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string()
}

fn read_overrides(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current)
            .with_context(|| format!("reading the template directory {}", current.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if !is_template_source(&rel) {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the template {}", path.display()))?;
            found.push((rel, text));
        }
    }
    Ok(found)
}

/// Builds one flavour's registry from `<lang>/<name>.hbs` sources (later ones win).
fn registry(
    flavour: Flavour,
    sources: &[(String, String)],
    strings: &Strings,
) -> anyhow::Result<Handlebars<'static>> {
    let mut reg = Handlebars::new();
    reg.set_strict_mode(true);
    if flavour.is_html() {
        reg.register_escape_fn(escape_html);
    } else {
        reg.register_escape_fn(handlebars::no_escape);
    }
    helpers::register(&mut reg, flavour, strings.clone());
    for (path, text) in sources {
        let Some(name) = path.strip_suffix(".hbs") else {
            continue;
        };
        reg.register_template_string(name, text)
            .with_context(|| format!("compiling the template {path}"))?;
    }
    Ok(reg)
}
