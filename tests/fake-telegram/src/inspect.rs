//! Inspecting what the bot did, and waiting for it (woken on every request and pushed update,
//! never by sleeping).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::types::{Call, SentDocument, SentMessage};
use crate::{FakeTelegram, misc};

impl FakeTelegram {
    // ---- inspection ------------------------------------------------------------------

    /// All calls so far (successful getUpdates polls excluded), oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Calls of one method (case-insensitive).
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.is(method))
            .cloned()
            .collect()
    }

    /// Number of recorded calls: pass it to [`FakeTelegram::wait_for_since`].
    pub fn call_count(&self) -> usize {
        self.lock().calls.len()
    }

    /// Calls the fake answered with an error (assert it is empty at the end of a test).
    pub fn errors(&self) -> Vec<Call> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.result.is_err())
            .cloned()
            .collect()
    }

    /// Number of requests per canonical method name, getUpdates included.
    pub fn stats(&self) -> BTreeMap<String, usize> {
        self.lock().stats.clone()
    }

    /// Updates pushed but not yet confirmed by the bot's getUpdates offset.
    pub fn pending_updates(&self) -> usize {
        self.lock().updates.len()
    }

    /// The bot's messages in `chat_id` as the user sees them now: after edits, without deleted
    /// ones, oldest first.
    pub fn messages_to(&self, chat_id: i64) -> Vec<SentMessage> {
        let i = self.lock();
        i.messages
            .values()
            .filter(|m| m.chat_id == chat_id && m.from_bot && !m.deleted)
            .map(|m| m.to_sent())
            .collect()
    }

    /// The newest visible bot message in `chat_id`.
    pub fn last_message_to(&self, chat_id: i64) -> Option<SentMessage> {
        self.messages_to(chat_id).pop()
    }

    /// Documents/photos the bot sent to `chat_id` (deleted ones included), oldest first.
    pub fn documents_to(&self, chat_id: i64) -> Vec<SentDocument> {
        let i = self.lock();
        i.messages
            .values()
            .filter(|m| m.chat_id == chat_id && m.from_bot)
            .filter_map(|m| m.document.clone())
            .collect()
    }

    /// The commands set with setMyCommands for the default scope and `language_code`
    /// (`None` = no language): (command, description) pairs.
    pub fn my_commands(&self, language_code: Option<&str>) -> Option<Vec<(String, String)>> {
        self.commands_for(misc::DEFAULT_SCOPE, language_code)
    }

    /// The commands set for one chat (scope `{"type":"chat","chat_id":…}`) and
    /// `language_code`; `None` when that chat has no menu of its own.
    pub fn chat_commands(
        &self,
        chat_id: i64,
        language_code: Option<&str>,
    ) -> Option<Vec<(String, String)>> {
        let scope = serde_json::json!({ "type": "chat", "chat_id": chat_id });
        self.commands_for(&scope.to_string(), language_code)
    }

    fn commands_for(
        &self,
        scope: &str,
        language_code: Option<&str>,
    ) -> Option<Vec<(String, String)>> {
        let key = (scope.to_string(), language_code.unwrap_or("").to_string());
        let i = self.lock();
        let cmds = i.commands.get(&key)?.as_array()?.clone();
        Some(
            cmds.iter()
                .map(|c| {
                    let s = |k| c[k].as_str().unwrap_or_default().to_string();
                    (s("command"), s("description"))
                })
                .collect(),
        )
    }

    /// The answerCallbackQuery parameters for callback query `id`, once answered.
    pub fn callback_answer(&self, id: &str) -> Option<Value> {
        self.lock().callbacks.get(id).cloned().flatten()
    }

    // ---- waiting (woken on every call/update, no sleeping) -----------------------------

    /// Waits until a call matching `pred` exists (searching all calls so far).
    pub async fn wait_for(&self, pred: impl Fn(&Call) -> bool, timeout: Duration) -> Option<Call> {
        self.wait_for_since(0, pred, timeout).await
    }

    /// Waits for a matching call among calls number `since..` (see [`FakeTelegram::call_count`]).
    pub async fn wait_for_since(
        &self,
        since: usize,
        pred: impl Fn(&Call) -> bool,
        timeout: Duration,
    ) -> Option<Call> {
        let mut found = None;
        self.wait_until(
            |f| {
                found = f.lock().calls.iter().skip(since).find(|c| pred(c)).cloned();
                found.is_some()
            },
            timeout,
        )
        .await;
        found
    }

    /// Waits until `cond` holds; re-evaluated after every request and pushed update.
    pub async fn wait_until(
        &self,
        mut cond: impl FnMut(&FakeTelegram) -> bool,
        timeout: Duration,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            if cond(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return cond(self);
            }
        }
    }

    /// Waits until the chat shows a bot message matching `pred` (current state, after edits).
    pub async fn wait_for_message(
        &self,
        chat_id: i64,
        pred: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> Option<SentMessage> {
        let mut found = None;
        self.wait_until(
            |f| {
                found = f.messages_to(chat_id).into_iter().rev().find(|m| pred(m));
                found.is_some()
            },
            timeout,
        )
        .await;
        found
    }

    /// [`FakeTelegram::wait_for_message`] that panics with the chat's messages and the fake's
    /// error answers when nothing matches in time.
    pub async fn expect_message(
        &self,
        chat_id: i64,
        pred: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> SentMessage {
        match self.wait_for_message(chat_id, pred, timeout).await {
            Some(m) => m,
            None => panic!(
                "no matching bot message in chat {chat_id} within {timeout:?}\nvisible messages: {:#?}\nerror answers: {:#?}",
                self.messages_to(chat_id),
                self.errors()
            ),
        }
    }
}
