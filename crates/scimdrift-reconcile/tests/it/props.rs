//! Property tests: random snapshots and policies never panic the engine;
//! exact groups satisfy `live ∪ missing − unexpected = declared`; reordering
//! the snapshot's arrays or the policy files changes no finding. Time-bound
//! members: moving `--now` forward never revalidates an expired membership,
//! and `until` days far in the future change nothing.

use proptest::prelude::*;
use scimdrift_proto::{Resource, Snapshot, SnapshotSource};
use scimdrift_reconcile::{
    CheckOptions, FindingKind, PolicySource, ReportSource, SubjectType, check, load_policies,
};
use serde_json::json;
use std::collections::BTreeSet;

const GROUPS: [&str; 6] = ["Admins", "Finance", "Sales", "Acme", "Acme Ops", "admins"];
const ENTITIES: [&str; 3] = ["Acme", "Globex", "acme"];
const REFS: [&str; 8] = [
    "Admins",
    "Finance",
    "Acme*",
    "${embedEntity}",
    "${embedEntity} Ops",
    "Sa?es",
    "admins",
    "Nope",
];

#[derive(Debug, Clone)]
struct Org {
    users: Vec<(bool, bool)>,         // (upper-case userName, active)
    embed: Vec<Option<usize>>,        // entity index
    groups: Vec<(usize, Vec<usize>)>, // (name index, member picks)
    dangling: Vec<usize>,             // group indexes with a dangling member
}

fn org() -> impl Strategy<Value = Org> {
    (
        prop::collection::vec((any::<bool>(), any::<bool>()), 0..6),
        prop::collection::vec(prop::option::of(0..ENTITIES.len()), 0..6),
        prop::collection::vec(
            (0..GROUPS.len(), prop::collection::vec(0..12usize, 0..6)),
            0..6,
        ),
        prop::collection::vec(0..6usize, 0..2),
    )
        .prop_map(|(users, embed, groups, dangling)| Org {
            users,
            embed,
            groups,
            dangling,
        })
}

fn user_name(i: usize, upper: bool) -> String {
    let n = format!("user{i}@x.co");
    if upper { n.to_uppercase() } else { n }
}

fn snapshot(org: &Org) -> Snapshot {
    let mut s = Snapshot::new(SnapshotSource::default());
    let mut ids = Vec::new();
    for (i, (upper, active)) in org.users.iter().enumerate() {
        let id = format!("u{i}");
        s.users.push(
            Resource::from_value(
                &json!({"id": id, "userName": user_name(i, *upper), "active": active}),
            )
            .unwrap(),
        );
        ids.push(id);
    }
    for (i, entity) in org.embed.iter().enumerate() {
        let id = format!("e{i}");
        let mut v = json!({"id": id, "userName": format!("e{i}@embed"), "embedExternalId": format!("ext-{i}")});
        if let Some(e) = entity {
            v["embedEntity"] = json!(ENTITIES[*e]);
        }
        s.embed_users.push(Resource::from_value(&v).unwrap());
        ids.push(id);
    }
    for (gi, (name, picks)) in org.groups.iter().enumerate() {
        let mut members: Vec<serde_json::Value> = Vec::new();
        if !ids.is_empty() {
            for p in picks {
                let id = &ids[p % ids.len()];
                if !members.iter().any(|m| m["value"] == json!(id)) {
                    members.push(json!({"value": id, "display": id}));
                }
            }
        }
        if org.dangling.contains(&gi) {
            members.push(json!({"value": format!("gone-{gi}"), "display": "gone"}));
        }
        s.groups.push(
            Resource::from_value(
                &json!({"id": format!("g{gi}"), "displayName": GROUPS[*name], "members": members}),
            )
            .unwrap(),
        );
    }
    s
}

/// One generated rule: (embed?, must_be_in, must_not_be_in, only_in).
type GenRule = (bool, Vec<usize>, Vec<usize>, Option<Vec<usize>>);

