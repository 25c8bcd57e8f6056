//! Heat used and what it cost, month by month, from the invoices' line items: the
//! figures (`figures`), the period asked for (`period`), the comparison with a year
//! before (`compare`).

pub mod chart;
pub mod compare;
pub mod figures;
pub mod period;

pub use compare::{Change, Factor, SeasonSums, change_against_year_before, season_sums};
pub use figures::{Line, Month, Part, Point, Usage, part_of, usage};
pub use period::{Period, Window, season_of};
