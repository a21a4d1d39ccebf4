//! Policy-test outcomes (`scimdrift test`): one line per case like a test
//! runner, with a failing case's expected vs reported findings as a diff,
//! or JUnit XML (one suite per test file, one test case per case).

use crate::junit::xml_safe;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use scimdrift_reconcile::CaseOutcome;
use similar::{ChangeTag, TextDiff};
use std::io;

/// The outcomes of one test file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutcome {
    /// The file, as shown to users.
    pub path: String,
    /// Its cases, in source order.
    pub cases: Vec<CaseOutcome>,
}

/// How many cases passed and failed.
pub fn counts(files: &[FileOutcome]) -> (usize, usize) {
    let all = files.iter().flat_map(|f| &f.cases);
    let passed = all.clone().filter(|c| c.passed).count();
    (passed, all.count() - passed)
}

/// The findings diff of a failing case: `-` expected but not reported,
/// `+` reported but not expected, two spaces for both; then the problems.
pub fn diff_lines(case: &CaseOutcome) -> Vec<String> {
    let expected = case.expected.join("\n") + "\n";
    let actual = case.actual.join("\n") + "\n";
    let mut out = Vec::new();
    if case.expected.is_empty() && case.actual.is_empty() {
        // Nothing to compare: only the problems say why.
    } else {
        for change in TextDiff::from_lines(&expected, &actual).iter_all_changes() {
            let text = change.value().trim_end_matches('\n');
            if text.is_empty() {
                continue;
            }
            let sign = match change.tag() {
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
                ChangeTag::Equal => ' ',
            };
            out.push(format!("{sign} {text}"));
        }
    }
    out.extend(case.problems.iter().map(|p| format!("! {p}")));
    out
}

/// The terminal text: per file its path, then `ok` or `FAIL` and the name
/// of each case (a failure followed by where the case is and its diff), and
/// a closing count.
pub fn human(files: &[FileOutcome]) -> String {
    let mut out = String::new();
    for file in files {
        out.push_str(&file.path);
        out.push('\n');
        for case in &file.cases {
            if case.passed {
                out.push_str(&format!("  ok    {}\n", case.name));
                continue;
            }
            out.push_str(&format!(
                "  FAIL  {}  ({}:{}:{})\n",
                case.name, case.at.file, case.at.line, case.at.column
            ));
            out.push_str(
                "        findings (- expected, not reported; + reported, not expected):\n",
            );
            for line in diff_lines(case) {
                out.push_str(&format!("          {line}\n"));
            }
        }
    }
    let (passed, failed) = counts(files);
    let result = if failed == 0 { "ok" } else { "FAILED" };
    out.push_str(&format!(
        "\ntest result: {result}. {passed} passed; {failed} failed; {} file(s)\n",
        files.len()
    ));
    out
}

/// JUnit XML (UTF-8, trailing newline): a `<testsuite>` per file, a
/// `<testcase>` per case, a `<failure>` holding the diff for each failing one.
pub fn junit(files: &[FileOutcome]) -> String {
    match write(files) {
        Ok(bytes) => {
            let mut text = String::from_utf8_lossy(&bytes).into_owned();
            text.push('\n');
            text
        }
        // Writing into a Vec cannot fail; keep a well-formed answer anyway.
        Err(err) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"scimdrift test\" errors=\"1\"><!-- {} --></testsuites>\n",
            xml_safe(&err.to_string()).replace("--", "- -")
        ),
    }
}

fn write(files: &[FileOutcome]) -> io::Result<Vec<u8>> {
    let (passed, failed) = counts(files);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attribute(("name", "scimdrift test"))
        .with_attribute(("tests", (passed + failed).to_string().as_str()))
        .with_attribute(("failures", failed.to_string().as_str()))
        .with_attribute(("errors", "0"))
        .with_attribute(("skipped", "0"))
        .write_inner_content(|w| {
            for file in files {
                let failures = file.cases.iter().filter(|c| !c.passed).count();
                w.create_element("testsuite")
                    .with_attribute(("name", xml_safe(&file.path).as_str()))
                    .with_attribute(("tests", file.cases.len().to_string().as_str()))
                    .with_attribute(("failures", failures.to_string().as_str()))
                    .with_attribute(("errors", "0"))
                    .with_attribute(("skipped", "0"))
                    .write_inner_content(|w| {
                        for case in &file.cases {
                            let line = case.at.line.to_string();
                            let element = w
                                .create_element("testcase")
                                .with_attribute(("name", xml_safe(&case.name).as_str()))
                                .with_attribute(("classname", xml_safe(&file.path).as_str()))
                                .with_attribute(("file", xml_safe(&case.at.file).as_str()))
                                .with_attribute(("line", line.as_str()));
                            if case.passed {
                                element.write_empty()?;
                            } else {
                                element.write_inner_content(|w| {
                                    let text = diff_lines(case).join("\n");
                                    w.create_element("failure")
                                        .with_attribute((
                                            "message",
                                            "the findings differ from what the case expects",
                                        ))
                                        .with_attribute(("type", "policy_test"))
                                        .write_text_content(BytesText::new(&xml_safe(&text)))?;
                                    Ok(())
                                })?;
                            }
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}
