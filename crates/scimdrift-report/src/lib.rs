//! The report contract (`scimdrift.report/v1`): what the engine produces and
//! every renderer consumes, and the pure behaviour over it.
//!
//! - `model`: the types ([`Report`], [`Finding`], …), plain data serialized
//!   as JSON.
//! - `outcome`: which findings fail a run ([`Finding::fails`]), the
//!   [`Summary`] counts ([`Summary::count`]) and the run's [`Status`]
//!   ([`Status::derive`]): one definition, used by the engine and PR mode.
//!
//! Architecture invariant: this crate performs no IO; everything here is a
//! function of its arguments.

mod model;
mod outcome;

pub use model::{
    Change, Coverage, EvaluatedRule, ExceptionRef, Finding, FindingKind, MembershipDiff,
    PolicyFileRef, PolicyLocation, REPORT_SCHEMA, Report, ReportSource, RuleKind, Severity, Since,
    Status, Subject, SubjectType, Summary, ToolInfo,
};
