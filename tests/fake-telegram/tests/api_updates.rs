//! getUpdates, callbacks, commands, files and failure injection over HTTP.

mod common;

use std::time::{Duration, Instant};

use common::{call, fails, ok};
use fake_telegram::FakeTelegram;
use serde_json::{Value, json};

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn get_updates_offsets_and_long_polling() {
    let fake = FakeTelegram::start().await;
    fake.push_text(1, "a");
    fake.push_text(1, "b");
    let u = ok(&fake, "getUpdates", json!({"offset": 0})).await;
    assert_eq!(u.as_array().unwrap().len(), 2);
    let first = u[0]["update_id"].as_i64().unwrap();
    let u = ok(&fake, "getUpdates", json!({"offset": first + 1})).await;
    assert_eq!(
        u.as_array().unwrap().len(),
        1,
        "offset confirms earlier updates"
    );
    assert_eq!(u[0]["message"]["text"], "b");
    let next = u[0]["update_id"].as_i64().unwrap() + 1;
    // long poll: returns as soon as an update arrives, well before the timeout
    let f2 = fake.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        f2.push_text(1, "c");
    });
    let t0 = Instant::now();
    let u = ok(&fake, "getUpdates", json!({"offset": next, "timeout": 10})).await;
    assert_eq!(u[0]["message"]["text"], "c");
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    // nothing pending: an empty list after the timeout
    let t0 = Instant::now();
    let u = ok(
        &fake,
        "getUpdates",
        json!({"offset": next + 1, "timeout": 1}),
    )
    .await;
    assert_eq!(u, json!([]));
    // held to its timeout, not (much) longer
    assert!(t0.elapsed() >= Duration::from_millis(900));
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    assert_eq!(fake.pending_updates(), 0);
}

/// A client whose HTTP timeout is shorter than its long poll gives up first: the fake
/// records that poll as failed (499), so a test sees it.
#[tokio::test]
async fn a_poll_the_client_gives_up_on_is_an_error() {
    let fake = FakeTelegram::start().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let url = format!("{}bot123:TEST/getUpdates", fake.url());
    let sent = client.post(url).json(&json!({"timeout": 3})).send().await;
    assert!(sent.is_err(), "the client timed out");
    let gone = |f: &FakeTelegram| f.errors().iter().any(|c| c.is("getUpdates"));
    assert!(fake.wait_until(gone, T).await, "{:?}", fake.errors());
    assert_eq!(fake.errors()[0].result.as_ref().unwrap_err().code, 499);
}

#[tokio::test]
async fn second_poller_terminates_the_waiting_one_with_409() {
    let fake = FakeTelegram::start().await;
    let f2 = fake.clone();
    let first = tokio::spawn(async move { call(&f2, "getUpdates", json!({"timeout": 10})).await });
    assert!(
        fake.wait_until(|f| f.stats().get("getUpdates") == Some(&1), T)
            .await
    );
    let f3 = fake.clone();
    let second = tokio::spawn(async move { call(&f3, "getUpdates", json!({"timeout": 10})).await });
    let (status, v) = first.await.unwrap();
    assert_eq!(status, 409);
    assert_eq!(
        v["description"],
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    );
    fake.push_text(3, "x");
    let (status, v) = second.await.unwrap();
    assert_eq!(
        (status, v["result"][0]["message"]["text"].as_str()),
        (200, Some("x"))
    );
    assert_eq!(fake.errors().len(), 1);
}

