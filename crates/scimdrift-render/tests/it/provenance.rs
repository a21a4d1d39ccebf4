//! The policies' git commit, when the report has one, appears next to the
//! other provenance (source, snapshot hash) in every format that shows it.

use crate::fixture;
use scimdrift_render::{Format, RenderOptions, render};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567-dirty";

#[test]
fn policies_commit_is_shown_with_the_other_provenance() {
    let mut report = fixture::sample();
    report.policies_commit = Some(COMMIT.into());
    let opts = RenderOptions::default();
    let text = |format| render(&report, format, &opts);

    let human = text(Format::Human);
    let markdown = text(Format::Markdown);
    let header = format!(
        "{}\n{}",
        human.lines().take(4).collect::<Vec<_>>().join("\n"),
        markdown
            .lines()
            .find(|l| l.starts_with("Checked "))
            .unwrap()
    );
    insta::assert_snapshot!(header, @r"
    scimdrift check: DRIFT
      source: snapshot demo/org.json (sha256 0f1e2d3c4b5a)
      evaluated at 2026-11-20T09:00:00Z; fail on error; 1 policy file(s)
      policies at commit 0123456789ab-dirty
    Checked snapshot `demo/org.json` (sha256 `0f1e2d3c4b5a`; policies at commit `0123456789ab-dirty`) at 2026-11-20T09:00:00Z, failing on `error`; scimdrift 0.1.0.
    ");

    let json: serde_json::Value = serde_json::from_str(&text(Format::Json)).unwrap();
    assert_eq!(json["policies_commit"], COMMIT);
    let sarif: serde_json::Value = serde_json::from_str(&text(Format::Sarif)).unwrap();
    assert_eq!(sarif["runs"][0]["properties"]["policiesCommit"], COMMIT);
    assert!(
        text(Format::Junit).contains(&format!(
            "<property name=\"policies_commit\" value=\"{COMMIT}\"/>"
        )),
        "junit"
    );

    // Without a commit, none of them mentions one.
    report.policies_commit = None;
    for format in Format::ALL {
        let out = render(&report, format, &opts);
        assert!(!out.to_lowercase().contains("commit"), "{format}: {out}");
    }
}
