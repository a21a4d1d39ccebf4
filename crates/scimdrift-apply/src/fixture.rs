//! Small plans for the unit tests, written as the JSON `plan` writes.

use scimdrift_plan::{ChangeOp, GroupAction, GroupChange, MemberChange, Plan};
use serde_json::{Value, json};

/// A membership change of a user `name` with id `id`.
pub fn change(op: ChangeOp, id: &str) -> MemberChange {
    serde_json::from_value(json!({
        "op": op.as_str(),
        "member": {"id": id, "type": "user", "name": format!("{id}@x.co")},
        "resolves": [],
    }))
    .unwrap()
}

/// A patch of group `id` whose members were `before`, changing `changes`
/// (`+id` / `-id`), with the body `plan` writes.
pub fn patch(id: &str, before: &[&str], changes: &[&str]) -> GroupChange {
    let mut changes: Vec<MemberChange> = changes
        .iter()
        .map(|c| match c.strip_prefix('+') {
            Some(m) => change(ChangeOp::Add, m),
            None => change(ChangeOp::Remove, c.trim_start_matches('-')),
        })
        .collect();
    changes.sort_by(|a, b| (a.op, &a.member.id).cmp(&(b.op, &b.member.id)));
    let mut before: Vec<String> = before.iter().map(|s| (*s).to_owned()).collect();
    before.sort();
    GroupChange {
        action: GroupAction::Patch,
        id: Some(id.to_owned()),
        display_name: format!("group {id}"),
        before: Some(serde_json::from_value(json!({"members": before})).unwrap()),
        declared_empty: false,
        body: scimdrift_plan::patch_body(&changes),
        changes,
    }
}

/// A create of group `name` with members `adds`.
pub fn create(name: &str, adds: &[&str]) -> GroupChange {
    let changes: Vec<MemberChange> = adds.iter().map(|m| change(ChangeOp::Add, m)).collect();
    GroupChange {
        action: GroupAction::Create,
        id: None,
        display_name: name.to_owned(),
        before: None,
        declared_empty: false,
        body: scimdrift_plan::create_body(name, &changes),
        changes,
    }
}

/// A sealed plan of these groups, computed on `base` at `now`.
pub fn plan(groups: Vec<GroupChange>, base: Option<&str>, now: &str) -> Plan {
    let mut v: Value = json!({
        "schema": scimdrift_plan::PLAN_SCHEMA,
        "tool": {"name": "scimdrift", "version": "0"},
        "now": now,
        "source": {"provider": "omni", "snapshot_sha256": "00"},
        "policies": [],
        "summary": {"groups": 0, "creates": 0, "additions": 0, "removals": 0, "needs_person": 0, "conflicts": 0},
        "groups": [],
        "needs_person": [],
        "conflicts": [],
        "checksum": "",
    });
    if let Some(base) = base {
        v["source"]["base_url"] = base.into();
    }
    let mut plan: Plan = serde_json::from_value(v).unwrap();
    plan.groups = groups;
    scimdrift_plan::checksum::seal(&mut plan);
    plan
}
