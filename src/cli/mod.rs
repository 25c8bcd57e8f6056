//! The command line: `ebok demo | console | serve | import | migrate | staff | rates |
//! outbox`.

mod args;
pub mod cases;
mod check;
mod console;
mod demo;
pub mod notify;
mod ops;
mod run;

pub use args::{CasesCommand, Cli, Commands, NotifyCommand, StaffCommand};
pub use run::run;
