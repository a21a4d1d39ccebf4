//! `check --snapshot FILE --refresh` against the simulator serving the demo
//! org: only the groups the policy change can affect are read live, the
//! result agrees with a full live PR check when only those groups changed,
//! the report says what was refreshed, and every reason not to trust the data
//! exits 3 (most of them before any request).

use std::path::Path;

use scimdrift_proto::Snapshot;
use scimdrift_sim::{FaultSpec, Kind, SimConfig, Simulator, Store};
use serde_json::{Value, json};

use crate::support::{DEMO_NOW, copy_dir, demo, run, scimdrift};

const SECRET: &str = "omni_org_key_refresh-R3fr35h";

pub async fn demo_sim(faults: FaultSpec) -> Simulator {
    let text = std::fs::read_to_string(crate::support::root().join("demo/org.json")).unwrap();
    let org: Snapshot = serde_json::from_str(&text).unwrap();
    Simulator::start(
        SimConfig::new(org)
            .token(SECRET)
            .rate_limit(None)
            .faults(faults),
    )
    .await
    .unwrap()
}

/// `scimdrift fetch` of the simulator into `dir/snapshot.json`.
pub fn fetch(dir: &Path, sim: &Simulator) {
    let mut cmd = scimdrift(dir);
    cmd.args(["fetch", "--quiet", "--out", "snapshot.json"])
        .args(["--base-url", &sim.base_url(), "--rate-limit", "600000/min"])
        .env("OMNI_API_TOKEN", SECRET);
    let (code, _, stderr) = run(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
}

/// `scimdrift check` with the connection flags (fast), `extra` after.
pub fn check(dir: &Path, sim: &Simulator, extra: &[&str]) -> std::process::Command {
    let mut cmd = scimdrift(dir);
    cmd.arg("check")
        .args(["--now", DEMO_NOW])
        .args(["--base-url", &sim.base_url(), "--rate-limit", "600000/min"])
        .args(["--retries", "1", "--timeout", "5"])
        .args(extra)
        .env("OMNI_API_TOKEN", SECRET);
    cmd
}

/// The PR: `head/` is `policies/` with the `Admins` and `Data Analysts`
/// declarations edited.
pub fn pr_head(dir: &Path) {
    let head = dir.join("head");
    copy_dir(&dir.join("policies"), &head);
    let groups = std::fs::read_to_string(head.join("groups.yaml")).unwrap();
    let edited = groups
        .replacen("min_members: 3", "min_members: 2", 1)
        .replacen("      - bob.marley@blobsrus.co\n", "", 1);
    assert_ne!(
        edited, groups,
        "the demo policies changed: update the PR edit"
    );
    std::fs::write(head.join("groups.yaml"), edited).unwrap();
}

/// The live group named `name`.
pub fn group_named(store: &Store, name: &str) -> Value {
    store
        .list(Kind::Groups)
        .iter()
        .map(scimdrift_sim::Entry::to_value)
        .find(|g| g["displayName"] == name)
        .unwrap_or_else(|| panic!("no group `{name}`"))
}

/// Adds a brand-new standard user to the live org and to group `name`.
pub fn join_new_user(store: &mut Store, name: &str, id: &str) {
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": id,
        "userName": format!("{id}@blobsrus.co"),
        "displayName": "New Joiner",
        "active": true,
        "emails": [{"primary": true, "value": format!("{id}@blobsrus.co")}],
        "meta": {"created": "2027-03-01T00:00:00Z", "resourceType": "User"},
    });
    store.push(
        Kind::Users,
        scimdrift_proto::Resource::from_value(&user).unwrap(),
    );
    let mut group = group_named(store, name);
    group["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": id, "display": format!("{id}@blobsrus.co")}));
    assert!(store.replace(
        Kind::Groups,
        scimdrift_proto::Resource::from_value(&group).unwrap()
    ));
}

/// `kind rule subject` of the findings with this `change`, sorted.
pub fn changes(report: &Value, change: &str) -> Vec<String> {
    let mut out: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["change"] == change)
        .map(|f| format!("{} {} {}", f["kind"], f["rule"], f["subject"]))
        .collect();
    out.sort();
    out
}

