//! What the front end treats as secret: the mask shown in place of a password, and the
//! commands whose lines may carry one (shared by the echo, the conversation and the
//! deletion of mails with passwords).

use crate::core::command::{lookup, split_command};

/// Shown instead of anything that was typed as a password.
pub const MASK: &str = "••••••";

pub(super) fn is_login(text: &str) -> bool {
    split_command(text).is_some_and(|(w, _)| lookup(&w).is_some_and(|s| s.names[0] == "login"))
}

/// Whether `text` is a command whose line may hold a password or a PESEL (its
/// declaration says so: a login, a password change, a registration form).
pub(super) fn is_secret_command(text: &str) -> bool {
    split_command(text.trim()).is_some_and(|(w, _)| lookup(&w).is_some_and(|d| d.carries_secret))
}
