//! Planning on small orgs written inline: which finding becomes which
//! change, what is left to a person, conflicts, the checksum, the budget.

use super::*;
use scimdrift_reconcile::{PolicySource, ReportSource, load_policies};
use serde_json::json;

const NOW: &str = "2026-11-26T12:00:00Z";

/// A user id as Omni spells them (36 characters).
fn uid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// An org: groups as (id, name, member numbers), users 1..=users as
/// `u<n>@x.co`, user 9 inactive.
fn org(groups: &[(&str, &str, &[u32])], users: u32) -> Snapshot {
    let groups: Vec<Value> = groups
        .iter()
        .map(|(id, name, members)| {
            json!({
                "id": id,
                "displayName": name,
                "members": members.iter().map(|m| json!({"value": uid(*m)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let users: Vec<Value> = (1..=users)
        .map(|n| json!({"id": uid(n), "userName": format!("u{n}@x.co"), "active": n != 9}))
        .collect();
    serde_json::from_value(json!({
        "schema": "scimdrift.snapshot/v1",
        "source": {"provider": "omni", "base_url": "https://x.example/api/scim/v2"},
        "groups": groups,
        "users": users,
    }))
    .unwrap()
}

fn plan_of(snapshot: &Snapshot, yaml: &str) -> Plan {
    let loaded = load_policies(&[PolicySource {
        path: "p.yaml".into(),
        contents: yaml.into(),
    }])
    .unwrap_or_else(|d| panic!("{}", scimdrift_reconcile::render_all(&d)));
    let opts = CheckOptions::new(NOW.parse().unwrap(), ReportSource::default());
    let report = scimdrift_reconcile::check(snapshot, &loaded.policies, &opts);
    plan(&PlanInputs {
        snapshot,
        policies: &loaded.policies,
        check: &opts,
        report: &report,
    })
    .unwrap()
}

/// Each change as `<sign> <group>: <member>`, then each "needs a person"
/// as `? <kind>: <reason>`, then conflicts as `! ...`.
fn outline(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for g in &plan.groups {
        for c in &g.changes {
            out.push(format!(
                "{} {}: {}",
                c.op.sign(),
                g.display_name,
                c.member.name
            ));
        }
    }
    for n in &plan.needs_person {
        out.push(format!("? {}: {}", n.finding.kind.as_str(), n.reason));
    }
    for c in &plan.conflicts {
        let opposed: Vec<String> = c
            .opposed_by
            .iter()
            .map(|o| format!("{} {}", o.effect.as_str(), o.finding.kind.as_str()))
            .collect();
        out.push(format!(
            "! {} {}: {} ({})",
            c.op.sign(),
            c.group,
            c.member.name,
            opposed.join(", ")
        ));
    }
    out
}

#[track_caller]
fn check(snapshot: &Snapshot, yaml: &str, expected: &[&str]) -> Plan {
    let plan = plan_of(snapshot, yaml);
    assert_eq!(outline(&plan), expected, "{}", render::human(&plan));
    checksum::verify(&plan).unwrap();
    plan
}

#[test]
fn exact_group_members_are_added_and_removed_in_one_patch() {
    let snap = org(&[("g1", "Ops", &[1, 2])], 3);
    let plan = check(
        &snap,
        "version: 1\ngroups:\n  - name: Ops\n    members: exact\n    users: [u1@x.co, u3@x.co]\n",
        &["- Ops: u2@x.co", "+ Ops: u3@x.co"],
    );
    let g = &plan.groups[0];
    assert_eq!(g.id.as_deref(), Some("g1"));
    assert_eq!(g.before.as_ref().unwrap().members, [uid(1), uid(2)]);
    assert!(!g.declared_empty);
    assert_eq!(
        g.body,
        json!({"schemas": [PATCH_OP_URN], "Operations": [
            {"op": "remove", "path": format!("members[value eq \"{}\"]", uid(2))},
            {"op": "add", "path": "members", "value": [{"value": uid(3)}]},
        ]})
    );
    assert_eq!(plan.summary.additions, 1);
    assert_eq!(plan.summary.removals, 1);
}

#[test]
fn rules_add_and_remove_single_group_targets() {
    let snap = org(&[("g1", "All", &[1]), ("g2", "Admins", &[2, 9])], 9);
    check(
        &snap,
        r#"version: 1
groups:
  - {name: All, members: unmanaged}
  - {name: Admins, members: unmanaged}
users:
  - id: all
    must_be_in: [All]
  - id: no-admins
    where: 'userName eq "u2@x.co"'
    must_not_be_in: [Admins]
  - id: inactive
    where: 'active eq false'
    only_in: []
"#,
        &[
            "- Admins: u2@x.co",
            "- Admins: u9@x.co",
            "+ All: u2@x.co",
            "+ All: u3@x.co",
            "+ All: u4@x.co",
            "+ All: u5@x.co",
            "+ All: u6@x.co",
            "+ All: u7@x.co",
            "+ All: u8@x.co",
            "! + All: u9@x.co (raises membership_not_allowed)",
        ],
    );
}

#[test]
fn a_wildcard_target_needs_a_person() {
    let snap = org(&[("g1", "Team A", &[]), ("g2", "Team B", &[])], 1);
    check(
        &snap,
        "version: 1\nsettings:\n  unmanaged_groups: ignore\nusers:\n  - id: teams\n    must_be_in: ['Team *']\n",
        &[
            "? membership_required: `Team *` names several candidate groups; choosing one is a decision",
        ],
    );
}

#[test]
fn a_change_two_rules_disagree_on_is_a_conflict() {
    let snap = org(&[("g1", "Finance", &[])], 1);
    check(
        &snap,
        r#"version: 1
groups:
  - {name: Finance, members: unmanaged}
users:
  - id: in-finance
    must_be_in: [Finance]
  - id: not-finance
    must_not_be_in: [Finance]
"#,
        &["! + Finance: u1@x.co (raises membership_forbidden)"],
    );
}

#[test]
fn a_removal_that_would_hide_an_excused_finding_is_a_conflict() {
    let snap = org(&[("g1", "Admins", &[1, 2])], 2);
    check(
        &snap,
        r#"version: 1
groups:
  - name: Admins
    members: exact
    users: [u1@x.co]
users:
  - id: no-u2-admin
    where: 'userName eq "u2@x.co"'
    must_not_be_in: [Admins]
exceptions:
  - rule: "group:Admins"
    subject: u2@x.co
    reason: on call
    expires: 2027-01-01
"#,
        &[
            "? member_unexpected: excused by an exception (`group:Admins` for `u2@x.co`, until 2027-01-01): a person decided it stays",
            "! - Admins: u2@x.co (hides member_unexpected)",
        ],
    );
}

#[test]
fn a_missing_group_is_created_with_its_live_declared_members() {
    let snap = org(&[("g1", "Ops", &[])], 2);
    let plan = check(
        &snap,
        "version: 1\ngroups:\n  - {name: Ops, members: unmanaged}\n  - name: Auditors\n    members: exact\n    users: [u2@x.co, gone@x.co]\n",
        &[
            "+ Auditors: u2@x.co",
            "? member_unresolved: the declared identity does not exist live; it must be provisioned first",
        ],
    );
    let g = &plan.groups[0];
    assert_eq!(g.action, GroupAction::Create);
    assert_eq!(g.before, None);
    assert_eq!(
        g.body,
        json!({"schemas": [GROUP_URN], "displayName": "Auditors", "members": [{"value": uid(2)}]})
    );
    assert_eq!(plan.summary.creates, 1);
}

#[test]
fn a_group_declared_empty_says_so() {
    let snap = org(&[("g1", "Frozen", &[1])], 1);
    let plan = check(
        &snap,
        "version: 1\ngroups:\n  - name: Frozen\n    members: exact\n",
        &["- Frozen: u1@x.co"],
    );
    assert!(plan.groups[0].declared_empty);
}

#[test]
fn any_edit_breaks_the_checksum() {
    let snap = org(&[("g1", "Ops", &[1, 2])], 3);
    let plan = plan_of(
        &snap,
        "version: 1\ngroups:\n  - name: Ops\n    members: exact\n    users: [u1@x.co]\n",
    );
    checksum::verify(&plan).unwrap();
    let mut edited = plan.clone();
    edited.groups[0].body["Operations"][0]["path"] = json!("members[value eq \"x\"]");
    assert!(checksum::verify(&edited).is_err());
    let mut edited = plan.clone();
    edited.groups[0].before.as_mut().unwrap().members.pop();
    assert!(checksum::verify(&edited).is_err());
    // The file round-trips; an unknown field is refused.
    let text = serde_json::to_string_pretty(&plan).unwrap();
    let back: Plan = serde_json::from_str(&text).unwrap();
    checksum::verify(&back).unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    value["groups"][0]["extra"] = json!(1);
    assert!(serde_json::from_value::<Plan>(value).is_err());
}

#[test]
fn incomplete_data_makes_no_plan() {
    let mut snap = org(&[("g1", "Ops", &[1])], 1);
    snap.mark_incomplete("groups: page 2 failed");
    let loaded = load_policies(&[]).unwrap();
    let opts = CheckOptions::new(NOW.parse().unwrap(), ReportSource::default());
    let report = scimdrift_reconcile::check(&snap, &loaded.policies, &opts);
    let err = plan(&PlanInputs {
        snapshot: &snap,
        policies: &loaded.policies,
        check: &opts,
        report: &report,
    })
    .unwrap_err();
    let PlanError::Incomplete { reasons } = err;
    assert!(
        reasons.iter().any(|r| r.contains("page 2 failed")),
        "{reasons:?}"
    );
}

#[test]
fn markdown_stays_within_its_budget() {
    let groups: Vec<(String, String)> = (0..600)
        .map(|i| (format!("g{i:04}"), format!("Group {i:04}")))
        .collect();
    let refs: Vec<(&str, &str, &[u32])> = groups
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str(), &[1u32, 2, 3][..]))
        .collect();
    let snap = org(&refs, 3);
    let mut yaml = "version: 1\ngroups:\n".to_owned();
    for (_, name) in &groups {
        yaml.push_str(&format!(
            "  - name: {name}\n    members: exact\n    users: [u1@x.co]\n"
        ));
    }
    let plan = plan_of(&snap, &yaml);
    assert_eq!(plan.summary.removals, 1200);
    for budget in [4 * 1024, 20_000, 65_536] {
        let md = render::markdown(&plan, budget);
        assert!(md.len() <= budget, "{} > {budget}", md.len());
        assert!(md.contains("**Truncated:**"), "{budget}");
    }
    let full = render::markdown(&plan, usize::MAX);
    assert!(!full.contains("**Truncated:**"));
}

#[test]
fn an_expired_time_bound_member_is_removed_and_an_expiring_one_is_left() {
    let snap = org(&[("g1", "Ops", &[1, 2, 3])], 3);
    check(
        &snap,
        r#"version: 1
groups:
  - name: Ops
    members: at_least
    users:
      - u1@x.co
      - name: u2@x.co
        until: 2026-11-01
        reason: migration
      - name: u3@x.co
        until: 2026-12-01
        reason: pilot
"#,
        &[
            "- Ops: u2@x.co",
            "? member_expiring: the member's `until` date has not passed yet; nothing to change",
        ],
    );
}
