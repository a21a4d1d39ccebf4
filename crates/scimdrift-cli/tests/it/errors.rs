//! How an error is printed: once, as `error:`, one `caused by:` line per
//! cause, and `hint:`; with the documented exit code.

use crate::support::{DEMO_NOW, demo, run, scimdrift};
use std::process::Command;

/// The exit status and stderr of a run that prints nothing on stdout.
fn failed(cmd: &mut Command) -> String {
    let (code, out, err) = run(cmd);
    assert_eq!(out, "", "an error run prints no data");
    format!("[exit status: {code}]\n{err}")
}

#[test]
fn an_unreadable_snapshot_shows_its_cause() {
    let dir = demo();
    let got = failed(scimdrift(dir.path()).args(["diff", "missing.json", "org.json"]));
    insta::assert_snapshot!(got, @r"
    [exit status: 1]
    error: cannot read `missing.json`
      caused by: No such file or directory (os error 2)
    ");
}

#[test]
fn an_unreadable_saved_state_shows_its_causes_and_a_hint() {
    let dir = demo();
    std::fs::create_dir(dir.path().join("state")).unwrap();
    std::fs::write(dir.path().join("state/last-report.json"), "[1]").unwrap();
    let got = failed(scimdrift(dir.path()).args([
        "check",
        "--snapshot",
        "org.json",
        "--now",
        DEMO_NOW,
        "--state-dir",
        "state",
    ]));
    insta::assert_snapshot!(got, @r"
    [exit status: 4]
    error: the saved state is unreadable
      caused by: state/last-report.json:1:2: not a valid report: invalid type: integer `1`, expected a string
    hint: delete `state/last-report.json` to start the history afresh
    ");
}

#[test]
fn an_unreadable_token_file_shows_its_cause_and_exits_4() {
    let dir = demo();
    let got = failed(scimdrift(dir.path()).args([
        "fetch",
        "-o",
        "snap.json",
        "--base-url",
        "http://127.0.0.1:9",
        "--token-file",
        "no-such-token",
    ]));
    insta::assert_snapshot!(got, @r"
    [exit status: 4]
    error: cannot read the token file `no-such-token`
      caused by: No such file or directory (os error 2)
    ");
}

#[test]
fn a_bad_base_directory_names_the_base_and_the_cause() {
    let dir = demo();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let got = failed(scimdrift(dir.path()).args([
        "check",
        "--snapshot",
        "org.json",
        "--now",
        DEMO_NOW,
        "--base",
        "empty",
    ]));
    insta::assert_snapshot!(got, @r"
    [exit status: 4]
    error: cannot read the base policies in `empty`
      caused by: no `*.yaml` or `*.yml` files under `empty`
    hint: a policy file starts with `version: 1`
    ");
}
