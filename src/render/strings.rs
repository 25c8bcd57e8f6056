//! Short texts (labels, kinds, month names, button captions) from
//! `templates/<lang>/strings.toml`, flattened to dotted keys.

use crate::domain::lang::Lang;
use anyhow::Context;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Strings {
    map: Arc<HashMap<String, String>>,
}

impl Strings {
    /// Reads every `<lang>/strings.toml` among `sources`; later files override keys.
    pub fn from_sources(sources: &[(String, String)]) -> anyhow::Result<Strings> {
        let mut map = HashMap::new();
        for (path, text) in sources {
            let Some(lang) = path.strip_suffix("/strings.toml") else {
                continue;
            };
            let table: toml::Table =
                toml::from_str(text).with_context(|| format!("reading {path}"))?;
            flatten(lang, &toml::Value::Table(table), &mut map);
        }
        Ok(Strings { map: Arc::new(map) })
    }

    /// The text for `key` in `lang`, falling back to Polish.
    pub fn get(&self, lang: Lang, key: &str) -> Option<&str> {
        self.map
            .get(&format!("{}.{key}", lang.code()))
            .or_else(|| self.map.get(&format!("pl.{key}")))
            .map(String::as_str)
    }
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut HashMap<String, String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::AuditEvent;

    fn builtin() -> super::Strings {
        let sources: Vec<(String, String)> = ["pl", "en"]
            .iter()
            .map(|lang| {
                let path = format!("{lang}/strings.toml");
                let file = super::super::Builtin::get(&path).expect("built-in strings");
                (path, String::from_utf8(file.data.into_owned()).unwrap())
            })
            .collect();
        super::Strings::from_sources(&sources).unwrap()
    }

    /// Staff read the audit log in their language: every event has its own words in
    /// each one (no fallback to Polish, no raw code).
    #[test]
    fn every_audit_event_has_a_translation_in_each_language() {
        let strings = builtin();
        for event in AuditEvent::ALL {
            for lang in ["pl", "en"] {
                let key = format!("{lang}.audit_event.{}", event.as_str());
                let text = strings.map.get(&key).map(String::as_str);
                assert!(text.is_some_and(|t| !t.trim().is_empty()), "no {key}");
                if lang == "pl" {
                    assert_ne!(text, Some(event.as_str()), "{key} is the raw code");
                }
            }
        }
    }
}
