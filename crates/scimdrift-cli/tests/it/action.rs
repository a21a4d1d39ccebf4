//! The GitHub Action (`action.yml`, its logic in `action/run.sh`), run the
//! way the runner runs it: bash, the inputs as `INPUT_*` variables, and a
//! faked `GITHUB_*` environment (GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files
//! in a temporary directory), with this build's `scimdrift` on PATH and a
//! simulated instance on loopback.

use crate::support::{DEMO_NOW, demo, git, root};
use scimdrift_proto::Snapshot;
use scimdrift_sim::{DEFAULT_TOKEN, SimConfig, Simulator};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one `run.sh` call did.
#[derive(Debug)]
struct Step {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// `$GITHUB_OUTPUT`, as name → value.
    outputs: BTreeMap<String, String>,
    /// `$GITHUB_STEP_SUMMARY`.
    summary: String,
}

/// Runs `bash action/run.sh SUBCOMMAND` in `repo` with these variables.
fn run_sh(repo: &Path, subcommand: &str, env: &[(&str, &str)]) -> Step {
    let github = tempfile::tempdir().unwrap();
    let output = github.path().join("output");
    let summary = github.path().join("summary.md");
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_scimdrift"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.current_dir(repo)
        .arg(root().join("action/run.sh"))
        .arg(subcommand)
        .env_remove("OMNI_BASE_URL")
        .env_remove("OMNI_API_TOKEN")
        .env_remove("SCIMDRIFT_BIN")
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_TEMP", github.path())
        .env("RUNNER_OS", "Linux");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().unwrap();
    let outputs = std::fs::read_to_string(&output)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Step {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
    }
}

fn outputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A repository whose `main` holds the demo policies and whose PR drops a
/// declared Admins member (introducing one violation); `origin/main` points
/// at the base, as after `actions/checkout` with `fetch-depth: 0`.
fn pr_repo() -> tempfile::TempDir {
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
    dir
}

