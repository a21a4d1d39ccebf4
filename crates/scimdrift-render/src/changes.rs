//! What changed, for the human renderer's opening lines: in PR mode what
//! the PR introduces and resolves, with `--state-dir` what is new or
//! resolved since the last run.

use crate::text::{one_line, subject_label};
use scimdrift_report::{Change, Finding, Report, Since};
use std::fmt::Write as _;

/// At most this many findings are listed per heading; the rest are counted.
const LIST_LIMIT: usize = 50;

/// The report without resolved findings (what the body shows).
pub(crate) fn current_only(report: &Report) -> Report {
    let mut current = report.clone();
    current.findings.retain(|f| f.is_current());
    current
}

fn line(out: &mut String, sign: char, f: &Finding) {
    let mut who = Vec::new();
    if let Some(g) = &f.group {
        who.push(format!("group {g}"));
    }
    if let Some(s) = &f.subject {
        who.push(subject_label(s));
    }
    let _ = write!(
        out,
        "  {sign} {} {} [{}] {}",
        f.severity.as_str(),
        f.kind.as_str(),
        f.rule,
        one_line(&f.message)
    );
    if let Some(p) = &f.policy {
        let _ = write!(out, " ({}:{})", p.file, p.line);
    }
    if f.exception.is_some() {
        out.push_str(" (excused)");
    }
    out.push('\n');
}

fn list(out: &mut String, title: &str, sign: char, findings: &[&Finding]) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title} ({}):", findings.len());
    for f in findings.iter().take(LIST_LIMIT) {
        line(out, sign, f);
    }
    if findings.len() > LIST_LIMIT {
        let _ = writeln!(
            out,
            "  … and {} more (see the JSON or Markdown report)",
            findings.len() - LIST_LIMIT
        );
    }
    out.push('\n');
}

/// The opening lines; empty outside PR mode and `--state-dir`.
pub(crate) fn human_preamble(report: &Report) -> String {
    let mut out = String::new();
    let with = |change: Change| -> Vec<&Finding> {
        report
            .findings
            .iter()
            .filter(|f| f.change == Some(change) && f.since_last_run != Some(Since::Resolved))
            .collect()
    };
    if report.findings.iter().any(|f| f.change.is_some()) {
        let introduced = with(Change::Introduced);
        let resolved = with(Change::Resolved);
        let unchanged = with(Change::Unchanged).len();
        let _ = writeln!(
            out,
            "This PR introduces {} finding(s) and resolves {}; {unchanged} were already present.\n",
            introduced.len(),
            resolved.len()
        );
        list(&mut out, "Introduced by this PR", '+', &introduced);
        list(&mut out, "Resolved by this PR", '-', &resolved);
    }
    if report.findings.iter().any(|f| f.since_last_run.is_some()) {
        let since = |s: Since| -> Vec<&Finding> {
            report
                .findings
                .iter()
                .filter(|f| f.since_last_run == Some(s))
                .collect()
        };
        let new = since(Since::New);
        let resolved = since(Since::Resolved);
        let persisting = since(Since::Persisting).len();
        if resolved.is_empty() && persisting == 0 {
            // Nothing to compare with: listing every finding as new is noise.
            let _ = writeln!(
                out,
                "Since the last run: {} new (no earlier run is recorded).\n",
                new.len()
            );
            return out;
        }
        let _ = writeln!(
            out,
            "Since the last run: {} new, {} resolved, {persisting} persisting.\n",
            new.len(),
            resolved.len()
        );
        list(&mut out, "New since the last run", '+', &new);
        list(&mut out, "Resolved since the last run", '-', &resolved);
    }
    out
}
