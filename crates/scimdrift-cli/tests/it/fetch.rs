//! `scimdrift fetch` end to end against the simulator: exit codes, the
//! snapshot file, and the token never showing up anywhere, for every kind of
//! failure, at the highest verbosity.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use scimdrift_proto::{Resource, Snapshot};
use scimdrift_sim::{FaultSpec, Mutation, Profile, SimConfig, Simulator};
use serde_json::json;

use crate::support::{assert_outcome, outcome, run, scimdrift};

/// The secret every test looks for in every output.
const SECRET: &str = "omni_org_key_7fQ2-SECRET-z9";

fn org() -> Snapshot {
    let mut s = Snapshot::new(Default::default());
    for i in 0..25 {
        s.users.push(
            Resource::from_value(&json!({
                "id": format!("u{i:03}"),
                "userName": format!("user{i}@example.com"),
                "meta": {"created": format!("2024-01-01T00:00:{i:02}Z")},
            }))
            .unwrap(),
        );
        s.embed_users.push(
            Resource::from_value(&json!({
                "id": format!("e{i:03}"),
                "userName": format!("embed{i}@embed.invalid"),
                "embedExternalId": format!("x{i}"),
                "meta": {"created": format!("2024-01-01T00:00:{i:02}Z")},
            }))
            .unwrap(),
        );
    }
    s.groups.push(
        Resource::from_value(
            &json!({"id": "g1", "displayName": "Everyone", "members": [{"value": "u000"}]}),
        )
        .unwrap(),
    );
    s
}

async fn sim(faults: FaultSpec) -> Simulator {
    Simulator::start(
        SimConfig::new(org())
            .token(SECRET)
            .rate_limit(None)
            .max_page_size(10)
            .faults(faults),
    )
    .await
    .unwrap()
}

/// `scimdrift fetch -vvv` with fast settings, the token in the environment.
fn fetch_cmd(dir: &Path, base_url: &str) -> Command {
    fetch_cmd_timeout(dir, base_url, "5")
}

fn fetch_cmd_timeout(dir: &Path, base_url: &str, timeout: &str) -> Command {
    let mut cmd = scimdrift(dir);
    cmd.args([
        "fetch",
        "-vvv",
        "--out",
        "snap.json",
        "--base-url",
        base_url,
    ])
    .args([
        "--rate-limit",
        "600000/min",
        "--retries",
        "1",
        "--timeout",
        timeout,
    ])
    .env("OMNI_API_TOKEN", SECRET);
    cmd
}

/// Runs and checks the token appears in no output and no file; returns
/// (code, stderr, snapshot if written).
#[track_caller]
fn run_clean(cmd: &mut Command, dir: &Path) -> (i32, String, Option<Snapshot>) {
    let (code, stdout, stderr) = run(cmd);
    assert!(!stdout.contains(SECRET), "token on stdout:\n{stdout}");
    assert!(!stderr.contains(SECRET), "token on stderr:\n{stderr}");
    let path = dir.join("snap.json");
    let snapshot = path.exists().then(|| {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(SECRET), "token in the snapshot");
        serde_json::from_str(&text).unwrap()
    });
    // Nothing else was left behind (no temp files with secrets).
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert_eq!(name, "snap.json", "unexpected file {name:?}");
    }
    (code, stderr, snapshot)
}

