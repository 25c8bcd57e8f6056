//! Test controls that push user activity as updates for the bot's getUpdates.

use serde_json::{Map, Value, json};

use crate::FakeTelegram;
use crate::state::{Inner, StoredMsg, now};
use crate::text::Parsed;
use crate::types::TgUser;

fn command_entities(text: &str) -> Option<Value> {
    if !text.starts_with('/') {
        return None;
    }
    let len = text.find(char::is_whitespace).unwrap_or(text.len());
    Some(json!([{"type": "bot_command", "offset": 0, "length": crate::utf16_len(&text[..len])}]))
}

impl FakeTelegram {
    /// Pushes a raw update (without `update_id`, which is assigned): the escape hatch for update
    /// kinds without a helper. Returns the update_id.
    pub fn push_update(&self, update: Value) -> i64 {
        let id = push_locked(&mut self.lock(), update);
        self.notify();
        id
    }

    /// Stores a user's message in `chat` and pushes it as `kind` ("message", "edited_message").
    fn push_user_message(
        &self,
        user: TgUser,
        chat: Value,
        fill: impl FnOnce(&mut Map<String, Value>, &mut StoredMsg),
    ) -> i64 {
        let chat_id = chat["id"].as_i64().expect("chat id");
        let mut i = self.lock();
        i.users.insert(user.id, user.clone());
        i.chats.insert(chat_id, chat.clone());
        let mid = i.next_mid();
        let mut stored = StoredMsg::new(chat_id, mid, user.to_json(), false);
        let mut o = Map::new();
        o.insert("message_id".into(), mid.into());
        o.insert("date".into(), now().into());
        o.insert("chat".into(), chat);
        o.insert("from".into(), user.to_json());
        fill(&mut o, &mut stored);
        i.messages.insert((chat_id, mid), stored);
        push_locked(&mut i, json!({"message": Value::Object(o)}));
        drop(i);
        self.notify();
        mid
    }

    fn push_private(
        &self,
        user_id: i64,
        fill: impl FnOnce(&mut Map<String, Value>, &mut StoredMsg),
    ) -> i64 {
        let user = self.lock().user(user_id);
        let chat = user.private_chat();
        self.push_user_message(user, chat, fill)
    }

    /// A private-chat text message from user `user_id` (chat id == user id; `/commands` get a
    /// bot_command entity). Returns its message_id.
    pub fn push_text(&self, user_id: i64, text: &str) -> i64 {
        self.push_private(user_id, |o, m| fill_text(o, m, text))
    }

    /// Like [`FakeTelegram::push_text`] from a specific user with `language_code` (e.g. "pl", "en",
    /// "uk"); the user's details stick for later pushes with the same id.
    pub fn push_text_from(&self, user: impl Into<TgUser>, lang_code: &str, text: &str) -> i64 {
        let mut user = user.into();
        user.language_code = Some(lang_code.to_string()).filter(|l| !l.is_empty());
        let chat = user.private_chat();
        self.push_user_message(user, chat, |o, m| fill_text(o, m, text))
    }

    /// A text message from `user_id` in group `chat_id` (negative id).
    pub fn push_group_text(&self, chat_id: i64, user_id: i64, text: &str) -> i64 {
        let user = self.lock().user(user_id);
        let chat = json!({"id": chat_id, "type": "group", "title": format!("Grupa {chat_id}")});
        self.push_user_message(user, chat, |o, m| fill_text(o, m, text))
    }

    /// A sticker from `user_id`.
    pub fn push_sticker(&self, user_id: i64) -> i64 {
        let n = self.lock().next_file;
        self.push_private(user_id, |o, m| {
            let s = json!({"file_id": format!("CAACsticker{n}"), "file_unique_id": format!("AgADst{n}"),
                "file_size": 1234, "width": 512, "height": 512, "type": "regular",
                "is_animated": false, "is_video": false, "emoji": "👍"});
            o.insert("sticker".into(), s.clone());
            m.media.insert("sticker".into(), s);
        })
    }

