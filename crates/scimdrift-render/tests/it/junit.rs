use crate::fixture;
use quick_xml::Reader;
use quick_xml::events::Event;
use scimdrift_render::{RenderOptions, junit};
use std::collections::BTreeMap;

/// Parses the XML fully and counts elements by name; also returns the
/// root's attributes.
fn parse(xml: &str) -> (BTreeMap<String, usize>, BTreeMap<String, String>) {
    let mut reader = Reader::from_str(xml);
    let mut counts = BTreeMap::new();
    let mut root = BTreeMap::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if name == "testsuites" {
                    for a in e.attributes() {
                        let a = a.unwrap();
                        root.insert(
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        );
                    }
                }
                *counts.entry(name).or_insert(0) += 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (counts, root)
}

#[test]
fn sample_parses_with_expected_counts() {
    let xml = junit::render(&fixture::sample(), &RenderOptions::default());
    let (counts, root) = parse(&xml);
    // 7 evaluated rules + `deactivated-hold-nothing` (only in findings) + the
    // snapshot completeness case; `beta-isolation` and `group:Admins` pass.
    assert_eq!(counts["testcase"], 9);
    // 8 findings, 1 excused.
    assert_eq!(counts["failure"], 7);
    assert_eq!(counts["system-out"], 1);
    assert_eq!(counts.get("error"), None);
    assert_eq!(root["tests"], "9");
    // Failing test cases: group:Blob Sales, settings, finance-not-sales,
    // exception:acme-isolation, deactivated-hold-nothing.
    assert_eq!(root["failures"], "5");
    insta::assert_snapshot!(xml);
}

#[test]
fn passing_rules_are_test_cases_too() {
    let mut report = fixture::sample();
    report.findings.clear();
    let xml = junit::render(&fixture::summarize(report), &RenderOptions::default());
    let (counts, root) = parse(&xml);
    assert_eq!(counts["testcase"], 8);
    assert_eq!(counts.get("failure"), None);
    assert_eq!(root["failures"], "0");
    assert!(xml.contains(r#"<testcase name="beta-isolation" classname="scimdrift.embed_users" file="policies/embed.yaml" line="9"/>"#), "{xml}");
}

#[test]
fn incomplete_is_an_error() {
    let mut report = fixture::sample();
    report.status = scimdrift_reconcile::Status::Incomplete;
    report.incomplete_reasons = vec!["page 3 of /Users: 503 after 5 retries".into()];
    let xml = junit::render(&report, &RenderOptions::default());
    let (counts, root) = parse(&xml);
    assert_eq!(counts["error"], 1);
    assert_eq!(root["errors"], "1");
}

#[test]
fn big_report_counts() {
    let report = fixture::big(5_000);
    let xml = junit::render(&report, &RenderOptions::default());
    let (counts, _) = parse(&xml);
    assert_eq!(counts["failure"], 5_000);
}

#[test]
fn control_characters_stay_well_formed() {
    let mut report = fixture::sample();
    report.findings[0].message = "bad \u{1b}[31m byte & <tag>".into();
    let xml = junit::render(&report, &RenderOptions::default());
    parse(&xml);
    assert!(
        xml.contains("bad \u{FFFD}[31m byte &amp; &lt;tag&gt;"),
        "{xml}"
    );
}

/// `scimdrift test --format junit`: the same parser reads a suite per test
/// file and a test case per case, failures for the failing ones.
#[test]
fn policy_test_outcomes_parse() {
    use scimdrift_reconcile::{PolicySource, load_policies, load_tests, run_case};
    use scimdrift_render::policy_tests::{self, FileOutcome};
    let policies = load_policies(&[PolicySource {
        path: "p.yaml".into(),
        contents: "version: 1\nusers:\n  - id: stale\n    inactive_for: 90d\n    must_not_be_in: [Admins]\n".into(),
    }])
    .unwrap()
    .policies;
    let tests = load_tests(&[PolicySource {
        path: "t.yaml".into(),
        contents: r#"version: 1
now: 2027-01-01T00:00:00Z
tests:
  - name: stale admin
    rules: [stale]
    org: {users: [{userName: bob, lastLogin: 2026-01-01T00:00:00Z, groups: [Admins]}]}
    expect: [{kind: membership_forbidden, group: Admins, subject: bob}]
    only: true
  - name: wrongly expected clean
    rules: [stale]
    org: {users: [{userName: bob, lastLogin: 2026-01-01T00:00:00Z, groups: [Admins]}]}
    clean: true
  - name: <recent> & fine
    org: {users: [{userName: ann, lastLogin: 2026-12-31T00:00:00Z, groups: [Admins]}]}
    rules: [stale]
    clean: true
"#
        .into(),
    }])
    .unwrap();
    let outcomes: Vec<FileOutcome> = tests
        .iter()
        .map(|f| FileOutcome {
            path: f.path.clone(),
            cases: f.cases.iter().map(|c| run_case(c, &policies)).collect(),
        })
        .collect();
    let xml = policy_tests::junit(&outcomes);
    let (counts, root) = parse(&xml);
    assert_eq!(counts["testsuite"], 1);
    assert_eq!(counts["testcase"], 3);
    assert_eq!(counts["failure"], 1);
    assert_eq!(root["tests"], "3");
    assert_eq!(root["failures"], "1");
    assert!(xml.contains(r#"name="&lt;recent&gt; &amp; fine""#), "{xml}");
    assert!(
        xml.contains("+ membership_forbidden group=Admins subject=bob</failure>"),
        "{xml}"
    );
}
