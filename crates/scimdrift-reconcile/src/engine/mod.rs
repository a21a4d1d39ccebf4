//! The drift engine: a snapshot and policies in, a [`Report`] out.
//!
//! Groups and identities are indexed once (ids, lowercase userNames,
//! embedExternalIds, member → groups); every non-template group reference is
//! matched against every live group once, up front; rules then walk the
//! subjects (in parallel) looking only at each subject's own groups.
//!
//! [`check`] runs the phases in order, one module each: [`index`],
//! [`declarations`], [`live_groups`], [`rules`] (group references matched
//! in [`refs`]; whether a rule applies to a subject decided in
//! [`applicable`]), [`sod`], [`exceptions`], [`guard`]; then [`findings`]
//! sorts and [`summary`] adds coverage and the evaluated rules. The summary
//! counts and the status are `scimdrift_report`'s (`Summary::count`,
//! `Status::derive`), shared with PR mode.

mod activity;
mod applicable;
mod declarations;
mod exceptions;
mod findings;
mod guard;
mod index;
mod lint;
mod live_groups;
pub mod phases;
mod refs;
mod rules;
mod sod;
mod summary;

pub use applicable::{AppliedRules, WhereError, applicable_rules};
pub use lint::lint_against_snapshot;

use crate::model::Policies;
use scimdrift_proto::Snapshot;
use scimdrift_report::{REPORT_SCHEMA, Report, ReportSource, Severity, Status, Summary, ToolInfo};

/// The lowest severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Errors fail the run (the default).
    #[default]
    Error,
    /// Warnings and errors fail the run.
    Warning,
    /// Every finding fails the run.
    Note,
    /// Nothing fails the run (incomplete data still does).
    Never,
}

impl FailOn {
    /// The threshold severity, `None` for [`FailOn::Never`].
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

/// Options of one check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The evaluation time (exception expiry is judged against it).
    pub now: jiff::Timestamp,
    /// The lowest severity that fails the run.
    pub fail_on: FailOn,
    /// Where the snapshot came from (for the report header).
    pub source: ReportSource,
    /// Skip the suspicious-drift guard (`--accept-mass-drift`).
    pub accept_mass_drift: bool,
    /// The tool version written into the report.
    pub tool_version: String,
}

impl CheckOptions {
    /// Options with defaults: fail on errors, guard on.
    pub fn new(now: jiff::Timestamp, source: ReportSource) -> Self {
        CheckOptions {
            now,
            fail_on: FailOn::Error,
            source,
            accept_mass_drift: false,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// Checks a snapshot against policies at `opts.now`. Pure and deterministic:
/// the same inputs give the same report, whatever the order of the
/// snapshot's arrays or of the policy files.
///
/// ```
/// use scimdrift_proto::{Resource, Snapshot, SnapshotSource};
/// use scimdrift_reconcile::{
///     CheckOptions, FindingKind, PolicySource, ReportSource, Status, check, load_policies,
/// };
///
/// // `Admins` must hold exactly `alice`; `Auditors` must exist.
/// let policy = r#"
/// version: 1
/// groups:
///   - name: Admins
///     users: [alice]
///   - name: Auditors
/// "#;
/// let source = PolicySource { path: "groups.yaml".into(), contents: policy.into() };
/// let policies = load_policies(&[source]).expect("the policy loads").policies;
///
/// // Live: `Admins` holds `alice` and `bob`; there is no `Auditors`.
/// let mut snapshot = Snapshot::new(SnapshotSource::default());
/// let resource = |json: &str| Resource::from_json(json).expect("a resource");
/// snapshot.users.push(resource(r#"{"id": "u1", "userName": "alice"}"#));
/// snapshot.users.push(resource(r#"{"id": "u2", "userName": "bob"}"#));
/// snapshot.groups.push(resource(
///     r#"{"id": "g1", "displayName": "Admins", "members": [{"value": "u1"}, {"value": "u2"}]}"#,
/// ));
///
/// let now = "2027-01-01T00:00:00Z".parse().expect("a timestamp");
/// let report = check(&snapshot, &policies, &CheckOptions::new(now, ReportSource::default()));
/// assert_eq!(report.status, Status::Drift);
/// let kinds: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
/// assert_eq!(kinds, [FindingKind::MemberUnexpected, FindingKind::GroupMissing]);
/// assert_eq!(report.findings[0].message, "user `bob` is a member of `Admins` but is not declared");
/// ```
pub fn check(snapshot: &Snapshot, policies: &Policies, opts: &CheckOptions) -> Report {
    let mut reasons = snapshot_reasons(snapshot);
    let mut problems = Vec::new();
    let index = index::build_index(snapshot, &mut problems);
    reasons.extend(problems);

    let mut drafts = Vec::new();
    let mut governed = summary::Governed::new(&index);
    let declared =
        declarations::check_declarations(&index, policies, opts.now, &mut drafts, &mut governed);
    let mut coverage =
        live_groups::check_live_groups(&index, policies, &declared.live, &mut drafts);
    let where_errors =
        rules::evaluate_rules(&index, policies, opts.now, &mut drafts, &mut governed);
    reasons.extend(rules::where_errors(policies, where_errors));
    governed.count_into(&mut coverage);
    sod::check_separation_of_duties(&index, policies, &mut drafts);

    let mut findings = drafts.into_iter().map(findings::Draft::finish).collect();
    exceptions::apply_exceptions(&mut findings, policies, &index, opts.now);
    if !opts.accept_mass_drift {
        reasons.extend(guard::mass_drift(snapshot, policies, &declared.missing));
    }
    findings::sort_findings(&mut findings);
    let summary = Summary::count(&findings, opts.fail_on.threshold(), coverage);

    let mut membership_diffs = declared.diffs;
    membership_diffs.sort();
    Report {
        schema: REPORT_SCHEMA.to_owned(),
        status: Status::derive(!reasons.is_empty(), summary.failing),
        generated_at: opts.now.to_string(),
        tool: ToolInfo {
            name: "scimdrift".to_owned(),
            version: opts.tool_version.clone(),
        },
        fail_on: opts.fail_on.threshold(),
        source: opts.source.clone(),
        policies: policies.files.clone(),
        policies_commit: None,
        summary,
        evaluated: summary::evaluated_rules(policies),
        membership_diffs,
        findings,
        incomplete_reasons: reasons,
    }
}

/// Why the snapshot itself says its data is incomplete.
fn snapshot_reasons(snapshot: &Snapshot) -> Vec<String> {
    let mut reasons: Vec<String> = Vec::new();
    if !snapshot.complete {
        if snapshot.incomplete_reasons.is_empty() {
            reasons.push("the snapshot is marked incomplete".to_owned());
        }
        reasons.extend(snapshot.incomplete_reasons.iter().cloned());
    }
    reasons
}
