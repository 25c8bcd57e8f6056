//! editMessageText / editMessageCaption / editMessageReplyMarkup / deleteMessage(s).

use serde_json::Value;

use crate::markup;
use crate::server::Params;
use crate::state::Inner;
use crate::text::{self, TextUse};
use crate::types::ApiError;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edit {
    Text,
    Caption,
    Markup,
}

const NOT_MODIFIED: &str = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

pub(crate) fn edit(i: &mut Inner, p: &Params, what: Edit) -> Result<Value, ApiError> {
    if p.get("inline_message_id").is_some() {
        return Ok(Value::Bool(true)); // inline messages are not modelled
    }
    let chat_id = p.chat_id()?;
    i.check_chat(chat_id)?;
    let mid = p
        .i64("message_id")
        .ok_or_else(|| ApiError::bad("message identifier is not specified"))?;
    let parse_mode = p.str("parse_mode");
    let new_text = match what {
        Edit::Text => Some(text::check(
            p.str("text").as_deref(),
            parse_mode.as_deref(),
            TextUse::Edit,
        )?),
        Edit::Caption => Some(text::check(
            p.str("caption").as_deref(),
            parse_mode.as_deref(),
            TextUse::Caption,
        )?),
        Edit::Markup => None,
    };
    let mk = markup::check(p.get("reply_markup"))?;
    if mk.json.is_some() && mk.inline.is_none() {
        return Err(ApiError::bad("inline keyboard expected"));
    }
    let Some(m) = i.messages.get(&(chat_id, mid)).filter(|m| !m.deleted) else {
        return Err(ApiError::bad("message to edit not found"));
    };
    if !m.from_bot {
        return Err(ApiError::bad("message can't be edited"));
    }
    match what {
        Edit::Text if m.text.is_none() => {
            return Err(ApiError::bad("there is no text in the message to edit"));
        }
        Edit::Caption if m.caption.is_none() => {
            return Err(ApiError::bad("there is no caption in the message to edit"));
        }
        _ => {}
    }
    let current = if what == Edit::Caption {
        &m.caption
    } else {
        &m.text
    };
    let same_text = what == Edit::Markup || current.as_ref() == new_text.as_ref();
    if same_text && m.inline == mk.inline {
        return Err(ApiError::bad(NOT_MODIFIED));
    }
    i.check_rate(chat_id, false)?;
    let m = i.messages.get_mut(&(chat_id, mid)).expect("checked");
    match what {
        Edit::Text => m.text = new_text,
        Edit::Caption => {
            if let Some(d) = &mut m.document {
                d.caption = new_text
                    .as_ref()
                    .map(|t| t.text.clone())
                    .filter(|c| !c.is_empty());
            }
            m.caption = new_text;
        }
        Edit::Markup => {}
    }
    if what != Edit::Markup {
        m.raw = p.str(if what == Edit::Text {
            "text"
        } else {
            "caption"
        });
        m.parse_mode = parse_mode;
    }
    // like Telegram: an edit without reply_markup removes the inline keyboard
    m.inline = mk.inline;
    m.markup_json = mk.json;
    m.edit_count += 1;
    m.edit_date = Some(crate::state::now());
    let m = m.clone();
    Ok(i.message_json(&m))
}

pub(crate) fn delete_message(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let chat_id = p.chat_id()?;
    i.check_chat(chat_id)?;
    let mid = p
        .i64("message_id")
        .ok_or_else(|| ApiError::bad("message identifier is not specified"))?;
    match i.messages.get_mut(&(chat_id, mid)).filter(|m| !m.deleted) {
        Some(m) => {
            m.deleted = true;
            Ok(Value::Bool(true))
        }
        None => Err(ApiError::bad("message to delete not found")),
    }
}

pub(crate) fn delete_messages(i: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let chat_id = p.chat_id()?;
    i.check_chat(chat_id)?;
    let ids = p
        .json("message_ids")?
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    if ids.is_empty() || ids.len() > 100 {
        return Err(ApiError::bad("message identifiers are not specified"));
    }
    for id in ids.iter().filter_map(Value::as_i64) {
        if let Some(m) = i.messages.get_mut(&(chat_id, id)) {
            m.deleted = true;
        }
    }
    Ok(Value::Bool(true))
}
