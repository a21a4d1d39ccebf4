//! The secrets matrix for `scimdrift check` in live mode: whatever happens
//! (drift with every output format and a state dir, a rejected token, a server
//! that keeps failing, the token given on the command line), the token shows
//! up in no stdout, no stderr at `-vvv`, and no file written.
//! The same holds for every key when several are given (three keys from two
//! token files). (`fetch.rs` holds the same matrix for `scimdrift fetch`.)

use std::path::Path;

use scimdrift_proto::Snapshot;
use scimdrift_sim::{FaultSpec, SimConfig, Simulator};

use crate::support::{root, run, scimdrift};

const SECRET: &str = "omni_org_key_Qx81-CHECK-SECRET-m4";

async fn demo_sim(faults: FaultSpec) -> Simulator {
    let text = std::fs::read_to_string(root().join("demo/org.json")).unwrap();
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

/// `scimdrift check -vvv` live against `base_url`, writing every file format
/// and keeping state in `dir`.
fn check(dir: &Path, base_url: &str) -> std::process::Command {
    let mut cmd = scimdrift(dir);
    cmd.arg("check")
        .arg("-vvv")
        .arg("--policies")
        .arg(root().join("policies"))
        .args(["--now", "2027-03-25T09:00:00Z", "--base-url", base_url])
        .args([
            "--rate-limit",
            "600000/min",
            "--retries",
            "1",
            "--timeout",
            "5",
        ])
        .args(["--format", "markdown", "--state-dir", "state"])
        .args(["--output", "json=r.json", "--output", "sarif=r.sarif"])
        .args(["--output", "junit=r.xml", "--output", "csv=r.csv"])
        .args(["--output", "human=r.txt", "--output", "openmetrics=r.prom"])
        .args(["--output", "owners=digests"]);
    cmd
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Runs `cmd`, asserts the token is nowhere, returns (code, stderr, files written).
#[track_caller]
fn run_clean(cmd: &mut std::process::Command, dir: &Path) -> (i32, String, usize) {
    run_clean_of(cmd, dir, &[SECRET], &[])
}

/// Runs `cmd`, asserts none of `secrets` is anywhere (stdout, stderr, every
/// file under `dir` except the `token_files` the test itself wrote), returns
/// (code, stderr, files written).
#[track_caller]
fn run_clean_of(
    cmd: &mut std::process::Command,
    dir: &Path,
    secrets: &[&str],
    token_files: &[&Path],
) -> (i32, String, usize) {
    let (code, stdout, stderr) = run(cmd);
    let written: Vec<_> = files(dir)
        .into_iter()
        .filter(|p| !token_files.contains(&p.as_path()))
        .collect();
    for secret in secrets {
        assert!(!stdout.contains(secret), "token on stdout:\n{stdout}");
        assert!(!stderr.contains(secret), "token on stderr:\n{stderr}");
        for path in &written {
            let bytes = std::fs::read(path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(secret), "token in {}", path.display());
        }
    }
    (code, stderr, written.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_live_never_shows_the_token() {
    // Drift: exit 2, every format written, state kept.
    let ok = demo_sim(FaultSpec::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = check(dir.path(), &ok.base_url());
    cmd.env("OMNI_API_TOKEN", SECRET);
    let (code, stderr, written) = run_clean(&mut cmd, dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(written >= 5, "{written} files written");
    // -vvv really logged the requests it made.
    assert!(stderr.contains("startIndex"), "{stderr}");

    // The token on the command line: a warning, the same result, no echo.
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = check(dir.path(), &ok.base_url());
    cmd.args(["--token", SECRET]);
    let (code, stderr, _) = run_clean(&mut cmd, dir.path());
    assert_eq!(code, 2, "{stderr}");

    // A rejected token: exit 1, nothing claiming to be a report.
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = check(dir.path(), &ok.base_url());
    cmd.env("OMNI_API_TOKEN", format!("{SECRET}-personal"));
    let (code, stderr, _) = run_clean(&mut cmd, dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("HTTP 401"), "{stderr}");

    // A server that keeps failing: exit 3 with the reason.
    let failing = demo_sim(FaultSpec {
        status_503: 1.0,
        ..FaultSpec::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = check(dir.path(), &failing.base_url());
    cmd.env("OMNI_API_TOKEN", SECRET);
    let (code, stderr, _) = run_clean(&mut cmd, dir.path());
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("HTTP 503"), "{stderr}");
}

/// Three API keys, from two token files.
const KEYS: [&str; 3] = [
    "omni_org_key_Qx81-FIRST-SECRET-a1",
    "omni_org_key_Qx81-SECOND-SECRET-b2",
    "omni_org_key_Qx81-THIRD-SECRET-c3",
];

async fn demo_sim_with_keys(keys: &[&str], faults: FaultSpec) -> Simulator {
    let text = std::fs::read_to_string(root().join("demo/org.json")).unwrap();
    let org: Snapshot = serde_json::from_str(&text).unwrap();
    Simulator::start(
        SimConfig::new(org)
            .tokens(keys.iter().copied())
            .rate_limit(None)
            .faults(faults),
    )
    .await
    .unwrap()
}

/// Writes the three keys into two token files under `dir/keys/`: the first
/// with a comment and a blank line around two keys, the second with one.
fn token_files(dir: &Path) -> [std::path::PathBuf; 2] {
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let a = keys.join("a.keys");
    let b = keys.join("b.keys");
    std::fs::write(&a, format!("# two keys\n{}\n\n{}\n", KEYS[0], KEYS[1])).unwrap();
    std::fs::write(&b, format!("{}\n", KEYS[2])).unwrap();
    #[cfg(unix)]
    for path in [&a, &b] {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    [a, b]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_live_with_three_keys_never_shows_any() {
    // Drift: exit 2, every format written, state kept, every key used.
    let ok = demo_sim_with_keys(&KEYS, FaultSpec::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let [a, b] = token_files(dir.path());
    let mut cmd = check(dir.path(), &ok.base_url());
    cmd.arg("--token-file").arg(&a).arg("--token-file").arg(&b);
    let (code, stderr, written) = run_clean_of(&mut cmd, dir.path(), &KEYS, &[&a, &b]);
    assert_eq!(code, 2, "{stderr}");
    assert!(written >= 5, "{written} files written");
    assert!(stderr.contains("startIndex"), "{stderr}");
    let used: std::collections::BTreeSet<_> =
        ok.requests().iter().filter_map(|r| r.token).collect();
    assert_eq!(used.len(), 3, "keys used: {used:?}");

    // The second key revoked: exit 1 naming it by position and fingerprint.
    let revoked = demo_sim_with_keys(&[KEYS[0], KEYS[2]], FaultSpec::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let [a, b] = token_files(dir.path());
    let mut cmd = check(dir.path(), &revoked.base_url());
    cmd.arg("--token-file").arg(&a).arg("--token-file").arg(&b);
    let (code, stderr, _) = run_clean_of(&mut cmd, dir.path(), &KEYS, &[&a, &b]);
    assert_eq!(code, 1, "{stderr}");
    let fingerprint = scimdrift_fetch::Token::new(KEYS[1], "t")
        .unwrap()
        .fingerprint();
    assert!(
        stderr.contains(&format!(
            "error: the server rejected API key 2 of 3 (sha256 fingerprint {fingerprint}) (HTTP 401"
        )),
        "{stderr}"
    );
    assert!(!dir.path().join("r.json").exists(), "a report was written");

    // A server that keeps failing: exit 3 with the reason.
    let failing = demo_sim_with_keys(
        &KEYS,
        FaultSpec {
            status_503: 1.0,
            ..FaultSpec::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let [a, b] = token_files(dir.path());
    let mut cmd = check(dir.path(), &failing.base_url());
    cmd.arg("--token-file").arg(&a).arg("--token-file").arg(&b);
    let (code, stderr, _) = run_clean_of(&mut cmd, dir.path(), &KEYS, &[&a, &b]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("HTTP 503"), "{stderr}");

    // The same key twice: refused before any request (exit 4).
    let dir = tempfile::tempdir().unwrap();
    let [a, b] = token_files(dir.path());
    let before = ok.requests().len();
    let mut cmd = check(dir.path(), &ok.base_url());
    cmd.arg("--token-file").arg(&a).arg("--token-file").arg(&a);
    let (code, stderr, _) = run_clean_of(&mut cmd, dir.path(), &KEYS, &[&a, &b]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("API key 3 is the same as key 1"),
        "{stderr}"
    );
    assert_eq!(ok.requests().len(), before);
}

/// `scimdrift apply -vvv --confirm` against `base_url` (the demo's plan
/// empties nothing but removes half of Embed Pilot: the budget is lifted).
fn apply_cmd(dir: &Path, base_url: &str) -> std::process::Command {
    let mut cmd = scimdrift(dir);
    cmd.args([
        "apply",
        "plan.json",
        "-vvv",
        "--confirm",
        "--allow-mass-removal",
    ])
    .args(["--now", "2027-03-25T09:00:00Z", "--base-url", base_url])
    .args([
        "--rate-limit",
        "600000/min",
        "--retries",
        "1",
        "--timeout",
        "5",
    ]);
    cmd
}

/// A plan of the demo bound to `base_url`: the live snapshot with its base
/// URL pointed there, planned with `-vvv`.
fn plan_for(dir: &Path, snapshot: &Path, base_url: &str) {
    let text = std::fs::read_to_string(snapshot).unwrap();
    let mut snap: serde_json::Value = serde_json::from_str(&text).unwrap();
    snap["source"]["base_url"] = format!("{base_url}/api/scim/v2").into();
    std::fs::write(dir.join("s.json"), snap.to_string()).unwrap();
    let mut cmd = scimdrift(dir);
    cmd.args(["plan", "-vvv", "--snapshot", "s.json", "--out", "plan.json"])
        .arg("--policies")
        .arg(root().join("policies"))
        .args(["--now", "2027-03-25T09:00:00Z"]);
    let (code, stderr, _) = run_clean(&mut cmd, dir);
    assert_eq!(code, 2, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_apply_never_show_the_token() {
    // The live snapshot every plan below is made from.
    let ok = demo_sim(FaultSpec::default()).await;
    let work = tempfile::tempdir().unwrap();
    let mut cmd = scimdrift(work.path());
    cmd.args([
        "fetch",
        "-vvv",
        "--out",
        "live.json",
        "--base-url",
        &ok.base_url(),
    ])
    .args(["--rate-limit", "600000/min"])
    .env("OMNI_API_TOKEN", SECRET);
    let (code, stderr, _) = run_clean(&mut cmd, work.path());
    assert_eq!(code, 0, "{stderr}");
    let live = work.path().join("live.json");

    // Success, with a dry run first: exit 0, the journal written.
    let dir = tempfile::tempdir().unwrap();
    plan_for(dir.path(), &live, &ok.base_url());
    let mut dry = scimdrift(dir.path());
    dry.args([
        "apply",
        "plan.json",
        "-vvv",
        "--allow-mass-removal",
        "--base-url",
        &ok.base_url(),
    ])
    .args([
        "--now",
        "2027-03-25T09:00:00Z",
        "--rate-limit",
        "600000/min",
    ])
    .env("OMNI_API_TOKEN", SECRET);
    let (code, stderr, _) = run_clean(&mut dry, dir.path());
    assert_eq!(code, 0, "{stderr}");
    let mut cmd = apply_cmd(dir.path(), &ok.base_url());
    cmd.env("OMNI_API_TOKEN", SECRET);
    let (code, stderr, _) = run_clean(&mut cmd, dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("plan.journal.jsonl").is_file());
    // -vvv really logged the writes it sent.
    assert!(stderr.contains("PATCH"), "{stderr}");

    // The token on the command line, and rejected by the server: exit 1.
    let dir = tempfile::tempdir().unwrap();
    let other = Simulator::start(
        SimConfig::new(
            serde_json::from_str(&std::fs::read_to_string(root().join("demo/org.json")).unwrap())
                .unwrap(),
        )
        .token("another-key")
        .rate_limit(None),
    )
    .await
    .unwrap();
    plan_for(dir.path(), &live, &other.base_url());
    let mut cmd = apply_cmd(dir.path(), &other.base_url());
    cmd.args(["--token", SECRET]);
    let (code, stderr, _) = run_clean(&mut cmd, dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("HTTP 401"), "{stderr}");
    // The journal says why the apply stopped (and, checked above, holds
    // no token).
    let journal = std::fs::read_to_string(dir.path().join("plan.journal.jsonl")).unwrap();
    let last = journal.lines().last().unwrap_or_default();
    assert!(
        last.contains(r#""event":"abort""#) && last.contains("401"),
        "{journal}"
    );

    // A server that keeps failing reads (exit 1), and one that loses every
    // write's answer (settled by re-reading: exit 0).
    for (faults, want) in [("500=1", 1), ("write-reset=1", 0), ("write-500=1", 0)] {
        let sim = demo_sim(faults.parse().unwrap()).await;
        let dir = tempfile::tempdir().unwrap();
        plan_for(dir.path(), &live, &sim.base_url());
        let mut cmd = apply_cmd(dir.path(), &sim.base_url());
        cmd.env("OMNI_API_TOKEN", SECRET);
        let (code, stderr, _) = run_clean(&mut cmd, dir.path());
        assert_eq!(code, want, "{faults}: {stderr}");
    }

    // Refused plans (exit 4, nothing sent): one changed after it was
    // written, and one made against another instance.
    let dir = tempfile::tempdir().unwrap();
    plan_for(dir.path(), &live, &ok.base_url());
    let path = dir.path().join("plan.json");
    let mut tampered: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    tampered["groups"][0]["displayName"] = "Someone else's group".into();
    std::fs::write(&path, tampered.to_string()).unwrap();
    let mut cmd = apply_cmd(dir.path(), &ok.base_url());
    cmd.env("OMNI_API_TOKEN", SECRET);
    let (code, stderr, _) = run_clean(&mut cmd, dir.path());
    assert_eq!(code, 4, "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    plan_for(dir.path(), &live, &other.base_url());
    let mut cmd = apply_cmd(dir.path(), &ok.base_url());
    cmd.args(["--token", SECRET]);
    let (code, stderr, _) = run_clean(&mut cmd, dir.path());
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
}
