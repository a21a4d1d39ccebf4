//! One test per fixture case: every entry of `tests/fixtures/policies/valid`
//! and `…/invalid` and every scenario directory of `tests/fixtures/scenarios`
//! is a test of its own, so a broken case fails alone and the others still
//! run (`cargo nextest run -p scimdrift-reconcile --test cases`). The checks
//! that span all cases ("every finding kind fires somewhere", "there are at
//! least 30 invalid cases") are tests of their own too.
//!
//! The harness is libtest-mimic, the runner datatest-stable is built on:
//! datatest-stable makes one test per *file*, and a policy case is a file or
//! a directory of files (`invalid/settings-twice/{a,b}.yaml`), a scenario a
//! directory. Listing the cases ourselves keeps one test per case.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers panic on broken fixtures by design"
)]

mod policies;
mod scenarios;
#[path = "../support/mod.rs"]
mod support;

use libtest_mimic::{Arguments, Trial};
use std::path::{Path, PathBuf};

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let mut trials = policies::trials();
    trials.extend(scenarios::trials());
    libtest_mimic::run(&args, trials).exit_code()
}

/// A test that fails when `body` panics (as `assert!` and insta do).
fn trial(name: String, body: impl FnOnce() + Send + 'static) -> Trial {
    Trial::test(name, move || {
        body();
        Ok(())
    })
}

/// The entries of a fixture folder (files and directories), sorted, named
/// by their file stem.
fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, p)
        })
        .collect();
    out.sort();
    out
}
