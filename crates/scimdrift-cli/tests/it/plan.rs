//! `scimdrift plan` on the demo org: the rendered plan (human, Markdown,
//! JSON), the plan file, and what it refuses.

use crate::support::{Outcome, assert_outcome, demo, fixture, outcome, scimdrift};
use std::path::Path;

/// A fixed evaluation time: the demo's exceptions are then one expired, one
/// expiring and the others current.
const NOW: &str = "2026-11-26T12:00:00Z";

fn plan(dir: &Path, extra: &[&str]) -> Outcome {
    outcome(
        scimdrift(dir)
            .args(["plan", "--snapshot", "org.json", "--now", NOW])
            .args(extra),
    )
}

#[test]
fn demo_plan_human_and_markdown() {
    let dir = demo();
    let human = plan(dir.path(), &[]).status(2);
    assert_outcome!("plan_demo_human", human);
    let markdown = plan(dir.path(), &["--format", "markdown"]).status(2);
    assert_outcome!("plan_demo_markdown", markdown);
    assert!(markdown.stdout.len() <= scimdrift_render::markdown::COMMENT_LIMIT);
}

#[test]
fn the_plan_file_is_stdout_json_is_reproducible_and_verifies() {
    let dir = demo();
    let json = plan(dir.path(), &["--format", "json", "--out", "a.json"]).status(2);
    let file = std::fs::read_to_string(dir.path().join("a.json")).unwrap();
    assert_eq!(json.stdout, file);
    plan(dir.path(), &["--format", "json", "--out", "b.json"]).status(2);
    assert_eq!(
        file,
        std::fs::read_to_string(dir.path().join("b.json")).unwrap()
    );
    let plan: scimdrift_plan::Plan = serde_json::from_str(&file).unwrap();
    scimdrift_plan::checksum::verify(&plan).unwrap();
    assert_eq!(plan.schema, scimdrift_plan::PLAN_SCHEMA);
    assert_eq!(
        plan.source.base_url.as_deref(),
        Some("https://blobsrus.omniapp.co/api/scim/v2")
    );
    // The request bodies are the documented Omni shapes.
    let admins = plan
        .groups
        .iter()
        .find(|g| g.display_name == "Admins")
        .unwrap();
    insta::assert_json_snapshot!(admins.body, @r#"
    {
      "Operations": [
        {
          "op": "remove",
          "path": "members[value eq \"175697a5-d0b8-2899-26ca-edd30428dc6e\"]"
        },
        {
          "op": "add",
          "path": "members",
          "value": [
            {
              "value": "835a21d5-2ddd-32c5-27b4-12b1d3e46e20"
            }
          ]
        }
      ],
      "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
      ]
    }
    "#);
}

#[test]
fn nothing_to_change_exits_0() {
    let dir = demo();
    // `init` writes policies that describe the live state: nothing to plan.
    outcome(scimdrift(dir.path()).args(["init", "--snapshot", "org.json", "--out", "adopted"]))
        .status(0);
    let out = plan(dir.path(), &["--policies", "adopted"]).status(0);
    assert!(out.stdout.starts_with("plan: nothing to change\n"), "{out}");
}

#[test]
fn incomplete_data_exits_3_and_writes_no_plan() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = fixture("scenarios/incomplete-snapshot");
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::copy(
        scenario.join("policies.yaml"),
        dir.path().join("policies/policies.yaml"),
    )
    .unwrap();
    let out = outcome(scimdrift(dir.path()).args([
        "plan",
        "--snapshot",
        scenario.join("snapshot.json").to_str().unwrap(),
        "--now",
        NOW,
    ]))
    .status(3);
    assert!(out.stderr.contains("no plan was made"), "{out}");
    assert!(!dir.path().join("plan.json").exists());
}

#[test]
fn bad_policies_exit_4_and_write_no_plan() {
    let dir = demo();
    std::fs::write(dir.path().join("policies/broken.yaml"), "groups: [").unwrap();
    plan(dir.path(), &[]).status(4);
    assert!(!dir.path().join("plan.json").exists());
}
