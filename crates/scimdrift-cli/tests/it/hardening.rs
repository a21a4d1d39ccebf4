//! Hostile input at the CLI edge (issue 8): the snapshot size limit and its
//! override, byte-order marks, and snapshots whose content is implausible.

use crate::support::{Outcome, assert_outcome, fixture, outcome, scimdrift};

const NOW: &str = "2026-06-01T00:00:00Z";

/// `check` on `snapshot` (written into a temp dir) against one clean policy.
fn check(snapshot: &[u8], env: &[(&str, &str)]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("snap.json"), snapshot).unwrap();
    std::fs::write(
        dir.path().join("p.yaml"),
        "version: 1\ngroups:\n  - name: Admins\n    members: at_least\n    users: [alice@x.co]\n",
    )
    .unwrap();
    let mut cmd = scimdrift(dir.path());
    cmd.env_remove("SCIMDRIFT_MAX_SNAPSHOT_MB").args([
        "check",
        "--policies",
        ".",
        "--snapshot",
        "snap.json",
        "--now",
        NOW,
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    outcome(&mut cmd)
}

fn org() -> Vec<u8> {
    std::fs::read(fixture("scenarios/org.json")).unwrap()
}

#[test]
fn snapshot_over_the_size_limit_is_refused_with_the_override() {
    let mut big = org();
    let end = big.iter().rposition(|b| *b == b'}').unwrap();
    big.splice(end..end, std::iter::repeat_n(b' ', 1024 * 1024));
    assert_outcome!(check(&big, &[("SCIMDRIFT_MAX_SNAPSHOT_MB", "1")]), @r"
    --- stdout
    --- stderr
    error: snap.json: snapshot is larger than the 1 MiB limit; raise it with SCIMDRIFT_MAX_SNAPSHOT_MB
    hint: e.g. `SCIMDRIFT_MAX_SNAPSHOT_MB=4096 scimdrift check ...`
    [exit status: 4]
    ");
    // Raising the limit lets the same file through.
    let raised = check(&big, &[("SCIMDRIFT_MAX_SNAPSHOT_MB", "2")]);
    assert_ne!(raised.code, 4, "{raised}");
}

#[test]
fn a_bad_size_limit_is_invalid_input() {
    assert_outcome!(check(&org(), &[("SCIMDRIFT_MAX_SNAPSHOT_MB", "lots")]), @r"
    --- stdout
    --- stderr
    error: SCIMDRIFT_MAX_SNAPSHOT_MB=`lots`: expected a positive number of MiB
    hint: the default is 1024
    [exit status: 4]
    ");
}

#[test]
fn a_byte_order_mark_does_not_change_the_report() {
    let plain = check(&org(), &[]);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(org());
    let with_bom = check(&bom, &[]);
    assert_eq!(plain.code, with_bom.code, "{with_bom}");
    // Same report; only the evidence hash (of the bytes read) differs.
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("sha256"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&plain.stdout), strip(&with_bom.stdout));
}

#[test]
fn duplicate_ids_make_the_run_incomplete() {
    let mut doc: serde_json::Value = serde_json::from_slice(&org()).unwrap();
    let first = doc["users"][0].clone();
    doc["users"].as_array_mut().unwrap().push(first);
    let run = check(&serde_json::to_vec(&doc).unwrap(), &[]).status(3);
    assert!(
        run.to_string()
            .contains("duplicate id `u-alice` in `users`"),
        "{run}"
    );
}

#[test]
fn complete_with_reasons_is_treated_as_incomplete() {
    let mut doc: serde_json::Value = serde_json::from_slice(&org()).unwrap();
    doc["complete"] = true.into();
    doc["incomplete_reasons"] = serde_json::json!(["page 3 failed"]);
    check(&serde_json::to_vec(&doc).unwrap(), &[]).status(3);
}

#[test]
fn deeply_nested_snapshot_is_refused_cleanly() {
    let deep = format!(
        r#"{{"schema":"scimdrift.snapshot/v1","source":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let run = check(deep.as_bytes(), &[]);
    assert!(run.stderr.starts_with("error: snap.json:1:"), "{run}");
    assert_outcome!(run, @r"
    --- stdout
    --- stderr
    error: snap.json:1:170: not a valid snapshot: recursion limit exceeded
    hint: a snapshot is written by `scimdrift fetch -o FILE`
    [exit status: 4]
    ");
}
