//! `scimdrift plan`: the SCIM changes that fix drift, as a reviewable,
//! checksummed file (`scimdrift.plan/v1`) bound to the state it was computed
//! on.
//!
//! Phases: the report's findings become candidate membership changes, or
//! "needs a person" entries with a reason (`build`); the candidates are
//! applied to a copy of the snapshot and checked again, and any change that
//! one rule wants and another opposes becomes a conflict (`conflicts`); the
//! rest is grouped per group into the exact request bodies `apply` sends,
//! with each group's before state, and sealed with a checksum over the
//! canonical JSON ([`checksum`]). [`render`] shows a plan to people.
//!
//! Architecture invariant: this crate performs no IO and never reads the
//! clock; the same snapshot, policies and `now` give a byte-identical plan.
//! It never writes anything anywhere: that is `scimdrift-apply`'s job alone.
//!
//! ```
//! use scimdrift_plan::{PlanInputs, plan};
//! use scimdrift_proto::Snapshot;
//! use scimdrift_reconcile::{CheckOptions, Policies, ReportSource, check};
//!
//! let snapshot: Snapshot = serde_json::from_str(r#"{"schema": "scimdrift.snapshot/v1"}"#).unwrap();
//! let policies = Policies::default();
//! let opts = CheckOptions::new("2026-11-26T12:00:00Z".parse().unwrap(), ReportSource::default());
//! let report = check(&snapshot, &policies, &opts);
//! let plan = plan(&PlanInputs { snapshot: &snapshot, policies: &policies, check: &opts, report: &report }).unwrap();
//! assert!(!plan.summary.has_changes());
//! assert!(scimdrift_plan::checksum::verify(&plan).is_ok());
//! ```

mod build;
pub mod checksum;
mod conflicts;
mod live;
mod model;
pub mod render;

pub use model::{
    Before, ChangeOp, Conflict, Effect, FindingRef, GroupAction, GroupChange, MemberChange,
    MemberRef, NeedsPerson, Opposition, PLAN_SCHEMA, Plan, PlanSource, PlanSummary,
};

use build::{Key, Target};
use scimdrift_proto::Snapshot;
use scimdrift_proto::scim::{GROUP_URN, PATCH_OP_URN};
use scimdrift_reconcile::{CheckOptions, MembersMode, Policies, Report, Status, ToolInfo};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// What a plan is computed from. `report` must be
/// `check(snapshot, policies, check)` (the caller may have added the
/// policies' commit to it).
#[derive(Debug, Clone, Copy)]
pub struct PlanInputs<'a> {
    /// The live data.
    pub snapshot: &'a Snapshot,
    /// The loaded policies.
    pub policies: &'a Policies,
    /// The options the report was checked with (the planned state is
    /// checked with the same ones).
    pub check: &'a CheckOptions,
    /// The report.
    pub report: &'a Report,
}

/// Why no plan can be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The report is incomplete: planning on partial data could remove
    /// members that only seem unexpected.
    #[error("the data is incomplete, so no plan is made from it")]
    Incomplete {
        /// The report's reasons.
        reasons: Vec<String>,
    },
}

/// Computes the plan.
pub fn plan(inputs: &PlanInputs<'_>) -> Result<Plan, PlanError> {
    let report = inputs.report;
    if report.status == Status::Incomplete || !inputs.snapshot.complete {
        let mut reasons = report.incomplete_reasons.clone();
        reasons.extend(inputs.snapshot.incomplete_reasons.iter().cloned());
        reasons.sort();
        reasons.dedup();
        return Err(PlanError::Incomplete { reasons });
    }
    let live = live::Live::new(inputs.snapshot);
    let mut cands = build::candidates(report, &live, inputs.policies);
    let conflicts = conflicts::resolve(
        &mut cands,
        report,
        inputs.snapshot,
        inputs.policies,
        inputs.check,
    );
    let groups = group_changes(&cands, &live, inputs.policies);
    let mut needs_person = cands.needs_person;
    needs_person.sort_by(|a, b| {
        (&a.group, a.finding.kind, &a.finding.id).cmp(&(&b.group, b.finding.kind, &b.finding.id))
    });
    let count = |op: ChangeOp| -> u64 { groups.iter().map(|g| g.of(op).count() as u64).sum() };
    let summary = PlanSummary {
        groups: groups.len() as u64,
        creates: groups
            .iter()
            .filter(|g| g.action == GroupAction::Create)
            .count() as u64,
        additions: count(ChangeOp::Add),
        removals: count(ChangeOp::Remove),
        needs_person: needs_person.len() as u64,
        conflicts: conflicts.len() as u64,
    };
    let mut plan = Plan {
        schema: PLAN_SCHEMA.to_owned(),
        tool: ToolInfo {
            name: "scimdrift".to_owned(),
            version: inputs.check.tool_version.clone(),
        },
        now: report.generated_at.clone(),
        source: PlanSource {
            provider: inputs.snapshot.source.provider,
            base_url: report
                .source
                .base_url
                .clone()
                .or_else(|| inputs.snapshot.source.base_url.clone()),
            snapshot_sha256: report.source.snapshot_sha256.clone(),
            fetched_at: report.source.fetched_at.clone(),
        },
        policies: report.policies.clone(),
        policies_commit: report.policies_commit.clone(),
        summary,
        groups,
        needs_person,
        conflicts,
        checksum: String::new(),
    };
    checksum::seal(&mut plan);
    Ok(plan)
}

