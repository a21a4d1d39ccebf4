//! `scimdrift filter parse|eval`.

use crate::support::{assert_outcome, outcome, root, scimdrift};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path.to_str().expect("utf-8 path").to_owned()
}

/// Runs `scimdrift ARGS` from the workspace root (the tests pass absolute
/// paths).
fn filter(args: &[&str]) -> crate::support::Outcome {
    outcome(scimdrift(&root()).args(args))
}

const USER: &str = r#"{
  "id": "u1",
  "userName": "Ann@Acme.com",
  "active": true,
  "emails": [{"value": "ann@acme.com", "type": "work"}, {"value": "ann@home.org", "type": "home"}],
  "meta": {"created": "2024-01-15T10:30:00Z"}
}"#;

const SNAPSHOT: &str = r#"{
  "schema": "scimdrift.snapshot/v1",
  "groups": [{"id": "g2", "displayName": "Tenant-17"}, {"id": "g1", "displayName": "Admins"}],
  "users": [],
  "embed_users": [
    {"id": "e3", "userName": "c@embed", "embedEntity": "tenant-17"},
    {"id": "e1", "userName": "a@embed", "embedEntity": "Tenant-17"},
    {"id": "e2", "userName": "b@embed", "embedEntity": "tenant-9"},
    {"id": "e4", "userName": "d@embed"}
  ]
}"#;

