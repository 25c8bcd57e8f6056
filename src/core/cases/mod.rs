//! Complaints and requests (docs/cases.md): filing by dialogue or one-message form,
//! following, staff's steps and the scheduler's chores. The rules are here and in
//! `domain::case`; the SQL in `store::cases`.

mod chase;
mod common;
mod file;
mod form;
mod show;
mod staff;
mod steps;

pub use chase::Chased;
pub(crate) use common::problem;
pub(crate) use file::{Draft, Filer, add, file_for};
pub(crate) use form::{fields, file_form};
pub(crate) use show::{file as attachment, list, show};
pub(crate) use staff::{StaffStep, act, filter_of, list as staff_list};
pub use steps::CaseStep;
pub(crate) use steps::start;
