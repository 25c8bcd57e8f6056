//! Public data types of the fake: recorded calls, visible messages, errors.

use serde_json::{Map, Value};

/// A file part of a multipart request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// multipart field name (teloxide uses a random id and refers to it with `attach://<id>`)
    pub field: String,
    /// the part's file name (`""` when the client sent none)
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// An error answer of the Bot API (`{"ok":false,"error_code":…,"description":…}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: u16,
    pub description: String,
    /// `parameters.retry_after` (429 answers)
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(code: u16, description: impl Into<String>) -> Self {
        ApiError {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub(crate) fn bad(description: impl std::fmt::Display) -> Self {
        ApiError::new(400, format!("Bad Request: {description}"))
    }

    pub(crate) fn retry(after: u32) -> Self {
        ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {after}"),
            retry_after: Some(after),
        }
    }
}

/// One Bot API call made by the bot under test (getUpdates polls are only counted in `stats()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// canonical Bot API name, e.g. `sendMessage` (teloxide sends `SendMessage`)
    pub method: String,
    /// parameters as received; values from multipart/form/query bodies stay strings
    pub params: Map<String, Value>,
    /// uploaded files (multipart)
    pub files: Vec<UploadedFile>,
    /// what the fake answered
    pub result: Result<Value, ApiError>,
    /// when the fake answered
    pub at: std::time::Instant,
}

impl Call {
    /// Method name comparison, case-insensitive (`c.is("sendMessage")`).
    pub fn is(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }

    /// A parameter as text (numbers and booleans are formatted, objects are JSON).
    pub fn param(&self, name: &str) -> Option<String> {
        value_as_string(self.params.get(name)?)
    }

    /// `chat_id` as a number.
    pub fn chat_id(&self) -> Option<i64> {
        self.param("chat_id")?.parse().ok()
    }

    /// `text` parameter as sent (before entity parsing).
    pub fn text(&self) -> Option<String> {
        self.param("text")
    }

    /// `true` if the fake answered with `ok: true`.
    pub fn ok(&self) -> bool {
        self.result.is_ok()
    }
}

pub(crate) fn value_as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        other => Some(other.to_string()),
    }
}

/// An inline keyboard button as the bot sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub text: String,
    pub callback_data: Option<String>,
    pub url: Option<String>,
}

/// A formatting entity produced by parsing `parse_mode` text, offsets in UTF-16 code units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Bot API type: bold, italic, underline, strikethrough, spoiler, code, pre, text_link,
    /// blockquote, expandable_blockquote, custom_emoji
    pub kind: String,
    pub offset: usize,
    pub length: usize,
    /// text_link
    pub url: Option<String>,
    /// pre
    pub language: Option<String>,
}

impl Entity {
    pub(crate) fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), self.kind.clone().into());
        m.insert("offset".into(), self.offset.into());
        m.insert("length".into(), self.length.into());
        if let Some(u) = &self.url {
            m.insert("url".into(), u.clone().into());
        }
        if let Some(l) = &self.language {
            m.insert("language".into(), l.clone().into());
        }
        Value::Object(m)
    }
}

/// A message the bot sent, in its current state (after edits); deleted ones are not listed.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    pub chat_id: i64,
    pub message_id: i64,
    /// visible text (entities parsed: no tags, entities decoded); `None` for media messages
    pub text: Option<String>,
    /// visible caption of a document/photo
    pub caption: Option<String>,
    /// the `text`/`caption` exactly as the bot sent it (with HTML tags etc.)
    pub raw: Option<String>,
    pub parse_mode: Option<String>,
    pub entities: Vec<Entity>,
    /// rows of the inline keyboard (empty if none)
    pub inline_keyboard: Vec<Vec<Button>>,
    /// the `reply_markup` as sent, when it was not an inline keyboard (reply keyboard, remove, force reply)
    pub other_markup: Option<Value>,
    /// the uploaded document/photo, for media messages
    pub document: Option<SentDocument>,
    pub edit_count: u32,
    /// sent with `disable_notification`: delivered without a sound
    pub silent: bool,
    /// the message it replies to, when that message exists
    pub reply_to: Option<i64>,
    /// unix seconds
    pub date: i64,
}

impl SentMessage {
    /// All buttons, row by row.
    pub fn buttons(&self) -> impl Iterator<Item = &Button> {
        self.inline_keyboard.iter().flatten()
    }

    /// The button whose text is exactly `text`.
    pub fn button(&self, text: &str) -> Option<&Button> {
        self.buttons().find(|b| b.text == text)
    }

    /// The callback data of all buttons that have one.
    pub fn callback_data(&self) -> Vec<&str> {
        self.buttons()
            .filter_map(|b| b.callback_data.as_deref())
            .collect()
    }

    /// Visible text or caption.
    pub fn visible(&self) -> &str {
        self.text
            .as_deref()
            .or(self.caption.as_deref())
            .unwrap_or("")
    }
}

/// A document (or photo) the bot uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentDocument {
    pub chat_id: i64,
    pub message_id: i64,
    /// `sendDocument` or `sendPhoto`
    pub method: String,
    pub file_name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
    /// visible caption (entities parsed)
    pub caption: Option<String>,
    /// the file id the fake assigned (reusable in later sends)
    pub file_id: String,
}

/// A Telegram user as the fake shows it in updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TgUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl TgUser {
    /// `user<id>`, no last name/username, language `pl`.
    pub fn new(id: i64) -> Self {
        TgUser {
            id,
            first_name: format!("user{id}"),
            last_name: None,
            username: None,
            language_code: Some("pl".into()),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.into());
        m.insert("is_bot".into(), false.into());
        m.insert("first_name".into(), self.first_name.clone().into());
        for (k, v) in [
            ("last_name", &self.last_name),
            ("username", &self.username),
            ("language_code", &self.language_code),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        }
        Value::Object(m)
    }

    pub(crate) fn private_chat(&self) -> Value {
        let mut c = Map::new();
        c.insert("id".into(), self.id.into());
        c.insert("type".into(), "private".into());
        c.insert("first_name".into(), self.first_name.clone().into());
        if let Some(l) = &self.last_name {
            c.insert("last_name".into(), l.clone().into());
        }
        if let Some(u) = &self.username {
            c.insert("username".into(), u.clone().into());
        }
        Value::Object(c)
    }
}

impl From<i64> for TgUser {
    fn from(id: i64) -> Self {
        TgUser::new(id)
    }
}
