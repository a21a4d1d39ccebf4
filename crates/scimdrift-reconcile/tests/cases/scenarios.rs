//! Scenario fixtures (`tests/fixtures/scenarios/<name>/`): a snapshot (the
//! shared `org.json` unless the case has its own `snapshot.json`), policies
//! and `case.txt` (`now`, expected `status`, kinds that must fire and kinds
//! that must stay silent). Every report is snapshotted as JSON; one more
//! test checks that every finding kind is expected to fire somewhere.

use crate::support::{fixtures, read_policies};
use crate::trial;
use libtest_mimic::Trial;
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::{CheckOptions, FindingKind, Report, ReportSource, check, load_policies};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub fn trials() -> Vec<Trial> {
    let dirs = scenario_dirs();
    let mut out = vec![trial("scenarios::every_finding_kind_fires".into(), {
        let dirs = dirs.clone();
        move || every_finding_kind_fires(&dirs)
    })];
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        out.push(trial(format!("scenarios::{name}"), move || {
            scenario(&name, &dir);
        }));
    }
    out
}

/// Every directory under `tests/fixtures/scenarios`, sorted.
fn scenario_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

struct Case {
    now: jiff::Timestamp,
    status: String,
    fires: Vec<String>,
    silent: Vec<String>,
}

fn read_case(dir: &Path) -> Case {
    let text = std::fs::read_to_string(dir.join("case.txt")).unwrap();
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

fn load_snapshot(path: &Path) -> Snapshot {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs one scenario directory.
fn run(dir: &Path, case: &Case) -> Report {
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
    check(&snapshot, &loaded.policies, &opts)
}

/// One scenario: the expected status, the kinds that fire and stay silent,
/// and the report's JSON snapshot.
fn scenario(name: &str, dir: &Path) {
    let case = read_case(dir);
    let report = run(dir, &case);
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
    }
    for k in &case.silent {
        assert!(
            !kinds.contains(&k.as_str()),
            "{name}: `{k}` should stay silent; got {kinds:?}"
        );
    }
    insta::assert_snapshot!(
        format!("scenario-{name}"),
        serde_json::to_string_pretty(&report).unwrap()
    );
}

/// Every finding kind is listed under `fires:` by at least one scenario (and
/// each scenario's own test checks that the kinds it lists do fire).
fn every_finding_kind_fires(dirs: &[PathBuf]) {
    let expected: BTreeSet<String> = dirs.iter().flat_map(|d| read_case(d).fires).collect();
    for kind in FindingKind::ALL {
        assert!(
            expected.contains(kind.as_str()),
            "no scenario fires `{}`",
            kind.as_str()
        );
    }
}
