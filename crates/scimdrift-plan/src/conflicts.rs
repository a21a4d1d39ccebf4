//! Conflicts between rules, found by checking the planned state.
//!
//! The candidate changes are applied to a copy of the snapshot and the
//! engine checks it again. A change is in conflict when it would raise a
//! membership finding about the member it touches (one rule wants it added,
//! another wants it out), or when it would make a finding disappear that a
//! person must settle (an excused membership, a separation-of-duties choice).
//! Conflicting changes are taken out and the check repeats until the planned
//! state raises nothing new; each round removes at least one change, so this
//! ends.

use crate::build::{Candidates, Key, Target, finding_ref};
use crate::model::{ChangeOp, Conflict, Effect, FindingRef, Opposition};
use scimdrift_proto::scim::GROUP_URN;
use scimdrift_proto::{Resource, Snapshot};
use scimdrift_reconcile::{CheckOptions, Finding, FindingKind, Policies, Report, check};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The kinds of finding that say something about one subject's membership.
fn is_membership(kind: FindingKind) -> bool {
    matches!(
        kind,
        FindingKind::MemberMissing
            | FindingKind::MemberUnexpected
            | FindingKind::MemberExpired
            | FindingKind::MembershipRequired
            | FindingKind::MembershipForbidden
            | FindingKind::MembershipNotAllowed
            | FindingKind::SeparationOfDuties
    )
}

/// Takes the conflicting changes out of `cands` and returns them.
pub(crate) fn resolve(
    cands: &mut Candidates,
    report: &Report,
    snapshot: &Snapshot,
    policies: &Policies,
    opts: &CheckOptions,
) -> Vec<Conflict> {
    let before: HashSet<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    let person: Vec<&Finding> = {
        let ids: HashSet<&str> = cands
            .needs_person
            .iter()
            .map(|n| n.finding.id.as_str())
            .collect();
        report
            .findings
            .iter()
            .filter(|f| ids.contains(f.id.as_str()) && is_membership(f.kind))
            .collect()
    };
    let mut conflicts: BTreeMap<Key, (BTreeSet<FindingRef>, BTreeSet<Opposition>)> =
        BTreeMap::new();
    loop {
        if cands.changes.is_empty() {
            break;
        }
        let planned = apply_to(snapshot, cands);
        let after = check(&planned, policies, opts);
        let after_ids: HashSet<&str> = after.findings.iter().map(|f| f.id.as_str()).collect();
        let mut opposed: Vec<(&Finding, Effect)> = Vec::new();
        for f in &after.findings {
            if is_membership(f.kind) && !before.contains(f.id.as_str()) {
                opposed.push((f, Effect::Raises));
            }
        }
        for f in &person {
            if !after_ids.contains(f.id.as_str()) {
                opposed.push((f, Effect::Hides));
            }
        }
        let mut hit: BTreeMap<Key, BTreeSet<Opposition>> = BTreeMap::new();
        for (f, effect) in opposed {
            let Some(id) = f.subject.as_ref().and_then(|s| s.id.as_deref()) else {
                continue;
            };
            let touching: Vec<&Key> = cands.changes.keys().filter(|k| k.member.id == id).collect();
            let in_group: Vec<&Key> = touching
                .iter()
                .copied()
                .filter(|k| f.group.as_deref() == Some(k.target.name()))
                .collect();
            let blamed = if in_group.is_empty() {
                touching
            } else {
                in_group
            };
            for key in blamed {
                hit.entry(key.clone()).or_default().insert(Opposition {
                    finding: finding_ref(f),
                    effect,
                    message: f.message.clone(),
                });
            }
        }
        if hit.is_empty() {
            break;
        }
        for (key, opp) in hit {
            if let Some(wanted) = cands.changes.remove(&key) {
                let entry = conflicts.entry(key).or_default();
                entry.0.extend(wanted);
                entry.1.extend(opp);
            }
        }
    }
    conflicts
        .into_iter()
        .map(|(key, (wanted, opposed))| Conflict {
            group: key.target.name().to_owned(),
            op: key.op,
            member: key.member,
            wanted_by: wanted.into_iter().collect(),
            opposed_by: opposed.into_iter().collect(),
        })
        .collect()
}

/// A copy of the snapshot with every candidate change made.
pub(crate) fn apply_to(snapshot: &Snapshot, cands: &Candidates) -> Snapshot {
    let mut out = snapshot.clone();
    let mut by_group: BTreeMap<Target, Vec<&Key>> = BTreeMap::new();
    for name in &cands.creates {
        by_group.insert(Target::Create(name.clone()), Vec::new());
    }
    for key in cands.changes.keys() {
        by_group.entry(key.target.clone()).or_default().push(key);
    }
    let mut created = 0usize;
    for (target, keys) in by_group {
        match target {
            Target::Live(_, id) => {
                let Some(slot) = out.groups.iter_mut().find(|g| g.id() == id.as_str()) else {
                    continue;
                };
                let mut value = slot.to_value();
                let mut members: Vec<Value> = value
                    .get("members")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for key in &keys {
                    match key.op {
                        ChangeOp::Remove => members.retain(|m| {
                            m.get("value").and_then(Value::as_str) != Some(key.member.id.as_str())
                        }),
                        ChangeOp::Add => members.push(json!({"value": key.member.id})),
                    }
                }
                value["members"] = Value::Array(members);
                if let Ok(r) = Resource::from_value(&value) {
                    *slot = r;
                }
            }
            Target::Create(name) => {
                created += 1;
                let members: Vec<Value> =
                    keys.iter().map(|k| json!({"value": k.member.id})).collect();
                let value = json!({
                    "schemas": [GROUP_URN],
                    "id": format!("scimdrift-planned-group-{created}"),
                    "displayName": name,
                    "members": members,
                });
                if let Ok(r) = Resource::from_value(&value) {
                    out.groups.push(r);
                }
            }
        }
    }
    out.sort();
    out
}