/// One [`GroupChange`] per target, with its request body.
fn group_changes(
    cands: &build::Candidates,
    live: &live::Live<'_>,
    policies: &Policies,
) -> Vec<GroupChange> {
    let mut by_target: BTreeMap<Target, Vec<(&Key, &BTreeSet<FindingRef>)>> = BTreeMap::new();
    for name in &cands.creates {
        by_target.insert(Target::Create(name.clone()), Vec::new());
    }
    for (key, resolves) in &cands.changes {
        by_target
            .entry(key.target.clone())
            .or_default()
            .push((key, resolves));
    }
    let mut out = Vec::with_capacity(by_target.len());
    for (target, changes) in by_target {
        let mut changes: Vec<MemberChange> = changes
            .into_iter()
            .map(|(key, resolves)| MemberChange {
                op: key.op,
                member: key.member.clone(),
                resolves: resolves.iter().cloned().collect(),
            })
            .collect();
        changes.sort_by(|a, b| (a.op, &a.member.id).cmp(&(b.op, &b.member.id)));
        let declared_empty = policies.groups.iter().any(|d| {
            d.name == target.name()
                && ((d.members == MembersMode::Exact
                    && d.users.is_empty()
                    && d.embed_users.is_empty())
                    || d.max_members == Some(0))
        });
        let change = match &target {
            Target::Live(name, id) => {
                let before = live.group(name, id).map(|g| Before {
                    members: g.members.clone(),
                    version: g.version.clone(),
                });
                GroupChange {
                    action: GroupAction::Patch,
                    id: Some(id.clone()),
                    display_name: name.clone(),
                    before,
                    declared_empty,
                    body: patch_body(&changes),
                    changes,
                }
            }
            Target::Create(name) => GroupChange {
                action: GroupAction::Create,
                id: None,
                display_name: name.clone(),
                before: None,
                declared_empty,
                body: create_body(name, &changes),
                changes,
            },
        };
        out.push(change);
    }
    out.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
    out
}

/// The PatchOp of a group's changes: one `remove` per member (the path
/// Omni documents), then one `add` with every new member.
pub fn patch_body(changes: &[MemberChange]) -> Value {
    let mut ops: Vec<Value> = changes
        .iter()
        .filter(|c| c.op == ChangeOp::Remove)
        .map(|c| {
            json!({
                "op": "remove",
                "path": remove_path(&c.member.id),
            })
        })
        .collect();
    let adds: Vec<Value> = changes
        .iter()
        .filter(|c| c.op == ChangeOp::Add)
        .map(|c| json!({"value": c.member.id}))
        .collect();
    if !adds.is_empty() {
        ops.push(json!({"op": "add", "path": "members", "value": adds}));
    }
    json!({"schemas": [PATCH_OP_URN], "Operations": ops})
}

/// The Group resource `POST /groups` creates: the display name and the
/// members the changes add.
pub fn create_body(display_name: &str, changes: &[MemberChange]) -> Value {
    json!({
        "schemas": [GROUP_URN],
        "displayName": display_name,
        "members": changes
            .iter()
            .filter(|c| c.op == ChangeOp::Add)
            .map(|c| json!({"value": c.member.id}))
            .collect::<Vec<_>>(),
    })
}

/// `members[value eq "<id>"]`, the id quoted as a SCIM string.
pub fn remove_path(id: &str) -> String {
    format!("members[value eq {}]", scimdrift_proto::filter::quote(id))
}

#[cfg(test)]
mod tests;
