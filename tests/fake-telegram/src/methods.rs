//! Sending, editing and deleting messages.

use serde_json::{Value, json};

use crate::edit::{self, Edit};
use crate::markup;
use crate::misc;
use crate::server::Params;
use crate::state::{Inner, StoredMsg, bot_user};
use crate::text::{self, TextUse};
use crate::types::{ApiError, SentDocument, UploadedFile};

/// Every method but getUpdates (which waits and lives in misc.rs). `m` is lower-case.
pub(crate) fn call(
    i: &mut Inner,
    m: &str,
    p: &Params,
    files: &[UploadedFile],
) -> Result<Value, ApiError> {
    match m {
        "getme" => Ok(misc::get_me()),
        "sendmessage" => send_message(i, p),
        "senddocument" => send_media(i, p, files, "document"),
        "sendphoto" => send_media(i, p, files, "photo"),
        "editmessagetext" => edit::edit(i, p, Edit::Text),
        "editmessagecaption" => edit::edit(i, p, Edit::Caption),
        "editmessagereplymarkup" => edit::edit(i, p, Edit::Markup),
        "deletemessage" => edit::delete_message(i, p),
        "deletemessages" => edit::delete_messages(i, p),
        "sendchataction" => misc::send_chat_action(i, p),
        "answercallbackquery" => misc::answer_callback_query(i, p),
        "setmycommands" => misc::set_my_commands(i, p),
        "getmycommands" => misc::get_my_commands(i, p),
        "deletemycommands" => misc::delete_my_commands(i, p),
        "getfile" => misc::get_file(i, p),
        "setwebhook" => misc::set_webhook(i, p),
        "deletewebhook" => {
            i.webhook.clear();
            Ok(Value::Bool(true))
        }
        "getwebhookinfo" => Ok(json!({
            "url": i.webhook, "has_custom_certificate": false, "pending_update_count": i.updates.len()
        })),
        "close"
        | "logout"
        | "setmydescription"
        | "setmyshortdescription"
        | "setmyname"
        | "setchatmenubutton" => Ok(Value::Bool(true)),
        _ => Err(ApiError::new(404, "Not Found")),
    }
}

/// The message a send replies to: refused when it is gone, unless the bot allows
/// sending without the reply (then it goes as a plain message, as Telegram does).
fn check_reply_to(i: &Inner, chat_id: i64, p: &Params) -> Result<Option<i64>, ApiError> {
    let rp = p.json("reply_parameters")?;
    let (mid, allow) = match &rp {
        Some(r) => (
            r["message_id"].as_i64(),
            r["allow_sending_without_reply"].as_bool().unwrap_or(false),
        ),
        None => (
            p.i64("reply_to_message_id"),
            p.bool("allow_sending_without_reply"),
        ),
    };
    match mid {
        Some(mid) if i.messages.get(&(chat_id, mid)).is_none_or(|m| m.deleted) => {
            if allow {
                Ok(None)
            } else {
                Err(ApiError::bad("message to be replied not found"))
            }
        }
        other => Ok(other),
    }
}

fn send_message(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let chat_id = p.chat_id()?;
    i.check_chat(chat_id)?;
    let parse_mode = p.str("parse_mode");
    let parsed = text::check(
        p.str("text").as_deref(),
        parse_mode.as_deref(),
        TextUse::Send,
    )?;
    let mk = markup::check(p.get("reply_markup"))?;
    let reply_to = check_reply_to(i, chat_id, p)?;
    i.check_rate(chat_id, p.bool("allow_paid_broadcast"))?;
    let mid = i.next_mid();
    let mut m = StoredMsg::new(chat_id, mid, bot_user(), true);
    m.reply_to = reply_to;
    m.text = Some(parsed);
    m.raw = p.str("text");
    m.parse_mode = parse_mode;
    m.inline = mk.inline;
    m.markup_json = mk.json;
    m.silent = p.bool("disable_notification");
    let out = i.message_json(&m);
    i.messages.insert((chat_id, mid), m);
    Ok(out)
}

