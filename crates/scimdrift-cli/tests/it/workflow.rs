//! The example GitHub Actions workflow's commands, run as written against a
//! simulated Omni instance on loopback and a throw-away git repository whose
//! PR edits the demo policies.

use crate::support::{demo, git, root};
use scimdrift_proto::Snapshot;
use scimdrift_sim::{DEFAULT_TOKEN, SimConfig, Simulator};
use std::process::Command;

/// A workflow step with a `run:`: its name, its `env:`, its script.
type Step = (String, Vec<(String, String)>, String);

/// Every step of `job` with a `run:`.
fn run_steps(job: &str) -> Vec<Step> {
    let path = root().join("examples/github-actions/drift-check.yml");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|step| {
            let run = step.get("run")?.as_str()?.to_owned();
            let name = step["name"].as_str().unwrap_or("").to_owned();
            let env = step
                .get("env")
                .and_then(|e| e.as_mapping())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().unwrap().to_owned(),
                                v.as_str().unwrap().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some((name, env, run))
        })
        .collect()
}

#[test]
fn example_workflow_commands_run_as_written() {
    let steps = run_steps("drift-check");
    assert_eq!(steps.len(), 3, "build, validate, check");
    let nightly = run_steps("snapshot");
    assert_eq!(nightly.len(), 2, "build, fetch");

    // A repository whose base branch holds the demo policies and whose PR
    // drops a declared Admins member (introducing a violation).
    let dir = demo();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    git(repo, &["add", "policies"]);
    git(repo, &["commit", "-q", "-m", "base"]);
    git(repo, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let groups = repo.join("policies/groups.yaml");
    let text = std::fs::read_to_string(&groups).unwrap();
    std::fs::write(
        &groups,
        text.replacen("      - bob.marley@blobsrus.co\n", "", 1),
    )
    .unwrap();
    git(repo, &["commit", "-q", "-am", "pr"]);
    // The workflow runs the release binary from target/; the test's binary
    // stands in for it.
    let bin_dir = repo.join("target/release");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_scimdrift"), bin_dir.join("scimdrift")).unwrap();

    // The live instance: the demo org, served on loopback.
    let org: Snapshot =
        serde_json::from_str(&std::fs::read_to_string(root().join("demo/org.json")).unwrap())
            .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime
        .block_on(Simulator::start(SimConfig::new(org)))
        .unwrap();
    let secrets = [
        ("${{ secrets.OMNI_BASE_URL }}", sim.base_url()),
        ("${{ secrets.OMNI_API_TOKEN }}", DEFAULT_TOKEN.to_owned()),
        ("${{ github.base_ref }}", "main".to_owned()),
    ];
    let summary = repo.join("step-summary.md");

    let run_all = |steps: &[Step]| {
        let mut codes = Vec::new();
        for (name, env, run) in steps {
            if run.starts_with("cargo build") {
                // Building is what this test binary's own build already did.
                continue;
            }
            let script = run.replace("${{ github.base_ref }}", "main");
            assert!(
                !script.contains("${{"),
                "unsubstituted expression in `{name}`: {script}"
            );
            let mut cmd = Command::new("bash");
            cmd.current_dir(repo)
                .args(["-euo", "pipefail", "-c", &script])
                .env_remove("OMNI_BASE_URL")
                .env_remove("OMNI_API_TOKEN")
                .env("NO_COLOR", "1")
                .env("GITHUB_STEP_SUMMARY", &summary);
            for (key, value) in env {
                let value = secrets
                    .iter()
                    .find(|(expr, _)| expr == value)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| panic!("no stand-in for `{value}` in `{name}`"));
                cmd.env(key, value);
            }
            let out = cmd.output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            codes.push((name.clone(), out.status.code(), stdout, stderr));
        }
        codes
    };
    // No snapshot in the cache yet: a full live fetch.
    let codes = run_all(&steps);

    let (_, validate, _, err) = &codes[0];
    assert_eq!(*validate, Some(0), "validate: {err}");
    let (_, check, stdout, err) = &codes[1];
    // The PR introduces an error: the check fails (exit 2) on it alone.
    assert_eq!(*check, Some(2), "check: {err}");
    assert!(
        !err.contains(DEFAULT_TOKEN),
        "the token never appears in output"
    );
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert!(
        annotations
            .iter()
            .any(|l| l.contains("file=policies/groups.yaml") && l.contains("bob.marley")),
        "{stdout}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("scimdrift.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("scimdrift.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["failing"], 1);
    assert!(
        report["source"]["base_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let md = std::fs::read_to_string(repo.join("scimdrift.md")).unwrap();
    assert!(
        md.contains("**This PR introduces 1 finding and resolves 0**"),
        "{md}"
    );
    let step_summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        step_summary.contains("## scimdrift: drift"),
        "{step_summary}"
    );
    assert!(
        codes[1].2.contains("fetching everything live"),
        "{}",
        codes[1].2
    );
    assert!(report["source"].get("refresh").is_none());

    // The nightly job saves a snapshot; the next PR run refreshes from it.
    let fetched = run_all(&nightly);
    let (_, fetch, _, err) = &fetched[0];
    assert_eq!(*fetch, Some(0), "fetch: {err}");
    assert!(repo.join("snapshot/snapshot.json").is_file());
    let codes = run_all(&steps);
    runtime.block_on(sim.shutdown());
    let (_, check, _, err) = &codes[1];
    assert_eq!(*check, Some(2), "check with --refresh: {err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("scimdrift.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["failing"], 1);
    assert_eq!(
        report["source"]["refresh"]["groups"],
        serde_json::json!(["Admins"])
    );
    let md = std::fs::read_to_string(repo.join("scimdrift.md")).unwrap();
    assert!(
        md.contains("1 group refreshed live; everything else from the snapshot of"),
        "{md}"
    );
}
