//! A real teloxide 0.17 bot against the fake: proves the fake is teloxide-compatible and that
//! its errors come out as the teloxide `ApiError` variants the bot code matches on.

use std::time::Duration;

use fake_telegram::FakeTelegram;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ParseMode,
};
use teloxide::{ApiError, RequestError};

const T: Duration = Duration::from_secs(10);

fn menu() -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Saldo", "balance")]])
}

async fn on_message(bot: Bot, msg: Message) -> ResponseResult<()> {
    match msg.text() {
        Some("/start") => {
            bot.send_message(msg.chat.id, "<b>Witaj</b> w e-BOK, zażółć gęślą jaźń 😀")
                .parse_mode(ParseMode::Html)
                .reply_markup(menu())
                .await?;
        }
        Some("/faktura") => {
            bot.send_document(
                msg.chat.id,
                InputFile::memory(b"%PDF-1.4 x".to_vec()).file_name("faktura.pdf"),
            )
            .caption("<i>Faktura</i> 10/2026")
            .parse_mode(ParseMode::Html)
            .await?;
        }
        _ => {
            bot.send_message(msg.chat.id, "Nie rozumiem").await?;
        }
    }
    Ok(())
}

async fn on_callback(bot: Bot, q: CallbackQuery) -> ResponseResult<()> {
    bot.answer_callback_query(q.id.clone()).await?;
    if let Some(m) = q.regular_message() {
        bot.edit_message_text(m.chat.id, m.id, "Saldo: <b>-12,34 zł</b>")
            .parse_mode(ParseMode::Html)
            .await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatcher_round_trip() {
    let fake = FakeTelegram::start().await;
    let bot = Bot::new("123456:TEST-token").set_api_url(fake.api_url());
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback));
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let task = tokio::spawn(async move { dispatcher.dispatch().await });

    fake.push_text(42, "/start");
    let menu_msg = fake
        .expect_message(42, |m| m.visible().starts_with("Witaj"), T)
        .await;
    assert_eq!(
        menu_msg.text.as_deref(),
        Some("Witaj w e-BOK, zażółć gęślą jaźń 😀")
    );
    assert_eq!(menu_msg.entities[0].kind, "bold");
    assert_eq!(menu_msg.callback_data(), ["balance"]);

    let qid = fake.press_button(42, menu_msg.message_id, "Saldo");
    let edited = fake.expect_message(42, |m| m.edit_count == 1, T).await;
    assert_eq!(edited.text.as_deref(), Some("Saldo: -12,34 zł"));
    assert!(
        edited.inline_keyboard.is_empty(),
        "edit without reply_markup drops the keyboard"
    );
    assert!(
        fake.wait_until(|f| f.callback_answer(&qid).is_some(), T)
            .await
    );

    fake.push_text(42, "/faktura");
    assert!(fake.wait_until(|f| !f.documents_to(42).is_empty(), T).await);
    let doc = &fake.documents_to(42)[0];
    assert_eq!(
        (doc.file_name.as_str(), doc.bytes.as_slice()),
        ("faktura.pdf", &b"%PDF-1.4 x"[..])
    );
    assert_eq!(doc.caption.as_deref(), Some("Faktura 10/2026"));

    // other update kinds reach the message handler too
    fake.push_sticker(42);
    fake.push_group_text(-100, 42, "hej");
    assert!(
        fake.wait_until(
            |f| f.messages_to(-100).len() == 1 && f.messages_to(42).len() == 3,
            T
        )
        .await
    );
    assert_eq!(fake.errors(), vec![], "the fake rejected something");
    assert!(fake.stats()["getMe"] >= 1);
    task.abort();
}

#[tokio::test]
async fn fake_errors_map_to_teloxide_api_errors() {
    let fake = FakeTelegram::start().await;
    let bot = Bot::new("123456:TEST-token").set_api_url(fake.api_url());
    let chat = ChatId(77);
    let e = bot.send_message(chat, "x").await.unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::ChatNotFound)),
        "{e:?}"
    );
    fake.push_text(77, "hi");
    let e = bot
        .send_message(chat, "1 < 2")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::CantParseEntities(_))),
        "{e:?}"
    );
    let e = bot.send_message(chat, "ą".repeat(4097)).await.unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::MessageIsTooLong)),
        "{e:?}"
    );
    let e = bot.send_message(chat, " ").await.unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::MessageTextIsEmpty)),
        "{e:?}"
    );
    let bad = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("x", "d".repeat(65))]]);
    let e = bot
        .send_message(chat, "x")
        .reply_markup(bad)
        .await
        .unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::ButtonDataInvalid)),
        "{e:?}"
    );

    let m = bot
        .send_message(chat, "Stan: 1")
        .reply_markup(menu())
        .await
        .unwrap();
    assert_eq!(m.text(), Some("Stan: 1"));
    let e = bot
        .edit_message_text(chat, m.id, "Stan: 1")
        .reply_markup(menu())
        .await
        .unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::MessageNotModified)),
        "{e:?}"
    );
    let e = bot
        .edit_message_text(chat, teloxide::types::MessageId(9999), "y")
        .await
        .unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::MessageToEditNotFound)),
        "{e:?}"
    );
    bot.delete_message(chat, m.id).await.unwrap();
    let e = bot.delete_message(chat, m.id).await.unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::MessageToDeleteNotFound)),
        "{e:?}"
    );

    fake.fail_next(
        "sendMessage",
        429,
        "Too Many Requests: retry after 7",
        Some(7),
    );
    let e = bot.send_message(chat, "x").await.unwrap_err();
    assert!(
        matches!(e, RequestError::RetryAfter(s) if s.seconds() == 7),
        "{e:?}"
    );
    fake.block_user(77);
    let e = bot.send_message(chat, "x").await.unwrap_err();
    assert!(
        matches!(e, RequestError::Api(ApiError::BotBlocked)),
        "{e:?}"
    );
    fake.unblock_user(77);

    bot.set_my_commands([BotCommand::new("saldo", "Stan konta")])
        .await
        .unwrap();
    let cmds = bot.get_my_commands().await.unwrap();
    assert_eq!(cmds[0].command, "saldo");
    let me = bot.get_me().await.unwrap();
    assert_eq!(me.username(), fake_telegram::BOT_USERNAME);
}
