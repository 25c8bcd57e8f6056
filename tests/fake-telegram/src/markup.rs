//! `reply_markup` validation, inline keyboards in particular.

use serde_json::Value;

use crate::types::{ApiError, Button};

/// The result of checking a `reply_markup` parameter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Markup {
    /// the inline keyboard, if the markup is one
    pub inline: Option<Vec<Vec<Button>>>,
    /// the markup as a JSON object (inline or not)
    pub json: Option<Value>,
}

const ACTIONS: &[&str] = &[
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "callback_game",
    "pay",
    "copy_text",
];

fn cant_parse() -> ApiError {
    ApiError::bad("can't parse reply keyboard markup JSON object")
}

/// Checks `reply_markup` (a JSON object, or a string holding one as in form/multipart bodies).
pub fn check(v: Option<&Value>) -> Result<Markup, ApiError> {
    let v = match v {
        None | Some(Value::Null) => return Ok(Markup::default()),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).map_err(|_| cant_parse())?,
        Some(v) => v.clone(),
    };
    let Value::Object(obj) = &v else {
        return Err(ApiError::bad("object expected as reply markup"));
    };
    if let Some(rows) = obj.get("inline_keyboard") {
        let inline = check_inline(rows)?;
        return Ok(Markup {
            inline: Some(inline),
            json: Some(v),
        });
    }
    if let Some(rows) = obj.get("keyboard") {
        let rows = rows
            .as_array()
            .filter(|r| r.iter().all(Value::is_array))
            .ok_or_else(|| {
                ApiError::bad(
                    "field \"keyboard\" of the ReplyKeyboardMarkup should be an Array of Arrays",
                )
            })?;
        for b in rows.iter().flat_map(|r| r.as_array().into_iter().flatten()) {
            let text = b.as_str().or_else(|| b.get("text").and_then(Value::as_str));
            if text.is_none_or(str::is_empty) {
                return Err(ApiError::bad(
                    "can't parse keyboard button: Text must be non-empty",
                ));
            }
        }
    } else if obj.get("remove_keyboard") != Some(&Value::Bool(true))
        && obj.get("force_reply") != Some(&Value::Bool(true))
    {
        return Err(cant_parse());
    }
    Ok(Markup {
        inline: None,
        json: Some(v),
    })
}

fn check_inline(rows: &Value) -> Result<Vec<Vec<Button>>, ApiError> {
    let rows = rows.as_array().filter(|r| r.iter().all(Value::is_array)).ok_or_else(|| {
        ApiError::bad("field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array of Arrays")
    })?;
    let mut out = Vec::new();
    let mut count = 0;
    for row in rows {
        let mut buttons = Vec::new();
        for b in row.as_array().expect("checked") {
            buttons.push(check_button(b)?);
            count += 1;
        }
        if !buttons.is_empty() {
            out.push(buttons);
        }
    }
    if count > 100 {
        return Err(ApiError::bad("reply markup is too long"));
    }
    Ok(out)
}

