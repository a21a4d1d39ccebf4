//! `scimdrift apply` end to end on the simulator: the dry run, a confirmed
//! apply, and the refusals (exit 4, nothing sent). Each test asserts the
//! server's final state through the simulator's store, not only the exit
//! code.

use crate::support::{outcome, scimdrift};
use scimdrift_proto::Snapshot;
use scimdrift_sim::{Kind, SimConfig, Simulator};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

const TOKEN: &str = "omni_org_key_apply_cli_test";
const NOW: &str = "2026-11-26T12:00:00Z";

fn uid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// Engineering [1..=5], Ops [1..=4], users 1..=8.
fn org() -> Snapshot {
    let group = |id: &str, name: &str, ms: &[u32]| json!({"id": id, "displayName": name, "members": ms.iter().map(|m| json!({"value": uid(*m)})).collect::<Vec<_>>()});
    let users: Vec<Value> = (1..=8)
        .map(|n| json!({"id": uid(n), "userName": format!("u{n}@x.co"), "active": true}))
        .collect();
    serde_json::from_value(json!({
        "schema": "scimdrift.snapshot/v1",
        "source": {"provider": "omni"},
        "groups": [group("g-eng", "Engineering", &[1, 2, 3, 4, 5]), group("g-ops", "Ops", &[1, 2, 3, 4])],
        "users": users,
    }))
    .unwrap()
}

/// Engineering loses u5 and gains u6; Ops gains u7; Data is created.
const POLICIES: &str = "version: 1
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

async fn sim() -> Simulator {
    Simulator::start(SimConfig::new(org()).token(TOKEN).rate_limit(None))
        .await
        .unwrap()
}

