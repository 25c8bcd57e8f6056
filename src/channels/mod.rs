//! Front ends: each translates its transport to and from the core.

pub mod console;
pub mod email;
pub mod telegram;