#[derive(Debug, Clone)]
struct Pol {
    decls: Vec<(usize, u8, Vec<usize>, Vec<usize>)>, // (group, mode, users, embed)
    rules: Vec<GenRule>,
    sod: Vec<Vec<usize>>,
    exceptions: Vec<(usize, usize, u8)>, // (rule index, subject, expiry choice)
}

fn pol() -> impl Strategy<Value = Pol> {
    let idx = || prop::collection::vec(0..8usize, 0..3);
    (
        prop::collection::vec((0..GROUPS.len(), 0..3u8, idx(), idx()), 0..4),
        prop::collection::vec((any::<bool>(), idx(), idx(), prop::option::of(idx())), 0..4),
        prop::collection::vec(prop::collection::vec(0..REFS.len(), 2..4), 0..2),
        prop::collection::vec((0..4usize, 0..8usize, 0..3u8), 0..3),
    )
        .prop_map(|(decls, rules, sod, exceptions)| Pol {
            decls,
            rules,
            sod,
            exceptions,
        })
}

fn yaml_list(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.map(|s| format!("{s:?}")).collect();
    format!("[{}]", v.join(", "))
}

/// The policies as three files (groups, rules, exceptions).
fn policy_files(p: &Pol) -> Vec<PolicySource> {
    let mut groups =
        String::from("version: 1\nsettings:\n  ignore_groups: [\"Acme Ops\"]\ngroups:\n");
    let mut seen = BTreeSet::new();
    for (g, mode, users, embed) in &p.decls {
        if !seen.insert(*g) {
            continue;
        }
        let mode = ["exact", "at_least", "unmanaged"][usize::from(*mode)];
        groups.push_str(&format!(
            "  - name: {:?}\n    members: {mode}\n",
            GROUPS[*g]
        ));
        if mode != "unmanaged" {
            let u: BTreeSet<usize> = users.iter().copied().collect();
            let e: BTreeSet<usize> = embed.iter().copied().collect();
            groups.push_str(&format!(
                "    users: {}\n    embed_users: {}\n",
                yaml_list(u.iter().map(|i| user_name(*i, i % 2 == 0))),
                yaml_list(e.iter().map(|i| format!("ext-{i}")))
            ));
        }
    }
    if p.decls.is_empty() {
        groups.push_str("  []\n");
    }
    let mut rules = String::from("version: 1\n");
    let mut ids = Vec::new();
    let mut embed_rules = String::new();
    let mut user_rules = String::new();
    for (i, (is_embed, must, must_not, only)) in p.rules.iter().enumerate() {
        let id = format!("rule-{i}");
        let mut text = format!("  - id: {id}\n");
        if !must.is_empty() {
            text.push_str(&format!(
                "    must_be_in: {}\n",
                yaml_list(must.iter().map(|r| REFS[*r].to_owned()))
            ));
        }
        if !must_not.is_empty() {
            text.push_str(&format!(
                "    must_not_be_in: {}\n",
                yaml_list(must_not.iter().map(|r| REFS[*r].to_owned()))
            ));
        }
        match only {
            Some(o) => text.push_str(&format!(
                "    only_in: {}\n",
                yaml_list(o.iter().map(|r| REFS[*r].to_owned()))
            )),
            None if must.is_empty() && must_not.is_empty() => text.push_str("    only_in: []\n"),
            None => {}
        }
        if *is_embed {
            if i % 2 == 0 {
                // Entity-scoped selectors take the engine's indexed path.
                text.push_str(&format!(
                    "    where: 'embedEntity eq {:?}'\n",
                    ENTITIES[i % ENTITIES.len()]
                ));
            }
            embed_rules.push_str(&text);
        } else {
            text.push_str("    where: 'active eq true'\n");
            user_rules.push_str(&text);
        }
        ids.push((id, *is_embed));
    }
    if !embed_rules.is_empty() {
        rules.push_str(&format!("embed_users:\n{embed_rules}"));
    }
    if !user_rules.is_empty() {
        rules.push_str(&format!("users:\n{user_rules}"));
    }
    if !p.sod.is_empty() {
        rules.push_str("separation_of_duties:\n");
        for (i, groups) in p.sod.iter().enumerate() {
            let id = format!("sod-{i}");
            rules.push_str(&format!(
                "  - id: {id}\n    groups: {}\n",
                yaml_list(groups.iter().map(|r| REFS[*r].to_owned()))
            ));
            ids.push((id, false));
        }
    }
    let mut exceptions = String::from("version: 1\nexceptions:\n");
    let mut any = false;
    for (rule, subject, expiry) in &p.exceptions {
        let Some((id, is_embed)) = ids.get(*rule % ids.len().max(1)) else {
            continue;
        };
        let subject = if *is_embed {
            format!("ext-{subject}")
        } else {
            user_name(*subject, false)
        };
        let expires = ["2026-06-01", "2027-01-05", "2028-01-01"][usize::from(*expiry)];
        exceptions.push_str(&format!(
            "  - rule: {id}\n    subject: {subject:?}\n    reason: test\n    expires: {expires}\n"
        ));
        any = true;
    }
    if !any {
        exceptions.push_str("  []\n");
    }
    vec![
        PolicySource {
            path: "a-groups.yaml".into(),
            contents: groups,
        },
        PolicySource {
            path: "b-rules.yaml".into(),
            contents: rules,
        },
        PolicySource {
            path: "c-exceptions.yaml".into(),
            contents: exceptions,
        },
    ]
}