fn live(sim: &Simulator) -> Vec<String> {
    [
        "--base-url",
        &sim.base_url(),
        "--rate-limit",
        "600000/min",
        "--retries",
        "2",
        "--timeout",
        "5",
        "--now",
        NOW,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn members(sim: &Simulator, name: &str) -> Option<BTreeSet<String>> {
    sim.with_store(|s| {
        s.list(Kind::Groups)
            .iter()
            .map(|g| g.to_value())
            .find(|g| g["displayName"] == name)
            .map(|g| {
                g["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
    })
}

fn ids(ns: &[u32]) -> BTreeSet<String> {
    ns.iter().map(|n| uid(*n)).collect()
}

fn assert_untouched(sim: &Simulator) {
    assert_eq!(members(sim, "Engineering"), Some(ids(&[1, 2, 3, 4, 5])));
    assert_eq!(members(sim, "Ops"), Some(ids(&[1, 2, 3, 4])));
    assert_eq!(members(sim, "Data"), None);
    assert!(sim.requests().iter().all(|r| r.method == "GET"));
}

/// Writes the policies and plans live into `plan.json`.
fn plan(dir: &Path, sim: &Simulator, policies: &str) {
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("policies/p.yaml"), policies).unwrap();
    let out = outcome(
        scimdrift(dir)
            .args(["plan", "--policies", "policies", "--out", "plan.json"])
            .args(live(sim))
            .env("OMNI_API_TOKEN", TOKEN),
    );
    assert_eq!(out.code, 2, "{out}");
}

fn apply(dir: &Path, sim: &Simulator, extra: &[&str]) -> crate::support::Outcome {
    outcome(
        scimdrift(dir)
            .args(["apply", "plan.json"])
            .args(extra)
            .args(live(sim))
            .env("OMNI_API_TOKEN", TOKEN),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_prints_every_request_and_writes_nothing() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    plan(dir.path(), &sim, POLICIES);
    sim.clear_requests();
    let out = apply(dir.path(), &sim, &[]).status(0);
    let plan: scimdrift_plan::Plan =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap())
            .unwrap();
    // Every body is printed exactly as it would be sent.
    for g in &plan.groups {
        assert!(out.stdout.contains(&g.body.to_string()), "{out}");
    }
    assert!(
        out.stdout.contains("  PATCH /api/scim/v2/groups/g-eng\n"),
        "{out}"
    );
    assert!(out.stdout.contains("  POST /api/scim/v2/groups\n"), "{out}");
    assert!(!dir.path().join("plan.journal.jsonl").exists());
    assert!(!sim.requests().is_empty());
    assert_untouched(&sim);
    insta::assert_snapshot!("apply_dry_run", out.stdout);
}

#[test]
fn help_apply() {
    let dir = tempfile::tempdir().unwrap();
    let out = outcome(
        scimdrift(dir.path())
            .env_remove("COLUMNS")
            .env_remove("LINES")
            .args(["apply", "--help"]),
    )
    .status(0);
    insta::assert_snapshot!("help_apply", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_apply_makes_the_plan_and_check_is_then_clean() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    plan(dir.path(), &sim, POLICIES);
    let out = apply(dir.path(), &sim, &["--confirm"]).status(0);
    insta::assert_snapshot!("apply_confirmed", out.stdout);
    assert!(
        out.stderr.contains("journal: `plan.journal.jsonl`"),
        "{out}"
    );
    assert_eq!(members(&sim, "Engineering"), Some(ids(&[1, 2, 3, 4, 6])));
    assert_eq!(members(&sim, "Ops"), Some(ids(&[1, 2, 3, 4, 7])));
    assert_eq!(members(&sim, "Data"), Some(ids(&[2, 8])));
    let journal = std::fs::read_to_string(dir.path().join("plan.journal.jsonl")).unwrap();
    assert!(!journal.contains(TOKEN));
    let check = outcome(
        scimdrift(dir.path())
            .args(["check", "--policies", "policies"])
            .args(live(&sim))
            .env("OMNI_API_TOKEN", TOKEN),
    );
    assert_eq!(check.code, 0, "{check}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_plan_is_refused_and_nothing_is_sent() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    plan(dir.path(), &sim, POLICIES);
    let path = dir.path().join("plan.json");
    let text = std::fs::read_to_string(&path).unwrap();
    // Someone swaps the member a removal names.
    std::fs::write(&path, text.replace(&uid(5), &uid(1))).unwrap();
    sim.clear_requests();
    let out = apply(dir.path(), &sim, &["--confirm"]).status(4);
    assert!(out.stderr.contains("error: the plan is refused; nothing was sent\n  caused by: `plan.json` was changed after it was written"), "{out}");
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    assert_untouched(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deletion_budget_refuses_the_whole_plan() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    // Engineering would lose u4 and u5 (2 of 5, more than 25%).
    plan(
        dir.path(),
        &sim,
        "version: 1
groups:
  - name: Engineering
    members: exact
    users: [u1@x.co, u2@x.co, u3@x.co]
  - name: Ops
    members: exact
    users: [u1@x.co, u2@x.co, u3@x.co, u4@x.co, u7@x.co]
",
    );
    sim.clear_requests();
    let out = apply(dir.path(), &sim, &["--confirm"]).status(4);
    assert!(
        out.stderr
            .contains("`Engineering` would lose 2 of its 5 members (more than 25%)"),
        "{out}"
    );
    assert!(out.stderr.contains("--allow-mass-removal"), "{out}");
    assert!(sim.requests().is_empty());
    assert_eq!(members(&sim, "Ops"), Some(ids(&[1, 2, 3, 4])));
    assert_eq!(members(&sim, "Engineering"), Some(ids(&[1, 2, 3, 4, 5])));
    // Lifted, it goes through.
    apply(dir.path(), &sim, &["--confirm", "--allow-mass-removal"]).status(0);
    assert_eq!(members(&sim, "Engineering"), Some(ids(&[1, 2, 3])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_changed_since_the_plan_is_skipped_the_others_applied_and_exit_is_3() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    plan(dir.path(), &sim, POLICIES);
    // Someone adds u8 to Ops in Omni's UI after the plan was made.
    let status = sim.edit_group(
        "g-ops",
        &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": uid(8)}]}],
        }),
    );
    assert_eq!(status, 200);
    let out = apply(dir.path(), &sim, &["--confirm"]).status(3);
    assert!(out.stdout.contains("Ops"), "{out}");
    // Ops keeps the other person's change and gets none of the plan's.
    assert_eq!(members(&sim, "Ops"), Some(ids(&[1, 2, 3, 4, 8])));
    // The other groups are applied.
    assert_eq!(members(&sim, "Engineering"), Some(ids(&[1, 2, 3, 4, 6])));
    assert_eq!(members(&sim, "Data"), Some(ids(&[2, 8])));
    let journal = std::fs::read_to_string(dir.path().join("plan.journal.jsonl")).unwrap();
    assert!(journal.contains("skipped_precondition"), "{journal}");
    // No write ever reached Ops.
    assert!(
        sim.requests()
            .iter()
            .all(|r| r.method == "GET" || !r.path.ends_with("/g-ops")),
        "{:?}",
        sim.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_keys_are_refused_and_nothing_is_sent() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    plan(dir.path(), &sim, POLICIES);
    std::fs::write(dir.path().join("keys"), format!("{TOKEN}\nsecond-key\n")).unwrap();
    sim.clear_requests();
    let out = apply(dir.path(), &sim, &["--confirm", "--token-file", "keys"]).status(4);
    assert!(
        out.stderr
            .contains("2 API keys given; this command uses exactly one"),
        "{out}"
    );
    assert!(!out.stderr.contains(TOKEN), "{out}");
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    assert_untouched(&sim);
}
