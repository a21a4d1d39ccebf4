//! Renderers: each turns a [`scimdrift_report::Report`] into one output
//! format. Pure functions from a report to text: no IO, no clock. The report
//! model and its behaviour (currency, marks, status) live in
//! `scimdrift-report`; this crate only prints.
//!
//! - [`markdown`]: a PR comment, summary first, truncated deterministically under a size budget.
//! - [`sarif`]: SARIF 2.1.0 for code scanning, located at the policy line that declared the expectation.
//! - [`junit`]: a test case per evaluated declaration or rule, a failure per finding.
//! - [`github`]: GitHub Actions workflow-command annotations within GitHub's limits.
//! - [`csv`]: one row per finding, guarded against spreadsheet formula injection.
//! - [`openmetrics`]: the run's numbers for Prometheus (textfile collector, pushgateway).
//! - [`owners`]: one Markdown digest per group owner (several files, not a [`Format`]).
//! - [`diff`]: what changed between two snapshots (not a report format).
//! - [`policy_tests`]: `scimdrift test`'s outcomes, as a test runner's lines or JUnit XML (not a report format).
//! - [`review`]: the embed-user access review (CSV, Markdown, JSON, a self-contained HTML page).
//!
//! [`Format`] names every format; [`RenderOptions`] carries what a renderer
//! needs beyond the report (where the policies live, where the full report is).

mod changes;
pub mod csv;
pub mod diff;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod openmetrics;
pub mod owners;
pub mod policy_tests;
pub mod review;
pub mod sarif;
mod text;

use scimdrift_report::Report;
use std::fmt;
use std::str::FromStr;

/// Every output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// A terminal report, grouped by group and rule.
    Human,
    /// The report contract itself (`scimdrift.report/v1`).
    Json,
    /// A PR comment.
    Markdown,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// One CSV row per finding.
    Csv,
    /// OpenMetrics text: the run's numbers for Prometheus.
    Openmetrics,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Json,
        Format::Markdown,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Csv,
        Format::Openmetrics,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Csv => "csv",
            Format::Openmetrics => "openmetrics",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown format `{0}` (expected one of: human, json, markdown, sarif, junit, github, csv, openmetrics)"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// What renderers need beyond the report itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// The policies directory as the repository sees it (e.g. `policies`), so
    /// SARIF and annotations can point at `policies/groups.yaml` rather than
    /// at a path relative to the policies directory. Empty: paths as-is.
    pub policies_dir: String,
    /// Where the full report can be found, named in truncation notes
    /// (e.g. "the `scimdrift-render` artifact").
    pub full_report: Option<String>,
    /// Markdown budget in bytes (65,536 fits a GitHub PR comment).
    pub markdown_max_bytes: usize,
    /// Colour in human output.
    pub color: bool,
    /// The counters of the fetch that produced the checked snapshot, for
    /// OpenMetrics (`None`: a saved report, whose fetch is not known).
    pub fetch: Option<scimdrift_proto::FetchStats>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            policies_dir: "policies".to_owned(),
            full_report: None,
            markdown_max_bytes: markdown::COMMENT_LIMIT,
            color: false,
            fetch: None,
        }
    }
}

impl RenderOptions {
    /// A policy file path as the repository sees it. `..` steps are
    /// resolved against the directory (PR mode's resolved findings can live
    /// in a base directory beside the policies: `../base/groups.yaml`).
    pub fn policy_path(&self, file: &str) -> String {
        let dir = self.policies_dir.trim_end_matches('/');
        let joined = if dir.is_empty() || dir == "." {
            file.to_owned()
        } else {
            format!("{dir}/{file}")
        };
        if !joined.split('/').any(|part| part == "..") {
            return joined;
        }
        // Lexical, for display: `..` after a named directory cancels it; a
        // leading one (above the working directory) stays.
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "." => {}
                ".." if parts.last().is_some_and(|p| !p.is_empty() && *p != "..") => {
                    parts.pop();
                }
                _ => parts.push(part),
            }
        }
        parts.join("/")
    }
}

/// Renders `report` in `format`.
///
/// ```
/// use scimdrift_render::{Format, RenderOptions, render};
/// use scimdrift_report::{
///     Coverage, Finding, FindingKind, PolicyLocation, REPORT_SCHEMA, Report, ReportSource,
///     Severity, Status, Summary, ToolInfo,
/// };
///
/// let findings = vec![Finding {
///     id: "f1".into(),
///     kind: FindingKind::GroupMissing,
///     rule: "group:Admins".into(),
///     severity: Severity::Error,
///     group: Some("Admins".into()),
///     subject: None,
///     message: "group `Admins` does not exist".into(),
///     policy: Some(PolicyLocation { file: "groups.yaml".into(), line: 3, column: 5 }),
///     exception: None,
///     change: None,
///     since_last_run: None,
/// }];
/// let fail_on = Some(Severity::Error);
/// let summary = Summary::count(&findings, fail_on, Coverage::default());
/// let report = Report {
///     schema: REPORT_SCHEMA.into(),
///     status: Status::derive(false, summary.failing),
///     generated_at: "2026-01-01T00:00:00Z".into(),
///     tool: ToolInfo { name: "scimdrift".into(), version: "0.1.0".into() },
///     fail_on,
///     source: ReportSource::default(),
///     policies: vec![],
///     policies_commit: None,
///     summary,
///     evaluated: vec![],
///     membership_diffs: vec![],
///     findings,
///     incomplete_reasons: vec![],
/// };
/// let opts = RenderOptions::default();
///
/// // An annotation at the policy line that declared the group, with the
/// // path as the repository sees it.
/// let annotations = render(&report, Format::Github, &opts);
/// assert!(annotations.starts_with("::error file=policies/groups.yaml,line=3,col=5"));
/// // The PR comment leads with the status.
/// let comment = render(&report, Format::Markdown, &opts);
/// assert!(comment.starts_with("## scimdrift: drift\n"));
/// // JSON is the report contract itself: it reads back as the same report.
/// let json = render(&report, Format::Json, &opts);
/// assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
/// ```
pub fn render(report: &Report, format: Format, opts: &RenderOptions) -> String {
    match format {
        Format::Human => {
            // What the PR or the time since the last run changed comes first;
            // the body then shows the current findings only.
            let mut text = changes::human_preamble(report);
            let current = changes::current_only(report);
            text.push_str(&human::render(
                &current,
                &human::HumanOptions {
                    color: opts.color,
                    ..human::HumanOptions::default()
                },
            ));
            text
        }
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, opts),
        Format::Sarif => sarif::render(report, opts),
        Format::Junit => junit::render(report, opts),
        Format::Github => github::render(report, opts),
        Format::Csv => csv::render(report, opts),
        Format::Openmetrics => openmetrics::render(report, opts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert_eq!(
            "xml".parse::<Format>().unwrap_err().to_string(),
            "unknown format `xml` (expected one of: human, json, markdown, sarif, junit, github, csv, openmetrics)"
        );
    }

    #[test]
    fn policy_paths_join_the_policies_dir() {
        let mut opts = RenderOptions::default();
        assert_eq!(opts.policy_path("a/b.yaml"), "policies/a/b.yaml");
        assert_eq!(opts.policy_path("../base/b.yaml"), "base/b.yaml");
        assert_eq!(opts.policy_path("../../up/b.yaml"), "../up/b.yaml");
        opts.policies_dir = "./".into();
        assert_eq!(opts.policy_path("b.yaml"), "b.yaml");
        opts.policies_dir = String::new();
        assert_eq!(opts.policy_path("b.yaml"), "b.yaml");
    }
}
