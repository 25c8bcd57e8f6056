//! Shared helpers of the HTTP-level tests: raw JSON requests against the fake.
#![allow(dead_code)]

use fake_telegram::FakeTelegram;
use serde_json::{Value, json};

pub async fn call(fake: &FakeTelegram, method: &str, body: Value) -> (u16, Value) {
    let url = format!("{}bot123:TEST/{method}", fake.url());
    let r = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

pub async fn ok(fake: &FakeTelegram, method: &str, body: Value) -> Value {
    let (status, v) = call(fake, method, body).await;
    assert_eq!((status, &v["ok"]), (200, &json!(true)), "{method}: {v}");
    v["result"].clone()
}

pub async fn fails(fake: &FakeTelegram, method: &str, body: Value) -> (u16, String) {
    let (status, v) = call(fake, method, body).await;
    assert_eq!(v["ok"], json!(false), "{method} should fail: {v}");
    assert_eq!(v["error_code"].as_u64(), Some(status as u64));
    (status, v["description"].as_str().unwrap().to_string())
}