fn faults(f: impl FnOnce(&mut FaultSpec)) -> FaultSpec {
    let mut s = FaultSpec::default();
    f(&mut s);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_fetch_exits_0_and_writes_the_org() {
    let sim = sim(FaultSpec::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, snapshot) =
        run_clean(&mut fetch_cmd(dir.path(), &sim.base_url()), dir.path());
    assert_eq!(code, 0, "{stderr}");
    let snapshot = snapshot.unwrap();
    assert!(snapshot.complete);
    let want = sim.with_store(|s| s.to_snapshot());
    assert_eq!(snapshot.users, want.users);
    assert_eq!(snapshot.groups, want.groups);
    assert_eq!(snapshot.embed_users, want.embed_users);
    assert_eq!(snapshot.stats.requests, 3 + 2 + 2);
    assert!(snapshot.fetched_at.is_some() && snapshot.stats.started_at.is_some());
    // -vvv really logged requests.
    assert!(stderr.contains("startIndex=11"), "{stderr}");
    assert!(
        stderr.contains("fetched 1 groups, 25 users and 25 embed users with 7 requests"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_appears_for_any_failure_kind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clear = || {
        let _ = std::fs::remove_file(d.join("snap.json"));
    };

    // Rejected token (exit 1), with the hint about Organization API keys.
    let ok = sim(FaultSpec::default()).await;
    let mut cmd = fetch_cmd(d, &ok.base_url());
    cmd.env("OMNI_API_TOKEN", format!("{SECRET}-personal"));
    let (code, stderr, snapshot) = run_clean(&mut cmd, d);
    assert_eq!(code, 1, "{stderr}");
    assert!(snapshot.is_none());
    assert!(stderr.contains("HTTP 401"), "{stderr}");
    assert!(
        stderr.contains("SCIM needs an Organization API key; personal access tokens are rejected")
    );

    // Wrong URL (exit 1).
    let (code, stderr, _) = run_clean(&mut fetch_cmd(d, &format!("{}/nope", ok.base_url())), d);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("HTTP 404") && stderr.contains("hint: check --base-url"),
        "{stderr}"
    );

    // Every live fault that outlasts the retries: exit 3 with the reason.
    let persistent = [
        ("HTTP 503", faults(|s| s.status_503 = 1.0)),
        ("HTTP 500", faults(|s| s.status_500 = 1.0)),
        ("HTTP 502", faults(|s| s.status_502 = 1.0)),
        ("the connection broke", faults(|s| s.reset = 1.0)),
        ("not a SCIM list response", faults(|s| s.truncate = 1.0)),
        ("not a SCIM list response", faults(|s| s.malformed = 1.0)),
        (
            "HTTP 429",
            faults(|s| {
                s.storm = 1.0;
                s.storm_len = 1000;
            }),
        ),
        (
            "still inconsistent",
            faults(|s| {
                s.mutation = Mutation::DeleteFront(1);
                s.mutation_times = 1000;
            }),
        ),
    ];
    for (reason, spec) in persistent {
        clear();
        let faulty = sim(spec).await;
        let (code, stderr, snapshot) = run_clean(&mut fetch_cmd(d, &faulty.base_url()), d);
        assert_eq!(code, 3, "{reason}: {stderr}");
        assert!(stderr.contains(reason), "{reason}: {stderr}");
        assert!(
            stderr.contains("error: the snapshot is incomplete"),
            "{stderr}"
        );
        let snapshot = snapshot.unwrap();
        assert!(!snapshot.complete);
        assert!(
            snapshot
                .incomplete_reasons
                .iter()
                .any(|r| r.contains(reason))
        );
    }

    // A body slower than the timeout (exit 3).
    clear();
    let slow = sim(faults(|s| {
        s.slow = 1.0;
        s.slow_chunks = 4;
        s.slow_chunk_delay = Duration::from_millis(600);
    }))
    .await;
    let (code, stderr, _) = run_clean(&mut fetch_cmd_timeout(d, &slow.base_url(), "1"), d);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");

    // Nobody listening (exit 3).
    clear();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (code, stderr, _) = run_clean(&mut fetch_cmd(d, &format!("http://{closed}")), d);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");

    // TLS failure: https to a server speaking plain HTTP (exit 3, never clean).
    clear();
    let tls = format!("https://{}", ok.addr());
    let (code, stderr, snapshot) = run_clean(&mut fetch_cmd(d, &tls), d);
    assert_eq!(code, 3, "{stderr}");
    assert!(!snapshot.unwrap().complete);

    // Invalid input (exit 4): plain http elsewhere, a bad flag.
    clear();
    let (code, stderr, _) = run_clean(&mut fetch_cmd(d, "http://omni.example.com"), d);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("refusing plain http"), "{stderr}");
    let mut cmd = fetch_cmd(d, &ok.base_url());
    cmd.args(["--page-size", "0"]);
    let (code, _, _) = run_clean(&mut cmd, d);
    assert_eq!(code, 4);

    // A token with characters a header cannot carry (exit 4), not echoed.
    let mut cmd = fetch_cmd(d, &ok.base_url());
    cmd.env("OMNI_API_TOKEN", format!("{SECRET} with spaces"));
    let (code, stderr, _) = run_clean(&mut cmd, d);
    assert_eq!(code, 4, "{stderr}");

    // --token works, warns, and is not echoed either.
    clear();
    let mut cmd = fetch_cmd(d, &ok.base_url());
    cmd.env_remove("OMNI_API_TOKEN").args(["--token", SECRET]);
    let (code, stderr, snapshot) = run_clean(&mut cmd, d);
    assert_eq!(code, 0, "{stderr}");
    assert!(snapshot.unwrap().complete);
    assert!(stderr.contains("warning: a token given with --token is visible to other local users"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_file_scim_provider_and_stdout() {
    let sim = Simulator::start(
        SimConfig::new(org())
            .token(SECRET)
            .rate_limit(None)
            .profile(Profile::Scim),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{SECRET}\n")).unwrap();
    let mut cmd = scimdrift(dir.path());
    cmd.args(["fetch", "--quiet", "--provider", "scim", "--out", "-"])
        .args(["--base-url", &sim.base_url(), "--rate-limit", "600000/min"])
        .arg("--token-file")
        .arg(&token_file);
    let fetched = outcome(&mut cmd).status(0);
    assert!(!fetched.to_string().contains(SECRET));
    let snapshot: Snapshot = serde_json::from_str(&fetched.stdout).unwrap();
    assert!(snapshot.complete);
    assert_eq!(snapshot.users.len(), 25);
    assert!(snapshot.embed_users.is_empty());

    // No token anywhere: exit 4 with a hint.
    let mut cmd = scimdrift(dir.path());
    cmd.args(["fetch", "--out", "x.json", "--base-url", &sim.base_url()]);
    assert_outcome!(outcome(&mut cmd), @r"
    --- stdout
    --- stderr
    error: no API token: set OMNI_API_TOKEN or pass --token-file
    hint: export OMNI_API_TOKEN=<Organization API key>, or put it in a file readable only by you and pass --token-file
    [exit status: 4]
    ");
}

#[test]
fn help_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = scimdrift(dir.path());
    cmd.args(["fetch", "--help"]);
    let help = outcome(&mut cmd).status(0);
    insta::assert_snapshot!(help.stdout);
}
