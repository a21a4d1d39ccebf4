//! The report types: plain data, serialized as `scimdrift.report/v1`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `schema` value of a v1 report.
pub const REPORT_SCHEMA: &str = "scimdrift.report/v1";

/// Overall outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No finding at or above the fail threshold.
    Clean,
    /// At least one finding at or above the fail threshold.
    Drift,
    /// The live data is partial or implausible; results are not trustworthy.
    Incomplete,
}

impl Status {
    /// The snake_case name used in JSON: `clean`, `drift` or `incomplete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Clean => "clean",
            Status::Drift => "drift",
            Status::Incomplete => "incomplete",
        }
    }
}

/// Finding severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Note,
    /// Should be looked at.
    Warning,
    /// A policy violation.
    Error,
}

impl Severity {
    /// The snake_case name used in JSON and policies: `note`, `warning` or
    /// `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Every finding kind of the policy language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A declared group does not exist live.
    GroupMissing,
    /// A live group no declaration covers and no ignore pattern matches.
    GroupUnmanaged,
    /// A live group name violates the name pattern or the 64-character limit.
    GroupNameInvalid,
    /// A group's size is outside `min_members`/`max_members`.
    GroupSize,
    /// A declared identity is not in the group.
    MemberMissing,
    /// A live member of an exact group is not declared.
    MemberUnexpected,
    /// A declared identity does not exist live at all.
    MemberUnresolved,
    /// A live member id matches no user or embed user.
    MemberDangling,
    /// A time-bound member is still in the group after its `until` date.
    MemberExpired,
    /// A time-bound member's `until` date is within `expiring_within_days`.
    MemberExpiring,
    /// A subject is in none of the groups a `must_be_in` entry names.
    MembershipRequired,
    /// A subject is in a group a `must_not_be_in` entry names.
    MembershipForbidden,
    /// A subject is in a group no `only_in` entry allows.
    MembershipNotAllowed,
    /// An identity is in two or more mutually exclusive groups.
    SeparationOfDuties,
    /// An exception is past its expiry date.
    ExceptionExpired,
    /// An exception expires within `expiring_within_days`.
    ExceptionExpiring,
    /// An exception excused nothing.
    ExceptionUnused,
}

impl FindingKind {
    /// Every kind, in declaration order.
    pub const ALL: [FindingKind; 17] = [
        FindingKind::GroupMissing,
        FindingKind::GroupUnmanaged,
        FindingKind::GroupNameInvalid,
        FindingKind::GroupSize,
        FindingKind::MemberMissing,
        FindingKind::MemberUnexpected,
        FindingKind::MemberUnresolved,
        FindingKind::MemberDangling,
        FindingKind::MemberExpired,
        FindingKind::MemberExpiring,
        FindingKind::MembershipRequired,
        FindingKind::MembershipForbidden,
        FindingKind::MembershipNotAllowed,
        FindingKind::SeparationOfDuties,
        FindingKind::ExceptionExpired,
        FindingKind::ExceptionExpiring,
        FindingKind::ExceptionUnused,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::GroupMissing => "group_missing",
            FindingKind::GroupUnmanaged => "group_unmanaged",
            FindingKind::GroupNameInvalid => "group_name_invalid",
            FindingKind::GroupSize => "group_size",
            FindingKind::MemberMissing => "member_missing",
            FindingKind::MemberUnexpected => "member_unexpected",
            FindingKind::MemberUnresolved => "member_unresolved",
            FindingKind::MemberDangling => "member_dangling",
            FindingKind::MemberExpired => "member_expired",
            FindingKind::MemberExpiring => "member_expiring",
            FindingKind::MembershipRequired => "membership_required",
            FindingKind::MembershipForbidden => "membership_forbidden",
            FindingKind::MembershipNotAllowed => "membership_not_allowed",
            FindingKind::SeparationOfDuties => "separation_of_duties",
            FindingKind::ExceptionExpired => "exception_expired",
            FindingKind::ExceptionExpiring => "exception_expiring",
            FindingKind::ExceptionUnused => "exception_unused",
        }
    }
}

/// What kind of identity a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    /// A standard user.
    User,
    /// An embed user.
    EmbedUser,
    /// A group.
    Group,
}

impl SubjectType {
    /// The snake_case name used in JSON: `user`, `embed_user` or `group`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::User => "user",
            SubjectType::EmbedUser => "embed_user",
            SubjectType::Group => "group",
        }
    }
}

/// The identity a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// The kind of identity.
    #[serde(rename = "type")]
    pub kind: SubjectType,
    /// The live id, when the identity exists live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `userName` (users and embed users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// `embedExternalId` (embed users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_external_id: Option<String>,
    /// `embedEntity` (embed users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_entity: Option<String>,
    /// A display value (group name, or a dangling member's `display`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// A position in a policy file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PolicyLocation {
    /// Path relative to the policies directory, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// The exception that excused a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExceptionRef {
    /// The rule id or `group:<name>` it applies to.
    pub rule: String,
    /// userName or embedExternalId.
    pub subject: String,
    /// The group it is limited to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Why it exists.
    pub reason: String,
    /// The tracking ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Who owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Expiry date (`YYYY-MM-DD`).
    pub expires: String,
    /// Where it is declared.
    pub policy: PolicyLocation,
}