#[tokio::test]
async fn callbacks_commands_and_injected_failures() {
    let fake = FakeTelegram::start().await;
    fake.push_text(9, "/menu");
    let kb = json!({"inline_keyboard": [[{"text": "Saldo", "callback_data": "bal"}]]});
    let mid = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": 9, "text": "Menu", "reply_markup": kb}),
    )
    .await["message_id"]
        .as_i64()
        .unwrap();
    let qid = fake.press_button(9, mid, "Saldo");
    let u = ok(&fake, "getUpdates", json!({})).await;
    let cq = &u.as_array().unwrap().last().unwrap()["callback_query"];
    assert_eq!(
        (cq["id"].as_str(), cq["data"].as_str()),
        (Some(qid.as_str()), Some("bal"))
    );
    assert_eq!(cq["message"]["reply_markup"], kb);
    ok(
        &fake,
        "answerCallbackQuery",
        json!({"callback_query_id": qid, "text": "OK"}),
    )
    .await;
    assert_eq!(fake.callback_answer(&qid).unwrap()["text"], "OK");
    let (_, d) = fails(
        &fake,
        "answerCallbackQuery",
        json!({"callback_query_id": qid}),
    )
    .await;
    assert!(d.contains("query is too old"), "answered twice: {d}");

    let cmds = json!([{"command": "saldo", "description": "Stan konta"}]);
    ok(
        &fake,
        "setMyCommands",
        json!({"commands": cmds, "language_code": "pl"}),
    )
    .await;
    assert_eq!(
        ok(&fake, "getMyCommands", json!({"language_code": "pl"})).await,
        cmds
    );
    assert_eq!(ok(&fake, "getMyCommands", json!({})).await, json!([]));
    assert_eq!(
        fake.my_commands(Some("pl")).unwrap(),
        [("saldo".to_string(), "Stan konta".to_string())]
    );
    let (_, d) = fails(
        &fake,
        "setMyCommands",
        json!({"commands": [{"command": "Saldo", "description": "x"}]}),
    )
    .await;
    assert_eq!(d, "Bad Request: BOT_COMMAND_INVALID");
    ok(&fake, "deleteMyCommands", json!({"language_code": "pl"})).await;
    assert_eq!(fake.my_commands(Some("pl")), None);

    fake.fail_next(
        "sendmessage",
        429,
        "Too Many Requests: retry after 3",
        Some(3),
    );
    let (s, v) = call(&fake, "sendMessage", json!({"chat_id": 9, "text": "x"})).await;
    assert_eq!((s, v["parameters"]["retry_after"].as_u64()), (429, Some(3)));
    ok(&fake, "sendMessage", json!({"chat_id": 9, "text": "x"})).await;
    fake.block_user(9);
    let (s, d) = fails(&fake, "sendMessage", json!({"chat_id": 9, "text": "x"})).await;
    assert_eq!(
        (s, d.as_str()),
        (403, "Forbidden: bot was blocked by the user")
    );
    fake.unblock_user(9);
    fake.set_rate_limit(Some(2));
    ok(&fake, "sendMessage", json!({"chat_id": 9, "text": "1"})).await;
    ok(&fake, "sendMessage", json!({"chat_id": 9, "text": "2"})).await;
    let (s, v) = call(&fake, "sendMessage", json!({"chat_id": 9, "text": "3"})).await;
    assert_eq!((s, v["parameters"]["retry_after"].as_u64()), (429, Some(1)));
    assert_eq!(
        ok(
            &fake,
            "sendChatAction",
            json!({"chat_id": 9, "action": "typing"})
        )
        .await,
        json!(true)
    );
}

#[tokio::test]
async fn multipart_document_upload_and_download() {
    let fake = FakeTelegram::start().await;
    fake.push_text(11, "/faktura");
    let pdf = b"%PDF-1.4 faktura".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("chat_id", "11")
        .text("caption", "<b>Faktura</b> 10/2026 — 1 234,56 zł")
        .text("parse_mode", "HTML")
        .text("document", "attach://f1")
        .part(
            "f1",
            reqwest::multipart::Part::bytes(pdf.clone()).file_name("faktura-10-2026.pdf"),
        );
    let url = format!("{}bot1:X/sendDocument", fake.url());
    let v: Value = reqwest::Client::new()
        .post(&url)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["result"]["document"]["file_name"], "faktura-10-2026.pdf");
    assert_eq!(v["result"]["document"]["mime_type"], "application/pdf");
    let docs = fake.documents_to(11);
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0].bytes.clone(), docs[0].caption.as_deref()),
        (pdf.clone(), Some("Faktura 10/2026 — 1 234,56 zł"))
    );
    assert_eq!(
        fake.calls_of("senddocument")[0].files[0].file_name,
        "faktura-10-2026.pdf"
    );
    // getFile + download
    let f = ok(&fake, "getFile", json!({"file_id": docs[0].file_id})).await;
    let dl = format!(
        "{}file/bot1:X/{}",
        fake.url(),
        f["file_path"].as_str().unwrap()
    );
    assert_eq!(
        reqwest::get(dl)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        pdf
    );
    // caption too long after parsing
    let form = reqwest::multipart::Form::new()
        .text("chat_id", "11")
        .text("caption", "ł".repeat(1025))
        .part(
            "document",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.txt"),
        );
    let v: Value = reqwest::Client::new()
        .post(&url)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["description"], "Bad Request: message caption is too long");
}

