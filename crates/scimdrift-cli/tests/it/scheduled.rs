//! Scheduled runs: `--fail-on-new` with `--state-dir`, `--output
//! openmetrics=FILE` (its values are the JSON summary's) and `--output
//! owners=DIR` (one digest per owner, `unowned.md` for the rest), on the
//! demo org, in PR mode, and live against the simulator.

use crate::support::{DEMO_NOW, assert_outcome, copy_dir, demo, outcome, root, scimdrift};
use scimdrift_proto::Snapshot;
use scimdrift_sim::{SimConfig, Simulator};
use std::collections::BTreeMap;
use std::path::Path;

fn check(dir: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = scimdrift(dir);
    cmd.args(["check", "--snapshot", "org.json", "--now", DEMO_NOW])
        .args(extra);
    cmd
}

/// Adds `user` (a userName) to the live group `group` in `dir/org.json`.
fn join(dir: &Path, group: &str, user: &str) {
    let path = dir.join("org.json");
    let mut org: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let id = org["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userName"] == user)
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .unwrap();
    for g in org["groups"].as_array_mut().unwrap() {
        if g["displayName"] == group {
            g["members"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"value": id, "display": user}));
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&org).unwrap()).unwrap();
}

#[test]
fn fail_on_new_alerts_on_change_not_every_night() {
    let dir = demo();
    let flags = ["--state-dir", "state", "--fail-on-new", "--format", "json"];
    // Run 1: no history, everything is new: drift.
    let first = outcome(&mut check(dir.path(), &flags)).status(2);
    assert_eq!(first.stderr, "");
    // Run 2, same data: the drift persists, nothing is new: exit 0, and the
    // report still says drift.
    let second = outcome(&mut check(dir.path(), &flags)).status(0);
    let report: serde_json::Value = serde_json::from_str(&second.stdout).unwrap();
    assert_eq!(report["status"], "drift");
    insta::assert_snapshot!(second.stderr, @"note: 18 failing findings persist from the last run and none is new: exit 0 (--fail-on-new)");
    // Run 3: someone joins `Admins`, where they are not declared (and which
    // is now over its size limit): new drift.
    join(dir.path(), "Admins", "ken.thompson@blobsrus.co");
    let third = outcome(&mut check(dir.path(), &flags)).status(2);
    let report: serde_json::Value = serde_json::from_str(&third.stdout).unwrap();
    let new: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["since_last_run"] == "new")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        new,
        [
            "`Admins` has 5 members; the policy allows at most 4",
            "user `ken.thompson@blobsrus.co` is a member of `Admins` but is not declared"
        ]
    );
    // Run 4: the same again: persisting, exit 0.
    outcome(&mut check(dir.path(), &flags)).status(0);
}

#[test]
fn fail_on_new_needs_a_state_dir() {
    let dir = demo();
    assert_outcome!(outcome(&mut check(dir.path(), &["--fail-on-new"])), @r"
    --- stdout
    --- stderr
    error: --fail-on-new needs --state-dir
    hint: pass --state-dir DIR, or set `state_dir` under [check] in scimdrift.toml
    [exit status: 4]
    ");
}

/// The samples of an OpenMetrics text: `name{labels}` → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    assert!(text.ends_with("# EOF\n"), "{text}");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (key, value) = l.rsplit_once(' ').unwrap();
            (key.to_owned(), value.parse().unwrap())
        })
        .collect()
}

/// Asserts the metrics carry the JSON report's summary, value for value.
#[track_caller]
fn assert_metrics_match(metrics: &str, report: &serde_json::Value) {
    let m = samples(metrics);
    let s = &report["summary"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0) as f64;
    assert_eq!(m["scimdrift_findings"], n(&s["total"]));
    assert_eq!(m["scimdrift_findings_failing"], n(&s["failing"]));
    assert_eq!(m["scimdrift_findings_excused"], n(&s["excused"]));
    for status in ["clean", "drift", "incomplete"] {
        let want = if report["status"] == status { 1.0 } else { 0.0 };
        assert_eq!(m[&format!("scimdrift_status{{status=\"{status}\"}}")], want);
    }
    let by_kind: f64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("scimdrift_findings_by_kind{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(by_kind, n(&s["total"]));
    for (kind, count) in s["by_kind"].as_object().unwrap() {
        assert_eq!(
            m[&format!("scimdrift_findings_by_kind{{kind=\"{kind}\"}}")],
            n(count)
        );
    }
    for severity in ["error", "warning", "note"] {
        assert_eq!(
            m[&format!("scimdrift_findings_by_severity{{severity=\"{severity}\"}}")],
            n(&s["by_severity"][severity])
        );
    }
    let c = &s["coverage"];
    for state in ["live", "declared", "ignored", "unmanaged"] {
        assert_eq!(
            m[&format!("scimdrift_groups{{state=\"{state}\"}}")],
            n(&c[format!("groups_{state}")])
        );
    }
    for state in ["live", "governed"] {
        assert_eq!(
            m[&format!("scimdrift_users{{state=\"{state}\"}}")],
            n(&c[format!("users_{state}")])
        );
        assert_eq!(
            m[&format!("scimdrift_embed_users{{state=\"{state}\"}}")],
            n(&c[format!("embed_users_{state}")])
        );
    }
    let count = |key: &str, value: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f[key] == value)
            .count() as f64
    };
    for change in ["introduced", "resolved", "unchanged"] {
        if let Some(v) = m.get(&format!(
            "scimdrift_findings_by_change{{change=\"{change}\"}}"
        )) {
            assert_eq!(*v, count("change", change), "{change}");
        }
    }
    assert_eq!(
        m["scimdrift_exceptions_expiring"],
        n(&s["by_kind"]["exception_expiring"])
    );
}

