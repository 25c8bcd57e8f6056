//! Inline keyboards from the core's actions, and what a pressed button means.
//!
//! A button's callback data is the command it runs, exactly as a user could type it, so a
//! press goes through the core like any typed command (the session decides what it may
//! show: a forged button is no more than a typed line), and every button still works after
//! a restart. The core's buttons fit Telegram's 64 bytes (the import keeps invoice and
//! contract numbers to 50 bytes); a longer command would get a short `#<n>` key kept in
//! memory, and after a restart such a button answers "no longer valid" instead of guessing.
//!
//! A press is ignored when its button is no longer on the message (the message was edited
//! meanwhile: a stale or second tap) or when the same button of the same message was
//! pressed moments ago (a double tap).

use crate::core::{Action, Lang};
use crate::render::Renderer;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardButtonKind, InlineKeyboardMarkup};

/// Telegram's limit on callback data.
pub const MAX_DATA: usize = 64;
/// Long commands remembered at most (the oldest are forgotten first).
const MAX_LONG: usize = 10_000;
/// Messages whose view is remembered at most.
const MAX_VIEWS: usize = 100_000;
/// Two presses of one button closer than this are one press.
const DOUBLE_TAP: Duration = Duration::from_secs(3);
/// Telegram allows at most 8 buttons in a row.
const MAX_ROW: usize = 8;
/// Actions that move through pages or months: their row goes below the others.
const NAVIGATION: &[&str] = &["prev_page", "next_page", "prev_month", "next_month"];

/// Codec of callback data and the memory of recent presses.
#[derive(Default)]
pub struct Buttons {
    long: Mutex<LongCommands>,
    recent: Mutex<HashMap<i64, LastPress>>,
    views: Mutex<Views>,
}

/// Which view each message with buttons shows, so that a press edits its message only
/// with the same view (the next page of bills, another month), never replacing a
/// different one (the panel stays when its "Bills" button is pressed).
#[derive(Default)]
struct Views {
    by_message: HashMap<(i64, i32), String>,
    order: VecDeque<(i64, i32)>,
}

#[derive(Default)]
struct LongCommands {
    next: u64,
    by_key: HashMap<String, String>,
    by_command: HashMap<String, String>,
    order: VecDeque<String>,
}

/// The last press in a chat: which button, which callback query, when.
struct LastPress {
    message: i32,
    data: String,
    query: String,
    at: Instant,
}

/// What a press asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Press {
    Run(String),
    /// Data we never produced, or a long command forgotten since.
    Unknown,
}

impl Buttons {
    /// Callback data for `command`.
    pub fn encode(&self, command: &str) -> String {
        if command.len() <= MAX_DATA && !command.starts_with('#') {
            return command.to_string();
        }
        let mut long = self.long.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(key) = long.by_command.get(command) {
            return key.clone();
        }
        long.next += 1;
        let key = format!("#{}", long.next);
        long.by_key.insert(key.clone(), command.to_string());
        long.by_command.insert(command.to_string(), key.clone());
        long.order.push_back(key.clone());
        while long.order.len() > MAX_LONG {
            if let Some(old) = long.order.pop_front()
                && let Some(cmd) = long.by_key.remove(&old)
            {
                long.by_command.remove(&cmd);
            }
        }
        key
    }

    pub fn decode(&self, data: &str) -> Press {
        if data.starts_with('#') {
            let long = self.long.lock().unwrap_or_else(|e| e.into_inner());
            return long
                .by_key
                .get(data)
                .map_or(Press::Unknown, |c| Press::Run(c.clone()));
        }
        if data.trim().is_empty() {
            return Press::Unknown;
        }
        Press::Run(data.to_string())
    }

    /// True when this press repeats the previous press of the same button in this chat.
    /// The same press delivered again (its callback query `query`, after a crash or a
    /// webhook retry) is no repeat: it is still owed its answer.
    pub fn double_tap(&self, chat: i64, message: i32, data: &str, query: &str) -> bool {
        let now = Instant::now();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let repeat = recent.get(&chat).is_some_and(|p| {
            p.message == message && p.data == data && p.query != query && now - p.at < DOUBLE_TAP
        });
        let press = LastPress {
            message,
            data: data.to_string(),
            query: query.to_string(),
            at: now,
        };
        recent.insert(chat, press);
        if recent.len() > 100_000 {
            recent.retain(|_, p| now - p.at < DOUBLE_TAP);
        }
        repeat
    }

    pub fn remember_view(&self, chat: i64, message: i32, template: &str) {
        let mut views = self.views.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = views
            .by_message
            .insert((chat, message), template.to_string())
            .is_none();
        if fresh {
            views.order.push_back((chat, message));
        }
        while views.order.len() > MAX_VIEWS {
            if let Some(old) = views.order.pop_front() {
                views.by_message.remove(&old);
            }
        }
    }