/// In PR mode: how a finding relates to the base policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only the head policies produce it.
    Introduced,
    /// Only the base policies produce it.
    Resolved,
    /// Both produce it.
    Unchanged,
}

impl Change {
    /// The snake_case name used in JSON: `introduced`, `resolved` or
    /// `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Introduced => "introduced",
            Change::Resolved => "resolved",
            Change::Unchanged => "unchanged",
        }
    }
}

/// With `--state-dir`: how a finding relates to the previous run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Since {
    /// Not in the previous run.
    New,
    /// Also in the previous run.
    Persisting,
    /// In the previous run, gone now.
    Resolved,
}

impl Since {
    /// The snake_case name used in JSON: `new`, `persisting` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Since::New => "new",
            Since::Persisting => "persisting",
            Since::Resolved => "resolved",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable fingerprint over kind, rule, group and subject.
    pub id: String,
    /// The finding kind.
    pub kind: FindingKind,
    /// The rule id, `group:<name>`, `settings`, or `exception:<rule>`.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// The group's display name, when one is involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The identity concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// A one-line, human-readable message.
    pub message: String,
    /// The declaration that produced the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyLocation>,
    /// The exception that excused it; excused findings never fail the run.
    #[serde(default)]
    pub exception: Option<ExceptionRef>,
    /// PR mode only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// `--state-dir` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_last_run: Option<Since>,
}

/// What a declaration or rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A `groups:` declaration (`group:<name>`).
    Group,
    /// An `embed_users:` rule.
    EmbedUserRule,
    /// A `users:` rule.
    UserRule,
    /// A `separation_of_duties:` entry.
    SeparationOfDuties,
    /// An `exceptions:` entry (`exception:<rule>`).
    Exception,
    /// The `settings:` section.
    Settings,
}

/// A declaration or rule that was evaluated, whether or not it produced
/// findings, so reports can say what passed (JUnit test cases, reviews).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EvaluatedRule {
    /// The name findings use in [`Finding::rule`]: a rule id, `group:<name>`,
    /// `settings`, or `exception:<rule>`.
    pub rule: String,
    /// What it is.
    pub kind: RuleKind,
    /// Where it is declared.
    pub policy: PolicyLocation,
}

/// Expected vs live membership of one `members: exact` group.
///
/// Standard users are listed by lowercase `userName`, embed users as
/// `<embedExternalId> (embed)`, dangling members as `? <display>`; both lists
/// sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MembershipDiff {
    /// The group's display name.
    pub group: String,
    /// Members the policy declares (that exist live or not).
    pub expected: Vec<String>,
    /// Members the group has live.
    pub live: Vec<String>,
}

/// Where the live data came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSource {
    /// The API base URL, for live runs (never with credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The snapshot file, for `--snapshot` runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_path: Option<String>,
    /// sha256 of the snapshot's bytes (as written or read).
    pub snapshot_sha256: String,
    /// When the snapshot was fetched, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// For `check --snapshot FILE --refresh`: which groups were read live
    /// and laid over the snapshot. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<RefreshInfo>,
}

/// The groups a `check --refresh` read live; everything else came from the
/// snapshot of [`RefreshInfo::snapshot_fetched_at`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshInfo {
    /// Every group was read live (no `--base`, or a change that can affect
    /// any group, e.g. a rule with a glob or changed settings).
    pub all_groups: bool,
    /// Why every group was read, when [`RefreshInfo::all_groups`] follows
    /// from the policy change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_groups_because: Option<String>,
    /// The display names of the groups read live, sorted (for
    /// [`RefreshInfo::all_groups`], every live group).
    pub groups: Vec<String>,
    /// Group names asked for that do not exist live (sorted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups_not_found: Vec<String>,
    /// Members of refreshed groups the snapshot did not know, read by id.
    pub identities_fetched: u64,
    /// Requests the refresh sent.
    pub requests: u64,
    /// When the refresh finished (RFC 3339).
    pub refreshed_at: String,
    /// The snapshot's own `fetched_at`.
    pub snapshot_fetched_at: String,
}

