//! Helpers shared by the CLI integration tests (see also `support`).

#![allow(dead_code, reason = "each test module uses a different subset")]

use std::process::{Command, Output};

/// A `Command` for the `scimdrift` binary under test, with colours off.
pub fn scimdrift() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scimdrift"));
    cmd.env("NO_COLOR", "1").env_remove("OMNI_API_TOKEN");
    cmd
}

/// Runs `scimdrift` with `args`; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out: Output = scimdrift().args(args).output().expect("run scimdrift");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}
