//! Tests of the policies themselves (`scimdrift test`): YAML files that each
//! name small hand-written orgs, a `now`, and the findings the policies must
//! produce there, run through the same engine as `check`.
//!
//! [`load_tests`] decodes the files (every error at once, each at its
//! `file:line:column`, see [`load`]); [`run_case`] checks one case's org
//! against the policies and compares the findings with what the case
//! expects. Pure, like the rest of the crate: the CLI reads the files and
//! prints the outcomes.

mod load;

pub use load::load_tests;

use crate::engine::{CheckOptions, check};
use crate::model::Policies;
use scimdrift_proto::Snapshot;
use scimdrift_report::{Finding, FindingKind, PolicyLocation, ReportSource, Status, SubjectType};

/// One test file: its cases in source order.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The path as shown to users (relative to the tests directory).
    pub path: String,
    /// The cases.
    pub cases: Vec<TestCase>,
}

/// One case: an org, a time, and what the policies must report.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The case's `name` (unique in its file).
    pub name: String,
    /// Where the case starts.
    pub at: PolicyLocation,
    /// The evaluation time.
    pub now: jiff::Timestamp,
    /// The org, as a snapshot.
    pub snapshot: Snapshot,
    /// `rules`: when given, only findings of these rules are looked at
    /// (rule ids, `group:<name>`, `exception:<rule>`, `settings`).
    pub rules: Option<Vec<String>>,
    /// What must happen.
    pub expect: Expect,
    /// `incomplete: true`: the run must be incomplete (otherwise an
    /// incomplete run fails the case).
    pub incomplete: bool,
}

/// What a case expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// `expect:` (each must occur) and, with `only: true`, nothing else may.
    Findings {
        /// The expected findings.
        list: Vec<Expected>,
        /// `only: true`.
        only: bool,
    },
    /// `clean: true`: no finding that is not excused.
    Clean,
}

/// One expected finding: a kind and, optionally, its group and subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The finding kind.
    pub kind: FindingKind,
    /// The group's name (exact).
    pub group: Option<String>,
    /// The subject: a userName (any case) or an embedExternalId (exact).
    pub subject: Option<String>,
}

impl Expected {
    /// Whether `finding` is this expectation.
    fn matches(&self, finding: &Finding) -> bool {
        if finding.kind != self.kind {
            return false;
        }
        if let Some(group) = &self.group
            && finding.group.as_deref() != Some(group.as_str())
        {
            return false;
        }
        let Some(want) = &self.subject else {
            return true;
        };
        let Some(subject) = &finding.subject else {
            return false;
        };
        match subject.kind {
            SubjectType::EmbedUser => {
                subject.embed_external_id.as_deref() == Some(want.as_str())
                    || subject
                        .user_name
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase() == want.to_lowercase())
            }
            _ => subject
                .user_name
                .as_deref()
                .or(subject.id.as_deref())
                .is_some_and(|n| n.to_lowercase() == want.to_lowercase()),
        }
    }

    /// The line the outcome's diff shows for it.
    pub fn line(&self) -> String {
        line(
            self.kind,
            self.group.as_deref(),
            self.subject.as_deref(),
            false,
        )
    }
}

fn line(kind: FindingKind, group: Option<&str>, subject: Option<&str>, excused: bool) -> String {
    let mut out = kind.as_str().to_owned();
    if let Some(g) = group {
        out.push_str(&format!(" group={g}"));
    }
    if let Some(s) = subject {
        out.push_str(&format!(" subject={s}"));
    }
    if excused {
        out.push_str(" (excused)");
    }
    out
}

/// The name a finding's subject goes by in an outcome.
fn subject_name(finding: &Finding) -> Option<&str> {
    let s = finding.subject.as_ref()?;
    match s.kind {
        SubjectType::EmbedUser => s.embed_external_id.as_deref().or(s.user_name.as_deref()),
        _ => s.user_name.as_deref().or(s.id.as_deref()),
    }
}

/// How one case went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOutcome {
    /// The case's name.
    pub name: String,
    /// Where the case starts.
    pub at: PolicyLocation,
    /// Whether it passed.
    pub passed: bool,
    /// The expected findings, one line each, sorted (`kind group=… subject=…`).
    pub expected: Vec<String>,
    /// The findings reported (within the case's `rules`), one line each,
    /// sorted; a finding an expectation matched is shown as that
    /// expectation's line, so the two lists differ only where the case
    /// fails (and, without `only: true`, by the extra findings allowed).
    pub actual: Vec<String>,
    /// Why the case failed beyond the diff (an incomplete run, or one
    /// expected incomplete that was not), empty when it passed.
    pub problems: Vec<String>,
}

/// Checks `case`'s org against `policies` at the case's `now` (the
/// mass-drift guard is off: a hand-written org is small on purpose) and
/// compares the findings with what the case expects.
pub fn run_case(case: &TestCase, policies: &Policies) -> CaseOutcome {
    let mut opts = CheckOptions::new(
        case.now,
        ReportSource {
            snapshot_path: Some(format!("{}:{}", case.at.file, case.name)),
            snapshot_sha256: String::new(),
            ..ReportSource::default()
        },
    );
    opts.accept_mass_drift = true;
    let report = check(&case.snapshot, policies, &opts);
    let considered: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| {
            case.rules
                .as_ref()
                .is_none_or(|rules| rules.contains(&f.rule))
        })
        .collect();
    let (list, only): (&[Expected], bool) = match &case.expect {
        Expect::Findings { list, only } => (list, *only),
        Expect::Clean => (&[], true),
    };
    let mut passed = true;
    // Each expectation must match some finding.
    for e in list {
        if !considered.iter().any(|f| e.matches(f)) {
            passed = false;
        }
    }
    let mut actual = Vec::new();
    for f in &considered {
        let excused = f.exception.is_some();
        match list.iter().find(|e| e.matches(f)) {
            Some(e) => actual.push(e.line()),
            None => {
                // Excused findings never fail the run, so `only` and
                // `clean` allow them.
                if only && !excused {
                    passed = false;
                }
                actual.push(line(f.kind, f.group.as_deref(), subject_name(f), excused));
            }
        }
    }
    actual.sort();
    actual.dedup();
    let mut expected: Vec<String> = list.iter().map(Expected::line).collect();
    expected.sort();
    expected.dedup();
    let mut problems = Vec::new();
    let incomplete = report.status == Status::Incomplete;
    if incomplete && !case.incomplete {
        passed = false;
        problems.extend(
            report
                .incomplete_reasons
                .iter()
                .map(|r| format!("the run is incomplete: {r}")),
        );
    } else if !incomplete && case.incomplete {
        passed = false;
        problems.push("`incomplete: true`, but the run is complete".to_owned());
    }
    if passed {
        problems.clear();
    }
    CaseOutcome {
        name: case.name.clone(),
        at: case.at.clone(),
        passed,
        expected,
        actual,
        problems,
    }
}
