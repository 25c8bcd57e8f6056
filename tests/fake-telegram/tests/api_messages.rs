//! Sending, editing and deleting messages over HTTP, as any client sees the fake.

mod common;

use common::{fails, ok};
use fake_telegram::FakeTelegram;
use serde_json::{Value, json};

#[tokio::test]
async fn send_message_validation() {
    let fake = FakeTelegram::start().await;
    let (s, d) = fails(&fake, "sendMessage", json!({"chat_id": 42, "text": "hi"})).await;
    assert_eq!(
        (s, d.as_str()),
        (400, "Bad Request: chat not found"),
        "the user never wrote to the bot"
    );
    fake.push_text(42, "/start");
    let m = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": 42, "text": "<b>Saldo:</b> 12,34 zł", "parse_mode": "HTML"}),
    )
    .await;
    assert_eq!(m["text"], "Saldo: 12,34 zł");
    assert_eq!(m["entities"][0]["type"], "bold");
    assert_eq!(m["from"]["is_bot"], true);
    assert!(
        m["date"].as_i64().unwrap() < 10_000_000_000,
        "date in seconds"
    );
    for (text, expected) in [
        ("", "Bad Request: message text is empty"),
        ("<b></b>", "Bad Request: message text is empty"),
        (
            "a < b",
            "Bad Request: can't parse entities: Unsupported start tag \"\" at byte offset 2",
        ),
        (
            "<br>",
            "Bad Request: can't parse entities: Unsupported start tag \"br\" at byte offset 0",
        ),
        (
            "<b>x",
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
    ] {
        let (s, d) = fails(
            &fake,
            "sendMessage",
            json!({"chat_id": 42, "text": text, "parse_mode": "HTML"}),
        )
        .await;
        assert_eq!((s, d.as_str()), (400, expected), "{text:?}");
    }
    let long = "ż".repeat(4097);
    let (_, d) = fails(&fake, "sendMessage", json!({"chat_id": 42, "text": long})).await;
    assert_eq!(d, "Bad Request: message is too long");
    let kb = json!({"inline_keyboard": [[{"text": "x", "callback_data": "a".repeat(65)}]]});
    let (_, d) = fails(
        &fake,
        "sendMessage",
        json!({"chat_id": 42, "text": "x", "reply_markup": kb}),
    )
    .await;
    assert_eq!(d, "Bad Request: BUTTON_DATA_INVALID");
    let (s, d) = fails(
        &fake,
        "sendMessage",
        json!({"chat_id": 42, "text": "x", "reply_parameters": {"message_id": 999}}),
    )
    .await;
    assert_eq!(
        (s, d.as_str()),
        (400, "Bad Request: message to be replied not found")
    );
    let (s, d) = fails(&fake, "fooBar", json!({})).await;
    assert_eq!((s, d.as_str()), (404, "Not Found"));
    assert_eq!(
        fake.messages_to(42).len(),
        1,
        "failed sends leave no message"
    );
    assert_eq!(fake.errors().len(), 10);
}

#[tokio::test]
async fn form_and_query_params_and_case_insensitive_methods() {
    let fake = FakeTelegram::start().await;
    fake.add_chat(7);
    let url = format!("{}bot1:X/SENDMESSAGE?chat_id=7", fake.url());
    let v: Value = reqwest::Client::new()
        .post(url)
        .form(&[
            ("text", "Zażółć & <gęślą>"),
            (
                "reply_markup",
                r#"{"inline_keyboard":[[{"text":"Tak","callback_data":"y"}]]}"#,
            ),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["result"]["text"], "Zażółć & <gęślą>",
        "no parse_mode: plain text"
    );
    let m = fake.last_message_to(7).unwrap();
    assert_eq!(m.button("Tak").unwrap().callback_data.as_deref(), Some("y"));
    assert_eq!(fake.calls()[0].method, "sendMessage");
    assert_eq!(fake.stats()["sendMessage"], 1);
}

#[tokio::test]
async fn edit_delete_and_not_modified() {
    let fake = FakeTelegram::start().await;
    fake.push_text(5, "hej");
    let kb = json!({"inline_keyboard": [[{"text": "Dalej", "callback_data": "next"}]]});
    let m = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": 5, "text": "<i>Krok 1</i>", "parse_mode": "HTML", "reply_markup": kb}),
    )
    .await;
    let mid = m["message_id"].as_i64().unwrap();
    // same text (after parsing) and same keyboard
    let same = json!({"chat_id": 5, "message_id": mid, "text": "<em>Krok 1</em>", "parse_mode": "HTML", "reply_markup": kb});
    let (_, d) = fails(&fake, "editMessageText", same).await;
    assert!(
        d.starts_with("Bad Request: message is not modified: specified new message content"),
        "{d}"
    );
    // same text, no markup: the keyboard goes away, so it is a modification
    ok(
        &fake,
        "editMessageText",
        json!({"chat_id": 5, "message_id": mid, "text": "<i>Krok 1</i>", "parse_mode": "HTML"}),
    )
    .await;
    let now = fake.last_message_to(5).unwrap();
    assert!(now.inline_keyboard.is_empty());
    assert_eq!(now.edit_count, 1);
    let (_, d) = fails(
        &fake,
        "editMessageReplyMarkup",
        json!({"chat_id": 5, "message_id": mid}),
    )
    .await;
    assert!(d.contains("not modified"), "{d}");
    ok(
        &fake,
        "editMessageReplyMarkup",
        json!({"chat_id": 5, "message_id": mid, "reply_markup": kb}),
    )
    .await;
    assert_eq!(fake.last_message_to(5).unwrap().callback_data(), ["next"]);
    let (_, d) = fails(
        &fake,
        "editMessageText",
        json!({"chat_id": 5, "message_id": 9999, "text": "x"}),
    )
    .await;
    assert_eq!(d, "Bad Request: message to edit not found");
    let (_, d) = fails(
        &fake,
        "editMessageText",
        json!({"chat_id": 5, "message_id": 1, "text": "x"}),
    )
    .await;
    assert_eq!(
        d, "Bad Request: message can't be edited",
        "message 1 is the user's"
    );
    let (_, d) = fails(
        &fake,
        "editMessageText",
        json!({"chat_id": 5, "message_id": mid, "text": "ą".repeat(4097)}),
    )
    .await;
    assert_eq!(d, "Bad Request: MESSAGE_TOO_LONG");
    assert_eq!(
        ok(
            &fake,
            "deleteMessage",
            json!({"chat_id": 5, "message_id": mid})
        )
        .await,
        json!(true)
    );
    let (_, d) = fails(
        &fake,
        "deleteMessage",
        json!({"chat_id": 5, "message_id": mid}),
    )
    .await;
    assert_eq!(d, "Bad Request: message to delete not found");
    let (_, d) = fails(
        &fake,
        "editMessageText",
        json!({"chat_id": 5, "message_id": mid, "text": "y"}),
    )
    .await;
    assert_eq!(d, "Bad Request: message to edit not found");
    assert!(fake.messages_to(5).is_empty());
}
