//! CLI integration tests: one binary (`it`), one module per area.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on broken fixtures by design"
)]

mod action;
mod apply;
mod completions;
mod config;
mod diff;
mod engine;
mod errors;
mod fetch;
mod filter;
mod hardening;
mod help;
mod init;
mod plan;
mod policy_tests;
mod readme;
mod readonly;
mod refresh;
mod refresh_prop;
mod reports;
mod review;
mod scheduled;
mod secrets;
mod support;
mod workflow;
