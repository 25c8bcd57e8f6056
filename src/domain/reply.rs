//! What the core answers: channel-neutral views (a template name and typed data),
//! files to attach, and follow-up actions a front end may offer as buttons.

use super::lang::Lang;
use serde::Serialize;

/// One rendered unit: `template` names a file under `templates/<lang>/`.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub template: &'static str,
    pub data: serde_json::Value,
}

impl View {
    pub fn new(template: &'static str, data: impl Serialize) -> View {
        // Serialising plain structs of strings and numbers cannot fail.
        let data = serde_json::to_value(data).unwrap_or(serde_json::Value::Null);
        View { template, data }
    }

    pub fn bare(template: &'static str) -> View {
        View {
            template,
            data: serde_json::json!({}),
        }
    }
}

/// A file sent with the reply (invoice or contract PDF, the regulations, a QR code).
#[derive(Clone, Serialize)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    #[serde(skip)]
    pub body: Vec<u8>,
    /// An image to show within the message, not only as a file: Telegram sends it as a
    /// photo, email shows it in the HTML (and attaches it too).
    pub inline: bool,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Attachment({}, {} bytes)",
            self.file_name,
            self.body.len()
        )
    }
}

/// A follow-up the user may take: `command` is the exact text that runs it (so a
/// button press is just another command, checked like any other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// Key of the label in `strings.toml` (`button.<kind>`), e.g. "next_page".
    pub kind: &'static str,
    /// Shown in the label, e.g. a bill number or a month.
    pub arg: String,
    pub command: String,
    /// Groups buttons into rows: actions with the same row share one.
    pub row: u8,
}

/// What the dialogue waits for next, so a front end can mask input or delete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Expect {
    Command,
    Text,
    Secret,
}

/// The answer to one input.
#[derive(Debug, Clone)]
pub struct Reply {
    pub lang: Lang,
    pub views: Vec<View>,
    pub attachments: Vec<Attachment>,
    pub actions: Vec<Action>,
    /// The input contained a password: front ends that keep history should delete it.
    pub input_was_secret: bool,
    pub expect: Expect,
    /// When the user is logged in, the account identifier (for front ends' own use).
    pub logged_in_as: Option<String>,
    /// The logged-in account is a staff account.
    pub staff: bool,
    /// This input opened, ended or switched the chat's session (login, logout, expiry),
    /// so a front end may adjust what it shows (Telegram: the staff command menu).
    pub session_changed: bool,
    /// The view edits the message it came from (calendar ◀ ▶, paging) where possible.
    pub replaces_previous: bool,
    /// The files that came with the input were taken (by a case).
    pub files_taken: bool,
}

impl Reply {
    pub fn new(lang: Lang, view: View) -> Reply {
        Reply {
            lang,
            views: vec![view],
            attachments: vec![],
            actions: vec![],
            input_was_secret: false,
            expect: Expect::Command,
            logged_in_as: None,
            staff: false,
            session_changed: false,
            replaces_previous: false,
            files_taken: false,
        }
    }

    pub fn with_action(
        mut self,
        kind: &'static str,
        arg: impl Into<String>,
        command: impl Into<String>,
        row: u8,
    ) -> Reply {
        self.actions.push(Action {
            kind,
            arg: arg.into(),
            command: command.into(),
            row,
        });
        self
    }

    pub fn expecting(mut self, expect: Expect) -> Reply {
        self.expect = expect;
        self
    }

    pub fn template_names(&self) -> Vec<&'static str> {
        self.views.iter().map(|v| v.template).collect()
    }
}
