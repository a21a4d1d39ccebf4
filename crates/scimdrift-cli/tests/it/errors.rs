//! How an error is printed: once, as `error:`, one `caused by:` line per
//! cause, and `hint:`; with the documented exit code.

use crate::support::{DEMO_NOW, assert_outcome, demo, outcome, scimdrift};

#[test]
fn an_unreadable_snapshot_shows_its_cause() {
    let dir = demo();
    let got = outcome(scimdrift(dir.path()).args(["diff", "missing.json", "org.json"]));
    assert_outcome!(got, @r"
    --- stdout
    --- stderr
    error: cannot read `missing.json`
      caused by: No such file or directory (os error 2)
    [exit status: 1]
    ");
}

#[test]
fn an_unreadable_saved_state_shows_its_causes_and_a_hint() {
    let dir = demo();
    std::fs::create_dir(dir.path().join("state")).unwrap();
    std::fs::write(dir.path().join("state/last-report.json"), "[1]").unwrap();
    let got = outcome(scimdrift(dir.path()).args([
        "check",
        "--snapshot",
        "org.json",
        "--now",
        DEMO_NOW,
        "--state-dir",
        "state",
    ]));
    assert_outcome!(got, @r"
    --- stdout
    --- stderr
    error: the saved state is unreadable
      caused by: state/last-report.json:1:2: not a valid report: invalid type: integer `1`, expected a string
    hint: delete `state/last-report.json` to start the history afresh
    [exit status: 4]
    ");
}

#[test]
fn an_unreadable_token_file_shows_its_cause_and_exits_4() {
    let dir = demo();
    let got = outcome(scimdrift(dir.path()).args([
        "fetch",
        "-o",
        "snap.json",
        "--base-url",
        "http://127.0.0.1:9",
        "--token-file",
        "no-such-token",
    ]));
    assert_outcome!(got, @r"
    --- stdout
    --- stderr
    error: cannot read the token file `no-such-token`
      caused by: No such file or directory (os error 2)
    [exit status: 4]
    ");
}

#[test]
fn a_bad_base_directory_names_the_base_and_the_cause() {
    let dir = demo();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let got = outcome(scimdrift(dir.path()).args([
        "check",
        "--snapshot",
        "org.json",
        "--now",
        DEMO_NOW,
        "--base",
        "empty",
    ]));
    assert_outcome!(got, @r"
    --- stdout
    --- stderr
    error: cannot read the base policies in `empty`
      caused by: no `*.yaml` or `*.yml` files under `empty`
    hint: a policy file starts with `version: 1`
    [exit status: 4]
    ");
}
