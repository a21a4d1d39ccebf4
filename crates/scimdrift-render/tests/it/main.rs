//! Renderer tests: one integration-test binary, one module per format.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on broken fixtures by design"
)]

mod csv;
mod fixture;
mod github;
mod human;
mod junit;
mod markdown;
mod provenance;
mod review;
mod sarif;
