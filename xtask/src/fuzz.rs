//! `cargo xtask fuzz [--cases N]`: every proptest fuzz suite in the workspace
//! (tests whose name contains `fuzz`) with `N` cases each instead of CI's
//! bounded default. Suites read the count from `SCIMDRIFT_FUZZ_CASES`.

use crate::{flags, util};
use anyhow::Result;

/// Runs the fuzz suites.
pub fn run(opts: &flags::Fuzz) -> Result<()> {
    util::run(
        util::cargo([
            "nextest",
            "run",
            "--workspace",
            "--no-fail-fast",
            "--cargo-profile",
            "release",
            "-E",
            "test(/fuzz/)",
        ])
        .env("SCIMDRIFT_FUZZ_CASES", opts.cases.to_string()),
    )
}
