//! JUnit XML: one test case per evaluated declaration or rule, passing ones
//! included, so the report says what was checked and not only what failed.
//!
//! Suites follow the policy sections (`groups`, `embed_users`, `users`,
//! `separation_of_duties`, `exceptions`, `settings`) plus `snapshot`, whose
//! single test case errors when the live data is incomplete. Every finding
//! not excused is a `<failure>` of its rule's test case (a test case may have
//! several); excused findings are listed in the test case's `<system-out>`;
//! resolved ones (PR mode, `--state-dir`) are not failures.
//! A suite's `failures` counts failing test cases, as JUnit consumers expect.

use crate::RenderOptions;
use crate::text::subject_label;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use scimdrift_report::{Finding, PolicyLocation, Report, RuleKind, Severity, Status};
use std::collections::BTreeMap;
use std::io;

/// Renders the report as JUnit XML (UTF-8, trailing newline).
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    match write(report, opts) {
        Ok(bytes) => {
            let mut text = String::from_utf8_lossy(&bytes).into_owned();
            text.push('\n');
            text
        }
        // Writing into a Vec cannot fail; keep a well-formed answer anyway.
        Err(err) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"scimdrift\" errors=\"1\"><!-- {} --></testsuites>\n",
            xml_safe(&err.to_string()).replace("--", "- -")
        ),
    }
}

#[derive(Debug)]
struct Case<'a> {
    rule: String,
    policy: Option<&'a PolicyLocation>,
    findings: Vec<&'a Finding>,
}

impl Case<'_> {
    fn failures(&self) -> impl Iterator<Item = &&Finding> {
        self.findings
            .iter()
            .filter(|f| f.exception.is_none() && f.is_current())
    }
}

const SUITES: [&str; 7] = [
    "snapshot",
    "groups",
    "embed_users",
    "users",
    "separation_of_duties",
    "exceptions",
    "settings",
];

fn suite_of_kind(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Group => "groups",
        RuleKind::EmbedUserRule => "embed_users",
        RuleKind::UserRule => "users",
        RuleKind::SeparationOfDuties => "separation_of_duties",
        RuleKind::Exception => "exceptions",
        RuleKind::Settings => "settings",
    }
}

/// The suite of a rule no evaluated entry describes, from its name.
fn suite_of_rule(rule: &str, finding: &Finding) -> &'static str {
    use scimdrift_report::{FindingKind as K, SubjectType};
    if rule.starts_with("group:") {
        "groups"
    } else if rule.starts_with("exception:") {
        "exceptions"
    } else if rule == "settings" {
        "settings"
    } else if finding.kind == K::SeparationOfDuties {
        "separation_of_duties"
    } else if finding
        .subject
        .as_ref()
        .is_some_and(|s| s.kind == SubjectType::User)
    {
        "users"
    } else {
        "embed_users"
    }
}

fn cases(report: &Report) -> BTreeMap<&'static str, BTreeMap<String, Case<'_>>> {
    let mut suites: BTreeMap<&'static str, BTreeMap<String, Case<'_>>> = BTreeMap::new();
    let mut suite_of: BTreeMap<&str, &'static str> = BTreeMap::new();
    for e in &report.evaluated {
        let suite = suite_of_kind(e.kind);
        suite_of.insert(&e.rule, suite);
        suites
            .entry(suite)
            .or_default()
            .entry(e.rule.clone())
            .or_insert_with(|| Case {
                rule: e.rule.clone(),
                policy: Some(&e.policy),
                findings: Vec::new(),
            });
    }
    for f in &report.findings {
        let suite = suite_of
            .get(f.rule.as_str())
            .copied()
            .unwrap_or_else(|| suite_of_rule(&f.rule, f));
        let case = suites
            .entry(suite)
            .or_default()
            .entry(f.rule.clone())
            .or_insert_with(|| Case {
                rule: f.rule.clone(),
                policy: f.policy.as_ref(),
                findings: Vec::new(),
            });
        case.findings.push(f);
    }
    suites
}