    /// A voice note of `seconds` from `user_id`.
    pub fn push_voice(&self, user_id: i64, seconds: u32) -> i64 {
        let (id, f) = self.lock().store_file(vec![0x4f; 64], ".oga");
        self.push_private(user_id, |o, m| {
            let v = json!({"file_id": id, "file_unique_id": f.unique_id, "file_size": 64,
                "duration": seconds, "mime_type": "audio/ogg"});
            o.insert("voice".into(), v.clone());
            m.media.insert("voice".into(), v);
        })
    }

    /// A photo (bytes downloadable via getFile) with an optional caption from `user_id`.
    pub fn push_photo(&self, user_id: i64, bytes: &[u8], caption: Option<&str>) -> i64 {
        let (id, f) = self.lock().store_file(bytes.to_vec(), ".jpg");
        self.push_private(user_id, |o, m| {
            let p = json!([{"file_id": id, "file_unique_id": f.unique_id, "file_size": bytes.len(),
                "width": 1280, "height": 960}]);
            o.insert("photo".into(), p.clone());
            m.media.insert("photo".into(), p);
            fill_caption(o, m, caption);
        })
    }

    /// A document (bytes downloadable via getFile) with an optional caption from `user_id`.
    pub fn push_document(
        &self,
        user_id: i64,
        file_name: &str,
        mime_type: &str,
        bytes: &[u8],
        caption: Option<&str>,
    ) -> i64 {
        let ext = file_name
            .rfind('.')
            .map(|d| file_name[d..].to_string())
            .unwrap_or_default();
        let (id, f) = self.lock().store_file(bytes.to_vec(), &ext);
        self.push_private(user_id, |o, m| {
            let d = json!({"file_id": id, "file_unique_id": f.unique_id, "file_size": bytes.len(),
                "file_name": file_name, "mime_type": mime_type});
            o.insert("document".into(), d.clone());
            m.media.insert("document".into(), d);
            fill_caption(o, m, caption);
        })
    }

    /// The user edits their earlier text message `message_id` (an `edited_message` update).
    pub fn push_edited_text(&self, user_id: i64, message_id: i64, new_text: &str) {
        let mut i = self.lock();
        let m = i
            .messages
            .get_mut(&(user_id, message_id))
            .filter(|m| !m.from_bot && !m.deleted)
            .unwrap_or_else(|| {
                panic!("push_edited_text: no message {message_id} of user {user_id}")
            });
        m.text = Some(Parsed {
            text: new_text.into(),
            entities: Vec::new(),
        });
        m.edit_date = Some(now());
        let m = m.clone();
        let mut json = i.message_json(&m);
        if let Some(e) = command_entities(new_text) {
            json["entities"] = e;
        }
        push_locked(&mut i, json!({"edited_message": json}));
        drop(i);
        self.notify();
    }

    /// The user deletes message `message_id` in their private chat (a bot's message too:
    /// Telegram sends no update for it; the bot's later edits and replies find it gone).
    pub fn user_deletes(&self, user_id: i64, message_id: i64) {
        let mut i = self.lock();
        let m = i
            .messages
            .get_mut(&(user_id, message_id))
            .filter(|m| !m.deleted)
            .unwrap_or_else(|| panic!("user_deletes: no message {message_id} in chat {user_id}"));
        m.deleted = true;
        drop(i);
        self.notify();
    }

    /// The user presses the inline button with callback `data` on bot message `message_id` in
    /// their private chat. Panics unless that message is visible and has such a button (a real
    /// client can only press what is there). Returns the callback query id.
    pub fn push_callback(&self, user_id: i64, message_id: i64, data: &str) -> String {
        {
            let i = self.lock();
            let m = i
                .messages
                .get(&(user_id, message_id))
                .filter(|m| m.from_bot && !m.deleted)
                .unwrap_or_else(|| {
                    panic!("push_callback: no visible bot message {message_id} in chat {user_id}")
                });
            let datas: Vec<&str> = m
                .inline
                .iter()
                .flatten()
                .flatten()
                .filter_map(|b| b.callback_data.as_deref())
                .collect();
            assert!(
                datas.contains(&data),
                "push_callback: message {message_id} has no button with data {data:?}; it has {datas:?}"
            );
        }
        self.push_callback_unchecked(user_id, message_id, data)
    }

