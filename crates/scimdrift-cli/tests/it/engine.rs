//! `scimdrift validate`, `check` and `schema` end to end through the binary:
//! every exit code of the contract, `--fail-on`, excused findings.

use crate::support::{
    DEMO_NOW, Outcome, assert_outcome, demo_copy, fixture, outcome, root, scimdrift,
};
use std::path::Path;

const NOW: &str = "2027-01-01T00:00:00Z";

fn scenario(name: &str) -> std::path::PathBuf {
    fixture("scenarios").join(name)
}

/// Runs `check` on a scenario (its own snapshot or the shared org) in a
/// temporary policies dir.
fn check_scenario(name: &str, extra: &[&str]) -> Outcome {
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
    outcome(&mut cmd)
}

#[test]
fn clean_exits_0() {
    let run = check_scenario("member-present-case-insensitive", &["--format", "json"]).status(0);
    assert!(run.stdout.contains("\"status\": \"clean\""), "{run}");
}

#[test]
fn drift_exits_2() {
    let run = check_scenario("member-missing", &["--format", "json"]).status(2);
    assert!(run.stdout.contains("\"status\": \"drift\""), "{run}");
}

#[test]
fn fail_on_raises_and_lowers_the_bar() {
    // Only warnings: clean by default, drift with --fail-on warning.
    check_scenario("membership-forbidden", &[]).status(0);
    check_scenario("membership-forbidden", &["--fail-on", "warning"]).status(2);
    // A note fails only with --fail-on note.
    check_scenario("where-selects-subjects", &["--fail-on", "warning"]).status(0);
    check_scenario("where-selects-subjects", &["--fail-on", "note"]).status(2);
    // Errors pass with --fail-on never.
    check_scenario("member-missing", &["--fail-on", "never"]).status(0);
}

#[test]
fn excused_finding_does_not_fail_the_run() {
    let run = check_scenario(
        "exception-excuses",
        &["--format", "json", "--fail-on", "note"],
    )
    .status(0);
    assert!(
        run.stdout.contains("\"reason\": \"quarter-end cover\""),
        "{run}"
    );
    // The same finding without its exception fails.
    check_scenario("separation-of-duties", &[]).status(2);
}

#[test]
fn incomplete_exits_3_even_with_fail_on_never() {
    check_scenario("incomplete-snapshot", &[]).status(3);
    check_scenario("incomplete-snapshot", &["--fail-on", "never"]).status(3);
    check_scenario("guard-mass-drift", &[]).status(3);
    // --accept-mass-drift turns the guard off: real drift, exit 2.
    check_scenario("guard-mass-drift", &["--accept-mass-drift"]).status(2);
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
    let run = outcome(&mut cmd);
    assert!(
        run.stderr
            .contains("`settings` given in more than one file"),
        "{run}"
    );
    assert_outcome!(run, @r"
    --- stdout
    --- stderr
    error: `settings` given in more than one file
     --> b.yaml:2:1
      |
    2 | settings:
      | ^^^^^^^^
      = note: first given at a.yaml:2:1
      = hint: keep one `settings` section for the whole policy set

    error: 1 error(s) in the policies under `[ROOT]/tests/fixtures/policies/invalid/settings-twice`
    [exit status: 4]
    ");

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("policies/invalid/many-errors.yaml"),
        dir.path().join("many-errors.yaml"),
    )
    .unwrap();
    let mut cmd = scimdrift(dir.path());
    cmd.args(["validate", "--policies", "."]);
    assert_outcome!("validate-many-errors", outcome(&mut cmd));

    // check refuses bad policies the same way.
    let mut cmd = scimdrift(dir.path());
    cmd.args(["check", "--policies", ".", "--now", NOW, "--snapshot"])
        .arg(fixture("scenarios/org.json"));
    outcome(&mut cmd).status(4);
}

