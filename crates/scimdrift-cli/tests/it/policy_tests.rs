//! `scimdrift test`: the repository's own policy tests pass; a failing case
//! shows its findings as a diff (exit 2); JUnit output; invalid test files
//! and policies exit 4 with `file:line:column` errors.

use crate::support::{assert_outcome, copy_dir, outcome, root, scimdrift};

/// A temporary copy of the repository's `policies/` and `policy-tests/`.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("policies"), &dir.path().join("policies"));
    copy_dir(
        &root().join("policy-tests"),
        &dir.path().join("policy-tests"),
    );
    dir
}

const FAILING: &str = r#"version: 1
now: 2027-01-15T09:00:00Z
tests:
  - name: a recent login keeps Admins
    rules: [stale-privileged]
    org:
      users:
        - {userName: bob.marley@blobsrus.co, lastLogin: 2027-01-10T08:00:00Z, groups: [Admins]}
    clean: true
  - name: the stale admin is reported in Finance
    rules: [stale-privileged]
    org:
      users:
        - userName: bob.marley@blobsrus.co
          lastLogin: 2026-04-02T17:12:00Z
          groups: [Admins]
    expect:
      - {kind: membership_forbidden, group: Finance, subject: bob.marley@blobsrus.co}
    only: true
"#;

#[test]
fn the_repository_policy_tests_pass() {
    let out = outcome(scimdrift(&root()).arg("test")).status(0);
    assert!(
        out.stdout.contains("test result: ok.") && !out.stdout.contains("FAIL"),
        "{out}"
    );
}

#[test]
fn a_failing_case_shows_the_findings_diff() {
    let dir = workspace();
    std::fs::write(dir.path().join("policy-tests/zz-failing.yaml"), FAILING).unwrap();
    let out = outcome(
        scimdrift(dir.path()).args(["test", "--tests"]).arg(
            dir.path()
                .join("policy-tests/zz-failing.yaml")
                .parent()
                .unwrap(),
        ),
    );
    assert_eq!(out.code, 2, "{out}");
    let tail = out
        .stdout
        .split("zz-failing.yaml\n")
        .nth(1)
        .expect("the failing file is listed");
    // The count depends on how many cases policy-tests/ holds.
    let (cases, result) = tail.split_once("\ntest result: ").expect("a result line");
    assert!(
        result.starts_with("FAILED.") && result.contains(" 1 failed;"),
        "{out}"
    );
    insta::assert_snapshot!("test_failing_case", cases);
}

#[test]
fn junit_lists_every_case() {
    let dir = workspace();
    std::fs::remove_dir_all(dir.path().join("policy-tests")).unwrap();
    std::fs::create_dir(dir.path().join("policy-tests")).unwrap();
    std::fs::write(dir.path().join("policy-tests/stale.yaml"), FAILING).unwrap();
    let out = outcome(scimdrift(dir.path()).args(["test", "--format", "junit"]));
    assert_eq!(out.code, 2, "{out}");
    insta::assert_snapshot!("test_junit", out.stdout);
}

#[test]
fn an_invalid_test_file_exits_4_with_positions() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("policy-tests/broken.yaml"),
        "version: 1\nnow: 2027-01-15T09:00:00Z\ntests:\n  - name: typo\n    org: {users: [{userName: a, group: [Admins]}]}\n    expect: [{kind: membership_forbiden}]\n",
    )
    .unwrap();
    assert_outcome!(outcome(scimdrift(dir.path()).arg("test")), @r"
    --- stdout
    --- stderr
    error: unknown key `group` in a user of `org`
     --> broken.yaml:5:33
      |
    5 |     org: {users: [{userName: a, group: [Admins]}]}
      |                                 ^^^^^
      = hint: did you mean `groups`?

    error: unknown finding kind `membership_forbiden`
     --> broken.yaml:6:21
      |
    6 |     expect: [{kind: membership_forbiden}]
      |                     ^^^^^^^^^^^^^^^^^^^
      = hint: did you mean `membership_forbidden`?

    error: 2 error(s) in the test files under `policy-tests`
    [exit status: 4]
    ");
}

#[test]
fn invalid_policies_exit_4() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("policies/stale.yaml"),
        "version: 1\nusers:\n  - id: idle\n    inactive_for: 90\n    must_not_be_in: [Admins]\n",
    )
    .unwrap();
    let out = outcome(scimdrift(dir.path()).arg("test"));
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr.contains("stale.yaml:4:19") && out.stderr.contains("has no unit"),
        "{out}"
    );
}

#[test]
fn a_missing_tests_directory_exits_4() {
    let dir = workspace();
    assert_outcome!(outcome(scimdrift(dir.path()).args(["test", "--tests", "nowhere"])), @r"
    --- stdout
    --- stderr
    error: tests directory `nowhere` does not exist
    hint: pass --tests DIR, or create `policy-tests/` beside `policies/`
    [exit status: 4]
    ");
}

#[test]
fn help_shows_examples() {
    let out = outcome(
        scimdrift(&root())
            .env_remove("COLUMNS")
            .env_remove("LINES")
            .args(["test", "--help"]),
    )
    .status(0);
    insta::assert_snapshot!("help_test", out.stdout);
}

#[test]
fn tests_inside_the_policies_directory_are_refused() {
    let dir = workspace();
    copy_dir(
        &dir.path().join("policy-tests"),
        &dir.path().join("policies/tests"),
    );
    let out = outcome(scimdrift(dir.path()).args(["test", "--tests", "policies/tests"]));
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr.contains(
            "is inside the policies directory `policies`: its files would be loaded as policies"
        ),
        "{out}"
    );
}
