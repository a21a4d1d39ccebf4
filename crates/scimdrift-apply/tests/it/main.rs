//! Apply integration tests: one binary (`it`), one module per area. Every
//! test runs against the simulator on loopback and asserts the server's
//! final state through its store, not only what apply reports.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on broken fixtures by design"
)]

mod faults;
mod props;
mod support;
