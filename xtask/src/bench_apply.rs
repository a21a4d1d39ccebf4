//! `cargo xtask bench-apply`: `scimdrift apply --confirm` of a plan touching
//! 1,000 memberships across 50 groups, against `scimdrift-sim` in this
//! process, at a client rate limit of 6,000 requests/min; measured against
//! the bound (writes + precondition reads + verification reads) ÷ rate.
//! Writes `## Apply` in BENCHMARKS.md.

use crate::{flags, util};
use anyhow::{Context as _, Result, ensure};
use scimdrift_proto::Snapshot;
use scimdrift_sim::{SimConfig, Simulator};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const USERS: usize = 2000;
const GROUPS: usize = 50;
/// Members of each group before the apply.
const SIZE: usize = 100;
/// Members each group loses and gains (10% of it: within the 25% share).
const SWAP: usize = 10;
/// The client's rate limit, in requests per minute.
const RATE_PER_MIN: f64 = 6000.0;
const TOKEN: &str = "bench-apply-token";

fn uid(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

fn user_name(i: usize) -> String {
    format!("u{i:04}@bench.example")
}

/// Group `g` holds users `20g .. 20g + SIZE` (wrapping), and should hold
/// the same minus its first `SWAP` plus the next `SWAP`.
fn org_and_policies() -> Result<(Snapshot, String)> {
    let members = |g: usize| (0..SIZE).map(move |k| (g * 20 + k) % USERS);
    let wanted = |g: usize| (SWAP..SIZE + SWAP).map(move |k| (g * 20 + k) % USERS);
    let groups: Vec<Value> = (0..GROUPS)
        .map(|g| {
            json!({
                "id": format!("bench-{g:02}"),
                "displayName": format!("Bench {g:02}"),
                "members": members(g).map(|m| json!({"value": uid(m), "display": user_name(m)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let users: Vec<Value> = (0..USERS)
        .map(|i| json!({"id": uid(i), "userName": user_name(i), "active": true}))
        .collect();
    let org: Snapshot = serde_json::from_value(json!({
        "schema": "scimdrift.snapshot/v1",
        "source": {"provider": "omni"},
        "groups": groups,
        "users": users,
    }))
    .context("the benchmark org is not a snapshot")?;
    let mut yaml = String::from("version: 1\ngroups:\n");
    for g in 0..GROUPS {
        let names: Vec<String> = wanted(g).map(user_name).collect();
        yaml.push_str(&format!(
            "  - name: Bench {g:02}\n    members: exact\n    users: [{}]\n",
            names.join(", ")
        ));
    }
    Ok((org, yaml))
}

/// One run: a fresh simulator, a plan (not timed), the apply (timed).
/// Returns (wall seconds, requests the apply sent, writes among them).
fn once(
    runtime: &tokio::runtime::Runtime,
    bin: &Path,
    dir: &Path,
    org: &Snapshot,
) -> Result<(f64, usize, usize)> {
    let sim = runtime
        .block_on(Simulator::start(
            SimConfig::new(org.clone()).token(TOKEN).rate_limit(None),
        ))
        .context("cannot start the simulator")?;
    let rate = format!("{RATE_PER_MIN}/min");
    let connect = |cmd: &mut Command| {
        cmd.current_dir(dir)
            .args([
                "--base-url",
                &sim.base_url(),
                "--rate-limit",
                &rate,
                "--quiet",
            ])
            .env("OMNI_API_TOKEN", TOKEN);
    };
    let _ = std::fs::remove_file(dir.join("plan.journal.jsonl"));
    let mut plan = Command::new(bin);
    plan.args(["plan", "--policies", "policies", "--out", "plan.json"]);
    connect(&mut plan);
    let out = plan.output().context("cannot run scimdrift plan")?;
    ensure!(
        out.status.code() == Some(2),
        "scimdrift plan exited {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    sim.clear_requests();
    let mut apply = Command::new(bin);
    apply.args(["apply", "plan.json", "--confirm", "--allow-mass-removal"]);
    connect(&mut apply);
    let started = Instant::now();
    let out = apply.output().context("cannot run scimdrift apply")?;
    let wall = started.elapsed().as_secs_f64();
    ensure!(
        out.status.code() == Some(0),
        "scimdrift apply exited {}: {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = sim.requests();
    let writes = requests.iter().filter(|r| r.method != "GET").count();
    runtime.block_on(sim.shutdown());
    Ok((wall, requests.len(), writes))
}

pub fn run(opts: &flags::BenchApply) -> Result<()> {
    util::run_cargo(&["build", "--quiet", "-p", "scimdrift-cli"])?;
    let bin = util::bin_dir(false).join("scimdrift");
    let dir = util::target_dir().join("bench-apply");
    std::fs::create_dir_all(dir.join("policies"))?;
    let (org, yaml) = org_and_policies()?;
    std::fs::write(dir.join("policies/bench.yaml"), yaml)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut times = Vec::new();
    let mut counts = (0, 0);
    for run in 0..opts.runs {
        let (wall, requests, writes) = once(&runtime, &bin, &dir, &org)?;
        eprintln!(
            "bench-apply run {}: {wall:.2} s, {requests} requests ({writes} writes)",
            run + 1
        );
        times.push(wall);
        counts = (requests, writes);
    }
    let median = util::median(times).context("no run")?;
    let (requests, writes) = counts;
    let bound = requests as f64 / (RATE_PER_MIN / 60.0);
    let memberships = GROUPS * SWAP * 2;
    let section = format!(
        "## Apply\n\n\
`scimdrift apply plan.json --confirm` (debug build) of a plan touching {memberships} memberships across {GROUPS} groups \
({SWAP} removals and {SWAP} additions in each group of {SIZE}; `--allow-mass-removal`, as 500 removals exceed the 100 of the \
deletion budget), against `scimdrift-sim` on loopback in the same process, at `--rate-limit {RATE_PER_MIN}/min`. \
The **bound** is (writes + precondition reads + verification reads) ÷ rate: one PATCH per group carries all its changes, \
so the apply sends {writes} writes, {GROUPS} precondition reads and {GROUPS} verification reads. \
Median wall time of {runs} run(s), process start and plan loading included:\n\n\
```sh\ncargo xtask bench-apply --runs {runs}\n```\n\n\
| memberships | groups | requests | writes | median | bound | median ÷ bound |\n\
|---:|---:|---:|---:|---:|---:|---:|\n\
| {memberships} | {GROUPS} | {requests} | {writes} | {median:.2} s | {bound:.2} s | {:.2}× |\n\n\
Reading it: apply works group by group and waits for each answer before the next request (the journal line of one \
operation is on disk before the next write), so once a round trip is longer than the request interval (10 ms at 6000/min; \
here the debug simulator rewrites both sides of 20 memberships per PATCH) the time is set by latency, not by the rate. \
At Omni's default 60 requests/min per key the same plan's {requests} requests take at least {:.1} min; the client's \
50/min default, {:.1} min.\n\n",
        median / bound,
        requests as f64 / 60.0,
        requests as f64 / 50.0,
        runs = opts.runs,
    );
    eprint!("{section}");
    util::benchmarks_md::write_section(&util::root().join("BENCHMARKS.md"), "## Apply", &section)?;
    eprintln!("wrote the `## Apply` section of BENCHMARKS.md");
    Ok(())
}
