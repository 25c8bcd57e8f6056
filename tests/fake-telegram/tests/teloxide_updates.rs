//! Every kind of update the fake can push deserializes into the teloxide 0.17 types the bot's
//! handlers receive.

use fake_telegram::FakeTelegram;
use serde_json::json;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageKind, UpdateKind};

fn menu() -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Saldo", "balance")]])
}

#[tokio::test]
async fn pushed_updates_deserialize_as_teloxide_types() {
    let fake = FakeTelegram::start().await;
    fake.push_text_from(
        fake_telegram::TgUser {
            username: Some("jan".into()),
            ..1.into()
        },
        "uk",
        "/start x",
    );
    let bot_msg = {
        let bot = Bot::new("1:X").set_api_url(fake.api_url());
        bot.send_message(ChatId(1), "Menu")
            .reply_markup(menu())
            .await
            .unwrap()
    };
    fake.push_callback(1, bot_msg.id.0 as i64, "balance");
    fake.push_sticker(1);
    fake.push_photo(1, b"jpg", Some("licznik"));
    fake.push_voice(1, 3);
    fake.push_document(1, "odczyt.csv", "text/csv", b"a;b", None);
    let mid = fake.push_text(1, "stary");
    fake.push_edited_text(1, mid, "nowy");
    fake.push_group_text(-5, 1, "/saldo@ebok_test_bot");
    fake.push_callback_unchecked(1, 424242, "stale");

    // parsed from the response text like teloxide does (its Update deserializer needs borrowed
    // keys, so serde_json::from_value would not do)
    let text = reqwest::Client::new()
        .post(format!("{}bot1:X/getUpdates", fake.url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let body: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(body["ok"], true);
    #[derive(serde::Deserialize)]
    struct Resp {
        result: Vec<Update>,
    }
    let updates = serde_json::from_str::<Resp>(&text).unwrap().result;
    assert_eq!(updates.len(), 10);
    let kinds: Vec<String> = updates
        .iter()
        .map(|u| match &u.kind {
            UpdateKind::Message(m) => match &m.kind {
                MessageKind::Common(c) => {
                    format!("message:{:?}", std::mem::discriminant(&c.media_kind))
                }
                other => panic!("not a common message: {other:?}"),
            },
            UpdateKind::EditedMessage(m) => format!("edited:{}", m.text().unwrap()),
            UpdateKind::CallbackQuery(q) => format!("callback:{}", q.regular_message().is_some()),
            UpdateKind::Error(_) => panic!(
                "teloxide could not parse update {}",
                raw["result"][u.id.0 as usize - 1]
            ),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(kinds[0].starts_with("message:"));
    assert_eq!(kinds[1], "callback:true");
    assert_eq!(kinds[7], "edited:nowy");
    assert_eq!(kinds[9], "callback:false", "unknown message = inaccessible");
    let UpdateKind::Message(first) = &updates[0].kind else {
        unreachable!()
    };
    assert_eq!(
        first.from.as_ref().unwrap().language_code.as_deref(),
        Some("uk")
    );
    assert_eq!(
        first.from.as_ref().unwrap().username.as_deref(),
        Some("jan")
    );
    let UpdateKind::Message(sticker) = &updates[2].kind else {
        unreachable!()
    };
    assert!(sticker.sticker().is_some());
    let UpdateKind::Message(photo) = &updates[3].kind else {
        unreachable!()
    };
    assert_eq!(photo.caption(), Some("licznik"));
    assert!(photo.photo().is_some());
    let UpdateKind::Message(voice) = &updates[4].kind else {
        unreachable!()
    };
    assert!(voice.voice().is_some());
    let UpdateKind::Message(doc) = &updates[5].kind else {
        unreachable!()
    };
    assert_eq!(
        doc.document().unwrap().file_name.as_deref(),
        Some("odczyt.csv")
    );
    let UpdateKind::Message(group) = &updates[8].kind else {
        unreachable!()
    };
    assert!(group.chat.is_group());
}
