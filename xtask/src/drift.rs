//! `cargo xtask drift`: the ops job. With `OMNI_BASE_URL` and
//! `OMNI_API_TOKEN` set, a live check of `policies/`; with neither, the demo:
//! the bundled `demo/org.json` served by the simulator in this process on
//! loopback, fetched over HTTP by the real `scimdrift` binary, checked, the
//! human report printed and json/markdown/sarif/openmetrics/html written to
//! `target/drift/`, with the snapshot PR checks refresh from
//! (`target/drift/snapshot.json`). Exits with `scimdrift check`'s code (the demo: 2, drift).

use crate::{flags, util};
use anyhow::{Context as _, Result, bail};
use scimdrift_proto::Snapshot;
use scimdrift_sim::{DEFAULT_TOKEN, SimConfig, Simulator};
use std::path::Path;
use std::process::Command;

/// Runs the task and returns the exit code to use.
pub fn run(_opts: &flags::Drift) -> Result<i32> {
    let root = util::root();
    let base_url = std::env::var("OMNI_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let token = std::env::var("OMNI_API_TOKEN")
        .ok()
        .filter(|v| !v.is_empty());
    util::run_cargo(&["build", "--quiet", "-p", "scimdrift-cli"])?;
    let bin = util::bin_dir(false).join("scimdrift");
    match (base_url, token) {
        (Some(url), Some(_)) => {
            eprintln!("drift: live check of {url} against policies/");
            // The token stays in the environment; it is never on a command line.
            jobs(&root, &bin, &[])
        }
        (None, None) => demo(&root, &bin),
        _ => {
            eprintln!(
                "error: set both OMNI_BASE_URL and OMNI_API_TOKEN for a live check, or neither for the demo"
            );
            Ok(4)
        }
    }
}

fn demo(root: &Path, bin: &Path) -> Result<i32> {
    let org_path = root.join("demo/org.json");
    let text = std::fs::read_to_string(&org_path)
        .with_context(|| format!("cannot read `{}`", org_path.display()))?;
    let org: Snapshot = serde_json::from_str(&text).context("demo/org.json is not a snapshot")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let sim = runtime
        .block_on(Simulator::start(SimConfig::new(org)))
        .context("cannot start the simulator")?;
    eprintln!(
        "drift: demo org served by the simulator at {} (loopback); set OMNI_BASE_URL and OMNI_API_TOKEN for a live check",
        sim.base_url()
    );
    let env = [
        ("OMNI_BASE_URL", sim.base_url()),
        ("OMNI_API_TOKEN", DEFAULT_TOKEN.to_owned()),
    ];
    let code = jobs(root, bin, &env)?;
    // The ops job is read-only: the simulator saw every request it made.
    let writes: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    runtime.block_on(sim.shutdown());
    if !writes.is_empty() {
        bail!("the ops job sent requests other than GET: {writes:?}");
    }
    eprintln!("drift: the simulator saw GET requests only");
    Ok(code)
}

/// `scimdrift check` (fetching live), then `scimdrift review` of the
/// snapshot it kept.
fn jobs(root: &Path, bin: &Path, env: &[(&str, String)]) -> Result<i32> {
    let out = Path::new("target/drift");
    std::fs::create_dir_all(root.join(out))?;
    let state = out.join("state");
    let path = |name: &str| out.join(name).display().to_string();
    let status = Command::new(bin)
        .current_dir(root)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args([
            "check",
            "--policies",
            "policies",
            "--quiet",
            "--format",
            "human",
        ])
        .arg("--state-dir")
        .arg(&state)
        .args([
            format!("--output=json={}", path("report.json")),
            format!("--output=markdown={}", path("report.md")),
            format!("--output=sarif={}", path("report.sarif")),
            format!("--output=openmetrics={}", path("report.prom")),
            format!("--full-report=`{}`", path("report.json")),
        ])
        .status()
        .context("cannot run scimdrift check")?;
    let code = status.code().unwrap_or(1);
    let snapshot = root.join(&state).join("last-snapshot.json");
    if code == 0 || code == 2 {
        let review = Command::new(bin)
            .current_dir(root)
            .args(["review", "--policies", "policies", "--format", "csv"])
            .arg("--snapshot")
            .arg(state.join("last-snapshot.json"))
            .arg(format!("--output=html={}", path("review.html")))
            .arg(format!("--output=markdown={}", path("review.md")))
            .output()
            .context("cannot run scimdrift review")?;
        if !review.status.success() || !snapshot.is_file() {
            eprintln!("{}", String::from_utf8_lossy(&review.stderr));
            bail!("scimdrift review failed ({})", review.status);
        }
        std::fs::write(root.join(out).join("review.csv"), &review.stdout)?;
        // Where PR checks find it: `check --snapshot target/drift/snapshot.json
        // --refresh` reads live only the groups a PR can affect. Only a
        // complete snapshot is kept in the state dir, so only one is copied.
        std::fs::copy(&snapshot, root.join(out).join("snapshot.json"))
            .context("cannot copy the snapshot to target/drift/snapshot.json")?;
    }
    eprintln!(
        "\ndrift: wrote {} (report.json, report.md, report.sarif, report.prom, review.html, review.md, review.csv, snapshot.json for `check --snapshot … --refresh`; history in state/); exit code {code}",
        out.display()
    );
    Ok(code)
}
