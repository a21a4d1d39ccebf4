//! `cargo xtask fuzz [--cases N]`: every proptest fuzz suite in the workspace
//! (tests whose name contains `fuzz`) with `N` cases each instead of CI's
//! bounded default. Suites read the count from `SCIMDRIFT_FUZZ_CASES`.

use anyhow::{Context as _, Result, bail};
use std::process::Command;

/// Runs the fuzz suites.
pub fn run(args: &[String]) -> Result<()> {
    let cases = match args {
        [] => "10000".to_owned(),
        [flag, n] if flag == "--cases" => {
            let n: u32 = n
                .parse()
                .with_context(|| format!("`--cases {n}`: expected a positive number"))?;
            if n == 0 {
                bail!("`--cases 0`: expected a positive number");
            }
            n.to_string()
        }
        _ => bail!("usage: cargo xtask fuzz [--cases N]"),
    };
    let args = [
        "nextest",
        "run",
        "--workspace",
        "--no-fail-fast",
        "--cargo-profile",
        "release",
        "-E",
        "test(/fuzz/)",
    ];
    eprintln!("$ SCIMDRIFT_FUZZ_CASES={cases} cargo {}", args.join(" "));
    let status = Command::new("cargo")
        .args(args)
        .env("SCIMDRIFT_FUZZ_CASES", &cases)
        .status()
        .context("cannot start `cargo`")?;
    if !status.success() {
        bail!("fuzz suites failed ({status})");
    }
    Ok(())
}
