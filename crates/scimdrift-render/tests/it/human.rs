//! The human renderer: layout at 80 columns, colour only when asked, and the
//! exact-group membership diff.

use crate::fixture::sample;
use scimdrift_reconcile::MembershipDiff;
use scimdrift_render::human::{HumanOptions, render};

#[test]
fn sample_report_plain() {
    let mut report = sample();
    report.membership_diffs = vec![MembershipDiff {
        group: "Blob Sales".into(),
        expected: [
            "a@x.co", "b@x.co", "c@x.co", "d@x.co", "e@x.co", "f@x.co", "g@x.co",
        ]
        .map(String::from)
        .to_vec(),
        live: [
            "a@x.co", "b@x.co", "c@x.co", "d@x.co", "e@x.co", "g@x.co", "z@x.co",
        ]
        .map(String::from)
        .to_vec(),
    }];
    let text = render(&report, &HumanOptions::default());
    assert!(!text.contains('\u{1b}'));
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn colour_only_when_asked() {
    let report = sample();
    let plain = render(
        &report,
        &HumanOptions {
            color: false,
            width: 80,
        },
    );
    let coloured = render(
        &report,
        &HumanOptions {
            color: true,
            width: 80,
        },
    );
    assert!(!plain.contains('\u{1b}'));
    assert!(coloured.contains("\u{1b}["));
    // Stripping the escapes gives the plain text back.
    let stripped = regex_lite_strip(&coloured);
    assert_eq!(stripped, plain);
}

fn regex_lite_strip(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for n in chars.by_ref() {
                if n == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
