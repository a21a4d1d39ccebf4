//! Refresh correctness as a property, on the simulator serving the demo org:
//! take a snapshot; mutate the live org (joins, leaves, new users, renames) in
//! the groups the PR touches and elsewhere; then `check --base … --snapshot …
//! --refresh` introduces and resolves exactly what a full live PR check does
//! whenever the live org changed only in refreshed groups, and every finding
//! about a refreshed group reflects live membership either way.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use scimdrift_proto::Resource;
use scimdrift_sim::{FaultSpec, Kind, Store};
use serde_json::{Value, json};

use crate::refresh::{changes, check, demo_sim, group_named, join_new_user, pr_head};
use crate::support::{demo, run};

/// The groups the PR in [`pr_head`] edits: exactly what is refreshed.
const TOUCHED: [&str; 2] = ["Admins", "Data Analysts"];
/// Other groups of the demo org, for changes elsewhere.
const ELSEWHERE: [&str; 4] = ["Finance", "Engineering", "Blob Sales", "Acme"];

#[derive(Debug, Clone)]
enum Change {
    /// An existing standard user (by position) joins the group.
    Join(usize),
    /// The member at this position leaves.
    Leave(usize),
    /// A brand-new user joins.
    NewUser,
    /// The group is renamed live.
    Rename,
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0usize..64).prop_map(Change::Join),
        (0usize..64).prop_map(Change::Leave),
        Just(Change::NewUser),
        Just(Change::Rename),
    ]
}

/// A change and the group it hits: touched (refreshed) or elsewhere.
fn targeted() -> impl Strategy<Value = (bool, usize, Change)> {
    (any::<bool>(), 0usize..4, change())
}

fn replace_group(store: &mut Store, group: &Value) {
    assert!(store.replace(Kind::Groups, Resource::from_value(group).unwrap()));
}

/// Applies one change; `n` keeps new ids unique.
fn apply(store: &mut Store, name: &str, change: &Change, n: usize) {
    let mut group = group_named(store, name);
    match change {
        Change::Join(i) => {
            let users = store.list(Kind::Users);
            let user = users[i % users.len()].to_value();
            let members = group["members"].as_array_mut().unwrap();
            if !members.iter().any(|m| m["value"] == user["id"]) {
                members.push(json!({"value": user["id"], "display": user["userName"]}));
            }
            replace_group(store, &group);
        }
        Change::Leave(i) => {
            let members = group["members"].as_array_mut().unwrap();
            if !members.is_empty() {
                let at = i % members.len();
                members.remove(at);
            }
            replace_group(store, &group);
        }
        Change::NewUser => join_new_user(store, name, &format!("u-prop-{n}")),
        Change::Rename => {
            group["displayName"] = json!(format!("{name} (renamed {n})"));
            replace_group(store, &group);
        }
    }
}

/// `kind rule group subject change` of every finding whose group is one of
/// `groups`.
fn about(report: &Value, groups: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["group"].as_str().is_some_and(|g| groups.contains(g)))
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f["kind"], f["rule"], f["group"], f["subject"], f["change"]
            )
        })
        .collect();
    out.sort();
    out
}

fn json_of(cmd: &mut std::process::Command) -> Value {
    let (code, stdout, stderr) = run(cmd);
    assert!(matches!(code, 0 | 2), "exit {code}: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// Writes the simulator's current org as a complete snapshot fetched now.
fn snapshot_of(dir: &Path, sim: &scimdrift_sim::Simulator) {
    let mut snapshot = sim.with_store(Store::to_snapshot);
    #[expect(
        clippy::disallowed_methods,
        reason = "the snapshot must be fresh by the real clock for --refresh"
    )]
    let now = jiff::Timestamp::now().round(jiff::Unit::Second).unwrap();
    snapshot.fetched_at = Some(now.to_string());
    std::fs::write(
        dir.join("snapshot.json"),
        scimdrift_fetch::snapshot_json(&snapshot).unwrap(),
    )
    .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn refresh_agrees_with_a_full_live_check(changes_made in proptest::collection::vec(targeted(), 1..4)) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = runtime.block_on(demo_sim(FaultSpec::default()));
        let dir = demo();
        let d = dir.path();
        pr_head(d);
        snapshot_of(d, &sim);
        let mut only_touched = true;
        for (n, (touched, which, change)) in changes_made.iter().enumerate() {
            let name = if *touched {
                TOUCHED[which % TOUCHED.len()]
            } else {
                only_touched = false;
                ELSEWHERE[which % ELSEWHERE.len()]
            };
            // A group renamed earlier in the case keeps its new name.
            let exists = sim.with_store(|s| {
                s.list(Kind::Groups).iter().any(|g| g.to_value()["displayName"] == name)
            });
            if exists {
                sim.mutate(|store| apply(store, name, change, n));
            }
        }
        let pr = ["--policies", "head", "--base", "policies", "--format", "json"];
        let refreshed = json_of(check(d, &sim, &pr).args(["--snapshot", "snapshot.json", "--refresh"]));
        let live = json_of(&mut check(d, &sim, &pr));
        let info = &refreshed["source"]["refresh"];
        prop_assert_eq!(&info["all_groups"], &json!(false));
        let refreshed_groups: BTreeSet<String> =
            serde_json::from_value(info["groups"].clone()).unwrap();
        if only_touched {
            prop_assert_eq!(changes(&refreshed, "introduced"), changes(&live, "introduced"));
            prop_assert_eq!(changes(&refreshed, "resolved"), changes(&live, "resolved"));
        }
        prop_assert_eq!(
            about(&refreshed, &refreshed_groups),
            about(&live, &refreshed_groups)
        );
        drop(sim);
        drop(runtime);
    }
}
