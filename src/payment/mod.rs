//! Paying a bill by bank transfer: the transfer title the utility's bookkeeping needs
//! ([`title`]) and the two-dimensional code Polish banking apps read to fill in the
//! transfer ([`zbp`], drawn as a PNG by [`png`]); the KSeF verification code is drawn
//! the same way, with its caption ([`caption`]).

pub mod caption;
pub mod png;
pub mod title;
pub mod zbp;
