//! The fake's mutable state (behind one mutex) and JSON builders.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::text::Parsed;
use crate::types::{ApiError, Button, Call, Entity, SentDocument, SentMessage, TgUser};
use crate::{BOT_FIRST_NAME, BOT_ID, BOT_USERNAME};

/// How long Telegram lets a bot answer a callback query (about 15 s): later, and a second
/// time, `answerCallbackQuery` is refused with "query is too old …".
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(15);

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

pub(crate) fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME})
}

pub(crate) fn entities_json(entities: &[Entity]) -> Value {
    Value::Array(entities.iter().map(Entity::to_json).collect())
}

/// A message in some chat, sent by the bot or pushed as a user's.
#[derive(Debug, Clone)]
pub(crate) struct StoredMsg {
    pub chat_id: i64,
    pub message_id: i64,
    pub from_bot: bool,
    pub deleted: bool,
    pub date: i64,
    pub from: Value,
    /// visible text + entities (text messages)
    pub text: Option<Parsed>,
    /// visible caption + entities (media messages)
    pub caption: Option<Parsed>,
    pub raw: Option<String>,
    pub parse_mode: Option<String>,
    pub inline: Option<Vec<Vec<Button>>>,
    pub markup_json: Option<Value>,
    /// extra JSON fields of media messages ("document", "photo", "sticker", …)
    pub media: Map<String, Value>,
    pub document: Option<SentDocument>,
    pub edit_count: u32,
    pub edit_date: Option<i64>,
    /// sent with `disable_notification` (the user's phone made no sound)
    pub silent: bool,
    /// the message it replies to (`reply_parameters`), when that message exists
    pub reply_to: Option<i64>,
}

impl StoredMsg {
    pub fn new(chat_id: i64, message_id: i64, from: Value, from_bot: bool) -> Self {
        StoredMsg {
            chat_id,
            message_id,
            from_bot,
            deleted: false,
            date: now(),
            from,
            text: None,
            caption: None,
            raw: None,
            parse_mode: None,
            inline: None,
            markup_json: None,
            media: Map::new(),
            document: None,
            edit_count: 0,
            edit_date: None,
            silent: false,
            reply_to: None,
        }
    }

    pub fn to_sent(&self) -> SentMessage {
        SentMessage {
            chat_id: self.chat_id,
            message_id: self.message_id,
            text: self.text.as_ref().map(|p| p.text.clone()),
            caption: self
                .caption
                .as_ref()
                .map(|p| p.text.clone())
                .filter(|c| !c.is_empty()),
            raw: self.raw.clone(),
            parse_mode: self.parse_mode.clone(),
            entities: self
                .text
                .as_ref()
                .or(self.caption.as_ref())
                .map(|p| p.entities.clone())
                .unwrap_or_default(),
            inline_keyboard: self.inline.clone().unwrap_or_default(),
            other_markup: if self.inline.is_none() {
                self.markup_json.clone()
            } else {
                None
            },
            document: self.document.clone(),
            edit_count: self.edit_count,
            silent: self.silent,
            reply_to: self.reply_to,
            date: self.date,
        }
    }
}

/// A file the fake knows (uploaded by the bot or pushed in a user's message).
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub unique_id: String,
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A failure queued with `fail_next`.
#[derive(Debug, Clone)]
pub(crate) struct Injected {
    pub method: String, // lower-case, or "*"
    pub err: ApiError,
}

pub(crate) struct Inner {
    pub updates: VecDeque<Value>,
    pub next_update_id: i64,
    pub next_message_id: i64,
    pub next_file: u64,
    pub messages: BTreeMap<(i64, i64), StoredMsg>,
    pub chats: BTreeMap<i64, Value>,
    pub users: BTreeMap<i64, TgUser>,
    pub blocked: BTreeSet<i64>,
    /// callback query id -> answerCallbackQuery params once answered
    pub callbacks: BTreeMap<String, Option<Value>>,
    /// callback query id -> when the user pressed the button
    pub callback_born: BTreeMap<String, Instant>,
    /// how long a callback query can be answered (`None`: for ever)
    pub callback_timeout: Option<Duration>,
    /// answers held back after the call was carried out: (method lower-case, for how long)
    pub stall: Vec<(String, Duration)>,
    /// chats every call for which fails (`fail_chat`) until healed
    pub failing_chats: BTreeMap<i64, ApiError>,
    pub files: BTreeMap<String, StoredFile>,
    /// (scope JSON, language_code) -> commands
    pub commands: BTreeMap<(String, String), Value>,
    pub webhook: String,
    pub calls: Vec<Call>,
    pub stats: BTreeMap<String, usize>,
    pub inject: Vec<Injected>,
    pub rate_limit: Option<u32>,
    pub limits: Option<crate::limits::Model>,
    pub recent_sends: HashMap<i64, VecDeque<Instant>>,
    pub poll_gen: u64,
    pub allowed_updates: Option<Vec<String>>,
    pub require_known_chat: bool,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            updates: VecDeque::new(),
            next_update_id: 1,
            next_message_id: 1,
            next_file: 1,
            messages: BTreeMap::new(),
            chats: BTreeMap::new(),
            users: BTreeMap::new(),
            blocked: BTreeSet::new(),
            callbacks: BTreeMap::new(),
            callback_born: BTreeMap::new(),
            callback_timeout: Some(CALLBACK_TIMEOUT),
            stall: Vec::new(),
            failing_chats: BTreeMap::new(),
            files: BTreeMap::new(),
            commands: BTreeMap::new(),
            webhook: String::new(),
            calls: Vec::new(),
            stats: BTreeMap::new(),
            inject: Vec::new(),
            rate_limit: None,
            limits: None,
            recent_sends: HashMap::new(),
            poll_gen: 0,
            allowed_updates: None,
            require_known_chat: true,
        }
    }
}