fn check_button(b: &Value) -> Result<Button, ApiError> {
    let Value::Object(o) = b else {
        return Err(ApiError::bad(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object",
        ));
    };
    let text = match o.get("text") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.clone(),
        Some(Value::String(_)) => return Err(ApiError::bad("BUTTON_TEXT_INVALID")),
        _ => {
            return Err(ApiError::bad(
                "can't parse inline keyboard button: Field \"text\" must be of type String",
            ));
        }
    };
    let actions: Vec<&str> = ACTIONS
        .iter()
        .copied()
        .filter(|a| o.contains_key(*a))
        .collect();
    match actions.len() {
        0 => {
            return Err(ApiError::bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
        1 => {}
        _ => return Err(ApiError::bad("BUTTON_DATA_INVALID")),
    }
    let mut button = Button {
        text,
        callback_data: None,
        url: None,
    };
    if let Some(d) = o.get("callback_data") {
        match d {
            Value::String(d) if (1..=64).contains(&d.len()) => {
                button.callback_data = Some(d.clone())
            }
            _ => return Err(ApiError::bad("BUTTON_DATA_INVALID")),
        }
    }
    if let Some(u) = o.get("url") {
        let u = u.as_str().unwrap_or_default();
        if !valid_button_url(u) {
            return Err(ApiError::bad(format!(
                "inline keyboard button URL '{u}' is invalid: Wrong HTTP URL"
            )));
        }
        button.url = Some(u.to_string());
    }
    Ok(button)
}

/// http(s) with a real-looking host (Telegram rejects `localhost` and bare words), or tg://.
fn valid_button_url(u: &str) -> bool {
    if u.starts_with("tg://") {
        return u.len() > 5;
    }
    let Some(rest) = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    !u.contains(char::is_whitespace)
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host != "localhost"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn desc(v: Value) -> String {
        check(Some(&v)).unwrap_err().description
    }

    #[test]
    fn inline_keyboard_parsed() {
        let m = check(Some(&json!({"inline_keyboard": [
            [{"text": "Saldo", "callback_data": "balance"}, {"text": "Strona", "url": "https://ec.example.pl/ebok"}],
            [{"text": "Faktury", "callback_data": "x".repeat(64)}]
        ]})))
        .unwrap();
        let kb = m.inline.unwrap();
        assert_eq!(kb.len(), 2);
        assert_eq!(kb[0][0].callback_data.as_deref(), Some("balance"));
        assert_eq!(kb[0][1].url.as_deref(), Some("https://ec.example.pl/ebok"));
        // form/multipart bodies carry it as a JSON string
        let s = Value::String(r#"{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}"#.into());
        assert_eq!(check(Some(&s)).unwrap().inline.unwrap()[0][0].text, "a");
        assert_eq!(check(None).unwrap(), Markup::default());
    }

    #[test]
    fn callback_data_is_1_to_64_bytes() {
        let at = |d: &str| json!({"inline_keyboard": [[{"text": "t", "callback_data": d}]]});
        assert!(check(Some(&at(&"ż".repeat(32)))).is_ok()); // 64 bytes
        assert_eq!(
            desc(at(&"ż".repeat(33))),
            "Bad Request: BUTTON_DATA_INVALID"
        ); // 33 chars, 66 bytes
        assert_eq!(
            desc(at(&"a".repeat(65))),
            "Bad Request: BUTTON_DATA_INVALID"
        );
        assert_eq!(desc(at("")), "Bad Request: BUTTON_DATA_INVALID");
        assert_eq!(
            desc(json!({"inline_keyboard": [[{"text": "t", "callback_data": 5}]]})),
            "Bad Request: BUTTON_DATA_INVALID"
        );
    }

    #[test]
    fn buttons_need_text_and_exactly_one_action() {
        assert!(
            desc(json!({"inline_keyboard": [[{"text": "t"}]]}))
                .contains("Text buttons are unallowed")
        );
        assert_eq!(
            desc(
                json!({"inline_keyboard": [[{"text": "t", "callback_data": "a", "url": "https://a.pl"}]]})
            ),
            "Bad Request: BUTTON_DATA_INVALID"
        );
        assert!(desc(json!({"inline_keyboard": [[{"callback_data": "a"}]]})).contains("\"text\""));
        assert_eq!(
            desc(json!({"inline_keyboard": [[{"text": "", "callback_data": "a"}]]})),
            "Bad Request: BUTTON_TEXT_INVALID"
        );
        assert!(
            desc(json!({"inline_keyboard": [{"text": "t", "callback_data": "a"}]}))
                .contains("Array of Arrays")
        );
        assert!(desc(json!({"inline_keyboard": [["t"]]})).contains("must be an Object"));
    }

    #[test]
    fn button_urls() {
        let at = |u: &str| json!({"inline_keyboard": [[{"text": "t", "url": u}]]});
        for ok in [
            "https://ec.example.pl",
            "http://a.b/c?d=e",
            "tg://resolve?domain=x",
        ] {
            assert!(check(Some(&at(ok))).is_ok(), "{ok}");
        }
        for bad in [
            "http://localhost:8080/x",
            "example.pl",
            "ftp://a.pl",
            "https://nodot",
            "",
        ] {
            assert!(desc(at(bad)).contains("Wrong HTTP URL"), "{bad}");
        }
    }

    #[test]
    fn other_markups() {
        let m = check(Some(
            &json!({"keyboard": [["Saldo", {"text": "Faktury"}]], "resize_keyboard": true}),
        ))
        .unwrap();
        assert!(m.inline.is_none() && m.json.is_some());
        assert!(check(Some(&json!({"remove_keyboard": true}))).is_ok());
        assert!(check(Some(&json!({"force_reply": true}))).is_ok());
        assert!(desc(json!({"foo": 1})).contains("can't parse reply keyboard markup"));
        assert!(
            desc(Value::String("{not json".into())).contains("can't parse reply keyboard markup")
        );
    }
}
