//! OpenMetrics text (`--output openmetrics=FILE`): the numbers of one run for
//! Prometheus, through node_exporter's textfile collector or a pushgateway.
//!
//! Every metric is a gauge named `scimdrift_*` (each file describes one run,
//! so a per-run count is a gauge, never a counter), and every family is
//! always present with every label value it can take, so that an alert such
//! as `scimdrift_findings_failing > 0` never sees a series vanish. The only
//! exceptions are facts a run may not have: the PR and history families
//! appear only in PR mode and with `--state-dir`, the fetch families only
//! when the snapshot records a fetch, the snapshot's age only when its fetch
//! time is known. The counts are the JSON report's `summary`, value for value.

use crate::RenderOptions;
use scimdrift_report::{Change, FindingKind, Report, Severity, Since, Status};
use std::fmt::Write as _;

/// Renders the report's metrics, ending with `# EOF`.
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = Metrics::default();
    let summary = &report.summary;

    out.family(
        "scimdrift_status",
        "The run's status: 1 for the status it has, 0 for the others",
        None,
    );
    for status in [Status::Clean, Status::Drift, Status::Incomplete] {
        out.sample(
            "scimdrift_status",
            &[("status", status.as_str())],
            u64::from(report.status == status),
        );
    }
    out.family(
        "scimdrift_findings",
        "Findings of the run, excused ones included",
        None,
    );
    out.sample("scimdrift_findings", &[], summary.total);
    out.family(
        "scimdrift_findings_failing",
        "Findings at or above the fail threshold and not excused",
        None,
    );
    out.sample("scimdrift_findings_failing", &[], summary.failing);
    out.family(
        "scimdrift_findings_excused",
        "Findings an exception excused",
        None,
    );
    out.sample("scimdrift_findings_excused", &[], summary.excused);
    out.family(
        "scimdrift_findings_by_kind",
        "Findings per kind, excused ones included",
        None,
    );
    for kind in FindingKind::ALL {
        let n = summary.by_kind.get(&kind).copied().unwrap_or(0);
        out.sample("scimdrift_findings_by_kind", &[("kind", kind.as_str())], n);
    }
    out.family(
        "scimdrift_findings_by_severity",
        "Findings per severity, excused ones excluded",
        None,
    );
    for severity in [Severity::Error, Severity::Warning, Severity::Note] {
        let n = summary.by_severity.get(&severity).copied().unwrap_or(0);
        out.sample(
            "scimdrift_findings_by_severity",
            &[("severity", severity.as_str())],
            n,
        );
    }
    if report.findings.iter().any(|f| f.change.is_some()) {
        out.family(
            "scimdrift_findings_by_change",
            "PR mode: findings the pull request introduces, resolves or leaves unchanged",
            None,
        );
        for change in [Change::Introduced, Change::Resolved, Change::Unchanged] {
            let n = report
                .findings
                .iter()
                .filter(|f| f.change == Some(change))
                .count();
            out.sample(
                "scimdrift_findings_by_change",
                &[("change", change.as_str())],
                n as u64,
            );
        }
    }
    if report.findings.iter().any(|f| f.since_last_run.is_some()) {
        out.family(
            "scimdrift_findings_since_last_run",
            "With --state-dir: findings new, persisting or resolved since the last run",
            None,
        );
        for since in [Since::New, Since::Persisting, Since::Resolved] {
            let n = report
                .findings
                .iter()
                .filter(|f| f.since_last_run == Some(since))
                .count();
            out.sample(
                "scimdrift_findings_since_last_run",
                &[("since", since.as_str())],
                n as u64,
            );
        }
    }
    let kind_count = |kind| summary.by_kind.get(&kind).copied().unwrap_or(0);
    out.family(
        "scimdrift_exceptions_expiring",
        "Exceptions that expire within the policies' expiring_within_days window",
        None,
    );
    out.sample(
        "scimdrift_exceptions_expiring",
        &[],
        kind_count(FindingKind::ExceptionExpiring),
    );
    out.family(
        "scimdrift_exceptions_expired",
        "Exceptions past their expiry date",
        None,
    );
    out.sample(
        "scimdrift_exceptions_expired",
        &[],
        kind_count(FindingKind::ExceptionExpired),
    );

    let c = &summary.coverage;
    out.family(
        "scimdrift_groups",
        "Live groups: all of them, declared, ignored, and neither (unmanaged)",
        None,
    );
    for (state, n) in [
        ("live", c.groups_live),
        ("declared", c.groups_declared),
        ("ignored", c.groups_ignored),
        ("unmanaged", c.groups_unmanaged),
    ] {
        out.sample("scimdrift_groups", &[("state", state)], n);
    }
    out.family(
        "scimdrift_users",
        "Live standard users, and those some policy governs",
        None,
    );
    for (state, n) in [("live", c.users_live), ("governed", c.users_governed)] {
        out.sample("scimdrift_users", &[("state", state)], n);
    }
    out.family(
        "scimdrift_embed_users",
        "Live embed users, and those some policy governs",
        None,
    );
    for (state, n) in [
        ("live", c.embed_users_live),
        ("governed", c.embed_users_governed),
    ] {
        out.sample("scimdrift_embed_users", &[("state", state)], n);
    }

    if let Some(fetch) = opts.fetch.as_ref().filter(|f| f.requests > 0) {
        for (name, help, n) in [
            (
                "scimdrift_fetch_requests",
                "HTTP requests the fetch sent, retries included",
                fetch.requests,
            ),
            (
                "scimdrift_fetch_retries",
                "Requests of the fetch that were retries",
                fetch.retries,
            ),
            (
                "scimdrift_fetch_rate_limited",
                "Answers with status 429 (Too Many Requests) during the fetch",
                fetch.rate_limited,
            ),
            (
                "scimdrift_fetch_pages",
                "List pages the fetch received",
                fetch.pages,
            ),
        ] {
            out.family(name, help, None);
            out.sample(name, &[], n);
        }
        out.family(
            "scimdrift_fetch_duration_seconds",
            "Wall time of the fetch",
            Some("seconds"),
        );
        out.sample_seconds("scimdrift_fetch_duration_seconds", fetch.duration_ms);
    }

    let now = report.generated_at.parse::<jiff::Timestamp>().ok();
    if let Some(now) = now {
        out.family(
            "scimdrift_run_timestamp_seconds",
            "The run's evaluation time (--now), as a Unix time",
            Some("seconds"),
        );
        out.sample_signed("scimdrift_run_timestamp_seconds", now.as_second());
    }
    let fetched = report
        .source
        .fetched_at
        .as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    if let Some(fetched) = fetched {
        out.family(
            "scimdrift_snapshot_timestamp_seconds",
            "When the checked data was fetched, as a Unix time",
            Some("seconds"),
        );
        out.sample_signed("scimdrift_snapshot_timestamp_seconds", fetched.as_second());
        if let Some(now) = now {
            out.family(
                "scimdrift_snapshot_age_seconds",
                "How old the checked data was at the evaluation time",
                Some("seconds"),
            );
            out.sample_signed(
                "scimdrift_snapshot_age_seconds",
                now.as_second() - fetched.as_second(),
            );
        }
    }
    out.text.push_str("# EOF\n");
    out.text
}

