//! HTTP side: routes, parameter extraction (query, JSON, urlencoded, multipart), answers.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header::CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::FakeTelegram;
use crate::types::{ApiError, UploadedFile, value_as_string};

/// Bot API methods the fake knows by name (lower-case -> canonical).
const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "deleteMessages",
    "answerCallbackQuery",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "sendChatAction",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getFile",
    "close",
    "logOut",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
];

pub(crate) fn canonical(method: &str) -> String {
    METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .map(|m| m.to_string())
        .unwrap_or_else(|| method.to_string())
}

pub(crate) fn router(fake: FakeTelegram) -> Router {
    Router::new()
        .route("/file/{token}/{*path}", get(download))
        .route("/{token}/{method}", any(handle))
        .layer(DefaultBodyLimit::max(60 * 1024 * 1024))
        .with_state(fake)
}

/// Request parameters with the Bot API's loose typing (form values are strings).
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub Map<String, Value>);

impl Params {
    pub fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }

    pub fn str(&self, k: &str) -> Option<String> {
        value_as_string(self.get(k)?)
    }

    pub fn i64(&self, k: &str) -> Option<i64> {
        match self.get(k)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn bool(&self, k: &str) -> bool {
        match self.get(k) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s == "1",
            _ => false,
        }
    }

    /// A JSON-typed parameter (objects arrive as strings in form/multipart bodies).
    pub fn json(&self, k: &str) -> Result<Option<Value>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| ApiError::bad(format!("can't parse {k} JSON object"))),
            Some(v) => Ok(Some(v.clone())),
        }
    }

    pub fn chat_id(&self) -> Result<i64, ApiError> {
        match self.get("chat_id") {
            None => Err(ApiError::bad("chat_id is empty")),
            Some(_) => self
                .i64("chat_id")
                .ok_or_else(|| ApiError::bad("chat not found")),
        }
    }
}

fn answer(result: &Result<Value, ApiError>) -> Response {
    match result {
        Ok(v) => Json(json!({"ok": true, "result": v})).into_response(),
        Err(e) => {
            let mut body = json!({"ok": false, "error_code": e.code, "description": e.description});
            if let Some(r) = e.retry_after {
                body["parameters"] = json!({"retry_after": r});
            }
            let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Json(body)).into_response()
        }
    }
}

async fn handle(
    State(fake): State<FakeTelegram>,
    Path((token, method)): Path<(String, String)>,
    req: Request,
) -> Response {
    if !token.starts_with("bot") || token.len() < 4 {
        return answer(&Err(ApiError::new(404, "Not Found")));
    }
    let lc = method.to_ascii_lowercase();
    // Taken on arrival: a stall armed after this call was carried out is for the next one.
    let stall = fake.lock().take_stall(&lc);
    fake.count(&canonical(&lc));
    let (params, files, result) = match read_params(req).await {
        Ok((params, files)) => {
            let mut hung_up = HungUp {
                fake: &fake,
                method: canonical(&lc),
                params: Some(params.clone()),
            };
            let result = fake.dispatch(&lc, &params, &files).await;
            hung_up.params = None;
            (params, files, result)
        }
        Err(e) => (Params::default(), Vec::new(), Err(ApiError::bad(e))),
    };
    fake.record(canonical(&lc), params.0, files, result.clone());
    if let Some(pause) = stall {
        tokio::time::sleep(pause).await;
    }
    answer(&result)
}

/// Records a request whose client went away before the answer (the server drops the
/// handler then): for a long poll, an HTTP timeout shorter than the poll's own.
struct HungUp<'a> {
    fake: &'a FakeTelegram,
    method: String,
    params: Option<Params>,
}

