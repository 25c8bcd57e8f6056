//! Complaints and requests (cases): their kinds, subjects and states, the case number,
//! the legal deadline, the attachments allowed and the typed request forms. No database
//! here: the store keeps them, the core files and answers them.

pub mod deadline;
pub mod discount;
pub mod file;
pub mod form;
pub mod kinds;
pub mod number;

pub use deadline::{Deadlines, deadline_after};
pub use discount::discount_gr;
pub use file::{FileProblem, MAX_FILE_BYTES, MAX_FILES, clean_name, sniff};
pub use form::{CapacityChange, FormProblem, parse_capacity_change};
pub use kinds::{CaseKind, CaseState, Outcome, Subject};
pub use number::CaseNumber;
