//! The terminal report: findings grouped by group and rule, a diff of
//! expected vs live membership for exact groups, counts and coverage.
//! Readable at 80 columns; colour only when the caller asks for it.

use crate::text::{one_line, subject_label};
use owo_colors::OwoColorize as _;
use scimdrift_report::{Finding, MembershipDiff, Report, Severity, Status, short_sha};
use similar::{ChangeTag, TextDiff};
use std::fmt::Write as _;

/// Options of the human renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colour (the caller decides: a terminal, and no `NO_COLOR`).
    pub color: bool,
    /// Wrap width in columns.
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            width: 80,
        }
    }
}

/// Unchanged members shown around changes in a membership diff.
const CONTEXT: usize = 2;

struct Out<'o> {
    text: String,
    opts: &'o HumanOptions,
}

#[derive(Clone, Copy)]
enum Paint {
    Error,
    Warning,
    Note,
    Good,
    Dim,
    Bold,
}

impl Out<'_> {
    fn paint(&self, text: &str, paint: Paint) -> String {
        if !self.opts.color {
            return text.to_owned();
        }
        match paint {
            Paint::Error => text.red().bold().to_string(),
            Paint::Warning => text.yellow().bold().to_string(),
            Paint::Note => text.cyan().to_string(),
            Paint::Good => text.green().bold().to_string(),
            Paint::Dim => text.dimmed().to_string(),
            Paint::Bold => text.bold().to_string(),
        }
    }

    fn line(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push('\n');
    }

    /// Writes `text` word-wrapped at the width, every line indented by `indent`.
    fn wrapped(&mut self, indent: usize, text: &str) {
        let width = self.opts.width.max(indent + 20);
        let pad = " ".repeat(indent);
        let mut line = String::new();
        for word in one_line(text).split(' ').filter(|w| !w.is_empty()) {
            let len = line.chars().count();
            if len > 0 && indent + len + 1 + word.chars().count() > width {
                self.line(&format!("{pad}{line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            self.line(&format!("{pad}{line}"));
        }
    }
}

fn severity_paint(severity: Severity) -> Paint {
    match severity {
        Severity::Error => Paint::Error,
        Severity::Warning => Paint::Warning,
        Severity::Note => Paint::Note,
    }
}

/// Renders a report for a terminal.
pub fn render(report: &Report, opts: &HumanOptions) -> String {
    let mut out = Out {
        text: String::new(),
        opts,
    };
    header(&mut out, report);
    let (grouped, ungrouped): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| f.group.is_some());
    for (group, findings) in buckets(&grouped, |f| f.group.as_deref().unwrap_or("")) {
        out.line("");
        let title = format!("== {group} ==");
        let title = out.paint(&title, Paint::Bold);
        out.line(&title);
        rules(&mut out, &findings);
        if let Some(diff) = report.membership_diffs.iter().find(|d| d.group == group) {
            membership(&mut out, diff);
        }
    }
    if !ungrouped.is_empty() {
        out.line("");
        let title = out.paint("== not about one group ==", Paint::Bold);
        out.line(&title);
        rules(&mut out, &ungrouped);
    }
    summary(&mut out, report);
    out.text
}

fn header(out: &mut Out<'_>, report: &Report) {
    let (word, paint) = match report.status {
        Status::Clean => ("CLEAN", Paint::Good),
        Status::Drift => ("DRIFT", Paint::Error),
        Status::Incomplete => ("INCOMPLETE", Paint::Warning),
    };
    let status = out.paint(word, paint);
    out.line(&format!("scimdrift check: {status}"));
    let src = &report.source;
    let sha = short_sha(&src.snapshot_sha256);
    let from = match (&src.snapshot_path, &src.base_url) {
        (Some(path), _) => format!("snapshot {path}"),
        (None, Some(url)) => url.clone(),
        (None, None) => "(unknown)".to_owned(),
    };
    out.wrapped(2, &format!("source: {from} (sha256 {sha})"));
    if let Some(refresh) = &src.refresh {
        // One line, never wrapped: scripts and people grep for it.
        out.line(&format!("  {}", refresh.summary_line()));
    }
    let fail_on = report.fail_on.map_or("never", Severity::as_str);
    out.wrapped(
        2,
        &format!(
            "evaluated at {}; fail on {fail_on}; {} policy file(s)",
            report.generated_at,
            report.policies.len()
        ),
    );
    if let Some(commit) = &report.policies_commit {
        let commit = crate::text::short_commit(commit);
        out.wrapped(2, &format!("policies at commit {commit}"));
    }
    if report.status == Status::Incomplete {
        out.line("");
        let warn = out.paint(
            "The live data is incomplete or implausible; do not trust these results:",
            Paint::Warning,
        );
        out.line(&warn);
        for reason in &report.incomplete_reasons {
            out.wrapped(2, &format!("- {reason}"));
        }
    }
}

/// Splits findings into buckets by key, in order of first appearance, keeping
/// the report's order inside each bucket (the engine's output is already
/// contiguous; a hand-made report need not be).
fn buckets<'f>(
    findings: &[&'f Finding],
    key: impl Fn(&Finding) -> &str,
) -> Vec<(String, Vec<&'f Finding>)> {
    let mut out: Vec<(String, Vec<&Finding>)> = Vec::new();
    for f in findings {
        let k = key(f);
        match out.iter_mut().find(|(name, _)| name == k) {
            Some((_, list)) => list.push(f),
            None => out.push((k.to_owned(), vec![f])),
        }
    }
    out
}

fn rules(out: &mut Out<'_>, findings: &[&Finding]) {
    for (rule, list) in buckets(findings, |f| f.rule.as_str()) {
        let title = out.paint(&format!("rule {rule}"), Paint::Dim);
        out.line(&format!("  {title}"));
        for f in list {
            finding(out, f);
        }
    }
}

fn finding(out: &mut Out<'_>, f: &Finding) {
    let (label, paint) = if f.exception.is_some() {
        ("excused", Paint::Dim)
    } else {
        (f.severity.as_str(), severity_paint(f.severity))
    };
    let label = out.paint(&format!("{label:<7}"), paint);
    let who = f.subject.as_ref().map(subject_label).unwrap_or_default();
    out.line(format!("    {label} {} {who}", f.kind.as_str()).trim_end());
    out.wrapped(12, &f.message);
    if let Some(p) = &f.policy {
        let at = out.paint(
            &format!("at {}:{}:{}", p.file, p.line, p.column),
            Paint::Dim,
        );
        out.line(&format!("            {at}"));
    }
    if let Some(e) = &f.exception {
        let mut text = format!("excused until {}: {}", e.expires, e.reason);
        if let Some(t) = &e.ticket {
            let _ = write!(text, " ({t})");
        }
        if let Some(o) = &e.owner {
            let _ = write!(text, ", owner {o}");
        }
        out.wrapped(12, &text);
    }
}

fn membership(out: &mut Out<'_>, diff: &MembershipDiff) {
    out.line("  expected vs live (- missing, + unexpected):");
    let old: Vec<&str> = diff.expected.iter().map(String::as_str).collect();
    let new: Vec<&str> = diff.live.iter().map(String::as_str).collect();
    let text_diff = TextDiff::from_slices(&old, &new);
    let changes: Vec<(ChangeTag, &str)> = text_diff
        .iter_all_changes()
        .map(|c| (c.tag(), c.value()))
        .collect();
    let near_change = |i: usize| {
        let lo = i.saturating_sub(CONTEXT);
        let hi = (i + CONTEXT + 1).min(changes.len());
        changes[lo..hi].iter().any(|(t, _)| *t != ChangeTag::Equal)
    };
    let mut skipped = 0usize;
    for (i, (tag, value)) in changes.iter().enumerate() {
        if *tag == ChangeTag::Equal && !near_change(i) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            let dim = out.paint(&format!("      … {skipped} unchanged"), Paint::Dim);
            out.line(&dim);
            skipped = 0;
        }
        let line = match tag {
            ChangeTag::Delete => out.paint(&format!("    - {value}"), Paint::Error),
            ChangeTag::Insert => out.paint(&format!("    + {value}"), Paint::Good),
            ChangeTag::Equal => format!("      {value}"),
        };
        out.line(&line);
    }
    if skipped > 0 {
        let dim = out.paint(&format!("      … {skipped} unchanged"), Paint::Dim);
        out.line(&dim);
    }
}