fn opts() -> CheckOptions {
    let mut o = CheckOptions::new(
        "2027-01-01T00:00:00Z".parse().unwrap(),
        ReportSource::default(),
    );
    o.tool_version = "test".into();
    o
}

fn shuffled(s: &Snapshot, seed: u64) -> Snapshot {
    // A deterministic permutation: rotate and reverse by seed.
    fn perm<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
        let mut out = v.to_vec();
        if !out.is_empty() {
            let k = usize::try_from(seed % out.len() as u64).unwrap();
            out.rotate_left(k);
        }
        if seed % 2 == 1 {
            out.reverse();
        }
        out
    }
    let mut t = s.clone();
    t.users = perm(&s.users, seed);
    t.embed_users = perm(&s.embed_users, seed / 3);
    t.groups = perm(&s.groups, seed / 7)
        .into_iter()
        .map(|g| {
            let mut v = g.to_value();
            if let Some(members) = v.get("members").and_then(|m| m.as_array()).cloned() {
                v["members"] = json!(perm(&members, seed / 11));
            }
            Resource::from_value(&v).unwrap()
        })
        .collect();
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn engine_properties(o in org(), p in pol(), seed in any::<u64>()) {
        let snap = snapshot(&o);
        let files = policy_files(&p);
        let loaded = match load_policies(&files) {
            Ok(l) => l,
            Err(d) => panic!("generated policies must load:\n{}\n{:#?}", scimdrift_reconcile::render_all(&d), files),
        };
        let report = check(&snap, &loaded.policies, &opts());

        // Exact groups: live ∪ missing − unexpected = declared (resolved).
        for decl in loaded.policies.groups.iter().filter(|d| d.members == scimdrift_reconcile::MembersMode::Exact) {
            let Some(live) = snap.groups.iter()
                .map(|g| g.to_value())
                .filter(|g| g["displayName"] == json!(decl.name))
                .min_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str())) else { continue };
            let label = |v: &serde_json::Value| -> Option<String> {
                let id = v["value"].as_str()?;
                if let Some(u) = snap.users.iter().find(|u| u.id() == id) {
                    return u.to_value()["userName"].as_str().map(str::to_lowercase);
                }
                snap.embed_users.iter().find(|u| u.id() == id)
                    .and_then(|u| u.to_value()["embedExternalId"].as_str().map(str::to_owned))
            };
            let mut set: BTreeSet<String> = live["members"].as_array().into_iter().flatten().filter_map(label).collect();
            let name_of = |f: &scimdrift_reconcile::Finding| {
                let s = f.subject.as_ref().unwrap();
                match s.kind {
                    SubjectType::User => s.user_name.clone().unwrap().to_lowercase(),
                    _ => s.embed_external_id.clone().unwrap(),
                }
            };
            let ours = report.findings.iter().filter(|f| f.group.as_deref() == Some(decl.name.as_str()) && f.rule == decl.rule_id());
            for f in ours.clone().filter(|f| f.kind == FindingKind::MemberMissing) {
                set.insert(name_of(f));
            }
            for f in ours.filter(|f| f.kind == FindingKind::MemberUnexpected) {
                prop_assert!(set.remove(&name_of(f)));
            }
            let declared: BTreeSet<String> = decl.users.iter().map(|m| m.name.to_lowercase())
                .filter(|n| snap.users.iter().any(|u| u.to_value()["userName"].as_str().map(str::to_lowercase).as_deref() == Some(n)))
                .chain(decl.embed_users.iter().map(|m| m.name.clone())
                    .filter(|n| snap.embed_users.iter().any(|u| u.to_value()["embedExternalId"].as_str() == Some(n))))
                .collect();
            prop_assert_eq!(set, declared, "group {}", decl.name);
        }

        // Reordering the snapshot's arrays and the policy files changes nothing.
        let mut reordered_files = files.clone();
        reordered_files.reverse();
        let loaded2 = load_policies(&reordered_files).unwrap();
        let report2 = check(&shuffled(&snap, seed), &loaded2.policies, &opts());
        prop_assert_eq!(&report.findings, &report2.findings);
        prop_assert_eq!(&report.summary, &report2.summary);
        prop_assert_eq!(&report.membership_diffs, &report2.membership_diffs);
        prop_assert_eq!(report.status, report2.status);
    }
}

