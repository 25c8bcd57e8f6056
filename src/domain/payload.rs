//! What an outbox row carries: a view to render for the recipient (template, typed data,
//! language), the same shape for every channel. Secrets (a temporary password) live in a
//! separate map that is merged in at rendering and scrubbed once the row is done.

use super::lang::Lang;
use super::reply::View;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Templates that outbox rows may name. A row naming anything else is refused: the
/// renderer needs `&'static str` names, and a row must not pick arbitrary templates.
pub const TEMPLATES: &[&str] = &[
    "mail_credentials",
    "mail_foreign_sender",
    "mail_rejected",
    "mail_reset",
    "notify_announcement",
    "notify_collection",
    "notify_due_soon",
    "notify_invoice",
    "notify_overdue",
    "notify_payment",
    "staff_new_request",
];

/// The JSON in `outbox.payload`.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Payload {
    pub lang: Lang,
    pub template: String,
    #[serde(default)]
    pub data: Map<String, Value>,
    /// Merged into `data` when rendering; removed after delivery.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub secrets: Map<String, Value>,
    /// Email only: the Message-ID this answers (email replies of other front ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payload")
            .field("lang", &self.lang)
            .field("template", &self.template)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Payload {
    /// A payload for `template` with `data` (a struct or `json!` object).
    pub fn new(lang: Lang, template: &'static str, data: impl Serialize) -> Payload {
        let data = match serde_json::to_value(data) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        Payload {
            lang,
            template: template.to_string(),
            data,
            secrets: Map::new(),
            in_reply_to: None,
        }
    }

    pub fn with_secret(mut self, key: &str, value: impl Into<String>) -> Payload {
        self.secrets
            .insert(key.to_string(), Value::String(value.into()));
        self
    }

    pub fn parse(text: &str) -> anyhow::Result<Payload> {
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("unreadable outbox payload: {e}"))
    }

    pub fn to_json(&self) -> String {
        // A map of JSON values always serialises.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// The payload as stored after delivery: without its secrets.
    pub fn scrubbed(&self) -> Payload {
        let mut copy = self.clone();
        for value in copy.secrets.values_mut() {
            *value = Value::String("[removed after delivery]".into());
        }
        copy
    }

    /// The view to render, with secrets merged into its data.
    pub fn view(&self) -> anyhow::Result<View> {
        let Some(template) = TEMPLATES.iter().find(|t| **t == self.template) else {
            anyhow::bail!("the outbox names an unknown template {:?}", self.template);
        };
        let mut data = self.data.clone();
        data.extend(self.secrets.clone());
        if template.starts_with("notify_") {
            add_pay_by(&mut data);
        }
        Ok(View::new(template, Value::Object(data)))
    }
}

/// A notice of a bill carries the document's `due_date`; it is shown with the day the
/// bill must be paid by, `pay_by` (a Saturday, Sunday or holiday moves to the next
/// working day, art. 115 KC), and `moved` when the two differ — the same date and note
/// as the customer's views. Added at rendering, so notices queued earlier get it too.
fn add_pay_by(data: &mut Map<String, Value>) {
    let due = data
        .get("due_date")
        .and_then(Value::as_str)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    if let Some(due) = due {
        let pay_by = crate::domain::calendar::effective_due_date(due);
        data.insert("pay_by".into(), Value::String(pay_by.to_string()));
        data.insert("moved".into(), Value::Bool(pay_by != due));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_render_but_are_scrubbed_and_never_debugged() {
        let p = Payload::new(
            Lang::Pl,
            "mail_credentials",
            serde_json::json!({ "identifier": "EB1" }),
        )
        .with_secret("password", "Tajne123");
        let view = p.view().unwrap();
        assert_eq!(view.data["password"], "Tajne123");
        assert_eq!(view.data["identifier"], "EB1");
        assert!(!format!("{p:?}").contains("Tajne123"));
        let stored = p.scrubbed().to_json();
        assert!(!stored.contains("Tajne123"), "{stored}");
        assert_eq!(Payload::parse(&p.to_json()).unwrap(), p);
    }

    #[test]
    fn unknown_templates_are_refused() {
        let p = Payload::new(Lang::En, "mail_credentials", ());
        let mut bad = p.clone();
        bad.template = "balance".into();
        assert!(bad.view().is_err());
        assert!(p.view().is_ok());
    }
}