    /// The view shown by `message`, when this process sent it.
    pub fn view_of(&self, chat: i64, message: i32) -> Option<String> {
        let views = self.views.lock().unwrap_or_else(|e| e.into_inner());
        views.by_message.get(&(chat, message)).cloned()
    }

    /// The inline keyboard for `actions` (`None` when there are none). Rows follow the
    /// actions' `row`, navigation rows last.
    pub fn keyboard(
        &self,
        renderer: &Renderer,
        lang: Lang,
        actions: &[Action],
    ) -> Option<InlineKeyboardMarkup> {
        if actions.is_empty() {
            return None;
        }
        let mut rows: Vec<(bool, u8, Vec<InlineKeyboardButton>)> = Vec::new();
        for action in actions.iter().take(100) {
            let nav = NAVIGATION.contains(&action.kind);
            let button = InlineKeyboardButton::callback(
                renderer.label(lang, action),
                self.encode(&action.command),
            );
            match rows
                .iter_mut()
                .find(|(n, r, _)| *r == action.row && *n == nav)
            {
                Some((_, _, list)) => list.push(button),
                None => rows.push((nav, action.row, vec![button])),
            }
        }
        rows.sort_by_key(|(nav, row, _)| (*nav, *row));
        let rows: Vec<Vec<InlineKeyboardButton>> = rows
            .into_iter()
            .flat_map(|(_, _, list)| {
                list.chunks(MAX_ROW)
                    .map(<[InlineKeyboardButton]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .collect();
        Some(InlineKeyboardMarkup::new(rows))
    }
}

/// The callback data of every button on a keyboard.
pub fn data_on(markup: &InlineKeyboardMarkup) -> impl Iterator<Item = &str> {
    markup
        .inline_keyboard
        .iter()
        .flatten()
        .filter_map(|b| match &b.kind {
            InlineKeyboardButtonKind::CallbackData(d) => Some(d.as_str()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_for_the_longest_importable_number_carry_the_command_itself() {
        let number = "X".repeat(crate::import::MAX_NUMBER_BYTES);
        let buttons = Buttons::default();
        for prefix in ["faktura", "pdf", "dokument", "document", "invoice"] {
            let command = format!("{prefix} {number}");
            assert_eq!(buttons.encode(&command), command);
        }
    }

    fn action(kind: &'static str, command: &str, row: u8) -> Action {
        Action {
            kind,
            arg: "x".into(),
            command: command.into(),
            row,
        }
    }

    #[test]
    fn short_commands_are_their_own_data_long_ones_get_keys() {
        let b = Buttons::default();
        assert_eq!(b.encode("rachunki 2"), "rachunki 2");
        let long = format!("faktura {}", "A/".repeat(40));
        let key = b.encode(&long);
        assert!(key.starts_with('#') && key.len() <= MAX_DATA);
        assert_eq!(b.encode(&long), key, "one key per command");
        assert_eq!(b.decode(&key), Press::Run(long));
        assert_eq!(b.decode("#999"), Press::Unknown);
        assert_eq!(b.decode("saldo"), Press::Run("saldo".into()));
    }

    #[test]
    fn a_second_press_within_moments_is_a_double_tap() {
        let b = Buttons::default();
        assert!(!b.double_tap(1, 10, "pdf FV/1", "q1"));
        assert!(b.double_tap(1, 10, "pdf FV/1", "q2"));
        assert!(!b.double_tap(1, 10, "pdf FV/2", "q3"));
        assert!(
            !b.double_tap(2, 10, "pdf FV/2", "q4"),
            "other chats are separate"
        );
        // The same press delivered again is owed its answer.
        assert!(!b.double_tap(2, 10, "pdf FV/2", "q4"));
    }

    #[test]
    fn navigation_goes_last_and_rows_follow_the_core() {
        let renderer = Renderer::new(None).unwrap();
        let b = Buttons::default();
        let actions = vec![
            action("next_page", "rachunki 2", 0),
            action("details", "faktura A", 1),
            action("pdf", "pdf A", 1),
            action("details", "faktura B", 2),
        ];
        let k = b.keyboard(&renderer, Lang::Pl, &actions).unwrap();
        let data: Vec<Vec<&str>> = k
            .inline_keyboard
            .iter()
            .map(|r| {
                r.iter()
                    .filter_map(|b| match &b.kind {
                        InlineKeyboardButtonKind::CallbackData(d) => Some(d.as_str()),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            data,
            vec![
                vec!["faktura A", "pdf A"],
                vec!["faktura B"],
                vec!["rachunki 2"]
            ]
        );
        let json = serde_json::to_value(&k).unwrap();
        fake_telegram::check_reply_markup(Some(&json)).unwrap();
    }
}