#[test]
fn parse_prints_the_canonical_form() {
    assert_outcome!(filter(&[
        "filter",
        "parse",
        r#"  USERNAME EQ "x"  AND not( active eq false )"#,
    ]), @r#"
    --- stdout
    USERNAME eq "x" and not (active eq false)
    --- stderr
    [exit status: 0]
    "#);
    assert_outcome!(filter(&[
        "filter",
        "parse",
        r#"emails[type eq "work"].value co "@acme.com""#,
    ]), @r#"
    --- stdout
    emails[type eq "work" and value co "@acme.com"]
    --- stderr
    [exit status: 0]
    "#);
}

#[test]
fn parse_errors_exit_4_with_a_caret_diagnostic() {
    assert_outcome!(filter(&["filter", "parse", "active eq TRUE"]), @r"
    --- stdout
    --- stderr
    error: invalid filter
    active eq TRUE
              ^^^^ expected a JSON value, found `TRUE`
    hint: JSON literals are lowercase: `true`
    [exit status: 4]
    ");
    assert_outcome!(filter(&["filter", "parse", "(a pr"]), @r"
    --- stdout
    --- stderr
    error: invalid filter
    (a pr
    ^ `(` is never closed
    hint: add a `)`
    [exit status: 4]
    ");
}

#[test]
fn eval_on_a_resource_prints_true_or_false() {
    let dir = tempfile::tempdir().unwrap();
    let user = write(dir.path(), "user.json", USER);
    for (filter_text, expected) in [
        (r#"emails[type eq "work"].value co "@ACME.com""#, "true\n"),
        (r#"emails[type eq "home"].value co "@acme.com""#, "false\n"),
        (r#"meta.created lt "2024-01-15T11:30:00+01:00""#, "false\n"),
        (r#"userName eq "ann@acme.com" and active eq true"#, "true\n"),
        ("embedEntity pr", "false\n"),
        // Equality across JSON types is no match (RFC 7644), not an error.
        ("userName eq 5", "false\n"),
        (r#"active eq "true""#, "false\n"),
        (r#"active ne "true""#, "true\n"),
    ] {
        let got = filter(&["filter", "eval", filter_text, "--resource", &user]);
        assert_eq!(
            got.to_string(),
            format!("--- stdout\n{expected}--- stderr\n[exit status: 0]"),
            "{filter_text}"
        );
    }
}

#[test]
fn eval_invalid_filter_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let user = write(dir.path(), "user.json", USER);
    assert_outcome!(filter(&["filter", "eval", "active gt true", "--resource", &user]), @r"
    --- stdout
    --- stderr
    error: invalid filter: `gt` orders values, and booleans have no order (`active gt true`)
    [exit status: 4]
    ");
    assert_outcome!(filter(&["filter", "eval", "userName gt 5", "--resource", &user]), @r"
    --- stdout
    --- stderr
    error: invalid filter: `gt` cannot order a string against a number (`userName` holds a string)
    [exit status: 4]
    ");
    assert_outcome!(filter(&["filter", "eval", "userName eq", "--resource", &user]), @r#"
    --- stdout
    --- stderr
    error: invalid filter
    userName eq
               ^ expected a value after `eq`, found the end of the filter
    hint: values are JSON: "text", 42, true, false or null
    [exit status: 4]
    "#);
}

#[test]
fn eval_on_a_snapshot_lists_matches_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let snap = write(dir.path(), "snap.json", SNAPSHOT);
    assert_outcome!(filter(&[
        "filter",
        "eval",
        r#"embedEntity eq "TENANT-17""#,
        "--snapshot",
        &snap,
        "--kind",
        "embed-users",
    ]), @r"
    --- stdout
    e1	a@embed
    e3	c@embed
    --- stderr
    2 of 4 matched
    [exit status: 0]
    ");
    assert_outcome!(filter(&[
        "filter",
        "eval",
        "displayName sw \"t\"",
        "--snapshot",
        &snap,
        "--kind",
        "groups",
    ]), @r"
    --- stdout
    g2	Tenant-17
    --- stderr
    1 of 2 matched
    [exit status: 0]
    ");
    assert_outcome!(filter(&[
        "filter",
        "eval",
        "userName pr",
        "--snapshot",
        &snap,
        "--kind",
        "users",
    ]), @r"
    --- stdout
    --- stderr
    0 of 0 matched
    [exit status: 0]
    ");
}

#[test]
fn eval_on_an_incomplete_snapshot_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let text = SNAPSHOT.replacen(
        "\"groups\"",
        "\"complete\": false, \"incomplete_reasons\": [\"page 3 of groups failed\"], \"groups\"",
        1,
    );
    let snap = write(dir.path(), "snap.json", &text);
    assert_outcome!(filter(&[
        "filter",
        "eval",
        "displayName pr",
        "--snapshot",
        &snap,
        "--kind",
        "groups",
    ]), @r"
    --- stdout
    g1	Admins
    g2	Tenant-17
    --- stderr
    2 of 2 matched
    warning: the snapshot is incomplete, so resources may be missing: page 3 of groups failed
    [exit status: 3]
    ");
}

/// Bad input of every kind is an exit code and a message, never a crash.
#[test]
fn bad_inputs_are_exit_codes_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let not_json = write(dir.path(), "bad.json", "{\"id\": ");
    let array = write(dir.path(), "array.json", "[1, 2]");
    let not_snapshot = write(dir.path(), "notsnap.json", "{\"groups\": 5}");
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    assert_outcome!(filter(&["filter", "eval", "a pr", "--resource", &not_json]), @r"
    --- stdout
    --- stderr
    error: `[TEMP]/bad.json` is not valid JSON
      caused by: EOF while parsing a value at line 1 column 7
    hint: pass one SCIM resource as a JSON object
    [exit status: 4]
    ");
    assert_outcome!(filter(&["filter", "eval", "a pr", "--resource", &array]), @r#"
    --- stdout
    --- stderr
    error: `[TEMP]/array.json` holds no JSON object
    hint: pass one SCIM resource as a JSON object, e.g. `{"id": "…", "userName": "…"}`
    [exit status: 4]
    "#);
    assert_outcome!(filter(&[
        "filter",
        "eval",
        "a pr",
        "--snapshot",
        &not_snapshot,
        "--kind",
        "users",
    ]), @r"
    --- stdout
    --- stderr
    error: [TEMP]/notsnap.json:1:12: not a valid snapshot: invalid type: integer `5`, expected a sequence
    hint: a snapshot is written by `scimdrift fetch -o FILE`
    [exit status: 4]
    ");
    assert_outcome!(filter(&["filter", "eval", "a pr", "--resource", missing]), @r"
    --- stdout
    --- stderr
    error: cannot read `[TEMP]/missing.json`
      caused by: No such file or directory (os error 2)
    [exit status: 1]
    ");
    assert_outcome!(filter(&["filter", "eval", "a pr"]), @r"
    --- stdout
    --- stderr
    error: the following required arguments were not provided:
      <--resource <FILE>|--snapshot <FILE>>

    Usage: scimdrift filter eval <--resource <FILE>|--snapshot <FILE>> <FILTER>

    For more information, try '--help'.
    [exit status: 4]
    ");
    assert_outcome!(filter(&["filter", "eval", "a pr", "--snapshot", &not_json]), @r"
    --- stdout
    --- stderr
    error: the following required arguments were not provided:
      --kind <KIND>

    Usage: scimdrift filter eval --kind <KIND> <--resource <FILE>|--snapshot <FILE>> <FILTER>

    For more information, try '--help'.
    [exit status: 4]
    ");
    assert_outcome!(filter(&[
        "filter",
        "eval",
        "a pr",
        "--snapshot",
        &not_json,
        "--kind",
        "people",
    ]), @r"
    --- stdout
    --- stderr
    error: invalid value 'people' for '--kind <KIND>'
      [possible values: users, embed-users, groups]

    For more information, try '--help'.
    [exit status: 4]
    ");
    assert_outcome!(filter(&["filter", "parse"]), @r"
    --- stdout
    --- stderr
    error: the following required arguments were not provided:
      <FILTER>

    Usage: scimdrift filter parse <FILTER>

    For more information, try '--help'.
    [exit status: 4]
    ");
    assert_outcome!(filter(&["filter", "parse", "a eq \"\\ud800\""]), @r#"
    --- stdout
    --- stderr
    error: invalid filter
    a eq "\ud800"
          ^^^^^^ lone high surrogate in `\u` escape
    hint: a code point above U+FFFF is written as a pair such as `\ud83d\ude00`
    [exit status: 4]
    "#);
    assert_outcome!(filter(&["filter", "parse", ""]), @r#"
    --- stdout
    --- stderr
    error: invalid filter

    ^ empty filter
    hint: a filter compares an attribute, e.g. `userName eq "ann@example.com"`
    [exit status: 4]
    "#);
}

#[test]
fn eval_on_a_snapshot_honours_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    // The demo snapshot padded with whitespace to just over 1 MiB.
    let padded = SNAPSHOT.replacen('{', &format!("{{{}", " ".repeat(1024 * 1024)), 1);
    write(dir.path(), "big.json", &padded);
    let eval = |limit: &str| {
        outcome(
            scimdrift(dir.path())
                .env("SCIMDRIFT_MAX_SNAPSHOT_MB", limit)
                .args([
                    "filter",
                    "eval",
                    "displayName pr",
                    "--snapshot",
                    "big.json",
                    "--kind",
                    "groups",
                ]),
        )
    };
    assert_outcome!(eval("1"), @r"
    --- stdout
    --- stderr
    error: big.json: snapshot is larger than the 1 MiB limit; raise it with SCIMDRIFT_MAX_SNAPSHOT_MB
    hint: e.g. `SCIMDRIFT_MAX_SNAPSHOT_MB=4096 scimdrift check ...`
    [exit status: 4]
    ");
    // Raising the limit lets the same file through.
    assert_outcome!(eval("2"), @r"
    --- stdout
    g1	Admins
    g2	Tenant-17
    --- stderr
    2 of 2 matched
    [exit status: 0]
    ");
}
