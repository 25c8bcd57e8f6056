//! The command language shared by every front end: English names with Polish aliases,
//! case- and diacritics-insensitive, with or without a leading `/` (and Telegram's
//! `@botname` suffix). Each command is declared once, with its type (`core::commands`);
//! [`table`] lists them; [`parse`] reads a line into a typed [`Command`].

mod def;
mod parse;
mod table;

pub use def::{
    AccountCmd, Args, Bad, CustomerCmd, Declared, Def, Group, Lang, PublicCmd, Secret, SessionsCmd,
    StaffCmd, Text,
};
pub(crate) use parse::args;
pub use parse::{ParseError, lookup, parse, row, split_command};
pub use table::{
    AccountCommand, Command, CustomerCommand, DEFS, PublicCommand, ROWS, Row, SessionsCommand,
    StaffCommand,
};
