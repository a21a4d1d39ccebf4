//! A small org on the simulator, plans computed on it live, and fast
//! connection options.

#![allow(dead_code, reason = "each test module uses a different subset")]

use scimdrift_apply::{ApplyReport, Guards, Journal, Writer};
use scimdrift_fetch::{FetchOptions, NoProgress, Token};
use scimdrift_plan::{Plan, PlanInputs};
use scimdrift_proto::{Provider, Snapshot};
use scimdrift_reconcile::{CheckOptions, PolicySource, ReportSource, load_policies};
use scimdrift_sim::{FaultSpec, Kind, SimConfig, Simulator};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

pub const TOKEN: &str = "omni_org_apply_test_secret";
pub const NOW: &str = "2026-11-26T12:00:00Z";

/// A user id as Omni spells them (36 characters).
pub fn uid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// An org: groups as (id, name, member numbers), users 1..=users as
/// `u<n>@x.co`.
pub fn org(groups: &[(&str, &str, &[u32])], users: u32) -> Snapshot {
    let groups: Vec<Value> = groups
        .iter()
        .map(|(id, name, members)| {
            json!({
                "id": id,
                "displayName": name,
                "members": members.iter().map(|m| json!({"value": uid(*m), "display": format!("u{m}@x.co")})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let users: Vec<Value> = (1..=users)
        .map(|n| json!({"id": uid(n), "userName": format!("u{n}@x.co"), "active": true}))
        .collect();
    serde_json::from_value(json!({
        "schema": "scimdrift.snapshot/v1",
        "source": {"provider": "omni"},
        "groups": groups,
        "users": users,
    }))
    .unwrap()
}

/// The org most tests use: Engineering loses u5 and gains u6, Ops gains u7,
/// Data is created with u2 and u8.
pub fn three_groups() -> Snapshot {
    org(
        &[
            ("g-eng", "Engineering", &[1, 2, 3, 4, 5]),
            ("g-ops", "Ops", &[1, 2, 3, 4]),
        ],
        8,
    )
}

/// The policies that go with [`three_groups`].
pub const THREE_GROUPS: &str = "version: 1
groups:
  - name: Engineering
    members: exact
    users: [u1@x.co, u2@x.co, u3@x.co, u4@x.co, u6@x.co]
  - name: Ops
    members: exact
    users: [u1@x.co, u2@x.co, u3@x.co, u4@x.co, u7@x.co]
  - name: Data
    members: exact
    users: [u2@x.co, u8@x.co]
";

/// Options that reach the simulator fast.
pub fn options(sim: &Simulator) -> FetchOptions {
    let mut o = FetchOptions::new(url::Url::parse(&sim.base_url()).unwrap(), Provider::Omni);
    o.rate_limit_per_min = 600_000.0;
    o.max_retries = 8;
    o.request_timeout = Duration::from_secs(5);
    o.backoff_base = Duration::from_millis(1);
    o.backoff_max = Duration::from_millis(20);
    o.jitter_seed = Some(7);
    o
}

pub fn token() -> Token {
    Token::new(TOKEN, "test").unwrap()
}

/// Starts the simulator on `org` with `faults` (a second token, `other`,
/// makes "someone else's" changes).
pub async fn start(org: Snapshot, faults: FaultSpec) -> Simulator {
    Simulator::start(
        SimConfig::new(org)
            .tokens([TOKEN, "other"])
            .rate_limit(None)
            .faults(faults)
            .seed(11),
    )
    .await
    .unwrap()
}

/// Fetches the sim live and plans against `yaml` at [`NOW`].
pub async fn plan_live(sim: &Simulator, yaml: &str) -> Plan {
    let snapshot = scimdrift_fetch::fetch(&options(sim), &token(), &NoProgress)
        .await
        .unwrap();
    plan_on(&snapshot, yaml)
}

/// Plans `snapshot` against `yaml` at [`NOW`].
pub fn plan_on(snapshot: &Snapshot, yaml: &str) -> Plan {
    let loaded = load_policies(&[PolicySource {
        path: "p.yaml".into(),
        contents: yaml.into(),
    }])
    .unwrap_or_else(|d| panic!("{}", scimdrift_reconcile::render_all(&d)));
    let mut opts = CheckOptions::new(NOW.parse().unwrap(), ReportSource::default());
    opts.accept_mass_drift = true;
    let report = scimdrift_reconcile::check(snapshot, &loaded.policies, &opts);
    scimdrift_plan::plan(&PlanInputs {
        snapshot,
        policies: &loaded.policies,
        check: &opts,
        report: &report,
    })
    .unwrap()
}

pub fn guards() -> Guards {
    Guards {
        now: NOW.parse().unwrap(),
        max_age: Duration::from_secs(3600),
        allow_mass_removal: false,
    }
}

/// Checks the guards and applies with a journal in `dir`.
pub async fn apply(sim: &Simulator, plan: &Plan, dir: &std::path::Path) -> ApplyReport {
    let options = options(sim);
    scimdrift_apply::check(plan, &options, &guards()).unwrap();
    let writer = Writer::new(&options, token()).unwrap();
    let mut journal = Journal::open(&dir.join("plan.journal.jsonl")).unwrap();
    scimdrift_apply::apply(plan, &writer, &mut journal)
        .await
        .unwrap()
}

/// A group's member ids in the simulator's store, by display name.
pub fn members(sim: &Simulator, name: &str) -> Option<BTreeSet<String>> {
    sim.with_store(|s| {
        s.list(Kind::Groups)
            .iter()
            .map(|g| g.to_value())
            .find(|g| g["displayName"] == name)
            .map(|g| {
                g["members"]
                    .as_array()
                    .map(|ms| {
                        ms.iter()
                            .filter_map(|m| m["value"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            })
    })
}

/// Member ids of user numbers.
pub fn ids(ns: &[u32]) -> BTreeSet<String> {
    ns.iter().map(|n| uid(*n)).collect()
}

/// Requests other than GET the simulator saw.
pub fn writes(sim: &Simulator) -> Vec<scimdrift_sim::RequestRecord> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

/// The journal's lines as JSON.
pub fn journal(dir: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("plan.journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
