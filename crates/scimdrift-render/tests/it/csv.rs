use crate::fixture;
use scimdrift_render::{RenderOptions, csv};

#[test]
fn sample_rows() {
    let text = csv::render(&fixture::sample(), &RenderOptions::default());
    insta::assert_snapshot!(text);
}

#[test]
fn one_row_per_finding_and_formulas_are_defused() {
    let report = fixture::sample();
    let text = csv::render(&report, &RenderOptions::default());
    // Quoted cells here contain no line breaks except the exception message.
    assert!(text.contains(",'=cmd|' /C calc'!A0,"), "{text}");
    assert!(text.contains("\"Temp, \"\"old\"\" group\""), "{text}");
    let records = text.split("\r\n").filter(|l| !l.is_empty()).count();
    assert_eq!(records, report.findings.len() + 1);
}
