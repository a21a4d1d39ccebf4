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

/// fmt check, clippy with warnings denied, every test with nextest, each
/// criterion bench once, the doc tests.
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
    // Every criterion bench once, in test mode (a single iteration of each
    // benchmark, no timing), on the small S workload: keeps the benches
    // compiling, and their sanity checks make each hot path a correctness check.
    let benches = [
        "test",
        "--locked",
        // Only the bench targets (`--benches` would run the unit tests again).
        "--bench",
        "*",
        "-p",
        "scimdrift-proto",
        "-p",
        "scimdrift-reconcile",
        "-p",
        "scimdrift-render",
    ];
    eprintln!("$ cargo {}", benches.join(" "));
    let status = Command::new("cargo")
        .args(benches)
        .env_remove("SCIMDRIFT_BENCH_SIZE")
        .status()
        .context("cannot start `cargo`")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", benches.join(" "));
    }
    // Doc tests are not run by nextest.
    run_cmd("cargo", &["test", "--workspace", "--locked", "--doc"])?;
    Ok(())
}
