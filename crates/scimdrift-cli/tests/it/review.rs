//! `scimdrift review` on the demo org.

use crate::support::{DEMO_NOW as NOW, Outcome, assert_outcome, demo, git, outcome, scimdrift};

fn review(dir: &std::path::Path, extra: &[&str]) -> Outcome {
    outcome(
        scimdrift(dir)
            .args(["review", "--snapshot", "org.json", "--now", NOW])
            .args(extra),
    )
}

#[test]
fn every_review_format_on_the_demo_org() {
    let dir = demo();
    for format in ["markdown", "csv", "json", "html"] {
        let out = review(dir.path(), &["--format", format]).status(0).stdout;
        insta::assert_snapshot!(format!("review_{format}"), out);
    }
}

#[test]
fn review_lists_every_embed_user_with_exceptions() {
    let dir = demo();
    let out = review(dir.path(), &["--format", "json"]).stdout;
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let org: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("org.json")).unwrap())
            .unwrap();
    assert_eq!(
        r["users"].as_array().unwrap().len(),
        org["embed_users"].as_array().unwrap().len()
    );
    let support = r["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["external_id"] == "acme-support-7")
        .unwrap();
    let exception = &support["findings"][0]["exception"];
    assert_eq!(exception["owner"], "security@blobsrus.co");
    assert_eq!(exception["ticket"], "SEC-123");
    assert_eq!(exception["expires"], "2027-12-31");
    assert!(
        support["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "Support Escalations")
    );
    assert!(!support["rules"].as_array().unwrap().is_empty());
    // Evidence: hashes of the snapshot and of every policy file; no local
    // absolute path.
    assert_eq!(r["evidence"]["source"], "org.json");
    assert_eq!(r["evidence"]["policies"].as_array().unwrap().len(), 5);
    assert!(!out.contains(dir.path().to_str().unwrap()));
}

#[test]
fn entity_and_where_filters() {
    let dir = demo();
    let out = review(dir.path(), &["--format", "json", "--entity", "Acme"])
        .status(0)
        .stdout;
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let users = r["users"].as_array().unwrap();
    assert!(!users.is_empty());
    assert!(users.iter().all(|u| u["entity"] == "Acme"));

    let out = review(
        dir.path(),
        &[
            "--format",
            "json",
            "--where",
            "embedExternalId sw \"globex-001\"",
        ],
    )
    .status(0)
    .stdout;
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = r["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["external_id"].as_str().unwrap())
        .collect();
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| id.starts_with("globex-001")), "{ids:?}");

    let run = review(dir.path(), &["--where", "embedEntity eq"]);
    assert!(
        run.stderr.starts_with("error: invalid --where filter"),
        "{run}"
    );
    assert_outcome!(run, @r#"
    --- stdout
    --- stderr
    error: invalid --where filter
    embedEntity eq
                  ^ expected a value after `eq`, found the end of the filter
    hint: values are JSON: "text", 42, true, false or null
    hint: filters follow RFC 7644 §3.4.2.2, e.g. `active eq true`
    [exit status: 4]
    "#);
}

#[test]
fn outputs_and_evidence_commit_in_git() {
    let dir = demo();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "policies"]);
    git(dir.path(), &["commit", "-q", "-m", "policies"]);
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    review(
        dir.path(),
        &[
            "--output",
            "html=out/review.html",
            "--output",
            "csv=out/review.csv",
        ],
    )
    .status(0);
    let html = std::fs::read_to_string(dir.path().join("out/review.html")).unwrap();
    assert!(
        html.contains(&head),
        "the policies' commit is in the evidence"
    );
    let csv = std::fs::read_to_string(dir.path().join("out/review.csv")).unwrap();
    assert!(csv.contains(&format!("# policies_commit: {head}")));
}
