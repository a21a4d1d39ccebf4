//! Integration tests of the policy loader and the engine (one binary). The
//! fixture cases (`tests/fixtures/{policies,scenarios}`) run in the `cases`
//! harness instead, one test per case.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers panic on broken fixtures by design"
)]

mod applicable;
mod fixtures;
mod fuzz;
mod fuzz_snapshot;
mod parallel;
mod props;
#[path = "../support/mod.rs"]
mod support;