/// Time-bound declarations: (group, mode, users, embed users), each member
/// with an optional `until` (an index into [`UNTIL`]).
type TimeBoundDecl = (
    usize,
    bool,
    Vec<(usize, Option<usize>)>,
    Vec<(usize, Option<usize>)>,
);

const UNTIL: [&str; 5] = [
    "2026-06-01",
    "2026-12-31",
    "2027-01-10",
    "2027-03-01",
    "2028-01-01",
];

fn time_bound_decls() -> impl Strategy<Value = Vec<TimeBoundDecl>> {
    let members = || prop::collection::vec((0..8usize, prop::option::of(0..UNTIL.len())), 0..4);
    prop::collection::vec((0..GROUPS.len(), any::<bool>(), members(), members()), 0..4)
}

/// The declarations as one policy file; `until` maps a member's date index
/// to the text of its `until` (`None`: a plain name).
fn time_bound_file(
    decls: &[TimeBoundDecl],
    until: impl Fn(usize) -> Option<String>,
) -> Vec<PolicySource> {
    let mut y = String::from(
        "version: 1\nsettings:\n  unmanaged_groups: ignore\n  expiring_within_days: 30\ngroups:\n",
    );
    let mut seen = BTreeSet::new();
    for (g, exact, users, embed) in decls {
        if !seen.insert(*g) {
            continue;
        }
        let mode = if *exact { "exact" } else { "at_least" };
        y.push_str(&format!(
            "  - name: {:?}\n    members: {mode}\n",
            GROUPS[*g]
        ));
        for (key, list, name) in [
            (
                "users",
                users,
                &(|i: usize| user_name(i, i.is_multiple_of(2))) as &dyn Fn(usize) -> String,
            ),
            ("embed_users", embed, &|i: usize| format!("ext-{i}")),
        ] {
            y.push_str(&format!("    {key}:\n"));
            let mut names = BTreeSet::new();
            let mut any = false;
            for (i, date) in list {
                let n = name(*i);
                if !names.insert(n.to_lowercase()) {
                    continue;
                }
                any = true;
                // One line either way, so findings point at the same line.
                match date.and_then(&until) {
                    Some(d) => y.push_str(&format!(
                        "      - {{name: {n:?}, until: {d}, reason: test}}\n"
                    )),
                    None => y.push_str(&format!("      - {n:?}\n")),
                }
            }
            if !any {
                y.truncate(y.len() - format!("    {key}:\n").len());
                y.push_str(&format!("    {key}: []\n"));
            }
        }
    }
    if seen.is_empty() {
        y.push_str("  []\n");
    }
    vec![PolicySource {
        path: "groups.yaml".into(),
        contents: y,
    }]
}