fn json_report(cmd: &mut std::process::Command) -> (i32, Value, String) {
    let (code, stdout, stderr) = run(cmd);
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("exit {code}: {e}\n{stdout}\n{stderr}"));
    (code, report, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pr_refreshes_only_the_groups_it_changes_and_agrees_with_a_full_live_check() {
    let sim = demo_sim(FaultSpec::default()).await;
    let dir = demo();
    let d = dir.path();
    pr_head(d);
    fetch(d, &sim);
    // After the snapshot: someone new joins Admins (a group the PR touches).
    sim.mutate(|store| join_new_user(store, "Admins", "u-new-admin"));
    sim.clear_requests();

    let pr = ["--policies", "head", "--base", "policies"];
    let (code, refreshed, stderr) = json_report(check(d, &sim, &pr).args([
        "--snapshot",
        "snapshot.json",
        "--refresh",
        "--format",
        "json",
    ]));
    assert_eq!(code, 2, "{stderr}");
    // Two filtered group reads and the unknown member by id: three requests.
    let log = sim.requests();
    let mut asked: Vec<String> = log
        .iter()
        .map(|r| {
            format!(
                "{} {}{}",
                r.method,
                r.path,
                r.query
                    .as_deref()
                    .map(|q| format!("?{}", q.split('&').next().unwrap_or("")))
                    .unwrap_or_default()
            )
        })
        .collect();
    asked.sort();
    assert_eq!(
        asked,
        [
            "GET /api/scim/v2/groups?filter=displayName+eq+%22Admins%22",
            "GET /api/scim/v2/groups?filter=displayName+eq+%22Data+Analysts%22",
            "GET /api/scim/v2/users/u-new-admin",
        ],
        "{log:?}"
    );
    let info = &refreshed["source"]["refresh"];
    assert_eq!(info["all_groups"], false);
    assert_eq!(info["groups"], json!(["Admins", "Data Analysts"]));
    assert_eq!(info["identities_fetched"], 1);
    assert_eq!(info["requests"], 3);
    assert!(info["snapshot_fetched_at"].as_str().unwrap().ends_with('Z'));

    // The same PR checked against a full live fetch: the same introduced and
    // resolved findings, and the new Admin shows up in both.
    let (code, live, stderr) = json_report(check(d, &sim, &pr).args(["--format", "json"]));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        changes(&refreshed, "introduced"),
        changes(&live, "introduced")
    );
    assert_eq!(changes(&refreshed, "resolved"), changes(&live, "resolved"));
    // Nothing else changed live, so every other finding agrees too, and the
    // new Admin (unexpected in base and head alike) is in both.
    assert_eq!(
        changes(&refreshed, "unchanged"),
        changes(&live, "unchanged")
    );
    assert!(
        changes(&refreshed, "unchanged")
            .iter()
            .any(|f| f.contains("u-new-admin")),
        "{:?}",
        changes(&refreshed, "unchanged")
    );

    // Human and Markdown say it in one line.
    for format in ["human", "markdown"] {
        let (_, stdout, _) = run(check(d, &sim, &pr).args([
            "--snapshot",
            "snapshot.json",
            "--refresh",
            "--format",
            format,
        ]));
        assert!(
            stdout.contains("2 groups refreshed live; everything else from the snapshot of 20"),
            "{format}:\n{stdout}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_base_every_group_is_refreshed_and_no_user_list_is_read() {
    let sim = demo_sim(FaultSpec::default()).await;
    let dir = demo();
    let d = dir.path();
    fetch(d, &sim);
    sim.mutate(|store| join_new_user(store, "Finance", "u-new-finance"));
    sim.clear_requests();
    let (code, report, stderr) = json_report(check(d, &sim, &[]).args([
        "--snapshot",
        "snapshot.json",
        "--refresh",
        "--format",
        "json",
    ]));
    assert_eq!(code, 2, "{stderr}\n{}", report["incomplete_reasons"]);
    let info = &report["source"]["refresh"];
    assert_eq!(info["all_groups"], true);
    assert_eq!(info["identities_fetched"], 1);
    let lists: Vec<_> = sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/users"))
        .map(|r| r.path.clone())
        .collect();
    assert!(lists.is_empty(), "user lists were read: {lists:?}");
    let groups_live = sim.with_store(|s| s.len(Kind::Groups));
    assert_eq!(info["groups"].as_array().unwrap().len(), groups_live);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["subject"].to_string().contains("u-new-finance")),
        "the new Finance member is not reported"
    );
}

/// A fail-closed case: name, how the snapshot is spoiled, extra flags, the
/// reason expected.
type Case = (
    &'static str,
    Box<dyn Fn(&mut Value)>,
    &'static [&'static str],
    String,
);

