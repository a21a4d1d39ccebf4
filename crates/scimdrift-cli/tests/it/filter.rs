//! `scimdrift filter parse|eval`.

use crate::support::{run, scimdrift, scimdrift_run};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path.to_str().expect("utf-8 path").to_owned()
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
    let (code, out, err) = scimdrift_run(&[
        "filter",
        "parse",
        r#"  USERNAME EQ "x"  AND not( active eq false )"#,
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "USERNAME eq \"x\" and not (active eq false)\n");
    let (code, out, _) = scimdrift_run(&[
        "filter",
        "parse",
        r#"emails[type eq "work"].value co "@acme.com""#,
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "emails[type eq \"work\" and value co \"@acme.com\"]\n");
}

#[test]
fn parse_errors_exit_4_with_a_caret_diagnostic() {
    let (code, out, err) = scimdrift_run(&["filter", "parse", "active eq TRUE"]);
    assert_eq!((code, out.as_str()), (4, ""));
    insta::assert_snapshot!(err, @r"
    error: invalid filter
    active eq TRUE
              ^^^^ expected a JSON value, found `TRUE`
    hint: JSON literals are lowercase: `true`
    ");
    let (code, _, err) = scimdrift_run(&["filter", "parse", "(a pr"]);
    assert_eq!(code, 4);
    insta::assert_snapshot!(err, @r"
    error: invalid filter
    (a pr
    ^ `(` is never closed
    hint: add a `)`
    ");
}

#[test]
fn eval_on_a_resource_prints_true_or_false() {
    let dir = tempfile::tempdir().unwrap();
    let user = write(dir.path(), "user.json", USER);
    for (filter, expected) in [
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
        let (code, out, err) = scimdrift_run(&["filter", "eval", filter, "--resource", &user]);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (0, expected, ""),
            "{filter}"
        );
    }
}

#[test]
fn eval_invalid_filter_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let user = write(dir.path(), "user.json", USER);
    let (code, out, err) =
        scimdrift_run(&["filter", "eval", "active gt true", "--resource", &user]);
    assert_eq!((code, out.as_str()), (4, ""));
    insta::assert_snapshot!(err, @"error: invalid filter: `gt` orders values, and booleans have no order (`active gt true`)");
    let (code, _, err) = scimdrift_run(&["filter", "eval", "userName gt 5", "--resource", &user]);
    assert_eq!(code, 4);
    assert!(
        err.contains("`gt` cannot order a string against a number (`userName` holds a string)"),
        "{err}"
    );
    let (code, _, err) = scimdrift_run(&["filter", "eval", "userName eq", "--resource", &user]);
    assert_eq!(code, 4);
    assert!(err.contains("^ expected a value after `eq`"), "{err}");
}

#[test]
fn eval_on_a_snapshot_lists_matches_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let snap = write(dir.path(), "snap.json", SNAPSHOT);
    let (code, out, err) = scimdrift_run(&[
        "filter",
        "eval",
        r#"embedEntity eq "TENANT-17""#,
        "--snapshot",
        &snap,
        "--kind",
        "embed-users",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "e1\ta@embed\ne3\tc@embed\n");
    assert_eq!(err, "2 of 4 matched\n");
    let (code, out, err) = scimdrift_run(&[
        "filter",
        "eval",
        "displayName sw \"t\"",
        "--snapshot",
        &snap,
        "--kind",
        "groups",
    ]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "g2\tTenant-17\n", "1 of 2 matched\n")
    );
    let (code, out, err) = scimdrift_run(&[
        "filter",
        "eval",
        "userName pr",
        "--snapshot",
        &snap,
        "--kind",
        "users",
    ]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "", "0 of 0 matched\n")
    );
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
    let (code, out, err) = scimdrift_run(&[
        "filter",
        "eval",
        "displayName pr",
        "--snapshot",
        &snap,
        "--kind",
        "groups",
    ]);
    assert_eq!(code, 3);
    assert_eq!(out, "g1\tAdmins\ng2\tTenant-17\n");
    assert!(
        err.contains("incomplete") && err.contains("page 3 of groups failed"),
        "{err}"
    );
}

#[test]
fn bad_inputs_are_exit_codes_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let not_json = write(dir.path(), "bad.json", "{\"id\": ");
    let array = write(dir.path(), "array.json", "[1, 2]");
    let not_snapshot = write(dir.path(), "notsnap.json", "{\"groups\": 5}");
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["filter", "eval", "a pr", "--resource", &not_json],
            4,
            "is not valid JSON",
        ),
        (
            &["filter", "eval", "a pr", "--resource", &array],
            4,
            "holds no JSON object",
        ),
        (
            &[
                "filter",
                "eval",
                "a pr",
                "--snapshot",
                &not_snapshot,
                "--kind",
                "users",
            ],
            4,
            "notsnap.json:1:12: not a valid snapshot",
        ),
        (
            &["filter", "eval", "a pr", "--resource", missing],
            1,
            "cannot read",
        ),
        (&["filter", "eval", "a pr"], 4, "--resource"),
        (
            &["filter", "eval", "a pr", "--snapshot", &not_json],
            4,
            "--kind",
        ),
        (
            &[
                "filter",
                "eval",
                "a pr",
                "--snapshot",
                &not_json,
                "--kind",
                "people",
            ],
            4,
            "people",
        ),
        (&["filter", "parse"], 4, "FILTER"),
        (
            &["filter", "parse", "a eq \"\\ud800\""],
            4,
            "lone high surrogate",
        ),
        (&["filter", "parse", ""], 4, "empty filter"),
    ];
    for (args, code, needle) in cases {
        let (got, out, err) = scimdrift_run(args);
        assert_eq!(got, *code, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn eval_on_a_snapshot_honours_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    // The demo snapshot padded with whitespace to just over 1 MiB.
    let padded = SNAPSHOT.replacen('{', &format!("{{{}", " ".repeat(1024 * 1024)), 1);
    write(dir.path(), "big.json", &padded);
    let eval = |limit: &str| {
        run(scimdrift(dir.path())
            .env("SCIMDRIFT_MAX_SNAPSHOT_MB", limit)
            .args([
                "filter",
                "eval",
                "displayName pr",
                "--snapshot",
                "big.json",
                "--kind",
                "groups",
            ]))
    };
    let (code, out, err) = eval("1");
    assert_eq!((code, out.as_str()), (4, ""));
    insta::assert_snapshot!(err, @r"
    error: big.json: snapshot is larger than the 1 MiB limit; raise it with SCIMDRIFT_MAX_SNAPSHOT_MB
    hint: e.g. `SCIMDRIFT_MAX_SNAPSHOT_MB=4096 scimdrift check ...`
    ");
    // Raising the limit lets the same file through.
    let (code, out, err) = eval("2");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "g1\tAdmins\ng2\tTenant-17\n");
}
