//! Read-only by test, not by care: every command that can reach a live
//! instance sends nothing but GET requests (`apply` without `--confirm`
//! included; `cargo xtask drift` checks its own simulator's log the same
//! way, in `xtask/src/drift.rs`). The simulator's request log sees
//! every request each command made, and nothing they print or write holds
//! the token.

use scimdrift_proto::Snapshot;
use scimdrift_sim::{SimConfig, Simulator};

use crate::support::{root, run, scimdrift};

const TOKEN: &str = "omni_org_key_readonly_test";

/// Flags that point a command at the simulator, fast.
fn live(base_url: &str) -> Vec<String> {
    [
        "--base-url",
        base_url,
        "--rate-limit",
        "600000/min",
        "--retries",
        "1",
        "--timeout",
        "5",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_that_reads_a_live_instance_sends_only_gets() {
    let text = std::fs::read_to_string(root().join("demo/org.json")).unwrap();
    let org: Snapshot = serde_json::from_str(&text).unwrap();
    let sim = Simulator::start(SimConfig::new(org).token(TOKEN).rate_limit(None))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let policies = root().join("policies");
    let policies = policies.to_str().unwrap();
    let now = ["--now", "2027-03-25T09:00:00Z"];
    let commands: Vec<(&str, Vec<String>)> = vec![
        (
            "fetch",
            vec!["fetch".into(), "--out".into(), "s.json".into()],
        ),
        (
            "check",
            ["check", "--policies", policies, "--state-dir", "state"]
                .iter()
                .chain(&now)
                .map(|s| (*s).to_owned())
                .collect(),
        ),
        (
            "check --base",
            ["check", "--policies", policies, "--base", policies]
                .iter()
                .chain(&now)
                .map(|s| (*s).to_owned())
                .collect(),
        ),
        (
            "review",
            ["review", "--policies", policies, "--format", "csv"]
                .iter()
                .chain(&now)
                .map(|s| (*s).to_owned())
                .collect(),
        ),
        (
            "plan",
            ["plan", "--policies", policies, "--out", "plan.json"]
                .iter()
                .chain(&now)
                .map(|s| (*s).to_owned())
                .collect(),
        ),
        (
            "apply (dry run)",
            ["apply", "plan.json", "--allow-mass-removal"]
                .iter()
                .chain(&now)
                .map(|s| (*s).to_owned())
                .collect(),
        ),
        (
            "init",
            ["init", "--out", "adopted"]
                .iter()
                .chain(&now)
                .map(|s| (*s).to_owned())
                .collect(),
        ),
    ];
    for (name, args) in commands {
        sim.clear_requests();
        let mut cmd = scimdrift(dir.path());
        cmd.args(&args)
            .args(live(&sim.base_url()))
            .env("OMNI_API_TOKEN", TOKEN);
        let (code, stdout, stderr) = run(&mut cmd);
        assert!(matches!(code, 0 | 2), "`{name}` exited {code}:\n{stderr}");
        assert!(
            !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
            "`{name}` printed the token"
        );
        let requests = sim.requests();
        assert!(!requests.is_empty(), "`{name}` made no request");
        let writes: Vec<_> = requests.iter().filter(|r| r.method != "GET").collect();
        assert!(writes.is_empty(), "`{name}` sent {writes:?}");
    }
    // `diff` reads files only: not a single request.
    sim.clear_requests();
    let (code, _, stderr) = run(scimdrift(dir.path()).args(["diff", "s.json", "s.json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(sim.requests().is_empty());
    // The dry run wrote no journal.
    assert!(!dir.path().join("plan.journal.jsonl").exists());
    // Nothing any of them wrote (snapshot, state, plan, adopted policies)
    // holds the token.
    assert!(dir.path().join("plan.json").is_file());
    assert!(dir.path().join("adopted/groups.yaml").is_file());
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "{} holds the token",
            entry.display()
        );
    }
    sim.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
