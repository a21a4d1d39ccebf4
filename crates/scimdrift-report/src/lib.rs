//! The report contract (`scimdrift.report/v1`): what the engine produces and
//! every renderer consumes, and the pure behaviour over it.
//!
//! - `model`: the types ([`Report`], [`Finding`], …), plain data serialized
//!   as JSON; each enum's `as_str` is its JSON name.
//! - `outcome`: which findings fail a run ([`Finding::fails`]), the
//!   [`Summary`] counts ([`Summary::count`]) and the run's [`Status`]
//!   ([`Status::derive`]): one definition, used by the engine and PR mode.
//! - `marks`: how findings relate to another report: the base policies' in
//!   PR mode ([`Report::mark_against_base`]), the previous run's with
//!   `--state-dir` ([`Report::mark_since_last_run`]), and whether a finding
//!   is still current ([`Finding::is_current`]).
//! - `sha`: hashes as reports show them ([`short_sha`]).
//!
//! Architecture invariant: this crate performs no IO; everything here is a
//! function of its arguments.

mod marks;
mod model;
mod outcome;
mod sha;

#[cfg(test)]
mod fixture;

pub use model::{
    Change, Coverage, EvaluatedRule, ExceptionRef, Finding, FindingKind, MembershipDiff,
    PolicyFileRef, PolicyLocation, REPORT_SCHEMA, RefreshInfo, Report, ReportSource, RuleKind,
    Severity, Since, Status, Subject, SubjectType, Summary, ToolInfo,
};
pub use sha::short_sha;
