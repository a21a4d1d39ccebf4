//! Integration tests of the policy loader and the engine (one binary).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers panic on broken fixtures by design"
)]

mod fixtures;
mod fuzz;
mod fuzz_snapshot;
mod props;
mod scenarios;
mod support;