    /// Presses the button labelled `button_text` (see [`FakeTelegram::push_callback`]).
    pub fn press_button(&self, user_id: i64, message_id: i64, button_text: &str) -> String {
        let data = {
            let i = self.lock();
            let m = i
                .messages
                .get(&(user_id, message_id))
                .filter(|m| m.from_bot && !m.deleted);
            let buttons: Vec<_> = m
                .into_iter()
                .flat_map(|m| m.inline.iter().flatten().flatten())
                .collect();
            let b = buttons.iter().find(|b| b.text == button_text).unwrap_or_else(|| {
                panic!("press_button: no button {button_text:?} on message {message_id} in chat {user_id}: {buttons:?}")
            });
            b.callback_data
                .clone()
                .unwrap_or_else(|| panic!("press_button: {button_text:?} is a URL button"))
        };
        self.push_callback_unchecked(user_id, message_id, &data)
    }

    /// A callback query without checks (stale or forged buttons). If the message is unknown it
    /// arrives as an inaccessible message (date 0).
    pub fn push_callback_unchecked(&self, user_id: i64, message_id: i64, data: &str) -> String {
        let mut i = self.lock();
        let (id, update) = new_callback(&mut i, user_id, message_id, data);
        push_locked(&mut i, update);
        drop(i);
        self.notify();
        id
    }

    /// The update of a press of the button with callback `data` on bot message
    /// `message_id`, with its `update_id`, for a test that plays Telegram's webhook (it
    /// POSTs the update itself): the query is known to the fake (answerable once, within
    /// its time), and nothing is queued for getUpdates. Checked like
    /// [`FakeTelegram::push_callback`].
    pub fn callback_update(&self, user_id: i64, message_id: i64, data: &str) -> Value {
        {
            let i = self.lock();
            let on_message = i
                .messages
                .get(&(user_id, message_id))
                .filter(|m| m.from_bot && !m.deleted)
                .is_some_and(|m| {
                    m.inline
                        .iter()
                        .flatten()
                        .flatten()
                        .any(|b| b.callback_data.as_deref() == Some(data))
                });
            assert!(
                on_message,
                "callback_update: no button with data {data:?} on message {message_id} in chat {user_id}"
            );
        }
        let mut i = self.lock();
        let (_, mut update) = new_callback(&mut i, user_id, message_id, data);
        update["update_id"] = json!(i.next_update_id);
        i.next_update_id += 1;
        update
    }
}

/// A new callback query (known to the fake from now on) and its update, without `update_id`.
fn new_callback(i: &mut Inner, user_id: i64, message_id: i64, data: &str) -> (String, Value) {
    let id = format!("{}{:08}", user_id.unsigned_abs(), i.next_update_id);
    let message = match i.messages.get(&(user_id, message_id)) {
        Some(m) if !m.deleted => i.message_json(m),
        _ => json!({"message_id": message_id, "date": 0, "chat": i.chat_json(user_id)}),
    };
    let user = i.user(user_id).to_json();
    i.callbacks.insert(id.clone(), None);
    i.callback_born
        .insert(id.clone(), std::time::Instant::now());
    let update = json!({"callback_query": {
        "id": id, "from": user, "message": message,
        "chat_instance": format!("ci{user_id}"), "data": data
    }});
    (id, update)
}

fn fill_text(o: &mut Map<String, Value>, m: &mut StoredMsg, text: &str) {
    o.insert("text".into(), text.into());
    if let Some(e) = command_entities(text) {
        o.insert("entities".into(), e);
    }
    m.text = Some(Parsed {
        text: text.into(),
        entities: Vec::new(),
    });
}

fn fill_caption(o: &mut Map<String, Value>, m: &mut StoredMsg, caption: Option<&str>) {
    if let Some(c) = caption {
        o.insert("caption".into(), c.into());
        m.caption = Some(Parsed {
            text: c.into(),
            entities: Vec::new(),
        });
    }
}

fn push_locked(i: &mut Inner, mut update: Value) -> i64 {
    let id = i.next_update_id;
    i.next_update_id += 1;
    update["update_id"] = json!(id);
    i.updates.push_back(update);
    id
}
