//! `scimdrift diff`: a test per change kind, on two fixture snapshots.

use crate::support::{assert_outcome, fixture, outcome, scimdrift};
use serde_json::Value;

fn diff_json() -> Value {
    let diff =
        outcome(scimdrift(&fixture("diff")).args(["diff", "a.json", "b.json", "--format", "json"]))
            .status(0);
    serde_json::from_str(&diff.stdout).unwrap()
}

fn labels(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i.get("label")
                .or(i.get("name"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn membership<'a>(d: &'a Value, group: &str) -> &'a Value {
    d["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["group"]["name"] == group)
        .unwrap()
}

#[test]
fn joined_and_left() {
    let d = diff_json();
    let sales = membership(&d, "Sales");
    assert_eq!(
        labels(&sales["joined"]),
        ["dave@blobsrus.co", "ghost@blobsrus.co"]
    );
    assert_eq!(sales["joined"][1]["type"], "unknown");
    assert_eq!(labels(&sales["left"]), ["bob@blobsrus.co"]);
}

#[test]
fn group_created() {
    let d = diff_json();
    assert_eq!(labels(&d["groups_created"]), ["Beta Embed"]);
    assert_eq!(
        labels(&membership(&d, "Beta Embed")["joined"]),
        ["beta-1 (beta)"]
    );
}

#[test]
fn group_deleted() {
    let d = diff_json();
    assert_eq!(labels(&d["groups_deleted"]), ["Temp Project"]);
    assert_eq!(
        labels(&membership(&d, "Temp Project")["left"]),
        ["carol@blobsrus.co"]
    );
}

#[test]
fn group_renamed_is_not_a_delete_and_create() {
    let d = diff_json();
    assert_eq!(
        d["groups_renamed"],
        serde_json::json!([{"id": "g2", "from": "Acme Viewers", "to": "Acme Readers"}])
    );
    // Same members under the new name: no membership change.
    assert!(
        d["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["group"]["id"] != "g2")
    );
}

#[test]
fn activated_and_deactivated() {
    let d = diff_json();
    assert_eq!(labels(&d["activated"]), ["carol@blobsrus.co"]);
    assert_eq!(labels(&d["deactivated"]), ["dave@blobsrus.co"]);
}

#[test]
fn identities_added_and_removed() {
    let d = diff_json();
    assert_eq!(labels(&d["identities_added"]), ["erin@blobsrus.co"]);
    assert_eq!(d["identities_removed"], serde_json::json!([]));
}

#[test]
fn human_output() {
    let diff = outcome(scimdrift(&fixture("diff")).args(["diff", "a.json", "b.json"])).status(0);
    insta::assert_snapshot!(diff.stdout);
}

#[test]
fn same_snapshot_has_no_differences() {
    let diff = outcome(scimdrift(&fixture("diff")).args(["diff", "a.json", "a.json"]));
    assert!(diff.stdout.ends_with("\nNo differences.\n"), "{diff}");
    assert_outcome!(diff, @r"
    --- stdout
    --- a.json (sha256 3607444cbd83)
    +++ a.json (sha256 3607444cbd83)

    No differences.
    --- stderr
    [exit status: 0]
    ");
}

#[test]
fn bad_snapshot_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.json"),
        "{\n  \"schema\": \"scimdrift.snapshot/v1\",\n  \"groups\": [1]\n}",
    )
    .unwrap();
    assert_outcome!(outcome(scimdrift(dir.path()).args(["diff", "bad.json", "bad.json"])), @r"
    --- stdout
    --- stderr
    error: bad.json:3:15: not a valid snapshot: resource has no string `id`
    hint: a snapshot is written by `scimdrift fetch -o FILE`
    [exit status: 4]
    ");
}
