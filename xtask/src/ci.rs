//! `cargo xtask ci`: the same checks CI runs, in the same order.

use crate::{flags, util};
use anyhow::{Context as _, Result, bail};
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

/// fmt check, clippy with warnings denied, each criterion bench once, the
/// doc tests, the repository's policy tests (`scimdrift test`), every test
/// with nextest (see [`steps`]).
pub fn run(_opts: &flags::Ci) -> Result<()> {
    for step in steps() {
        match step {
            Step::Cargo(mut cmd) => util::run(&mut cmd)?,
            Step::DocTests => doc_tests()?,
        }
    }
    Ok(())
}

/// One check of `ci`.
#[derive(Debug)]
enum Step {
    /// A cargo command run as it is.
    Cargo(Command),
    /// `cargo test --doc` with a total line (see [`doc_tests`]).
    DocTests,
}

/// The checks in order. nextest runs last so that its summary is the last
/// test-runner summary in the output (the doc tests print one `test result:`
/// line per crate, most of them 0-test runs).
fn steps() -> Vec<Step> {
    let clippy = [
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ];
    // Every criterion bench once, in test mode (a single iteration of each
    // benchmark, no timing), on the small S workload: keeps the benches
    // compiling, and their sanity checks make each hot path a correctness check.
    let mut benches = util::cargo([
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
    ]);
    benches.env_remove("SCIMDRIFT_BENCH_SIZE");
    vec![
        Step::Cargo(util::cargo(["fmt", "--all", "--", "--check"])),
        Step::Cargo(util::cargo(clippy)),
        Step::Cargo(benches),
        // Doc tests are not run by nextest.
        Step::DocTests,
        // The repository's own policy tests: `policy-tests/` against `policies/`.
        Step::Cargo(util::cargo([
            "run",
            "--quiet",
            "--locked",
            "-p",
            "scimdrift-cli",
            "--",
            "test",
        ])),
        Step::Cargo(util::cargo([
            "nextest",
            "run",
            "--workspace",
            "--locked",
            "--no-fail-fast",
        ])),
    ]
}

/// `cargo test --doc`, its output passed through, then one line with the
/// doc tests of all crates counted together.
fn doc_tests() -> Result<()> {
    let args = ["test", "--workspace", "--locked", "--doc"];
    eprintln!("$ cargo {}", args.join(" "));
    let mut child = util::cargo(args)
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start `cargo`")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut total = Tally::default();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        total.add(&line);
    }
    let status = child.wait()?;
    eprintln!(
        "doc tests of {} crates: {} passed, {} failed, {} ignored",
        total.runs, total.passed, total.failed, total.ignored
    );
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Counts summed over libtest's `test result:` lines.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    runs: u64,
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Tally {
    /// Adds the counts of a `test result: ok. 3 passed; 0 failed; 1 ignored; …`
    /// line; other lines are ignored.
    fn add(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix("test result: ") else {
            return;
        };
        self.runs += 1;
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(what), Some(n)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Step, Tally, steps};

    #[test]
    fn every_check_runs_and_nextest_is_last() {
        let shown: Vec<String> = steps()
            .iter()
            .map(|step| match step {
                Step::Cargo(cmd) => cmd
                    .get_args()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
                Step::DocTests => "doc tests".to_owned(),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "fmt --all -- --check",
                "clippy --workspace --all-targets --locked -- -D warnings",
                "test --locked --bench * -p scimdrift-proto -p scimdrift-reconcile -p scimdrift-render",
                "doc tests",
                "run --quiet --locked -p scimdrift-cli -- test",
                "nextest run --workspace --locked --no-fail-fast",
            ]
        );
    }

    #[test]
    fn doc_test_results_are_summed() {
        let mut t = Tally::default();
        for line in [
            "running 0 tests",
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
            "test src/lib.rs - quote (line 10) ... ok",
            "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.02s",
            "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.5s",
        ] {
            t.add(line);
        }
        assert_eq!(
            t,
            Tally {
                runs: 3,
                passed: 4,
                failed: 2,
                ignored: 1
            }
        );
    }
}
