use crate::fixture;
use scimdrift_render::RenderOptions;
use scimdrift_render::github::{self, Limits, escape_data, escape_property};

#[test]
fn sample_annotations() {
    let text = github::render(&fixture::sample(), &RenderOptions::default());
    insta::assert_snapshot!(text);
}

#[test]
fn escaping() {
    assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
    assert_eq!(escape_property("a: b, c%\n"), "a%3A b%2C c%25%0A");
}

fn count(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn five_thousand_findings_respect_the_limits() {
    let report = fixture::big(5_000);
    let text = github::render(&report, &RenderOptions::default());
    assert_eq!(count(&text, "::error "), 10);
    assert_eq!(count(&text, "::warning "), 10);
    // 9 notes + the omission note.
    assert_eq!(count(&text, "::notice "), 10);
    let last = text.lines().last().unwrap();
    // 1667 errors, 1667 warnings, 1666 notes; 10 + 10 + 9 shown.
    assert!(
        last.ends_with("4971 more findings were not annotated (1657 error, 1657 warning, 1657 note) because GitHub limits annotations per step and job; see the job summary and the full report."),
        "{last}"
    );
    // Most severe first.
    let first_warning = text.find("::warning ").unwrap();
    let last_error = text.rfind("::error ").unwrap();
    assert!(last_error < first_warning);
}

#[test]
fn job_budget_is_respected() {
    let report = fixture::big(5_000);
    let limits = Limits {
        total: 15,
        ..Limits::default()
    };
    let text = github::render_with_limits(&report, &RenderOptions::default(), limits);
    assert_eq!(text.lines().count(), 15);
    assert_eq!(count(&text, "::error "), 10);
    assert_eq!(count(&text, "::warning "), 4);
}

#[test]
fn within_limits_nothing_is_omitted() {
    let text = github::render(&fixture::sample(), &RenderOptions::default());
    assert!(!text.contains("more findings"));
    // The excused finding is not annotated.
    assert!(!text.contains("membership_not_allowed"), "{text}");
    assert_eq!(text.lines().count(), 7);
}
