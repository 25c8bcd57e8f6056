//! Settings: the built-in `bot-config/ebok.toml`, then the operator's TOML file, then
//! `EBOK_…` environment variables (`EBOK_DATABASE__URL`, `EBOK_TELEGRAM__TOKEN`, …).
//! Later sources win. Secrets are `SecretString`: their `Debug` prints `[REDACTED]`.

mod cases;
mod channels;
#[cfg(test)]
mod interest_tests;
mod load;
mod problem;
mod sections;
mod settings;
#[cfg(test)]
mod tests;
mod utility;

pub use cases::Cases;
pub use channels::{EmailChannel, Smtp, Telegram, TlsMode};
pub use problem::{Problem, Purpose};
pub use sections::{
    App, CalendarFile, Database, Http, Import, Ksef, Log, LogFormat, Notifications, Security,
    Shutdown,
};
pub use settings::{DEFAULT_TOML, Settings};
pub use utility::{InterestTables, Regulations, Utility};
