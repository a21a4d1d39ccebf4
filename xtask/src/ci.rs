//! `cargo xtask ci`: the same checks CI runs, in the same order.

use anyhow::{Context as _, Result, bail};
use std::process::Command;

/// Runs a command, failing with its name if it fails.
pub fn run_cmd(program: &str, args: &[&str]) -> Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .status()
        .with_context(|| format!("cannot start `{program}`"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// fmt check, clippy with warnings denied, then every test with nextest.
pub fn run(_args: &[String]) -> Result<()> {
    run_cmd("cargo", &["fmt", "--all", "--", "--check"])?;
    run_cmd(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run_cmd(
        "cargo",
        &[
            "nextest",
            "run",
            "--workspace",
            "--locked",
            "--no-fail-fast",
        ],
    )?;
    // Doc tests are not run by nextest.
    run_cmd("cargo", &["test", "--workspace", "--locked", "--doc"])?;
    Ok(())
}
