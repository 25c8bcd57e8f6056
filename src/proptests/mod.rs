//! Property tests (proptest): inputs nobody thought of, for the parsers and formatters
//! that face customers' and the billing system's text. The number of cases per property
//! comes from `PROPTEST_CASES` (default [`DEFAULT_CASES`], so the suite stays within
//! seconds in CI); run longer with e.g.
//! `PROPTEST_CASES=20000 cargo test --lib proptests` (see docs/benchmarks.md).

mod commands;
mod csv_fields;
mod email;
mod ics;
mod ids;
mod money;
mod split;
mod usage;

use proptest::test_runner::Config;

/// Cases per property when `PROPTEST_CASES` is not set.
pub const DEFAULT_CASES: u32 = 64;

/// The configuration every property here runs with: a bounded number of cases and no
/// regression files written into the source tree (a failure prints its minimal input).
pub fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}