fn summary(out: &mut Out<'_>, report: &Report) {
    let s = &report.summary;
    out.line("");
    let count = |sev| s.by_severity.get(&sev).copied().unwrap_or(0);
    out.wrapped(
        0,
        &format!(
            "Summary: {} finding(s): {} error, {} warning, {} note, {} excused; {} failing the run.",
            s.total,
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Note),
            s.excused,
            s.failing
        ),
    );
    if !s.by_kind.is_empty() {
        let kinds = s
            .by_kind
            .iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        out.wrapped(2, &format!("by kind: {kinds}"));
    }
    let c = &s.coverage;
    out.wrapped(
        0,
        &format!(
            "Coverage: {} live group(s): {} declared, {} ignored, {} unmanaged.",
            c.groups_live, c.groups_declared, c.groups_ignored, c.groups_unmanaged
        ),
    );
    out.wrapped(
        2,
        &format!(
            "{} of {} user(s) and {} of {} embed user(s) governed by a rule or declaration.",
            c.users_governed, c.users_live, c.embed_users_governed, c.embed_users_live
        ),
    );
    let paint = match report.status {
        Status::Clean => Paint::Good,
        Status::Drift => Paint::Error,
        Status::Incomplete => Paint::Warning,
    };
    let verdict = out.paint(report.status.as_str(), paint);
    out.line(&format!("Result: {verdict}"));
}
