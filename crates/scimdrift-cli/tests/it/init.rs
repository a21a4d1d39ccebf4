//! `scimdrift init`: the files it writes check clean; it refuses a
//! non-empty directory, replaces with --force, writes nothing from
//! incomplete data, and --merge leaves existing files byte-identical.

use crate::support::{demo, root, run, scimdrift};
use std::collections::BTreeMap;
use std::path::Path;

const NOW: &str = "2026-12-01T10:30:00Z";

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// The JSON report of `check` on the demo org against `policies`.
fn check_json(dir: &Path, policies: &str) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = run(scimdrift(dir).args([
        "check",
        "--snapshot",
        "org.json",
        "--policies",
        policies,
        "--now",
        NOW,
        "--fail-on",
        "note",
        "--format",
        "json",
    ]));
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (code, report)
}

fn kinds(report: &serde_json::Value, excused: bool) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["exception"].is_null() != excused)
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn init_writes_policies_that_validate_and_check_clean() {
    let dir = demo();
    let (code, stdout, stderr) = run(scimdrift(dir.path()).args([
        "init",
        "--snapshot",
        "org.json",
        "--out",
        "adopted",
        "--now",
        NOW,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "", "data only on stdout, and init writes files");
    insta::assert_snapshot!("init-demo-stderr", stderr);

    let (code, _, stderr) = run(scimdrift(dir.path()).args(["validate", "--policies", "adopted"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");

    // The demo org has one dangling member: the only finding left.
    let (code, report) = check_json(dir.path(), "adopted");
    assert_eq!(kinds(&report, false), ["member_dangling"]);
    assert_eq!(code, 2, "member_dangling is a warning, and --fail-on note");
    assert!(
        kinds(&report, true)
            .iter()
            .all(|k| k.starts_with("membership_")),
        "only the generated exceptions' deviations are excused"
    );
}

#[test]
fn init_refuses_a_non_empty_directory() {
    let dir = demo();
    let before = tree(&dir.path().join("policies"));
    let (code, _, stderr) = run(scimdrift(dir.path()).args([
        "init",
        "--snapshot",
        "org.json",
        "--out",
        "policies",
        "--now",
        NOW,
    ]));
    assert_eq!(code, 4, "{stderr}");
    insta::assert_snapshot!("init-refuses-non-empty", stderr);
    assert_eq!(
        tree(&dir.path().join("policies")),
        before,
        "nothing touched"
    );
}

#[test]
fn init_force_replaces_the_files_it_writes_and_keeps_others() {
    let dir = demo();
    let out = dir.path().join("adopted");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("settings.yaml"), "stale: true\n").unwrap();
    std::fs::write(out.join("NOTES.md"), "keep me\n").unwrap();
    let (code, _, stderr) = run(scimdrift(dir.path()).args([
        "init",
        "--snapshot",
        "org.json",
        "--out",
        "adopted",
        "--now",
        NOW,
        "--force",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let settings = std::fs::read_to_string(out.join("settings.yaml")).unwrap();
    assert!(settings.contains("unmanaged_groups: report"), "{settings}");
    assert_eq!(
        std::fs::read_to_string(out.join("NOTES.md")).unwrap(),
        "keep me\n"
    );
    let (_, report) = check_json(dir.path(), "adopted");
    assert_eq!(kinds(&report, false), ["member_dangling"]);
}

#[test]
fn init_on_incomplete_data_exits_3_and_writes_nothing() {
    let dir = demo();
    let mut snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("org.json")).unwrap()).unwrap();
    snapshot["complete"] = false.into();
    snapshot["incomplete_reasons"] = serde_json::json!(["users: page 3 failed after 5 retries"]);
    std::fs::write(dir.path().join("partial.json"), snapshot.to_string()).unwrap();
    let (code, _, stderr) = run(scimdrift(dir.path()).args([
        "init",
        "--snapshot",
        "partial.json",
        "--out",
        "adopted",
        "--now",
        NOW,
    ]));
    assert_eq!(code, 3, "{stderr}");
    insta::assert_snapshot!("init-incomplete", stderr);
    assert!(!dir.path().join("adopted").exists(), "nothing written");
}

#[test]
fn init_merge_adds_only_undeclared_groups_and_leaves_existing_files_byte_identical() {
    let dir = demo();
    let before = tree(&dir.path().join("policies"));
    let (code, report) = check_json(dir.path(), "policies");
    assert_ne!(code, 0);
    assert!(kinds(&report, false).contains(&"group_unmanaged".to_owned()));

    let (code, _, stderr) = run(scimdrift(dir.path()).args([
        "init",
        "--snapshot",
        "org.json",
        "--out",
        "policies",
        "--now",
        NOW,
        "--merge",
    ]));
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("init-merge-stderr", stderr);
    let after = tree(&dir.path().join("policies"));
    for (path, bytes) in &before {
        assert_eq!(after.get(path), Some(bytes), "{path} is byte-identical");
    }
    let added: Vec<&String> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert_eq!(added, ["imported.yaml"]);
    insta::assert_snapshot!(
        "init-merge-imported",
        String::from_utf8_lossy(&after["imported.yaml"])
    );
    let (_, report) = check_json(dir.path(), "policies");
    assert!(!kinds(&report, false).contains(&"group_unmanaged".to_owned()));

    // A second merge finds nothing left to add, and writes nothing.
    let (code, _, stderr) = run(scimdrift(dir.path()).args([
        "init",
        "--snapshot",
        "org.json",
        "--out",
        "policies",
        "--now",
        NOW,
        "--merge",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert_eq!(tree(&dir.path().join("policies")).len(), after.len());
}

#[test]
fn init_help_is_stable() {
    let (code, help, err) = run(scimdrift(&root())
        .env_remove("COLUMNS")
        .env_remove("LINES")
        .args(["init", "--help"]));
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("help_init", help);
}

/// `examples/init-demo/` is what init writes for the demo org, as the README
/// shows it; regenerate it with the command below when init changes.
#[test]
fn the_init_demo_example_is_what_init_writes() {
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(scimdrift(&root())
        .args(["init", "--snapshot", "demo/org.json", "--out"])
        .arg(out.path().join("init-demo"))
        .args(["--now", "2026-11-20T09:00:00Z"]));
    assert_eq!(code, 0, "{stderr}");
    let written = tree(&out.path().join("init-demo"));
    let committed: BTreeMap<String, Vec<u8>> = tree(&root().join("examples/init-demo"))
        .into_iter()
        .filter(|(path, _)| path.ends_with(".yaml"))
        .collect();
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &written {
        assert!(
            committed[path] == *bytes,
            "examples/init-demo/{path} is stale: run `scimdrift init --snapshot demo/org.json \
             --out examples/init-demo --now 2026-11-20T09:00:00Z --force`"
        );
    }
}
