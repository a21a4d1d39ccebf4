//! Acceptance 1, as a property over generated orgs and policy sets:
//! `apply(plan(S))` on the simulator, then a live check, leaves none of the
//! planned findings; everything the plan left to a person is still
//! reported; and no membership the plan did not name changed.

use crate::support::*;
use proptest::prelude::*;
use scimdrift_apply::{Ending, Guards, Journal, Writer};
use scimdrift_fetch::NoProgress;
use scimdrift_plan::ChangeOp;
use scimdrift_reconcile::{CheckOptions, PolicySource, ReportSource, load_policies};
use scimdrift_sim::FaultSpec;
use std::collections::{BTreeMap, BTreeSet};

/// An org and its policies: `groups[i]` is (live members, declared members
/// or `None` for a group no policy declares); `missing` declares a group
/// that does not exist live; `ghost` declares a member nobody is; `at_least`
/// declares the groups `at_least` instead of `exact`; `rules` are user rules.
#[derive(Debug, Clone)]
struct Case {
    users: u32,
    groups: Vec<(BTreeSet<u32>, Option<BTreeSet<u32>>)>,
    missing: Option<BTreeSet<u32>>,
    ghost: bool,
    at_least: bool,
    rules: Vec<UserRule>,
}

/// A user rule: what it asks of which group indexes (an index past the
/// live groups names a group that does not exist), for the users whose
/// userName starts with `u<prefix>` (all of them without one).
#[derive(Debug, Clone)]
struct UserRule {
    kind: RuleKind,
    groups: Vec<usize>,
    prefix: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
enum RuleKind {
    Require,
    Forbid,
    Only,
}

fn user_rule() -> impl Strategy<Value = UserRule> {
    (
        prop_oneof![
            Just(RuleKind::Require),
            Just(RuleKind::Forbid),
            Just(RuleKind::Only)
        ],
        proptest::collection::vec(0usize..6, 1..3),
        proptest::option::of(1u32..10),
    )
        .prop_map(|(kind, groups, prefix)| UserRule {
            kind,
            groups,
            prefix,
        })
}

fn case() -> impl Strategy<Value = Case> {
    (6u32..12).prop_flat_map(|users| {
        let set = move || proptest::collection::btree_set(1..=users, 1..(users as usize));
        let group = (set(), proptest::option::weighted(0.8, set()));
        (
            Just(users),
            proptest::collection::vec(group, 1..5),
            proptest::option::of(set()),
            any::<bool>(),
            proptest::bool::weighted(0.25),
            proptest::collection::vec(user_rule(), 0..3),
        )
            .prop_map(|(users, groups, missing, ghost, at_least, rules)| Case {
                users,
                groups,
                missing,
                ghost,
                at_least,
                rules,
            })
    })
}

fn yaml(case: &Case) -> String {
    let mut y = String::from("version: 1\ngroups:\n");
    let list = |ms: &BTreeSet<u32>, ghost: bool| {
        let mut names: Vec<String> = ms.iter().map(|m| format!("u{m}@x.co")).collect();
        if ghost {
            names.push("ghost@x.co".into());
        }
        names.join(", ")
    };
    let mode = if case.at_least { "at_least" } else { "exact" };
    for (i, (_, declared)) in case.groups.iter().enumerate() {
        if let Some(d) = declared {
            y.push_str(&format!(
                "  - name: G{i}\n    members: {mode}\n    users: [{}]\n",
                list(d, case.ghost && i == 0)
            ));
        }
    }
    if let Some(m) = &case.missing {
        y.push_str(&format!(
            "  - name: New\n    members: exact\n    users: [{}]\n",
            list(m, false)
        ));
    }
    if y.ends_with("groups:\n") {
        y.push_str("  []\n");
    }
    if !case.rules.is_empty() {
        y.push_str("users:\n");
    }
    for (n, rule) in case.rules.iter().enumerate() {
        let key = match rule.kind {
            RuleKind::Require => "must_be_in",
            RuleKind::Forbid => "must_not_be_in",
            RuleKind::Only => "only_in",
        };
        let names: Vec<String> = rule.groups.iter().map(|k| format!("\"G{k}\"")).collect();
        y.push_str(&format!("  - id: rule-{n}\n"));
        if let Some(p) = rule.prefix {
            y.push_str(&format!("    where: 'userName sw \"u{p}\"'\n"));
        }
        y.push_str(&format!("    {key}: [{}]\n", names.join(", ")));
    }
    y
}

fn check_ids(snapshot: &scimdrift_proto::Snapshot, yaml: &str) -> BTreeSet<String> {
    let loaded = load_policies(&[PolicySource {
        path: "p.yaml".into(),
        contents: yaml.into(),
    }])
    .unwrap();
    let mut opts = CheckOptions::new(NOW.parse().unwrap(), ReportSource::default());
    opts.accept_mass_drift = true;
    scimdrift_reconcile::check(snapshot, &loaded.policies, &opts)
        .findings
        .iter()
        .map(|f| f.id.clone())
        .collect()
}

fn all_members(sim: &scimdrift_sim::Simulator) -> BTreeMap<String, BTreeSet<String>> {
    sim.with_store(|s| {
        s.list(scimdrift_sim::Kind::Groups)
            .iter()
            .map(|g| {
                let v = g.to_value();
                let ms = v["members"]
                    .as_array()
                    .map(|ms| {
                        ms.iter()
                            .filter_map(|m| m["value"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                (v["displayName"].as_str().unwrap().to_owned(), ms)
            })
            .collect()
    })
}

async fn run(case: Case) {
    let groups: Vec<(String, String, Vec<u32>)> = case
        .groups
        .iter()
        .enumerate()
        .map(|(i, (live, _))| {
            (
                format!("g{i}"),
                format!("G{i}"),
                live.iter().copied().collect(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &[u32])> = groups
        .iter()
        .map(|(id, name, ms)| (id.as_str(), name.as_str(), ms.as_slice()))
        .collect();
    let sim = start(org(&refs, case.users), FaultSpec::default()).await;
    let yaml = yaml(&case);
    let plan = plan_live(&sim, &yaml).await;
    let before = all_members(&sim);
    let options = options(&sim);
    let guards = Guards {
        allow_mass_removal: true,
        ..guards()
    };
    if let Err(refusal) = scimdrift_apply::check(&plan, &options, &guards) {
        // The one refusal the budget flag does not lift: emptying a group
        // the policies do not declare empty. Nothing may have been sent.
        assert!(
            matches!(refusal, scimdrift_apply::Refusal::WouldEmpty { .. }),
            "{refusal}"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let writer = Writer::new(&options, token()).unwrap();
    let mut journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
    let report = scimdrift_apply::apply(&plan, &writer, &mut journal)
        .await
        .unwrap();
    assert_eq!(report.ending(), Ending::Done, "{report:#?}");

    // A live check afterwards.
    let after = scimdrift_fetch::fetch(&options, &token(), &NoProgress)
        .await
        .unwrap();
    let found = check_ids(&after, &yaml);
    for g in &plan.groups {
        for c in &g.changes {
            for f in &c.resolves {
                assert!(
                    !found.contains(&f.id),
                    "planned finding {f:?} still reported"
                );
            }
        }
    }
    for n in &plan.needs_person {
        assert!(found.contains(&n.finding.id), "{n:?} no longer reported");
    }

    // Every group is its before state plus exactly the planned changes.
    let mut expected = before.clone();
    for g in &plan.groups {
        let set = expected.entry(g.display_name.clone()).or_default();
        for c in &g.changes {
            match c.op {
                ChangeOp::Add => set.insert(c.member.id.clone()),
                ChangeOp::Remove => set.remove(&c.member.id),
            };
        }
    }
    assert_eq!(all_members(&sim), expected);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn apply_of_plan_fixes_what_it_planned_and_nothing_else(case in case()) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run(case));
    }
}
