//! The JSON Schema of policy files, for editors.
//!
//! The loader reads YAML through its own spanned tree, so these structs exist
//! only to describe the format: a test keeps them in agreement with the loader
//! on every fixture.

#![expect(
    dead_code,
    reason = "the structs only describe the format for schemars"
)]

use schemars::JsonSchema;

/// A scimdrift policy file (`version: 1`). Every `*.yaml`/`*.yml` file under
/// the policies directory is loaded and merged.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "scimdrift policy file")]
struct PolicyFile {
    /// The policy language version.
    #[schemars(extend("const" = 1))]
    version: u32,
    /// Global settings; only one file may hold them.
    settings: Option<SettingsDoc>,
    /// Group declarations.
    groups: Option<Vec<GroupDoc>>,
    /// Rules over embed users.
    embed_users: Option<Vec<RuleDoc>>,
    /// Rules over standard users.
    users: Option<Vec<RuleDoc>>,
    /// Sets of groups nobody may be in two or more of.
    separation_of_duties: Option<Vec<SodDoc>>,
    /// Exceptions excusing findings, each with an expiry date.
    exceptions: Option<Vec<ExceptionDoc>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
enum UnmanagedMode {
    Report,
    Ignore,
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
enum MembersDoc {
    Exact,
    AtLeast,
    Unmanaged,
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
enum SeverityDoc {
    Error,
    Warning,
    Note,
}

/// Global settings.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct SettingsDoc {
    /// Whether live groups no policy declares are reported (default `report`).
    unmanaged_groups: Option<UnmanagedMode>,
    /// Groups never reported as unmanaged (globs allowed).
    ignore_groups: Option<Vec<GroupRefDoc>>,
    /// A regex every live group name must match.
    group_name_pattern: Option<String>,
    /// Exceptions this close to expiry raise a warning (default 14).
    #[schemars(range(min = 0))]
    expiring_within_days: Option<u32>,
    /// Suspicious-drift guard threshold (default 0.5).
    #[schemars(range(min = 0.0, max = 1.0))]
    max_missing_ratio: Option<f64>,
}

/// A group reference: exact name, glob (`*`, `?`) or `${attr}` template.
#[derive(JsonSchema)]
#[schemars(transparent)]
struct GroupRefDoc(#[schemars(length(min = 1))] String);

/// A group declaration.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct GroupDoc {
    /// The group's exact, case-sensitive display name.
    #[schemars(length(min = 1, max = 64))]
    name: String,
    /// Free text shown in reports.
    owner: Option<String>,
    /// Membership mode (default: `exact` with a list, else `unmanaged`).
    members: Option<MembersDoc>,
    /// Standard users by userName (case-insensitive), each a name or a
    /// time-bound entry.
    users: Option<Vec<MemberDoc>>,
    /// Embed users by embedExternalId (case-sensitive), each a name or a
    /// time-bound entry.
    embed_users: Option<Vec<MemberDoc>>,
    /// Lower bound on the live member count.
    #[schemars(range(min = 0))]
    min_members: Option<u64>,
    /// Upper bound on the live member count.
    #[schemars(range(min = 0))]
    max_members: Option<u64>,
    /// Severity of the declaration's findings (default `error`).
    severity: Option<SeverityDoc>,
}

#[derive(JsonSchema)]
#[schemars(transparent)]
struct NonEmpty(#[schemars(length(min = 1))] String);

/// A declared member: a name, or a mapping for a membership that ends.
// `untagged` here only shapes the schema (`anyOf`); the loader decodes the
// YAML itself, with its own error messages.
#[derive(JsonSchema)]
#[serde(untagged)]
enum MemberDoc {
    Name(NonEmpty),
    TimeBound(TimeBoundMemberDoc),
}

/// A member declared until a date.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct TimeBoundMemberDoc {
    /// userName (users) or embedExternalId (embed users).
    #[schemars(length(min = 1))]
    name: String,
    /// Last day (UTC, inclusive) of the membership (`YYYY-MM-DD`); after it a
    /// remaining membership is `member_expired`.
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    until: String,
    /// Why the identity has the membership.
    #[schemars(length(min = 1))]
    reason: String,
    /// Tracking ticket.
    ticket: Option<String>,
}

/// A duration in whole days or weeks: `90d`, `13w`.
#[derive(JsonSchema)]
#[schemars(transparent)]
struct DurationDoc(#[schemars(regex(pattern = r"^[0-9]+[dw]$"))] String);

/// A rule id: `[a-z0-9][a-z0-9-]*`.
#[derive(JsonSchema)]
#[schemars(transparent)]
struct RuleId(#[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]*$"))] String);

/// A rule over embed users or standard users.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct RuleDoc {
    /// Unique rule id.
    id: RuleId,
    /// Free text.
    description: Option<String>,
    /// A SCIM filter selecting the subjects (default: all).
    #[serde(rename = "where")]
    where_: Option<String>,
    /// Apply only to subjects idle this long: whose `lastLogin` (Omni's user
    /// extension) is older, or who never logged in and were created
    /// (`meta.created`) before it. Days (`90d`) or weeks (`13w`); combined
    /// with `where` by *and*.
    inactive_for: Option<DurationDoc>,
    /// Each entry must match at least one of the subject's groups.
    must_be_in: Option<Vec<GroupRefDoc>>,
    /// No group of the subject may match an entry.
    must_not_be_in: Option<Vec<GroupRefDoc>>,
    /// Every group of the subject must match an entry (`[]`: no group at all).
    only_in: Option<Vec<GroupRefDoc>>,
    /// Severity (default `error`).
    severity: Option<SeverityDoc>,
}

/// Separation of duties.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct SodDoc {
    /// Unique rule id.
    id: RuleId,
    /// Free text.
    description: Option<String>,
    /// The mutually exclusive groups (globs allowed).
    #[schemars(length(min = 2))]
    groups: Vec<GroupRefDoc>,
    /// Severity (default `error`).
    severity: Option<SeverityDoc>,
}

/// An exception.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExceptionDoc {
    /// A rule id, or `group:<name>` for a group declaration's findings.
    #[schemars(length(min = 1))]
    rule: String,
    /// userName (users) or embedExternalId (embed users).
    #[schemars(length(min = 1))]
    subject: String,
    /// Excuse only findings about this group.
    group: Option<String>,
    /// Why the exception exists.
    #[schemars(length(min = 1))]
    reason: String,
    /// Tracking ticket.
    ticket: Option<String>,
    /// Who owns it.
    owner: Option<String>,
    /// Last day it applies (`YYYY-MM-DD`).
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    expires: String,
}

/// The JSON Schema (draft 2020-12) of one policy file.
pub fn policy_json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(PolicyFile);
    schema.to_value()
}