fn write(report: &Report, opts: &RenderOptions) -> io::Result<Vec<u8>> {
    let suites = cases(report);
    let incomplete = report.status == Status::Incomplete;
    let tests: usize = 1 + suites.values().map(BTreeMap::len).sum::<usize>();
    let failures: usize = suites
        .values()
        .flat_map(BTreeMap::values)
        .filter(|c| c.failures().next().is_some())
        .count();
    let errors = usize::from(incomplete);

    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attribute(("name", "scimdrift"))
        .with_attribute(("tests", tests.to_string().as_str()))
        .with_attribute(("failures", failures.to_string().as_str()))
        .with_attribute(("errors", errors.to_string().as_str()))
        .with_attribute(("skipped", "0"))
        .with_attribute(("timestamp", report.generated_at.as_str()))
        .write_inner_content(|w| {
            for name in SUITES {
                if name == "snapshot" {
                    snapshot_suite(w, report)?;
                    continue;
                }
                let Some(cases) = suites.get(name) else {
                    continue;
                };
                suite(w, report, name, cases, opts)?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn snapshot_suite(w: &mut Writer<Vec<u8>>, report: &Report) -> io::Result<()> {
    let incomplete = report.status == Status::Incomplete;
    w.create_element("testsuite")
        .with_attribute(("name", "snapshot"))
        .with_attribute(("tests", "1"))
        .with_attribute(("failures", "0"))
        .with_attribute(("errors", if incomplete { "1" } else { "0" }))
        .with_attribute(("skipped", "0"))
        .with_attribute(("timestamp", report.generated_at.as_str()))
        .write_inner_content(|w| {
            w.create_element("properties").write_inner_content(|w| {
                let source = report
                    .source
                    .base_url
                    .as_deref()
                    .or(report.source.snapshot_path.as_deref())
                    .unwrap_or("");
                let fail_on = report.fail_on.map_or("never", Severity::as_str);
                let commit = report
                    .policies_commit
                    .as_deref()
                    .map(|c| ("policies_commit", c));
                for (name, value) in [
                    ("status", report.status.as_str()),
                    ("source", source),
                    ("snapshot_sha256", report.source.snapshot_sha256.as_str()),
                ]
                .into_iter()
                .chain(commit)
                .chain([
                    ("fail_on", fail_on),
                    ("tool_version", report.tool.version.as_str()),
                ]) {
                    w.create_element("property")
                        .with_attribute(("name", name))
                        .with_attribute(("value", xml_safe(value).as_str()))
                        .write_empty()?;
                }
                Ok(())
            })?;
            let case = w
                .create_element("testcase")
                .with_attribute(("name", "live data is complete"))
                .with_attribute(("classname", "scimdrift.snapshot"));
            if incomplete {
                case.write_inner_content(|w| {
                    let reasons = report.incomplete_reasons.join("\n");
                    w.create_element("error")
                        .with_attribute(("type", "incomplete"))
                        .with_attribute((
                            "message",
                            "the live data is incomplete or implausible; results cannot be trusted",
                        ))
                        .write_text_content(BytesText::new(&xml_safe(&reasons)))?;
                    Ok(())
                })?;
            } else {
                case.write_empty()?;
            }
            Ok(())
        })?;
    Ok(())
}

fn suite(
    w: &mut Writer<Vec<u8>>,
    report: &Report,
    name: &str,
    cases: &BTreeMap<String, Case<'_>>,
    opts: &RenderOptions,
) -> io::Result<()> {
    let failures = cases
        .values()
        .filter(|c| c.failures().next().is_some())
        .count();
    w.create_element("testsuite")
        .with_attribute(("name", name))
        .with_attribute(("tests", cases.len().to_string().as_str()))
        .with_attribute(("failures", failures.to_string().as_str()))
        .with_attribute(("errors", "0"))
        .with_attribute(("skipped", "0"))
        .with_attribute(("timestamp", report.generated_at.as_str()))
        .write_inner_content(|w| {
            for case in cases.values() {
                testcase(w, name, case, opts)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn testcase(
    w: &mut Writer<Vec<u8>>,
    suite: &str,
    case: &Case<'_>,
    opts: &RenderOptions,
) -> io::Result<()> {
    let classname = format!("scimdrift.{suite}");
    let mut el = w
        .create_element("testcase")
        .with_attribute(("name", xml_safe(&case.rule).as_str()))
        .with_attribute(("classname", classname.as_str()));
    let file;
    let line;
    if let Some(p) = case.policy {
        file = opts.policy_path(&p.file);
        line = p.line.to_string();
        el = el
            .with_attribute(("file", xml_safe(&file).as_str()))
            .with_attribute(("line", line.as_str()));
    }
    if case.findings.is_empty() {
        el.write_empty()?;
        return Ok(());
    }
    el.write_inner_content(|w| {
        for f in case.failures() {
            let message = format!("{}: {}", f.severity.as_str(), f.message);
            w.create_element("failure")
                .with_attribute(("type", f.kind.as_str()))
                .with_attribute(("message", xml_safe(&message).as_str()))
                .write_text_content(BytesText::new(&xml_safe(&details(f, opts))))?;
        }
        let excused: Vec<String> = case
            .findings
            .iter()
            .filter(|f| f.is_current())
            .filter_map(|f| {
                let e = f.exception.as_ref()?;
                Some(format!(
                    "excused: {} {} {}: {} (exception: {}; ticket {}; owner {}; expires {})",
                    f.severity.as_str(),
                    f.kind.as_str(),
                    f.id,
                    f.message,
                    e.reason,
                    e.ticket.as_deref().unwrap_or("-"),
                    e.owner.as_deref().unwrap_or("-"),
                    e.expires
                ))
            })
            .collect();
        if !excused.is_empty() {
            w.create_element("system-out")
                .write_text_content(BytesText::new(&xml_safe(&excused.join("\n"))))?;
        }
        Ok(())
    })?;
    Ok(())
}

fn details(f: &Finding, opts: &RenderOptions) -> String {
    let mut lines = vec![
        format!("kind: {}", f.kind.as_str()),
        format!("severity: {}", f.severity.as_str()),
        format!("finding id: {}", f.id),
    ];
    if let Some(group) = &f.group {
        lines.push(format!("group: {group}"));
    }
    if let Some(subject) = &f.subject {
        lines.push(format!("subject: {}", subject_label(subject)));
    }
    if let Some(p) = &f.policy {
        lines.push(format!(
            "declared at: {}:{}:{}",
            opts.policy_path(&p.file),
            p.line,
            p.column
        ));
    }
    lines.join("\n")
}

/// Replaces characters XML 1.0 cannot carry at all (most control characters).
pub(crate) fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}
