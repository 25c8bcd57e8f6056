//! getMe, getUpdates (long polling), callbacks, commands, files, webhook, chat actions.

use std::time::Duration;

use serde_json::{Value, json};

use crate::server::Params;
use crate::state::Inner;
use crate::types::ApiError;
use crate::{BOT_FIRST_NAME, BOT_ID, BOT_USERNAME, FakeTelegram};

pub(crate) const DEFAULT_SCOPE: &str = r#"{"type":"default"}"#;

const CONFLICT: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

/// Update types delivered when the bot never set `allowed_updates` (Telegram's default).
const DEFAULT_EXCLUDED: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];

pub(crate) fn get_me() -> Value {
    json!({
        "id": BOT_ID, "is_bot": true, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME,
        "can_join_groups": true, "can_read_all_group_messages": false,
        "supports_inline_queries": false, "can_connect_to_business": false, "has_main_web_app": false
    })
}

fn update_type(u: &Value) -> String {
    u.as_object()
        .and_then(|o| o.keys().find(|k| *k != "update_id").cloned())
        .unwrap_or_default()
}

impl FakeTelegram {
    /// getUpdates: confirms updates below `offset`, returns pending ones or waits up to
    /// `timeout` seconds. A newer getUpdates terminates a waiting one with 409 (as Telegram does).
    pub(crate) async fn get_updates(&self, p: &Params) -> Result<Value, ApiError> {
        let offset = p.i64("offset").unwrap_or(0);
        let limit = p.i64("limit").unwrap_or(100).clamp(1, 100) as usize;
        let timeout = p.i64("timeout").unwrap_or(0).clamp(0, 60) as u64;
        let allowed = p.json("allowed_updates")?;
        let my_gen = {
            let mut i = self.lock();
            if !i.webhook.is_empty() {
                return Err(ApiError::new(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                ));
            }
            if let Some(Value::Array(a)) = allowed {
                let list: Vec<String> = a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                i.allowed_updates = Some(list).filter(|l| !l.is_empty());
            }
            i.poll_gen += 1;
            i.poll_gen
        };
        self.notify(); // wakes an older waiting poll, which then gets 409
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        loop {
            let notified = self.changed.notified();
            {
                let mut i = self.lock();
                if i.poll_gen != my_gen {
                    return Err(ApiError::new(409, CONFLICT));
                }
                if offset < 0 {
                    let keep = (-offset) as usize;
                    while i.updates.len() > keep {
                        i.updates.pop_front();
                    }
                } else {
                    i.updates
                        .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                }
                let allowed = i.allowed_updates.clone();
                i.updates.retain(|u| {
                    let t = update_type(u);
                    match &allowed {
                        Some(list) => list.contains(&t),
                        None => !DEFAULT_EXCLUDED.contains(&t.as_str()),
                    }
                });
                if !i.updates.is_empty() {
                    return Ok(Value::Array(
                        i.updates.iter().take(limit).cloned().collect(),
                    ));
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let i = self.lock();
                if i.poll_gen != my_gen {
                    return Err(ApiError::new(409, CONFLICT));
                }
                return Ok(json!([]));
            }
        }
    }

    /// Bytes of a stored file by its `file_path` (for `/file/bot<token>/<path>`).
    pub(crate) fn file_by_path(&self, path: &str) -> Option<Vec<u8>> {
        self.lock()
            .files
            .values()
            .find(|f| f.path == path)
            .map(|f| f.bytes.clone())
    }
}

const ACTIONS: &[&str] = &[
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];

pub(crate) fn send_chat_action(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let chat_id = p.chat_id()?;
    i.check_chat(chat_id)?;
    match p.str("action") {
        Some(a) if ACTIONS.contains(&a.as_str()) => Ok(Value::Bool(true)),
        _ => Err(ApiError::bad("wrong parameter action in request")),
    }
}

/// A callback query is answered once, within [`crate::state::CALLBACK_TIMEOUT`] of the
/// press (as Telegram does); a second answer, a late one and an unknown id get 400.
pub(crate) fn answer_callback_query(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let id = p.str("callback_query_id").unwrap_or_default();
    if p.str("text").is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::bad("MESSAGE_TOO_LONG"));
    }
    let expired = match (i.callback_born.get(&id), i.callback_timeout) {
        (Some(born), Some(timeout)) => born.elapsed() > timeout,
        _ => false,
    };
    match i.callbacks.get_mut(&id) {
        Some(slot @ None) if !expired => {
            *slot = Some(Value::Object(p.0.clone()));
            Ok(Value::Bool(true))
        }
        _ => Err(ApiError::bad(
            "query is too old and response timeout expired or query ID is invalid",
        )),
    }
}

fn commands_key(i: &Inner, p: &Params) -> Result<(String, String), ApiError> {
    let scope = match p.json("scope")? {
        Some(v) => {
            // A chat scope names a chat the bot knows, as in Telegram.
            if v["type"] == "chat" {
                let chat = v["chat_id"]
                    .as_i64()
                    .ok_or_else(|| ApiError::bad("can't parse BotCommandScope JSON object"))?;
                i.check_chat(chat)?;
            }
            serde_json::to_string(&v).unwrap_or_default()
        }
        None => DEFAULT_SCOPE.to_string(),
    };
    Ok((scope, p.str("language_code").unwrap_or_default()))
}

pub(crate) fn set_my_commands(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let cmds = p.json("commands")?.unwrap_or(Value::Null);
    let Some(list) = cmds.as_array() else {
        return Err(ApiError::bad("can't parse commands JSON object"));
    };
    if list.len() > 100 {
        return Err(ApiError::bad("too many commands"));
    }
    for c in list {
        let cmd = c["command"].as_str().unwrap_or_default();
        let desc = c["description"].as_str().unwrap_or_default();
        let ok_cmd = (1..=32).contains(&cmd.len())
            && cmd
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok_cmd {
            return Err(ApiError::bad("BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&desc.chars().count()) {
            return Err(ApiError::bad(
                "command description must be 1-256 characters long",
            ));
        }
    }
    let key = commands_key(i, p)?;
    if list.is_empty() {
        i.commands.remove(&key);
    } else {
        i.commands.insert(key, cmds);
    }
    Ok(Value::Bool(true))
}

pub(crate) fn get_my_commands(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    Ok(i.commands
        .get(&commands_key(i, p)?)
        .cloned()
        .unwrap_or(json!([])))
}

pub(crate) fn delete_my_commands(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    i.commands.remove(&commands_key(i, p)?);
    Ok(Value::Bool(true))
}

pub(crate) fn get_file(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let id = p.str("file_id").unwrap_or_default();
    let f = i
        .files
        .get(&id)
        .ok_or_else(|| ApiError::bad("invalid file_id"))?;
    Ok(
        json!({"file_id": id, "file_unique_id": f.unique_id, "file_size": f.bytes.len(), "file_path": f.path}),
    )
}

pub(crate) fn set_webhook(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let url = p.str("url").unwrap_or_default();
    if !url.is_empty() && !url.starts_with("https://") {
        return Err(ApiError::bad(
            "bad webhook: An HTTPS URL must be provided for webhook",
        ));
    }
    i.webhook = url;
    Ok(Value::Bool(true))
}