/// As Telegram: a callback query is answered once and only soon after the press; a
/// query delivered by the test itself (webhook) is known too, and a stalled answer has
/// been carried out before it comes back.
#[tokio::test]
async fn a_callback_query_is_answered_once_and_not_after_its_time() {
    let fake = FakeTelegram::start().await;
    fake.push_text(9, "/menu");
    let kb = json!({"inline_keyboard": [[{"text": "Saldo", "callback_data": "bal"}]]});
    let mid = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": 9, "text": "Menu", "reply_markup": kb}),
    )
    .await["message_id"]
        .as_i64()
        .unwrap();
    let too_old =
        "Bad Request: query is too old and response timeout expired or query ID is invalid";
    // Answered once; the second answer is refused with Telegram's description.
    let queued = fake.pending_updates();
    let hook = fake.callback_update(9, mid, "bal");
    assert_eq!(
        fake.pending_updates(),
        queued,
        "a webhook update is not queued"
    );
    let qid = hook["callback_query"]["id"].as_str().unwrap().to_string();
    assert!(hook["update_id"].as_i64().unwrap() > 0);
    let answer = json!({"callback_query_id": qid});
    ok(&fake, "answerCallbackQuery", answer.clone()).await;
    assert_eq!(
        fails(&fake, "answerCallbackQuery", answer).await,
        (400, too_old.to_string())
    );
    // Past its time: refused even if never answered.
    fake.set_callback_timeout(Some(Duration::from_millis(200)));
    let late = fake.press_button(9, mid, "Saldo");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, d) = fails(
        &fake,
        "answerCallbackQuery",
        json!({"callback_query_id": late}),
    )
    .await;
    assert_eq!((status, d.as_str()), (400, too_old));
    assert!(fake.callback_answer(&late).is_none());
    // A chat whose calls fail until healed.
    fake.fail_chat(9, 429, "Too Many Requests: retry after 0", Some(0));
    for _ in 0..3 {
        let (status, _) = fails(&fake, "sendMessage", json!({"chat_id": 9, "text": "x"})).await;
        assert_eq!(status, 429);
    }
    fake.heal_chat(9);
    ok(&fake, "sendMessage", json!({"chat_id": 9, "text": "x"})).await;
    fake.set_callback_timeout(None);
    let unlimited = fake.press_button(9, mid, "Saldo");
    tokio::time::sleep(Duration::from_millis(300)).await;
    ok(
        &fake,
        "answerCallbackQuery",
        json!({"callback_query_id": unlimited}),
    )
    .await;
    // A stalled answer: the query is answered before the bot hears back.
    let stalled = fake.press_button(9, mid, "Saldo");
    fake.stall_next_answer("answerCallbackQuery", Duration::from_millis(400));
    let t0 = Instant::now();
    let f2 = fake.clone();
    let q2 = stalled.clone();
    let call = tokio::spawn(async move {
        ok(&f2, "answerCallbackQuery", json!({"callback_query_id": q2})).await
    });
    assert!(
        fake.wait_until(|f| f.callback_answer(&stalled).is_some(), T)
            .await
    );
    assert!(
        t0.elapsed() < Duration::from_millis(400),
        "{:?}",
        t0.elapsed()
    );
    call.await.unwrap();
    assert!(
        t0.elapsed() >= Duration::from_millis(400),
        "the answer was held"
    );
}
