//! The README's examples in "Using scimdrift from your policies
//! repository", "Configuration" and "Scheduled runs and monitoring", run as
//! written: every ```sh command of those sections (with its expected exit
//! code in a table here, and the table must list exactly the README's
//! commands), the ```toml file, and the action step (```yaml), which must
//! be the example workflow's step verbatim and use only the action's inputs.

use crate::support::{demo, root};
use scimdrift_proto::Snapshot;
use scimdrift_sim::{DEFAULT_TOKEN, SimConfig, Simulator};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The text of the README section under `## {title}`.
fn section(title: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("no README section `{title}`"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    rest[..end].to_owned()
}

/// The fenced blocks of `text` in `lang`.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").unwrap();
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

/// The commands of a ```sh block: continuation lines joined, comments
/// (`  # …`) removed.
fn commands(block: &str) -> Vec<String> {
    let joined = block.replace("\\\n", " ");
    joined
        .lines()
        .map(|line| {
            let line = line.split("  #").next().unwrap_or("");
            line.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Runs `command` with bash in `dir`, this build's `scimdrift` first on
/// PATH; `/var/lib/` is rooted in `dir` (the one change made to a command).
fn sh(dir: &Path, command: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_scimdrift"))
        .parent()
        .unwrap()
        .to_owned();
    let command = command.replace("/var/lib/", &format!("{}/var/lib/", dir.display()));
    let mut cmd = Command::new("bash");
    cmd.current_dir(dir)
        .args(["-euo", "pipefail", "-c", &command])
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env_remove("OMNI_BASE_URL")
        .env_remove("OMNI_API_TOKEN")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn configuration_examples_run_as_written() {
    let text = section("Configuration");
    let toml = blocks(&text, "toml");
    assert_eq!(toml.len(), 1, "one example file");
    let dir = demo();
    std::fs::write(dir.path().join("scimdrift.toml"), &toml[0]).unwrap();
    std::fs::copy(
        dir.path().join("org.json"),
        dir.path().join("snapshot.json"),
    )
    .unwrap();

    // (command, exit code, what stdout must contain)
    let expected: &[(&str, i32, &str)] = &[
        (
            "scimdrift config",
            0,
            "base_url = \"https://blobsrus.omniapp.co\"  # scimdrift.toml:6:12",
        ),
        (
            "scimdrift config -- --fail-on warning",
            0,
            "fail_on = \"warning\"                       # command line: --fail-on",
        ),
        (
            "scimdrift check --config scimdrift.toml --snapshot snapshot.json",
            2,
            "",
        ),
        ("scimdrift validate --no-config", 0, "ok: 5 file(s)"),
    ];
    let found: Vec<String> = blocks(&text, "sh")
        .iter()
        .flat_map(|b| commands(b))
        .collect();
    let listed: Vec<&str> = expected.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(
        found, listed,
        "the README's commands changed: update this table"
    );

    for (command, code, stdout_has) in expected {
        let (got, stdout, stderr) = sh(dir.path(), command, &[]);
        assert_eq!(got, *code, "{command}\n{stdout}\n{stderr}");
        assert!(stdout.contains(stdout_has), "{command}\n{stdout}");
    }
    // The example file's outputs and state_dir were used by that check.
    for written in [
        "drift/report.json",
        "drift/report.sarif",
        "drift/state/last-report.json",
    ] {
        assert!(dir.path().join(written).is_file(), "{written}");
    }
    // Every key of the example file was read from it.
    let (_, stdout, _) = sh(dir.path(), "scimdrift config", &[]);
    for key in [
        "policies",
        "provider",
        "path_case",
        "rate_limit",
        "page_size",
        "fail_on",
        "outputs",
        "state_dir",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} missing:\n{stdout}"));
        assert!(line.contains("# scimdrift.toml:"), "{line}");
    }
}

#[test]
fn scheduled_run_examples_run_as_written() {
    let text = section("Scheduled runs and monitoring");
    let expected: &[(&str, i32)] = &[
        (
            "scimdrift check --state-dir /var/lib/scimdrift --fail-on-new --output openmetrics=/var/lib/node_exporter/textfile/scimdrift.prom --output owners=digests/",
            2,
        ),
        (
            "scimdrift render /var/lib/scimdrift/last-report.json --format openmetrics",
            0,
        ),
    ];
    let found: Vec<String> = blocks(&text, "sh")
        .iter()
        .flat_map(|b| commands(b))
        .collect();
    let listed: Vec<&str> = expected.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        found, listed,
        "the README's commands changed: update this table"
    );

    // Live, against the demo org on loopback; the test's own scimdrift.toml
    // lifts the client-side rate limit for the simulator.
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
    let dir = demo();
    std::fs::write(
        dir.path().join("scimdrift.toml"),
        "[connection]\nrate_limit = \"600000/min\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("var/lib/node_exporter/textfile")).unwrap();
    let base_url = sim.base_url();
    let env = [
        ("OMNI_BASE_URL", base_url.as_str()),
        ("OMNI_API_TOKEN", DEFAULT_TOKEN),
    ];
    for (command, code) in expected {
        let (got, stdout, stderr) = sh(dir.path(), command, &env);
        assert_eq!(got, *code, "{command}\n{stdout}\n{stderr}");
    }
    let prom = std::fs::read_to_string(
        dir.path()
            .join("var/lib/node_exporter/textfile/scimdrift.prom"),
    )
    .unwrap();
    assert!(prom.contains("scimdrift_fetch_requests "), "{prom}");
    assert!(prom.ends_with("# EOF\n"));
    assert!(dir.path().join("digests/unowned.md").is_file());
    // The next night, nothing new: exit 0.
    let (got, _, stderr) = sh(dir.path(), expected[0].0, &env);
    assert_eq!(got, 0, "{stderr}");
    assert!(stderr.contains("none is new"), "{stderr}");
    runtime.block_on(sim.shutdown());
}

/// The action step in the README is the example PR workflow's step, and
/// every `with:` key is an input of `action.yml`.
#[test]
fn the_action_step_is_the_example_workflows() {
    let text = section("Using scimdrift from your policies repository");
    let yaml = blocks(&text, "yaml");
    assert_eq!(yaml.len(), 1);
    let workflow = std::fs::read_to_string(
        root().join("examples/policies-repo/.github/workflows/scimdrift-pr.yml"),
    )
    .unwrap();
    assert!(
        workflow.contains(&yaml[0]),
        "README step not in the workflow:\n{}",
        yaml[0]
    );
    assert!(
        blocks(&text, "sh").is_empty(),
        "a command here needs a test"
    );

    let step: serde_yaml::Value = serde_yaml::from_str(&yaml[0]).unwrap();
    let step = &step[0];
    let action: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap()).unwrap();
    let inputs = action["inputs"].as_mapping().unwrap();
    for (key, _) in step["with"].as_mapping().unwrap() {
        assert!(inputs.contains_key(key), "{key:?} is not an input");
    }
    // The README's input table lists every input.
    for (name, _) in inputs {
        let name = name.as_str().unwrap();
        assert!(
            text.contains(&format!("`{name}`")),
            "input {name} not documented"
        );
    }
}