impl Drop for HungUp<'_> {
    fn drop(&mut self) {
        if let Some(params) = self.params.take() {
            let gone = ApiError::new(499, "the client closed the request before it was answered");
            let method = std::mem::take(&mut self.method);
            self.fake.record(method, params.0, Vec::new(), Err(gone));
        }
    }
}
async fn download(
    State(fake): State<FakeTelegram>,
    Path((token, path)): Path<(String, String)>,
) -> Response {
    if !token.starts_with("bot") {
        return StatusCode::NOT_FOUND.into_response();
    }
    match fake.file_by_path(&path) {
        Some(bytes) => bytes.into_response(),
        None => answer(&Err(ApiError::new(404, "Not Found"))),
    }
}

/// Parameters from the query string plus a JSON, urlencoded or multipart body. Multipart parts
/// with a file name, or referenced as `attach://<field>`, are files; the rest are text values.
async fn read_params(req: Request) -> Result<(Params, Vec<UploadedFile>), String> {
    let mut p = Map::new();
    if let Some(q) = req.uri().query() {
        for (k, v) in url_pairs(q.as_bytes()) {
            p.insert(k, Value::String(v));
        }
    }
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut files = Vec::new();
    if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| e.to_string())?;
        let mut parts = Vec::new();
        while let Some(f) = mp.next_field().await.map_err(|e| e.to_string())? {
            let name = f.name().unwrap_or_default().to_string();
            let file_name = f.file_name().map(str::to_owned);
            let data = f.bytes().await.map_err(|e| e.to_string())?;
            parts.push((name, file_name, data.to_vec()));
        }
        let attached: Vec<String> = parts
            .iter()
            .filter_map(|(_, fname, d)| {
                if fname.is_some() {
                    return None;
                }
                std::str::from_utf8(d)
                    .ok()?
                    .strip_prefix("attach://")
                    .map(str::to_owned)
            })
            .collect();
        for (name, file_name, bytes) in parts {
            if file_name.is_some() || attached.contains(&name) {
                files.push(UploadedFile {
                    field: name,
                    file_name: file_name.unwrap_or_default(),
                    bytes,
                });
            } else {
                p.insert(
                    name,
                    Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                );
            }
        }
    } else {
        let body = Bytes::from_request(req, &())
            .await
            .map_err(|e| e.to_string())?;
        if ct.starts_with("application/json") && !body.is_empty() {
            match serde_json::from_slice(&body).map_err(|e| e.to_string())? {
                Value::Object(m) => p.extend(m),
                _ => return Err("JSON object expected".into()),
            }
        } else if ct.starts_with("application/x-www-form-urlencoded") {
            for (k, v) in url_pairs(&body) {
                p.insert(k, Value::String(v));
            }
        }
    }
    Ok((Params(p), files))
}

fn url_pairs(s: &[u8]) -> Vec<(String, String)> {
    fn dec(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    match std::str::from_utf8(&s[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        Some(v) => {
                            out.push(v);
                            i += 3;
                            continue;
                        }
                        None => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    s.split(|b| *b == b'&')
        .filter(|x| !x.is_empty())
        .map(|kv| match kv.iter().position(|b| *b == b'=') {
            Some(i) => (dec(&kv[..i]), dec(&kv[i + 1..])),
            None => (dec(kv), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_decoding() {
        let p = url_pairs(
            b"chat_id=5&text=Za%C5%BC%C3%B3%C5%82%C4%87+g%C4%99%C5%9Bl%C4%85&x&bad=%zz%4",
        );
        assert_eq!(p[0], ("chat_id".into(), "5".into()));
        assert_eq!(p[1], ("text".into(), "Zażółć gęślą".into()));
        assert_eq!(p[2], ("x".into(), "".into()));
        assert_eq!(p[3], ("bad".into(), "%zz%4".into()));
    }

    #[test]
    fn canonical_names() {
        assert_eq!(canonical("sendmessage"), "sendMessage");
        assert_eq!(canonical("SENDDOCUMENT"), "sendDocument");
        assert_eq!(canonical("fooBar"), "fooBar");
    }
}
