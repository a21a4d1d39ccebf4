//! The plan types: plain data, serialized as `scimdrift.plan/v1`.
//!
//! Every struct denies unknown fields: a plan is a contract between the
//! `plan` that wrote it and the `apply` that executes it, and a field added
//! by hand is an edit the checksum must not be blind to.

use scimdrift_proto::Provider;
use scimdrift_report::{FindingKind, PolicyFileRef, SubjectType, ToolInfo};
use serde::{Deserialize, Serialize};

/// The `schema` value of a v1 plan.
pub const PLAN_SCHEMA: &str = "scimdrift.plan/v1";

/// A whole plan: what will be sent to which group, bound to the state it was
/// computed on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always [`PLAN_SCHEMA`].
    pub schema: String,
    /// The tool that wrote it.
    pub tool: ToolInfo,
    /// The evaluation time of the check the plan is built on (RFC 3339).
    pub now: String,
    /// The data the plan was computed on.
    pub source: PlanSource,
    /// The policy files, with hashes.
    pub policies: Vec<PolicyFileRef>,
    /// The policies' git commit, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies_commit: Option<String>,
    /// Counts.
    pub summary: PlanSummary,
    /// One entry per group that changes, sorted by display name then id.
    pub groups: Vec<GroupChange>,
    /// Findings the plan leaves to a person, with the reason.
    pub needs_person: Vec<NeedsPerson>,
    /// Changes one rule wants and another rule opposes; none of them is planned.
    pub conflicts: Vec<Conflict>,
    /// `sha256:<hex>` over the canonical JSON of the plan with this field
    /// empty (see [`crate::checksum`]).
    pub checksum: String,
}

/// Where the data the plan was computed on came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSource {
    /// The server dialect.
    pub provider: Provider,
    /// The SCIM base URL (never with credentials); `apply` refuses to write
    /// anywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// sha256 of the snapshot's bytes.
    pub snapshot_sha256: String,
    /// When the snapshot was fetched, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
}

/// Counts over the plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSummary {
    /// Groups that change (created ones included).
    pub groups: u64,
    /// Groups to create.
    pub creates: u64,
    /// Memberships to add (members of created groups included).
    pub additions: u64,
    /// Memberships to remove.
    pub removals: u64,
    /// Findings left to a person.
    pub needs_person: u64,
    /// Conflicts.
    pub conflicts: u64,
}

impl PlanSummary {
    /// Whether the plan changes anything.
    pub fn has_changes(&self) -> bool {
        self.groups > 0
    }
}

/// What happens to a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupAction {
    /// `PATCH` an existing group's members.
    Patch,
    /// `POST` a new group with its members.
    Create,
}

impl GroupAction {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupAction::Patch => "patch",
            GroupAction::Create => "create",
        }
    }
}

/// One group's changes and the exact request that makes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    /// Patch or create.
    pub action: GroupAction,
    /// The live id (patches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The display name.
    pub display_name: String,
    /// The live state the plan was computed on (patches only): `apply`
    /// skips the group when it no longer holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Before>,
    /// The policies declare this group empty (an exact group with no
    /// members): only then may `apply` remove its last member.
    pub declared_empty: bool,
    /// The membership changes, removals first, each sorted by member id.
    pub changes: Vec<MemberChange>,
    /// The exact request body `apply` sends: a SCIM PatchOp for a patch, a
    /// Group resource for a create.
    pub body: serde_json::Value,
}

impl GroupChange {
    /// The changes of one direction.
    pub fn of(&self, op: ChangeOp) -> impl Iterator<Item = &MemberChange> {
        self.changes.iter().filter(move |c| c.op == op)
    }
}

/// A group's live state when the plan was computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Before {
    /// Member ids, sorted, deduplicated.
    pub members: Vec<String>,
    /// `meta.version`, when the server sent one (sent as `If-Match`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The direction of a membership change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// Remove the member. Sorted first: a group never grows past its bounds
    /// mid-request.
    Remove,
    /// Add the member.
    Add,
}

impl ChangeOp {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Remove => "remove",
            ChangeOp::Add => "add",
        }
    }

    /// `+` or `-`.
    pub fn sign(self) -> char {
        match self {
            ChangeOp::Remove => '-',
            ChangeOp::Add => '+',
        }
    }
}

/// An identity a change is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRef {
    /// The live id (what the request names).
    pub id: String,
    /// User or embed user.
    #[serde(rename = "type")]
    pub kind: SubjectType,
    /// userName, or embedExternalId for embed users (for people reading the
    /// plan; the request names the id only).
    pub name: String,
}

impl MemberRef {
    /// The name as reports show it: `<embedExternalId> (embed)` for embed
    /// users.
    pub fn label(&self) -> String {
        match self.kind {
            SubjectType::EmbedUser => format!("{} (embed)", self.name),
            _ => self.name.clone(),
        }
    }
}

/// One membership change and the findings it resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberChange {
    /// Add or remove.
    pub op: ChangeOp,
    /// Who.
    pub member: MemberRef,
    /// The findings this change resolves, sorted by id.
    pub resolves: Vec<FindingRef>,
}

/// A finding, as a plan names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingRef {
    /// The finding's fingerprint.
    pub id: String,
    /// Its kind.
    pub kind: FindingKind,
    /// Its rule.
    pub rule: String,
}

/// A finding the plan does not act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedsPerson {
    /// The finding.
    pub finding: FindingRef,
    /// The group, when one is involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The finding's message.
    pub message: String,
    /// Why the plan leaves it alone.
    pub reason: String,
}

/// A change one rule wants and another opposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    /// The group.
    pub group: String,
    /// The change that was not planned.
    pub op: ChangeOp,
    /// Who.
    pub member: MemberRef,
    /// The findings that want the change.
    pub wanted_by: Vec<FindingRef>,
    /// What the change would cause: findings it would raise, or findings a
    /// person must settle that it would silently make disappear.
    pub opposed_by: Vec<Opposition>,
}

/// Why a change is opposed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opposition {
    /// The finding.
    pub finding: FindingRef,
    /// `raises` (the change would cause it) or `hides` (a finding that needs
    /// a person would disappear).
    pub effect: Effect,
    /// The finding's message.
    pub message: String,
}

/// How a change affects an opposing finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The change would cause the finding.
    Raises,
    /// The change would make a finding that needs a person disappear.
    Hides,
}

impl Effect {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Raises => "raises",
            Effect::Hides => "hides",
        }
    }
}