impl Inner {
    pub fn next_mid(&mut self) -> i64 {
        self.next_message_id += 1;
        self.next_message_id - 1
    }

    pub fn user(&self, id: i64) -> TgUser {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| TgUser::new(id))
    }

    pub fn chat_json(&self, chat_id: i64) -> Value {
        self.chats.get(&chat_id).cloned().unwrap_or_else(|| {
            if chat_id < 0 {
                json!({"id": chat_id, "type": "group", "title": format!("group{chat_id}")})
            } else {
                self.user(chat_id).private_chat()
            }
        })
    }

    /// The Message object Telegram would return for a stored message, in its current state.
    pub fn message_json(&self, m: &StoredMsg) -> Value {
        let mut o = Map::new();
        o.insert("message_id".into(), m.message_id.into());
        o.insert("date".into(), m.date.into());
        o.insert("chat".into(), self.chat_json(m.chat_id));
        o.insert("from".into(), m.from.clone());
        if let Some(d) = m.edit_date {
            o.insert("edit_date".into(), d.into());
        }
        if let Some(t) = &m.text {
            o.insert("text".into(), t.text.clone().into());
            if !t.entities.is_empty() {
                o.insert("entities".into(), entities_json(&t.entities));
            }
        }
        if let Some(c) = m.caption.as_ref().filter(|c| !c.text.is_empty()) {
            o.insert("caption".into(), c.text.clone().into());
            if !c.entities.is_empty() {
                o.insert("caption_entities".into(), entities_json(&c.entities));
            }
        }
        o.extend(m.media.clone());
        if let (Some(_), Some(j)) = (&m.inline, &m.markup_json) {
            o.insert("reply_markup".into(), j.clone());
        }
        Value::Object(o)
    }

    pub fn store_file(&mut self, bytes: Vec<u8>, ext: &str) -> (String, StoredFile) {
        let n = self.next_file;
        self.next_file += 1;
        let id = format!("BQACAgIAAxkBAAI{n:06}fake");
        let f = StoredFile {
            unique_id: format!("AgAD{n:06}"),
            path: format!("documents/file_{n}{ext}"),
            bytes,
        };
        self.files.insert(id.clone(), f.clone());
        (id, f)
    }

    /// Chat checks shared by every method that talks to a chat.
    pub fn check_chat(&self, chat_id: i64) -> Result<(), ApiError> {
        if self.require_known_chat && !self.chats.contains_key(&chat_id) {
            return Err(ApiError::bad("chat not found"));
        }
        if self.blocked.contains(&chat_id) {
            return Err(ApiError::new(403, "Forbidden: bot was blocked by the user"));
        }
        Ok(())
    }

    /// Flood limits: Telegram's modelled ones when enforced (`enforce_limits`; `paid`:
    /// the message has `allow_paid_broadcast`), and the simple per-chat one of
    /// `set_rate_limit`: 429 with `retry_after` when exceeded.
    pub fn check_rate(&mut self, chat_id: i64, paid: bool) -> Result<(), ApiError> {
        if let Some(model) = &mut self.limits {
            model.admit(chat_id, paid)?;
        }
        let Some(limit) = self.rate_limit else {
            return Ok(());
        };
        let now = Instant::now();
        let q = self.recent_sends.entry(chat_id).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t).as_secs_f64() >= 1.0)
        {
            q.pop_front();
        }
        if q.len() >= limit as usize {
            return Err(ApiError::retry(1));
        }
        q.push_back(now);
        Ok(())
    }

    /// Takes a queued `stall_next_answer` pause for `method` (lower-case), if any.
    pub fn take_stall(&mut self, method: &str) -> Option<Duration> {
        let pos = self.stall.iter().position(|(m, _)| m == method)?;
        Some(self.stall.remove(pos).1)
    }

    /// Takes a queued `fail_next` failure for `method` (lower-case), if any.
    pub fn take_injected(&mut self, method: &str) -> Option<ApiError> {
        let pos = self
            .inject
            .iter()
            .position(|i| i.method == method || (i.method == "*" && method != "getupdates"))?;
        Some(self.inject.remove(pos).err)
    }
}
