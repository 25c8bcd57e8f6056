//! What the configuration check reports: what a command uses of the configuration, and
//! one problem found in it (the check itself gathers every part's problems: see
//! `crate::cli::check`).

/// What the configuration is checked for: each command checks the sections it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `ebok serve`: every configured section, and the utility's own bank account.
    Serve,
    /// Commands that send the outbox's mail (`ebok console`, `ebok outbox --deliver`):
    /// `[smtp]` as well.
    SendsMail,
    /// Every other command: the database, `[app]` and `[security]`.
    Other,
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key (`telegram.webhook_secret`) or section (`[smtp]`) concerned.
    pub key: String,
    /// What is wrong and what to do.
    pub text: String,
}

impl Problem {
    pub fn new(key: &str, text: impl Into<String>) -> Problem {
        Problem {
            key: key.to_string(),
            text: text.into(),
        }
    }
}
