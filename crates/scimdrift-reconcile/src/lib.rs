//! The policy model and the drift engine.
//!
//! Phases: load (parse and validate policy files handed in as text, see
//! [`load_policies`]) → index (groups and identities from a snapshot, once) →
//! evaluate (declarations, rules, separation of duties, exceptions) → a
//! [`Report`] (see [`check`]). Policy tests ([`load_tests`], [`run_case`])
//! run hand-written orgs through the same engine.
//!
//! Architecture invariant: this crate performs no IO and never reads the
//! clock. The evaluation time is passed in; policy files are passed in as
//! contents. Same inputs, byte-identical report.

mod diag;
mod engine;
mod load;
mod model;
mod pattern;
mod policy_tests;
mod schema;
mod schema_attrs;
mod scope;
mod yaml;

pub use diag::{Diagnostic, Level, Related, render_all};
pub use engine::{
    AppliedRules, CheckOptions, FailOn, WhereError, applicable_rules, check, lint_against_snapshot,
    phases,
};
pub use load::{Loaded, MAX_POLICY_FILE_BYTES, PolicySource, load_policies, load_policies_seeing};
pub use model::{
    DeclaredMember, Exception, GroupDecl, InactiveFor, MemberUntil, MembersMode, Policies, Rule,
    Settings, SodRule, SubjectKind, UnmanagedGroups,
};
pub use pattern::{GroupPattern, PatternKind, escape_glob};
pub use policy_tests::{CaseOutcome, Expect, Expected, TestCase, TestFile, load_tests, run_case};
pub use schema::policy_json_schema;
pub use schema_attrs::SeenTypes;
/// The report model lives in its own crate; re-exported here for the engine's callers.
pub use scimdrift_report::{self as report, *};
pub use scope::{RefreshScope, refresh_scope};
