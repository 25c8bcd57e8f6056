//! What an outbox row carries: for a notice ([`Notice`]), its template and data and the
//! recipient's language, the same shape for every channel; for the email front end's
//! replies, their own record (template `email_reply`, never rendered from here). Secrets
//! (a temporary password) live in a separate map that is merged in at rendering and
//! scrubbed once the row is done.

use super::lang::Lang;
use super::notice::Notice;
use super::reply::{Action, View};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The JSON in `outbox.payload`: `{"lang", "template", "data", "secrets",
/// "in_reply_to"}`. A notice's `template` and `data` are its [`Notice`] as JSON.
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
    /// The payload of `notice` for a recipient who reads `lang`.
    pub fn of(lang: Lang, notice: &Notice) -> Payload {
        Payload {
            lang,
            template: notice.template().to_string(),
            data: notice.data(),
            secrets: Map::new(),
            in_reply_to: None,
        }
    }

    /// A payload for `template` with `data` (a struct or `json!` object): the email
    /// front end's records. Notices are written with [`Payload::of`].
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

    /// The notice the row carries. A row naming another template, or whose data do not
    /// fit its template's, is refused: a row must not pick arbitrary templates, and a
    /// notice renders only from the data its template was written for.
    pub fn notice(&self) -> anyhow::Result<Notice> {
        if !Notice::TEMPLATES.contains(&self.template.as_str()) {
            anyhow::bail!("the outbox names an unknown template {:?}", self.template);
        }
        let tagged = serde_json::json!({ "template": self.template, "data": self.data });
        serde_json::from_value(tagged).map_err(|e| {
            anyhow::anyhow!("the outbox's {} notice is unreadable: {e}", self.template)
        })
    }

    /// The view to render, with secrets merged into its data.
    pub fn view(&self) -> anyhow::Result<View> {
        let notice = self.notice()?;
        let mut data = notice.data();
        data.extend(self.secrets.clone());
        if notice.kind().is_some() {
            add_pay_by(&mut data);
            add_paid_so_far(&mut data);
        }
        Ok(View::new(notice.template(), Value::Object(data)))
    }

    /// The buttons offered with the notice (none when the row holds no notice).
    pub fn actions(&self) -> Vec<Action> {
        self.notice().map(|n| n.actions()).unwrap_or_default()
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

/// A reminder of a bill partly paid says how much is paid (`paid_gr`): the bill's
/// amount `charge_gr` less what is still `to_pay_gr`.
fn add_paid_so_far(data: &mut Map<String, Value>) {
    let int = |k: &str| data.get(k).and_then(Value::as_i64);
    if let (Some(charge), Some(to_pay)) = (int("charge_gr"), int("to_pay_gr"))
        && charge > to_pay
        && to_pay > 0
    {
        data.insert("paid_gr".into(), Value::from(charge - to_pay));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::notice::Credentials;

    fn credentials() -> Notice {
        Notice::Credentials(Credentials {
            identifier: "EB1".into(),
            ..Credentials::example()
        })
    }

    #[test]
    fn secrets_render_but_are_scrubbed_and_never_debugged() {
        let p = Payload::of(Lang::Pl, &credentials()).with_secret("password", "Tajne123");
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
        let p = Payload::of(Lang::En, &credentials());
        let mut bad = p.clone();
        bad.template = "balance".into();
        assert!(bad.view().is_err());
        assert!(p.view().is_ok());
    }

    #[test]
    fn a_notice_without_its_data_is_refused() {
        let p = Payload::new(
            Lang::En,
            "mail_credentials",
            serde_json::json!({"name": "X"}),
        );
        let err = p.view().unwrap_err().to_string();
        assert!(
            err.contains("mail_credentials notice is unreadable"),
            "{err}"
        );
    }
}