#[test]
fn pr_mode_against_the_simulator_sets_outputs_annotations_and_the_summary() {
    let dir = pr_repo();
    let repo = dir.path();
    let org: Snapshot =
        serde_json::from_str(&std::fs::read_to_string(root().join("demo/org.json")).unwrap())
            .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime
        .block_on(Simulator::start(SimConfig::new(org).rate_limit(None)))
        .unwrap();
    let base_url = sim.base_url();
    let step = run_sh(
        repo,
        "check",
        &[
            ("OMNI_BASE_URL", &base_url),
            ("OMNI_API_TOKEN", DEFAULT_TOKEN),
            ("GITHUB_BASE_REF", "main"),
            ("INPUT_MODE", "pr"),
            ("INPUT_POLICIES", "policies"),
            ("INPUT_BASE_REF", ""),
            ("INPUT_FORMATS", "json,sarif,markdown"),
            ("INPUT_OUTPUT_DIR", "scimdrift-report"),
            ("INPUT_EXTRA_ARGS", "--quiet --rate-limit 600000/min"),
        ],
    );
    runtime.block_on(sim.shutdown());

    // The step itself succeeds: the job fails in `finish`, after the upload.
    assert_eq!(step.code, Some(0), "{}\n{}", step.stdout, step.stderr);
    assert_eq!(
        step.outputs,
        outputs(&[
            ("exit-code", "2"),
            ("status", "drift"),
            ("report-json", "scimdrift-report/report.json"),
            ("sarif", "scimdrift-report/report.sarif"),
        ]),
        "{}",
        step.stderr
    );
    // The PR's introduced finding is an annotation on its policy line.
    assert!(
        step.stdout.lines().any(|l| l.starts_with("::error ")
            && l.contains("file=policies/groups.yaml")
            && l.contains("bob.marley")),
        "{}",
        step.stdout
    );
    assert!(
        step.summary.contains("## scimdrift: drift"),
        "{}",
        step.summary
    );
    assert!(
        step.summary
            .contains("**This PR introduces 1 finding and resolves 0**"),
        "{}",
        step.summary
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.join("scimdrift-report/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["summary"]["failing"], 1);
    assert_eq!(report["source"]["base_url"], base_url.as_str());
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.join("scimdrift-report/report.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(repo.join("scimdrift-report/report.md").is_file());
    for text in [&step.stdout, &step.stderr, &step.summary] {
        assert!(!text.contains(DEFAULT_TOKEN), "the token was printed");
    }

    // `finish` fails the job with the check's code, and says why.
    let finish = run_sh(repo, "finish", &[("EXIT_CODE", "2")]);
    assert_eq!(finish.code, Some(2));
    assert!(
        finish
            .stdout
            .starts_with("::error title=scimdrift::drift (exit 2)"),
        "{}",
        finish.stdout
    );
    assert_eq!(run_sh(repo, "finish", &[("EXIT_CODE", "0")]).code, Some(0));
}

/// Scheduled mode with a state directory, from a snapshot: the first run's
/// findings are new (exit 2), the second's persist (exit 0, still drift).
#[test]
fn scheduled_mode_fails_only_on_new_findings() {
    let dir = demo();
    let repo = dir.path();
    let env = [
        ("INPUT_MODE", "scheduled"),
        ("INPUT_SNAPSHOT", "org.json"),
        ("INPUT_STATE_DIR", "state"),
        ("INPUT_FORMATS", "json openmetrics owners"),
        ("INPUT_EXTRA_ARGS", &*format!("--now {DEMO_NOW}")),
    ];
    let first = run_sh(repo, "check", &env);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert_eq!(first.outputs["exit-code"], "2");
    assert_eq!(first.outputs["status"], "drift");
    assert!(!first.outputs.contains_key("sarif"));
    let second = run_sh(repo, "check", &env);
    assert_eq!(second.outputs["exit-code"], "0", "{}", second.stderr);
    assert_eq!(second.outputs["status"], "drift");
    assert!(repo.join("scimdrift-report/report.prom").is_file());
    assert!(repo.join("scimdrift-report/owners/unowned.md").is_file());
    assert!(repo.join("state/last-report.json").is_file());
}

/// Policies that do not validate stop before the check: exit 4, status
/// `invalid`, the errors in the summary.
#[test]
fn invalid_policies_stop_at_validate() {
    let dir = demo();
    let repo = dir.path();
    std::fs::write(repo.join("policies/broken.yaml"), "groups:\n  - nmae: x\n").unwrap();
    let step = run_sh(
        repo,
        "check",
        &[("INPUT_MODE", "scheduled"), ("INPUT_SNAPSHOT", "org.json")],
    );
    assert_eq!(step.code, Some(0), "{}", step.stderr);
    assert_eq!(
        step.outputs,
        outputs(&[("exit-code", "4"), ("status", "invalid")])
    );
    assert!(
        step.summary
            .starts_with("## scimdrift: the policies do not validate (exit 4)"),
        "{}",
        step.summary
    );
    assert!(step.summary.contains("broken.yaml:2:5"), "{}", step.summary);
}

/// Inputs are data: `extra-args` is split on whitespace, never evaluated,
/// and a bad mode or format is refused.
#[test]
fn inputs_cannot_inject_shell_code() {
    let dir = demo();
    let repo = dir.path();
    let step = run_sh(
        repo,
        "check",
        &[
            ("INPUT_MODE", "scheduled"),
            ("INPUT_SNAPSHOT", "org.json"),
            (
                "INPUT_EXTRA_ARGS",
                "$(touch injected) `touch injected2` ;touch injected3",
            ),
            ("INPUT_POLICIES", "policies\"; touch injected4; \""),
        ],
    );
    assert_eq!(step.code, Some(0), "{}", step.stderr);
    for name in ["injected", "injected2", "injected3", "injected4"] {
        assert!(!repo.join(name).exists(), "{name} was created");
    }
    assert_eq!(step.outputs["exit-code"], "4");

    let step = run_sh(repo, "check", &[("INPUT_MODE", "nightly")]);
    assert_eq!(step.code, Some(1));
    assert!(
        step.stdout
            .contains("input mode must be `pr` or `scheduled`")
    );
    let step = run_sh(
        repo,
        "check",
        &[
            ("INPUT_MODE", "scheduled"),
            ("INPUT_SNAPSHOT", "org.json"),
            ("INPUT_FORMATS", "json,pdf"),
        ],
    );
    assert_eq!(step.code, Some(1));
    assert!(
        step.stdout.contains("unknown format `pdf`"),
        "{}",
        step.stdout
    );
}

#[test]
fn the_cache_key_names_the_os_and_the_ref() {
    let dir = tempfile::tempdir().unwrap();
    let step = run_sh(
        dir.path(),
        "cache-key",
        &[("GITHUB_ACTION_REF", "refs/tags/v1")],
    );
    assert_eq!(step.code, Some(0), "{}", step.stderr);
    let key = &step.outputs["key"];
    assert!(key.starts_with("scimdrift-Linux-refs_tags_v1-"), "{key}");
    assert_eq!(key.len(), "scimdrift-Linux-refs_tags_v1-".len() + 16);
    assert!(step.outputs["root"].ends_with("/scimdrift"));
    // Deterministic: the same sources give the same key.
    let again = run_sh(
        dir.path(),
        "cache-key",
        &[("GITHUB_ACTION_REF", "refs/tags/v1")],
    );
    assert_eq!(&again.outputs["key"], key);
}

/// `action.yml`: every input reaches the script through `env:` only; no
/// `run:` pastes an expression; the outputs are the check step's.
#[test]
fn action_yml_passes_inputs_through_env_only() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    for step in steps {
        if let Some(run) = step.get("run").and_then(|r| r.as_str()) {
            assert!(!run.contains("${{"), "an expression in a run: {run}");
            assert!(
                run.starts_with("bash \"$GITHUB_ACTION_PATH/action/run.sh\" "),
                "{run}"
            );
        }
    }
    let check = steps
        .iter()
        .find(|s| s["id"] == "check")
        .expect("a step with id check");
    let env = check["env"].as_mapping().unwrap();
    let script = std::fs::read_to_string(root().join("action/run.sh")).unwrap();
    for (name, _) in action["inputs"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        if name == "upload-sarif" || name == "sarif-category" {
            // Used by the upload step's `with:`, never by a script.
            continue;
        }
        let var = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        assert_eq!(
            env.get(var.as_str()).and_then(|v| v.as_str()),
            Some(format!("${{{{ inputs.{name} }}}}").as_str()),
            "{var}"
        );
        assert!(script.contains(&var), "run.sh never reads {var}");
    }
    for (name, spec) in action["outputs"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        assert_eq!(
            spec["value"].as_str(),
            Some(format!("${{{{ steps.check.outputs.{name} }}}}").as_str())
        );
        assert!(
            script.contains(&format!("output {name} ")),
            "run.sh never sets {name}"
        );
    }
}