fn mime_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// The width and height of a PNG (from its IHDR chunk) or a JPEG, GIF or WebP (a
/// stand-in size: only that it is one); `None` for anything that is no image.
fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(PNG) && bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let be = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        return Some((be(16), be(20)));
    }
    let other = bytes.starts_with(&[0xff, 0xd8, 0xff])
        || bytes.starts_with(b"GIF8")
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"));
    other.then_some((800, 600))
}

/// sendDocument / sendPhoto: an upload (multipart, possibly via `attach://`) or a known file_id.
fn send_media(
    i: &mut Inner,
    p: &Params,
    files: &[UploadedFile],
    field: &str,
) -> Result<Value, ApiError> {
    let chat_id = p.chat_id()?;
    i.check_chat(chat_id)?;
    let spec = p.str(field);
    let upload = match spec.as_deref().and_then(|s| s.strip_prefix("attach://")) {
        Some(name) => Some(
            files
                .iter()
                .find(|f| f.field == name)
                .ok_or_else(|| ApiError::bad(format!("file {name} not found in the request")))?,
        ),
        None => files.iter().find(|f| f.field == field),
    };
    let (bytes, file_name) = match (upload, spec) {
        (Some(f), _) => (f.bytes.clone(), f.file_name.clone()),
        (None, Some(id)) => {
            let f = i
                .files
                .get(&id)
                .ok_or_else(|| ApiError::bad("wrong file identifier/HTTP URL specified"))?;
            (
                f.bytes.clone(),
                f.path.rsplit('/').next().unwrap_or_default().to_string(),
            )
        }
        (None, None) => return Err(ApiError::bad(format!("there is no {field} in the request"))),
    };
    if bytes.is_empty() {
        return Err(ApiError::bad("file must be non-empty"));
    }
    if bytes.len() > 50 * 1024 * 1024 {
        return Err(ApiError::new(413, "Request Entity Too Large"));
    }
    // A photo must be an image Telegram can process, of at most 10 MB.
    let dimensions = if field == "photo" {
        if bytes.len() > 10 * 1024 * 1024 {
            return Err(ApiError::bad("PHOTO_SAVE_FILE_INVALID"));
        }
        Some(image_size(&bytes).ok_or_else(|| ApiError::bad("IMAGE_PROCESS_FAILED"))?)
    } else {
        None
    };
    let parse_mode = p.str("parse_mode");
    let caption = text::check(
        p.str("caption").as_deref(),
        parse_mode.as_deref(),
        TextUse::Caption,
    )?;
    let mk = markup::check(p.get("reply_markup"))?;
    check_reply_to(i, chat_id, p)?;
    i.check_rate(chat_id, p.bool("allow_paid_broadcast"))?;
    let ext = file_name
        .rfind('.')
        .map(|d| file_name[d..].to_string())
        .unwrap_or_default();
    let (file_id, f) = i.store_file(bytes.clone(), &ext);
    let mime = mime_for(&file_name).to_string();
    let mid = i.next_mid();
    let mut m = StoredMsg::new(chat_id, mid, bot_user(), true);
    m.silent = p.bool("disable_notification");
    let meta = json!({"file_id": file_id, "file_unique_id": f.unique_id, "file_size": bytes.len()});
    if field == "photo" {
        let mut size = meta.clone();
        let (width, height) = dimensions.unwrap_or((800, 600));
        size["width"] = json!(width);
        size["height"] = json!(height);
        m.media.insert("photo".into(), json!([size]));
    } else {
        let mut doc = meta.clone();
        doc["mime_type"] = json!(mime);
        if !file_name.is_empty() {
            doc["file_name"] = json!(file_name);
        }
        m.media.insert("document".into(), doc);
    }
    m.document = Some(SentDocument {
        chat_id,
        message_id: mid,
        method: if field == "photo" {
            "sendPhoto"
        } else {
            "sendDocument"
        }
        .into(),
        file_name,
        mime_type: mime,
        bytes,
        caption: Some(caption.text.clone()).filter(|c| !c.is_empty()),
        file_id,
    });
    m.caption = Some(caption);
    m.raw = p.str("caption");
    m.parse_mode = parse_mode;
    m.inline = mk.inline;
    m.markup_json = mk.json;
    let out = i.message_json(&m);
    i.messages.insert((chat_id, mid), m);
    Ok(out)
}