/// The text being written.
#[derive(Debug, Default)]
struct Metrics {
    text: String,
}

impl Metrics {
    /// Starts a gauge family.
    fn family(&mut self, name: &str, help: &str, unit: Option<&str>) {
        let _ = writeln!(self.text, "# TYPE {name} gauge");
        if let Some(unit) = unit {
            let _ = writeln!(self.text, "# UNIT {name} {unit}");
        }
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
    }

    fn labels(&mut self, name: &str, labels: &[(&str, &str)]) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (key, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{key}=\"{}\"", escape_label(value));
            }
            self.text.push('}');
        }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: u64) {
        self.labels(name, labels);
        let _ = writeln!(self.text, " {value}");
    }

    fn sample_signed(&mut self, name: &str, value: i64) {
        let _ = writeln!(self.text, "{name} {value}");
    }

    /// Milliseconds shown as seconds, exactly (`1.234`).
    fn sample_seconds(&mut self, name: &str, ms: u64) {
        let _ = writeln!(self.text, "{name} {}.{:03}", ms / 1000, ms % 1000);
    }
}

/// `\` and newlines escaped, as OpenMetrics wants in `# HELP`.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// `\`, `"` and newlines escaped, as OpenMetrics wants in label values.
fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_help("a\\b\nc"), "a\\\\b\\nc");
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn seconds_are_exact() {
        let mut m = Metrics::default();
        m.sample_seconds("x", 1234);
        m.sample_seconds("y", 5);
        assert_eq!(m.text, "x 1.234\ny 0.005\n");
    }
}
