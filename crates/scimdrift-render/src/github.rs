//! GitHub Actions workflow commands: one annotation per finding, pointing at
//! the policy line, within GitHub's limits.
//!
//! GitHub shows at most 10 error and 10 warning annotations per step (notices
//! are held to 10 here as well) and 50 per job. Annotations go out most
//! severe first; excused and resolved findings are not annotated. When findings are left
//! out, a final notice says how many and of which severities (its slot is
//! kept free for it). Values are escaped as the runner expects: `%`, `\r`,
//! `\n` everywhere, and `:` and `,` inside properties.

use crate::RenderOptions;
use crate::text::{most_severe_first, subject_label};
use scimdrift_report::{Finding, Report, Severity, Status};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Annotation budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Error annotations per step.
    pub errors: usize,
    /// Warning annotations per step.
    pub warnings: usize,
    /// Notice annotations per step.
    pub notices: usize,
    /// Annotations per job (what this step may still use).
    pub total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            errors: 10,
            warnings: 10,
            notices: 10,
            total: 50,
        }
    }
}

/// Renders annotations with GitHub's default limits.
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    render_with_limits(report, opts, Limits::default())
}

/// Renders annotations within `limits`.
pub fn render_with_limits(report: &Report, opts: &RenderOptions, limits: Limits) -> String {
    let mut out = String::new();
    let mut used: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut total = 0usize;
    let mut omitted: BTreeMap<Severity, usize> = BTreeMap::new();

    // The incomplete-data error comes first: it matters more than any finding.
    if report.status == Status::Incomplete && total < limits.total && limits.errors > 0 {
        let reasons = report.incomplete_reasons.join("; ");
        let _ = writeln!(
            out,
            "::error title={}::{}",
            escape_property("scimdrift: incomplete live data"),
            escape_data(&format!(
                "The live data is incomplete or implausible; results cannot be trusted. {reasons}"
            ))
        );
        *used.entry(Severity::Error).or_default() += 1;
        total += 1;
    }

    let candidates: Vec<&Finding> = most_severe_first(&report.findings)
        .into_iter()
        .filter(|f| f.exception.is_none() && f.is_current())
        .collect();
    // Keep one notice slot (and one job slot) for the omission note, should
    // anything be left out.
    let fits_all = fits(&candidates, &used, total, &limits);
    for f in &candidates {
        let cap = match f.severity {
            Severity::Error => limits.errors,
            Severity::Warning => limits.warnings,
            Severity::Note => limits.notices.saturating_sub(usize::from(!fits_all)),
        };
        let total_cap = limits.total.saturating_sub(usize::from(!fits_all));
        let n = used.entry(f.severity).or_default();
        if *n >= cap || total >= total_cap {
            *omitted.entry(f.severity).or_default() += 1;
            continue;
        }
        *n += 1;
        total += 1;
        out.push_str(&annotation(f, opts));
    }
    if !omitted.is_empty() {
        let count: usize = omitted.values().sum();
        let parts: Vec<String> = omitted
            .iter()
            .rev()
            .map(|(sev, n)| format!("{n} {}", sev.as_str()))
            .collect();
        let where_ = opts
            .full_report
            .clone()
            .unwrap_or_else(|| "the job summary and the full report".to_owned());
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            escape_property("scimdrift: more findings"),
            escape_data(&format!(
                "{count} more findings were not annotated ({}) because GitHub limits annotations per step and job; see {where_}.",
                parts.join(", ")
            ))
        );
    }
    out
}

fn fits(
    candidates: &[&Finding],
    used: &BTreeMap<Severity, usize>,
    total: usize,
    limits: &Limits,
) -> bool {
    let count = |sev: Severity| {
        candidates.iter().filter(|f| f.severity == sev).count()
            + used.get(&sev).copied().unwrap_or(0)
    };
    count(Severity::Error) <= limits.errors
        && count(Severity::Warning) <= limits.warnings
        && count(Severity::Note) <= limits.notices
        && total + candidates.len() <= limits.total
}

fn annotation(f: &Finding, opts: &RenderOptions) -> String {
    let command = match f.severity {
        // GitHub calls a note a notice; errors and warnings are named alike.
        Severity::Note => "notice",
        other => other.as_str(),
    };
    let mut props = Vec::new();
    if let Some(p) = &f.policy {
        props.push(format!(
            "file={}",
            escape_property(&opts.policy_path(&p.file))
        ));
        props.push(format!("line={}", p.line));
        props.push(format!("col={}", p.column));
    }
    let mut title = format!("{} ({})", f.kind.as_str(), f.rule);
    if let Some(subject) = &f.subject {
        title = format!("{title}: {}", subject_label(subject));
    }
    props.push(format!("title={}", escape_property(&title)));
    format!(
        "::{command} {}::{}\n",
        props.join(","),
        escape_data(&f.message)
    )
}

/// Escapes a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