#[test]
fn bad_arguments_exit_4() {
    let mut cmd = scimdrift(&root());
    cmd.args(["check", "--snapshot", "demo/org.json", "--now", "yesterday"]);
    let run = outcome(&mut cmd);
    assert!(run.stderr.contains("RFC 3339"), "{run}");
    assert_outcome!(run, @r"
    --- stdout
    --- stderr
    error: `--now yesterday` is not an RFC 3339 timestamp
      caused by: failed to parse four digit integer as year: invalid digit, expected 0-9 but got y
    hint: e.g. `--now 2026-11-26T12:00:00Z`
    [exit status: 4]
    ");
    let mut cmd = scimdrift(&root());
    cmd.args([
        "check",
        "--snapshot",
        "demo/org.json",
        "--fail-on",
        "critical",
    ]);
    assert_outcome!(outcome(&mut cmd), @r"
    --- stdout
    --- stderr
    error: invalid value 'critical' for '--fail-on <FAIL_ON>'
      [possible values: error, warning, note, never]

    For more information, try '--help'.
    [exit status: 4]
    ");
    let mut cmd = scimdrift(&root());
    cmd.args(["validate", "--policies", "no/such/dir"]);
    assert_outcome!(outcome(&mut cmd), @r"
    --- stdout
    --- stderr
    error: policies directory `no/such/dir` does not exist
    hint: pass --policies DIR, or run from the directory that holds `policies/`
    [exit status: 4]
    ");
}

#[test]
fn repository_policies_validate() {
    let mut cmd = scimdrift(&root());
    cmd.args(["validate", "--policies", "policies"]);
    let run = outcome(&mut cmd);
    assert!(run.stdout.starts_with("ok: "), "{run}");
    assert_outcome!(run, @r"
    --- stdout
    ok: 5 file(s), 13 group declaration(s), 6 rule(s), 5 exception(s), 0 warning(s)
    --- stderr
    [exit status: 0]
    ");
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
        outcome(&mut cmd)
    };
    let first = json(demo).status(2).stdout;
    let second = json(demo).stdout;
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
    let human = outcome(&mut cmd).status(2).stdout;
    assert!(human.lines().all(|l| l.chars().count() <= 80), "{human}");
    assert!(!human.contains('\u{1b}'), "no colour with NO_COLOR");
    insta::assert_snapshot!("demo-human", human);
}

#[test]
fn schema_is_json() {
    let mut cmd = scimdrift(&root());
    cmd.arg("schema");
    let run = outcome(&mut cmd).status(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["title"], "scimdrift policy file");
}

#[test]
fn case_only_group_match_warns_on_stderr() {
    let run = check_scenario("group-missing-case-hint", &["--format", "json"]).status(2);
    insta::assert_snapshot!("case-only-group-warning", run.stderr);
}

/// `validate --snapshot` learns the types of attributes no schema types from
/// the data: here Omni's custom attribute `seats`, a number in every embed
/// user, compared with a string. Without the snapshot, nothing is known about
/// `seats`, so there is no warning; core attributes are linted either way.
#[test]
fn validate_snapshot_learns_attribute_types() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/embed.yaml"),
        "version: 1\nembed_users:\n  - id: big-tenants\n    where: 'urn:omni:params:1.0:UserAttribute:seats ge \"100\" and urn:omni:params:1.0:UserAttribute:tier eq \"gold\"'\n    must_be_in: [Big]\n",
    )
    .unwrap();
    let user = |id: &str, seats: &str, tier: &str| {
        format!(
            r#"{{"id":"{id}","userName":"{id}@embed","embedExternalId":"{id}","urn:omni:params:1.0:UserAttribute":{{"seats":{seats},"tier":{tier}}}}}"#
        )
    };
    std::fs::write(
        dir.path().join("snapshot.json"),
        format!(
            r#"{{"schema":"scimdrift.snapshot/v1","groups":[],"users":[],"embed_users":[{},{}]}}"#,
            user("e1", "12", r#""gold""#),
            user("e2", "250", "null"),
        ),
    )
    .unwrap();
    let mut cmd = scimdrift(dir.path());
    cmd.args(["validate"]);
    assert_outcome!(outcome(&mut cmd), @r"
    --- stdout
    ok: 1 file(s), 0 group declaration(s), 1 rule(s), 0 exception(s), 0 warning(s)
    --- stderr
    [exit status: 0]
    ");
    let mut cmd = scimdrift(dir.path());
    cmd.args(["validate", "--snapshot", "snapshot.json"]);
    assert_outcome!(outcome(&mut cmd), @r#"
    --- stdout
    ok: 1 file(s), 0 group declaration(s), 1 rule(s), 0 exception(s), 1 warning(s)
    --- stderr
    warning: `urn:omni:params:1.0:UserAttribute:seats ge "100"` in `where` of rule `big-tenants` fails with `invalidFilter` wherever the attribute is set: `urn:omni:params:1.0:UserAttribute:seats` holds numbers in the snapshot, not strings
     --> embed.yaml:4:56
      |
    4 |     where: 'urn:omni:params:1.0:UserAttribute:seats ge "100" and urn:omni:params:1.0:UserAttribute:tier eq "gold"'
      |                                                        ^^^^^
      = hint: did you mean `urn:omni:params:1.0:UserAttribute:seats ge 100`?
    [exit status: 0]
    "#);
}

#[test]
fn expired_entry_of_a_non_member_warns_on_stderr() {
    // Carol's and Zed's entries expired and neither is in `Admins`: the
    // report is clean, and the policy is told the entries can go.
    let run = check_scenario("member-expired-no-longer-member", &["--format", "json"]).status(0);
    insta::assert_snapshot!("expired-entry-warning", run.stderr);
}
