//! The commands, one module per family: each declares its commands' names, help,
//! argument parsing and handlers together (see `core::command::table` for the list).

pub mod account;
pub mod case_staff;
pub mod cases;
pub mod customer;
pub mod general;
pub mod ksef;
pub mod sessions;
pub mod staff;
pub mod usage;
pub mod verify;
pub mod version;
