use crate::fixture;
use scimdrift_render::{RenderOptions, markdown};

#[test]
fn sample_report() {
    let md = markdown::render(&fixture::sample(), &RenderOptions::default());
    insta::assert_snapshot!(md);
}

#[test]
fn pr_mode_leads_with_introduced_and_resolved() {
    let md = markdown::render(&fixture::pr_mode(), &RenderOptions::default());
    let introduced = md.find("### Introduced by this PR (1)").unwrap();
    let resolved = md.find("### Resolved by this PR (1)").unwrap();
    let present = md.find("### Already present (6)").unwrap();
    assert!(introduced < resolved && resolved < present, "{md}");
    insta::assert_snapshot!(md);
}

#[test]
fn five_thousand_findings_are_truncated_under_the_comment_limit() {
    let report = fixture::big(5_000);
    let opts = RenderOptions {
        full_report: Some("the `scimdrift-render` workflow artifact".into()),
        ..RenderOptions::default()
    };
    let md = markdown::render(&report, &opts);
    assert!(md.len() <= markdown::COMMENT_LIMIT, "{} bytes", md.len());
    assert!(
        md.len() > markdown::COMMENT_LIMIT - 2_500,
        "budget is used: {} bytes",
        md.len()
    );
    // Deterministic: the same report gives the same text.
    assert_eq!(md, markdown::render(&report, &opts));
    // What was shown plus what the note says was left out is everything.
    let shown = md.lines().filter(|l| l.starts_with("- **")).count();
    let note = md
        .lines()
        .find(|l| l.starts_with("**Truncated:**"))
        .unwrap();
    let left_out = 5_000 - shown;
    assert!(
        note.starts_with(&format!(
            "**Truncated:** {left_out} of 5000 findings are not shown here"
        )),
        "{note}"
    );
    assert!(
        note.contains("the `scimdrift-render` workflow artifact"),
        "{note}"
    );
    // Most severe first within each group: errors are shown before notes.
    insta::assert_snapshot!(note);
    // The summary table always comes first.
    assert!(
        md.starts_with("## scimdrift: drift\n\n| status | findings |"),
        "{md}"
    );
}

#[test]
fn smaller_budgets_are_respected() {
    let report = fixture::big(5_000);
    for budget in [4_096, 10_000, 30_000] {
        let md = markdown::render_within(&report, &RenderOptions::default(), budget);
        assert!(md.len() <= budget, "{budget}: {}", md.len());
        assert!(md.contains("**Truncated:**"));
    }
    let whole = markdown::render_within(&fixture::sample(), &RenderOptions::default(), 1 << 20);
    assert!(!whole.contains("Truncated"));
}

#[test]
fn clean_report_says_so() {
    let mut report = fixture::sample();
    report.findings.clear();
    report.status = scimdrift_reconcile::Status::Clean;
    let report = fixture::summarize(report);
    let md = markdown::render(&report, &RenderOptions::default());
    assert!(md.contains("No findings."), "{md}");
}

#[test]
fn incomplete_report_warns_first() {
    let mut report = fixture::sample();
    report.status = scimdrift_reconcile::Status::Incomplete;
    report.incomplete_reasons = vec!["GET /Users page 3 failed after 5 retries (503)".into()];
    let md = markdown::render(&report, &RenderOptions::default());
    let caution = md.find("**Incomplete:**").unwrap();
    assert!(caution < md.find("### Findings").unwrap());
    assert!(md.contains("> - GET /Users page 3 failed after 5 retries (503)"));
}