/// Rewrites `dir/snapshot.json` through `edit`.
fn edit_snapshot(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("snapshot.json");
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(&path, serde_json::to_string(&value).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_fails_closed_with_the_reason() {
    let sim = demo_sim(FaultSpec::default()).await;
    let dir = demo();
    let d = dir.path();
    pr_head(d);
    fetch(d, &sim);
    let original = std::fs::read_to_string(d.join("snapshot.json")).unwrap();
    let pr = [
        "--policies",
        "head",
        "--base",
        "policies",
        "--snapshot",
        "snapshot.json",
        "--refresh",
    ];
    #[expect(
        clippy::disallowed_methods,
        reason = "the snapshot's age is measured against the real clock"
    )]
    let two_hours_ago = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2))
        .round(jiff::Unit::Second)
        .unwrap()
        .to_string();
    let cases: [Case; 4] = [
        (
            "stale",
            Box::new(|v| v["fetched_at"] = json!("2020-01-01T00:00:00Z")),
            &[],
            "older than --max-snapshot-age 24h".to_owned(),
        ),
        (
            "stale for a tighter limit",
            Box::new({
                let at = two_hours_ago.clone();
                move |v| v["fetched_at"] = json!(at)
            }),
            &["--max-snapshot-age", "90m"],
            format!(
                "`snapshot.json` was fetched at {two_hours_ago}, 2h00m ago: older than --max-snapshot-age 90m"
            ),
        ),
        (
            "incomplete",
            Box::new(|v| {
                v["complete"] = json!(false);
                v["incomplete_reasons"] = json!(["users: gave up"]);
            }),
            &[],
            "--refresh needs a complete snapshot, and `snapshot.json` is marked incomplete"
                .to_owned(),
        ),
        (
            "no fetched_at",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("fetched_at");
            }),
            &[],
            "has no fetched_at, so its age is unknown".to_owned(),
        ),
    ];
    for (name, edit, extra, reason) in cases {
        std::fs::write(d.join("snapshot.json"), &original).unwrap();
        edit_snapshot(d, |v| edit(v));
        sim.clear_requests();
        let mut cmd = check(d, &sim, &pr);
        cmd.args(extra).args(["--format", "json"]);
        let (code, report, stderr) = json_report(&mut cmd);
        assert_eq!(code, 3, "{name}: {stderr}");
        assert!(stderr.contains(&reason), "{name}: {stderr}");
        assert_eq!(report["status"], "incomplete", "{name}");
        let reasons: Vec<String> =
            serde_json::from_value(report["incomplete_reasons"].clone()).unwrap();
        assert!(
            reasons.iter().any(|r| r.contains(&reason)),
            "{name}: {reasons:?}"
        );
        assert!(sim.requests().is_empty(), "{name}: requests were sent");
    }

    // A refresh that cannot complete: the server fails every request.
    std::fs::write(d.join("snapshot.json"), &original).unwrap();
    let failing = demo_sim(FaultSpec {
        status_503: 1.0,
        ..FaultSpec::default()
    })
    .await;
    let (code, report, stderr) = json_report(check(d, &failing, &pr).args(["--format", "json"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("the refresh could not complete"),
        "{stderr}"
    );
    assert!(stderr.contains("HTTP 503"), "{stderr}");
    assert_eq!(report["status"], "incomplete");
    assert!(
        report["incomplete_reasons"]
            .to_string()
            .contains("refresh: group `Admins`"),
        "{}",
        report["incomplete_reasons"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_failing_mid_way_fails_closed_with_the_reason() {
    // A snapshot from a healthy server, then refreshes against servers that
    // answer some reads and fail others (503 on 60% of answers, each read
    // tried twice): whenever a read fails after another succeeded, the run
    // is incomplete (exit 3) and names the read that failed.
    let healthy = demo_sim(FaultSpec::default()).await;
    let dir = demo();
    let d = dir.path();
    pr_head(d);
    fetch(d, &healthy);
    let pr = [
        "--policies",
        "head",
        "--base",
        "policies",
        "--snapshot",
        "snapshot.json",
        "--refresh",
        "--format",
        "json",
    ];
    let mut mid_way = 0;
    for seed in 0..24 {
        let text = std::fs::read_to_string(crate::support::root().join("demo/org.json")).unwrap();
        let sim = Simulator::start(
            SimConfig::new(serde_json::from_str(&text).unwrap())
                .token(SECRET)
                .rate_limit(None)
                .seed(seed)
                .faults(FaultSpec {
                    status_503: 0.6,
                    ..FaultSpec::default()
                }),
        )
        .await
        .unwrap();
        let (code, report, stderr) = json_report(&mut check(d, &sim, &pr));
        let answered = sim.requests().iter().filter(|r| r.status == 200).count();
        let failed = sim.requests().iter().filter(|r| r.status == 503).count();
        if code == 0 || code == 2 {
            continue; // every read got through in the end
        }
        assert_eq!(code, 3, "seed {seed}: {stderr}");
        assert_eq!(report["status"], "incomplete", "seed {seed}");
        assert!(
            stderr.contains("the refresh could not complete"),
            "seed {seed}: {stderr}"
        );
        assert!(
            report["incomplete_reasons"]
                .to_string()
                .contains("refresh: group `"),
            "seed {seed}: {}",
            report["incomplete_reasons"]
        );
        assert!(failed >= 2, "seed {seed}: a read failed twice");
        if answered > 0 {
            mid_way += 1;
        }
    }
    assert!(mid_way > 0, "no seed failed after a read succeeded");
}