#[test]
fn openmetrics_on_the_demo_org() {
    let dir = demo();
    let out = outcome(&mut check(
        dir.path(),
        &["--format", "openmetrics", "--output", "json=r.json"],
    ))
    .status(2);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_metrics_match(&out.stdout, &report);
    // A snapshot file records no fetch counters here: no fetch families.
    assert!(!out.stdout.contains("scimdrift_fetch_"), "{}", out.stdout);
    insta::assert_snapshot!("demo_openmetrics", out.stdout);
}

#[test]
fn openmetrics_in_pr_mode() {
    let dir = demo();
    let head = dir.path().join("head");
    copy_dir(&dir.path().join("policies"), &head);
    let groups = std::fs::read_to_string(head.join("groups.yaml")).unwrap();
    let edited = groups.replacen("      - bob.marley@blobsrus.co\n", "", 1);
    assert_ne!(edited, groups);
    std::fs::write(head.join("groups.yaml"), edited).unwrap();
    outcome(&mut check(
        dir.path(),
        &[
            "--policies",
            "head",
            "--base",
            "policies",
            "--output",
            "openmetrics=pr.prom",
            "--output",
            "json=pr.json",
        ],
    ))
    .status(2);
    let metrics = std::fs::read_to_string(dir.path().join("pr.prom")).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("pr.json")).unwrap())
            .unwrap();
    assert_metrics_match(&metrics, &report);
    let m = samples(&metrics);
    assert_eq!(
        m["scimdrift_findings_by_change{change=\"introduced\"}"],
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openmetrics_live_counts_the_fetch() {
    let text = std::fs::read_to_string(root().join("demo/org.json")).unwrap();
    let org: Snapshot = serde_json::from_str(&text).unwrap();
    let sim = Simulator::start(SimConfig::new(org).token("t0ken").rate_limit(None))
        .await
        .unwrap();
    let dir = demo();
    let out = outcome(
        scimdrift(dir.path())
            .args(["check", "--now", DEMO_NOW, "--base-url", &sim.base_url()])
            .args(["--rate-limit", "600000/min", "--format", "openmetrics"])
            .env("OMNI_API_TOKEN", "t0ken"),
    )
    .status(2);
    let m = samples(&out.stdout);
    assert!(m["scimdrift_fetch_requests"] >= 3.0, "{}", out.stdout);
    assert_eq!(m["scimdrift_fetch_retries"], 0.0);
    assert_eq!(m["scimdrift_fetch_rate_limited"], 0.0);
    assert!(m["scimdrift_fetch_pages"] >= 3.0);
    assert!(m.contains_key("scimdrift_fetch_duration_seconds"));
    // The fetch ran today; `--now` is in 2027.
    assert!(m["scimdrift_snapshot_age_seconds"] > 0.0, "{}", out.stdout);
}

/// Every file of `dir`, by name.
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn owner_digests_on_the_demo_org() {
    let dir = demo();
    outcome(&mut check(
        dir.path(),
        &[
            "--format",
            "json",
            "--output",
            "json=r.json",
            "--output",
            "owners=digests",
        ],
    ))
    .status(2);
    let digests = read_dir(&dir.path().join("digests"));
    let names: Vec<&str> = digests.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "data@blobsrus.co.md",
            "eng-managers@blobsrus.co.md",
            "finance-ops@blobsrus.co.md",
            "platform@blobsrus.co.md",
            "sales-ops@blobsrus.co.md",
            "security@blobsrus.co.md",
            "support@blobsrus.co.md",
            "unowned.md",
        ]
    );
    for (name, text) in &digests {
        insta::assert_snapshot!(format!("owners_{name}"), text);
    }
    // Groups without an owner (`Acme`) and findings about no one group go
    // to unowned.md.
    assert!(digests["unowned.md"].contains("### `Acme` (1)"));
    assert!(digests["unowned.md"].contains("separation_of_duties"));
    // Every current finding is in exactly one digest.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let listed: usize = digests
        .values()
        .map(|t| t.lines().filter(|l| l.starts_with("- **")).count())
        .sum();
    assert_eq!(listed, report["findings"].as_array().unwrap().len());

    // `render` writes the same digests from the saved report.
    outcome(
        scimdrift(dir.path())
            .args(["render", "r.json", "--format", "json"])
            .args(["--output", "owners=again"]),
    )
    .status(0);
    assert_eq!(read_dir(&dir.path().join("again")), digests);
}
