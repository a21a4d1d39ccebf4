//! `scimdrift validate`, `check` and `schema` end to end through the binary:
//! every exit code of the contract, `--fail-on`, excused findings.

use crate::support::{DEMO_NOW, demo_copy, fixture, root, run, scimdrift};
use std::path::Path;

const NOW: &str = "2027-01-01T00:00:00Z";

fn scenario(name: &str) -> std::path::PathBuf {
    fixture("scenarios").join(name)
}

/// Runs `check` on a scenario (its own snapshot or the shared org) in a
/// temporary policies dir, returning (code, stdout, stderr).
fn check_scenario(name: &str, extra: &[&str]) -> (i32, String, String) {
    let dir = scenario(name);
    let snapshot = if dir.join("snapshot.json").exists() {
        dir.join("snapshot.json")
    } else {
        fixture("scenarios/org.json")
    };
    let policies = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.join("policies.yaml"),
        policies.path().join("policies.yaml"),
    )
    .unwrap();
    let mut cmd = scimdrift(&root());
    cmd.arg("check")
        .arg("--snapshot")
        .arg(&snapshot)
        .arg("--policies")
        .arg(policies.path())
        .args(["--now", NOW])
        .args(extra);
    run(&mut cmd)
}

#[test]
fn clean_exits_0() {
    let (code, out, _) = check_scenario("member-present-case-insensitive", &["--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"status\": \"clean\""));
}

#[test]
fn drift_exits_2() {
    let (code, out, _) = check_scenario("member-missing", &["--format", "json"]);
    assert_eq!(code, 2);
    assert!(out.contains("\"status\": \"drift\""));
}

#[test]
fn fail_on_raises_and_lowers_the_bar() {
    // Only warnings: clean by default, drift with --fail-on warning.
    assert_eq!(check_scenario("membership-forbidden", &[]).0, 0);
    assert_eq!(
        check_scenario("membership-forbidden", &["--fail-on", "warning"]).0,
        2
    );
    // A note fails only with --fail-on note.
    assert_eq!(
        check_scenario("where-selects-subjects", &["--fail-on", "warning"]).0,
        0
    );
    assert_eq!(
        check_scenario("where-selects-subjects", &["--fail-on", "note"]).0,
        2
    );
    // Errors pass with --fail-on never.
    assert_eq!(
        check_scenario("member-missing", &["--fail-on", "never"]).0,
        0
    );
}

#[test]
fn excused_finding_does_not_fail_the_run() {
    let (code, out, _) = check_scenario(
        "exception-excuses",
        &["--format", "json", "--fail-on", "note"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"reason\": \"quarter-end cover\""));
    // The same finding without its exception fails.
    assert_eq!(check_scenario("separation-of-duties", &[]).0, 2);
}

#[test]
fn incomplete_exits_3_even_with_fail_on_never() {
    assert_eq!(check_scenario("incomplete-snapshot", &[]).0, 3);
    assert_eq!(
        check_scenario("incomplete-snapshot", &["--fail-on", "never"]).0,
        3
    );
    let (code, _, _) = check_scenario("guard-mass-drift", &[]);
    assert_eq!(code, 3);
    // --accept-mass-drift turns the guard off: real drift, exit 2.
    assert_eq!(
        check_scenario("guard-mass-drift", &["--accept-mass-drift"]).0,
        2
    );
}

#[test]
fn invalid_policies_exit_4_with_every_error() {
    let mut cmd = scimdrift(&root());
    cmd.args(["validate", "--policies"]).arg(
        fixture("policies/invalid/many-errors.yaml")
            .parent()
            .unwrap()
            .join("settings-twice"),
    );
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 4);
    assert!(
        err.contains("`settings` given in more than one file"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("policies/invalid/many-errors.yaml"),
        dir.path().join("many-errors.yaml"),
    )
    .unwrap();
    let mut cmd = scimdrift(dir.path());
    cmd.args(["validate", "--policies", "."]);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 4);
    assert!(out.is_empty());
    insta::assert_snapshot!("validate-many-errors", err);

    // check refuses bad policies the same way.
    let mut cmd = scimdrift(dir.path());
    cmd.args(["check", "--policies", ".", "--now", NOW, "--snapshot"])
        .arg(fixture("scenarios/org.json"));
    assert_eq!(run(&mut cmd).0, 4);
}

#[test]
fn bad_arguments_exit_4() {
    let mut cmd = scimdrift(&root());
    cmd.args(["check", "--snapshot", "demo/org.json", "--now", "yesterday"]);
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 4);
    assert!(err.contains("RFC 3339"), "{err}");
    let mut cmd = scimdrift(&root());
    cmd.args([
        "check",
        "--snapshot",
        "demo/org.json",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(run(&mut cmd).0, 4);
    let mut cmd = scimdrift(&root());
    cmd.args(["validate", "--policies", "no/such/dir"]);
    assert_eq!(run(&mut cmd).0, 4);
}

#[test]
fn repository_policies_validate() {
    let mut cmd = scimdrift(&root());
    cmd.args(["validate", "--policies", "policies"]);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ok: "), "{out}");
    assert!(err.is_empty(), "{err}");
}

/// The bundled demo: a realistic mix of findings; human and JSON output are
/// snapshotted, and the JSON is byte-identical across runs. It runs on a
/// copy, outside git, so the checkout's commit is not in the report.
#[test]
fn demo_org_check() {
    let demo = demo_copy("demo/org.json");
    let demo = demo.path();
    let json = |dir: &Path| {
        let mut cmd = scimdrift(dir);
        cmd.args([
            "check",
            "--snapshot",
            "demo/org.json",
            "--now",
            DEMO_NOW,
            "--format",
            "json",
        ]);
        run(&mut cmd)
    };
    let (code, first, _) = json(demo);
    assert_eq!(code, 2);
    let (_, second, _) = json(demo);
    assert_eq!(first, second);
    for kind in [
        "group_missing",
        "group_unmanaged",
        "group_name_invalid",
        "group_size",
        "member_missing",
        "member_unexpected",
        "member_unresolved",
        "member_dangling",
        "membership_required",
        "membership_forbidden",
        "membership_not_allowed",
        "separation_of_duties",
        "exception_expired",
        "exception_expiring",
        "exception_unused",
    ] {
        assert!(
            first.contains(&format!("\"kind\": \"{kind}\"")),
            "demo lacks {kind}"
        );
    }
    let version = env!("CARGO_PKG_VERSION");
    insta::assert_snapshot!("demo-json", first.replace(version, "[version]"));
    let mut cmd = scimdrift(demo);
    cmd.args(["check", "--snapshot", "demo/org.json", "--now", DEMO_NOW]);
    let (code, human, _) = run(&mut cmd);
    assert_eq!(code, 2);
    assert!(human.lines().all(|l| l.chars().count() <= 80), "{human}");
    assert!(!human.contains('\u{1b}'), "no colour with NO_COLOR");
    insta::assert_snapshot!("demo-human", human);
}

#[test]
fn schema_is_json() {
    let mut cmd = scimdrift(&root());
    cmd.arg("schema");
    let (code, out, _) = run(&mut cmd);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["title"], "scimdrift policy file");
}

#[test]
fn case_only_group_match_warns_on_stderr() {
    let (code, _, err) = check_scenario("group-missing-case-hint", &["--format", "json"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("case-only-group-warning", err);
}