impl RefreshInfo {
    /// The one line every human-facing format shows, e.g. "3 groups
    /// refreshed live; everything else from the snapshot of
    /// 2026-12-01T02:00Z".
    pub fn summary_line(&self) -> String {
        let when = minutes(&self.snapshot_fetched_at);
        if self.all_groups {
            format!(
                "every group refreshed live ({} group{}); users and embed users from the snapshot of {when}",
                self.groups.len(),
                plural(self.groups.len())
            )
        } else if self.groups.is_empty() && self.groups_not_found.is_empty() {
            format!(
                "no group refreshed live (the policy change affects none); everything from the snapshot of {when}"
            )
        } else {
            let n = self.groups.len() + self.groups_not_found.len();
            format!(
                "{n} group{} refreshed live; everything else from the snapshot of {when}",
                plural(n)
            )
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `2026-12-01T02:00:17.123Z` → `2026-12-01T02:00Z` (other text as is).
fn minutes(timestamp: &str) -> String {
    let bytes = timestamp.as_bytes();
    let shaped = bytes.len() >= 17
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && timestamp.ends_with('Z')
        && timestamp.is_char_boundary(16);
    if shaped {
        format!("{}Z", &timestamp[..16])
    } else {
        timestamp.to_owned()
    }
}

/// One policy file and its hash.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PolicyFileRef {
    /// Path relative to the policies directory, with `/` separators.
    pub file: String,
    /// sha256 of the file's bytes.
    pub sha256: String,
}

/// How much of the live org some policy governs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Live groups.
    pub groups_live: u64,
    /// Live groups with a declaration.
    pub groups_declared: u64,
    /// Live groups matched by `ignore_groups`.
    pub groups_ignored: u64,
    /// Live groups neither declared nor ignored.
    pub groups_unmanaged: u64,
    /// Live standard users.
    pub users_live: u64,
    /// Standard users some rule or declaration governs.
    pub users_governed: u64,
    /// Live embed users.
    pub embed_users_live: u64,
    /// Embed users some rule or declaration governs.
    pub embed_users_governed: u64,
}

/// Counts over the findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// All findings, excused ones included.
    pub total: u64,
    /// Findings excused by an exception.
    pub excused: u64,
    /// Findings at or above the fail threshold and not excused.
    pub failing: u64,
    /// Count per kind (kinds with no finding omitted).
    pub by_kind: BTreeMap<FindingKind, u64>,
    /// Count per severity, excused findings excluded.
    pub by_severity: BTreeMap<Severity, u64>,
    /// Coverage.
    pub coverage: Coverage,
}

/// Tool identity, for evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// `scimdrift`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: String,
    /// Overall outcome.
    pub status: Status,
    /// The evaluation time (`--now`), RFC 3339.
    pub generated_at: String,
    /// The tool that produced it.
    pub tool: ToolInfo,
    /// The lowest severity that fails the run.
    pub fail_on: Option<Severity>,
    /// Where the live data came from.
    pub source: ReportSource,
    /// The policy files, with hashes.
    pub policies: Vec<PolicyFileRef>,
    /// The policies' git commit, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies_commit: Option<String>,
    /// Counts and coverage.
    pub summary: Summary,
    /// Every declaration and rule evaluated, sorted by file, line and column.
    /// Omitted from JSON when empty (reports written before it existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluated: Vec<EvaluatedRule>,
    /// Expected vs live membership of every exact group that has drift, so
    /// renderers can show a diff. Omitted from JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub membership_diffs: Vec<MembershipDiff>,
    /// Findings, sorted deterministically.
    pub findings: Vec<Finding>,
    /// Why the status is `incomplete`.
    pub incomplete_reasons: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_lines() {
        let mut info = RefreshInfo {
            groups: vec!["A".into(), "B".into()],
            groups_not_found: vec!["C".into()],
            snapshot_fetched_at: "2026-12-01T02:00:17.123Z".into(),
            ..RefreshInfo::default()
        };
        assert_eq!(
            info.summary_line(),
            "3 groups refreshed live; everything else from the snapshot of 2026-12-01T02:00Z"
        );
        info.all_groups = true;
        assert_eq!(
            info.summary_line(),
            "every group refreshed live (2 groups); users and embed users from the snapshot of 2026-12-01T02:00Z"
        );
        info.all_groups = false;
        info.groups.clear();
        info.groups_not_found.clear();
        info.snapshot_fetched_at = "yesterday".into();
        assert_eq!(
            info.summary_line(),
            "no group refreshed live (the policy change affects none); everything from the snapshot of yesterday"
        );
        // Absent, the field leaves the JSON as it was.
        let json = serde_json::to_value(ReportSource::default()).unwrap();
        assert!(json.get("refresh").is_none(), "{json}");
    }

    /// `as_str` is the serde name, for every variant of every enum.
    #[track_caller]
    fn check<T: Serialize>(value: T, as_str: &str) {
        assert_eq!(
            serde_json::to_value(value).unwrap(),
            serde_json::Value::from(as_str)
        );
    }

    #[test]
    fn as_str_is_the_json_name() {
        for s in [Status::Clean, Status::Drift, Status::Incomplete] {
            check(s, s.as_str());
        }
        for s in [Severity::Note, Severity::Warning, Severity::Error] {
            check(s, s.as_str());
        }
        for k in FindingKind::ALL {
            check(k, k.as_str());
        }
        for t in [
            SubjectType::User,
            SubjectType::EmbedUser,
            SubjectType::Group,
        ] {
            check(t, t.as_str());
        }
        for c in [Change::Introduced, Change::Resolved, Change::Unchanged] {
            check(c, c.as_str());
        }
        for s in [Since::New, Since::Persisting, Since::Resolved] {
            check(s, s.as_str());
        }
    }
}