fn at(now: jiff::Timestamp) -> CheckOptions {
    let mut o = CheckOptions::new(now, ReportSource::default());
    o.tool_version = "test".into();
    o
}

/// (group, subject name) of the findings of one kind.
fn pairs(report: &scimdrift_reconcile::Report, kind: FindingKind) -> BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| {
            let s = f.subject.as_ref().unwrap();
            let name = match s.kind {
                SubjectType::User => s.user_name.clone().unwrap_or_default().to_lowercase(),
                _ => s.embed_external_id.clone().unwrap_or_default(),
            };
            (f.group.clone().unwrap_or_default(), name)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// Moving `--now` forward never turns an expired membership back into a
    /// valid one: what is `member_expired` at `now` still is later, and an
    /// entry expired at `now` is never `member_missing` later.
    #[test]
    fn expired_memberships_stay_expired(
        o in org(),
        decls in time_bound_decls(),
        start in 0..900i64,
        later in 0..900i64,
    ) {
        let snap = snapshot(&o);
        let files = time_bound_file(&decls, |i| Some(UNTIL[i].to_owned()));
        let policies = load_policies(&files).unwrap().policies;
        let base: jiff::Timestamp = "2026-01-01T12:00:00Z".parse().unwrap();
        let t1 = base + jiff::SignedDuration::from_hours(24 * start);
        let t2 = t1 + jiff::SignedDuration::from_hours(24 * later);
        let r1 = check(&snap, &policies, &at(t1));
        let r2 = check(&snap, &policies, &at(t2));
        let expired1 = pairs(&r1, FindingKind::MemberExpired);
        let expired2 = pairs(&r2, FindingKind::MemberExpired);
        prop_assert!(expired1.is_subset(&expired2), "{expired1:?} at {t1} vs {expired2:?} at {t2}");
        // Entries expired at t1 are not expected members at t2.
        let missing2 = pairs(&r2, FindingKind::MemberMissing);
        for decl in &policies.groups {
            for m in decl.users.iter().chain(&decl.embed_users) {
                if let Some(u) = &m.until && u.expired(t1) {
                    let key = if decl.users.contains(m) { m.name.to_lowercase() } else { m.name.clone() };
                    prop_assert!(!missing2.contains(&(decl.name.clone(), key)), "{} in {}", m.name, decl.name);
                }
            }
        }
    }

    /// With every `until` far in the future, the report is the one without
    /// `until` fields (findings, their ids, diffs, counts, status).
    #[test]
    fn far_future_until_changes_nothing(o in org(), decls in time_bound_decls()) {
        let snap = snapshot(&o);
        let bounded = load_policies(&time_bound_file(&decls, |_| Some("2999-12-31".to_owned()))).unwrap().policies;
        let plain = load_policies(&time_bound_file(&decls, |_| None)).unwrap().policies;
        let now = "2027-01-01T00:00:00Z".parse().unwrap();
        let strip = |mut r: scimdrift_reconcile::Report| {
            r.policies.clear();
            for f in &mut r.findings {
                // The same line either way; the column of a flow mapping's
                // `name` is not the column of a plain name.
                if let Some(p) = &mut f.policy {
                    p.column = 0;
                }
            }
            r
        };
        let a = strip(check(&snap, &bounded, &at(now)));
        let b = strip(check(&snap, &plain, &at(now)));
        prop_assert_eq!(a, b);
    }
}
