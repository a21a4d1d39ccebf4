//! Scenario fixtures (`tests/fixtures/scenarios/<name>/`): a snapshot (the
//! shared `org.json` unless the case has its own `snapshot.json`), policies
//! and `case.txt` (`now`, expected `status`, kinds that must fire and kinds
//! that must stay silent). Every report is snapshotted as JSON.

use crate::support::{fixtures, read_policies};
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::{CheckOptions, Report, ReportSource, check, load_policies};
use std::path::Path;

pub struct Case {
    pub now: jiff::Timestamp,
    pub status: String,
    pub fires: Vec<String>,
    pub silent: Vec<String>,
}

fn parse_case(text: &str) -> Case {
    let mut case = Case {
        now: "2027-01-01T00:00:00Z".parse().unwrap(),
        status: String::new(),
        fires: Vec::new(),
        silent: Vec::new(),
    };
    for line in text.lines() {
        let (key, value) = line.split_once(':').unwrap();
        let value = value.trim();
        match key {
            "now" => case.now = value.parse().unwrap(),
            "status" => case.status = value.to_owned(),
            "fires" => case.fires = value.split_whitespace().map(str::to_owned).collect(),
            "silent" => case.silent = value.split_whitespace().map(str::to_owned).collect(),
            other => panic!("unknown case key {other}"),
        }
    }
    case
}

pub fn load_snapshot(path: &Path) -> Snapshot {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs one scenario directory and returns its report and expectations.
pub fn run(dir: &Path) -> (Report, Case) {
    let case = parse_case(&std::fs::read_to_string(dir.join("case.txt")).unwrap());
    let own = dir.join("snapshot.json");
    let snapshot_path = if own.exists() {
        own
    } else {
        dir.join("../org.json")
    };
    let snapshot = load_snapshot(&snapshot_path);
    let files = read_policies(&dir.join("policies.yaml"));
    let loaded =
        load_policies(&files).unwrap_or_else(|d| panic!("{}", scimdrift_reconcile::render_all(&d)));
    let mut opts = CheckOptions::new(
        case.now,
        ReportSource {
            snapshot_path: Some("snapshot.json".to_owned()),
            snapshot_sha256: "0".repeat(64),
            ..ReportSource::default()
        },
    );
    opts.tool_version = "test".to_owned();
    (check(&snapshot, &loaded.policies, &opts), case)
}

#[test]
fn scenarios() {
    let root = fixtures().join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut fired = std::collections::BTreeSet::new();
    for name in &names {
        let (report, case) = run(&root.join(name));
        let kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.as_str()).collect();
        let status = serde_json::to_value(report.status).unwrap();
        assert_eq!(
            status.as_str(),
            Some(case.status.as_str()),
            "{name}: status; kinds {kinds:?}; reasons {:?}",
            report.incomplete_reasons
        );
        for k in &case.fires {
            assert!(
                kinds.contains(&k.as_str()),
                "{name}: `{k}` should fire; got {kinds:?}"
            );
            fired.insert(k.clone());
        }
        for k in &case.silent {
            assert!(
                !kinds.contains(&k.as_str()),
                "{name}: `{k}` should stay silent; got {kinds:?}"
            );
        }
        insta::assert_snapshot!(format!("scenario-{name}"), scimdrift_render_json(&report));
    }
    // Every finding kind has at least one scenario that fires it.
    for kind in scimdrift_reconcile::FindingKind::ALL {
        assert!(
            fired.contains(kind.as_str()),
            "no scenario fires `{}`",
            kind.as_str()
        );
    }
}

fn scimdrift_render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap()
}

/// Rule evaluation runs on rayon; a single-threaded run must give the same
/// bytes.
#[test]
fn parallel_and_single_threaded_reports_are_identical() {
    let snapshot = load_snapshot(&fixtures().join("../../demo/org.json"));
    let files = read_policies(&fixtures().join("../../policies"));
    let loaded = load_policies(&files).unwrap();
    let opts = CheckOptions::new(
        "2027-03-25T09:00:00Z".parse().unwrap(),
        ReportSource::default(),
    );
    let parallel = serde_json::to_string(&check(&snapshot, &loaded.policies, &opts)).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let single =
        pool.install(|| serde_json::to_string(&check(&snapshot, &loaded.policies, &opts)).unwrap());
    assert_eq!(parallel, single);
}
