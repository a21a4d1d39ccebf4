//! The built `cargo xtask` binary: usage errors exit non-zero with a usage
//! message, before any task starts.

use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("the xtask binary runs")
}

/// The exit code of a usage error (`flags::USAGE_EXIT`): not 2, which
/// `cargo xtask drift` uses for "drift found".
const USAGE_EXIT: i32 = 4;

#[track_caller]
fn check_usage_error(args: &[&str], expected: &str) {
    let out = xtask(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(USAGE_EXIT), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
    assert!(stderr.contains("Usage: cargo xtask"), "{args:?}: {stderr}");
}

#[test]
fn unknown_task_is_rejected() {
    check_usage_error(
        &["no-such-task"],
        "error: unrecognized subcommand 'no-such-task'",
    );
}

#[test]
fn unknown_flag_is_rejected() {
    check_usage_error(
        &["bench-engine", "--no-such-flag"],
        "error: unexpected argument '--no-such-flag' found",
    );
    // A typo never looks like drift (exit 2).
    check_usage_error(&["drift", "--now"], "error: unexpected argument '--now'");
}

#[test]
fn help_lists_the_tasks_and_exits_0() {
    for args in [&["--help"][..], &["help"], &[]] {
        let out = xtask(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        for task in [
            "drift",
            "ci",
            "bench-engine",
            "fetch-roundtrip",
            "sim-bench",
        ] {
            assert!(
                stdout.contains(&format!("\n  {task} ")),
                "{args:?}: {stdout}"
            );
        }
    }
    let out = xtask(&["bench-engine", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--sizes <S,M,L>"));
}
