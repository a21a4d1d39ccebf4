//! `cargo xtask fetch-roundtrip` and `cargo xtask bench-fetch`: the release
//! binaries end to end, `scimdrift fetch` against `scimdrift-sim` serving a
//! `gen-org` org over loopback.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, bail, ensure};
use scimdrift_proto::Snapshot;
use scimdrift_sim::r#gen::{OrgSpec, write_org};

const TOKEN: &str = "xtask-fetch-token";

pub const ROUNDTRIP_HELP: &str = "\
cargo xtask fetch-roundtrip [--users N] [--embed-users M] [--groups G] [--debug]

Generates an org with gen-org (default 2000 users, 100000 embed users, 300
groups), serves it with the release `scimdrift-sim` binary, reads it back with
the release `scimdrift fetch`, and checks every resource came back exactly as
served (byte for byte), sorted by id, in the minimum number of requests.
`--debug` uses debug builds (faster to build, slower to run).
";

pub const BENCH_HELP: &str = "\
cargo xtask bench-fetch [--runs N]

Measures `scimdrift fetch` (release) against `scimdrift-sim` with latency and a
rate limit: wall time against the rate-limit bound (requests / rate), against a
sequential page-by-page client measured in the same run, and the effect of
`--page-size auto`. Medians of N runs (default 3). Writes `## Fetch` in
BENCHMARKS.md.
";

/// A running simulator; killed on drop.
struct Sim {
    child: Child,
    url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Bins {
    scimdrift: PathBuf,
    sim: PathBuf,
}

fn build(release: bool) -> Result<Bins> {
    let mut args = vec![
        "build",
        "--quiet",
        "-p",
        "scimdrift-cli",
        "-p",
        "scimdrift-sim",
    ];
    if release {
        args.push("--release");
    }
    crate::ci::run_cmd("cargo", &args)?;
    let dir = Path::new("target").join(if release { "release" } else { "debug" });
    Ok(Bins {
        scimdrift: dir.join("scimdrift"),
        sim: dir.join("scimdrift-sim"),
    })
}

fn start_sim(bins: &Bins, org: &Path, extra: &[&str]) -> Result<Sim> {
    let mut child = Command::new(&bins.sim)
        .arg("--org")
        .arg(org)
        .args(["--token", TOKEN])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start `{}`", bins.sim.display()))?;
    let stdout = child.stdout.take().context("no simulator stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line from the simulator: {line:?}"))?
        .to_owned();
    Ok(Sim { child, url })
}

/// Runs `scimdrift fetch`; returns the snapshot and the wall time in seconds.
fn fetch(bins: &Bins, url: &str, out: &Path, extra: &[&str]) -> Result<(Snapshot, f64)> {
    let started = Instant::now();
    let status = Command::new(&bins.scimdrift)
        .args(["fetch", "--quiet", "--base-url", url])
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("OMNI_API_TOKEN", TOKEN)
        .status()
        .context("cannot run scimdrift")?;
    let wall = started.elapsed().as_secs_f64();
    ensure!(
        status.code() == Some(0),
        "scimdrift fetch {extra:?} exited {status}"
    );
    let snapshot = serde_json::from_slice(&std::fs::read(out)?)?;
    Ok((snapshot, wall))
}

fn gen_org(spec: &OrgSpec, path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::fs::File::create(path)?;
    write_org(spec, std::io::BufWriter::new(file))?;
    Ok(())
}

fn arg_usize(it: &mut impl Iterator<Item = String>, flag: &str, help: &str) -> Result<usize> {
    let v = it
        .next()
        .with_context(|| format!("`{flag}` needs a value\n\n{help}"))?;
    v.replace('_', "")
        .parse()
        .with_context(|| format!("`{flag}`: `{v}` is not a whole number"))
}

pub fn roundtrip(args: &[String]) -> Result<()> {
    let mut spec = OrgSpec {
        users: 2000,
        embed_users: 100_000,
        groups: 300,
        seed: 4,
    };
    let mut release = true;
    let mut it = args.iter().cloned();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--users" => spec.users = arg_usize(&mut it, &flag, ROUNDTRIP_HELP)?,
            "--embed-users" => spec.embed_users = arg_usize(&mut it, &flag, ROUNDTRIP_HELP)?,
            "--groups" => spec.groups = arg_usize(&mut it, &flag, ROUNDTRIP_HELP)?,
            "--debug" => release = false,
            "-h" | "--help" => bail!("{ROUNDTRIP_HELP}"),
            other => bail!("unknown argument `{other}`\n\n{ROUNDTRIP_HELP}"),
        }
    }
    let bins = build(release)?;
    let dir = Path::new("target/fetch-roundtrip");
    let org_path = dir.join("org.json");
    gen_org(&spec, &org_path)?;
    let org: Snapshot = serde_json::from_slice(&std::fs::read(&org_path)?)?;
    const MAX_PAGE: usize = 1000;
    let sim = start_sim(
        &bins,
        &org_path,
        &[
            "--rate-limit",
            "off",
            "--max-page-size",
            &MAX_PAGE.to_string(),
        ],
    )?;
    let out = dir.join("snapshot.json");
    let (snapshot, wall) = fetch(&bins, &sim.url, &out, &["--rate-limit", "1000000/min"])?;
    drop(sim);

    ensure!(
        snapshot.complete,
        "incomplete: {:?}",
        snapshot.incomplete_reasons
    );
    for (name, got, want) in [
        ("groups", &snapshot.groups, &org.groups),
        ("users", &snapshot.users, &org.users),
        ("embed_users", &snapshot.embed_users, &org.embed_users),
    ] {
        ensure!(
            got.len() == want.len(),
            "{name}: {} read, {} in the org",
            got.len(),
            want.len()
        );
        ensure!(
            got.windows(2).all(|w| w[0].id() < w[1].id()),
            "{name}: not sorted by id"
        );
        let mut want_sorted: Vec<_> = want.iter().collect();
        want_sorted.sort_by(|a, b| a.id().cmp(b.id()));
        for (g, w) in got.iter().zip(want_sorted) {
            ensure!(
                g.id() == w.id(),
                "{name}: `{}` where `{}` was expected",
                g.id(),
                w.id()
            );
            ensure!(g == w, "{name}: `{}` differs", g.id());
        }
    }
    let pages = |n: usize| n.div_ceil(MAX_PAGE).max(1) as u64;
    let minimum = pages(org.groups.len()) + pages(org.users.len()) + pages(org.embed_users.len());
    ensure!(
        snapshot.stats.requests == minimum,
        "{} requests, the minimum is {minimum}",
        snapshot.stats.requests
    );
    eprintln!(
        "fetch-roundtrip ok: {} groups, {} users, {} embed users reproduced exactly in {} requests (the minimum), {:.2} s",
        org.groups.len(),
        org.users.len(),
        org.embed_users.len(),
        snapshot.stats.requests,
        wall
    );
    Ok(())
}

/// One measured configuration.
struct Row {
    scenario: &'static str,
    client: &'static str,
    requests: u64,
    rate_limited: u64,
    median_s: f64,
    bound_s: f64,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

pub fn bench(args: &[String]) -> Result<()> {
    let mut runs = 3usize;
    let mut it = args.iter().cloned();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--runs" => runs = arg_usize(&mut it, &flag, BENCH_HELP)?.max(1),
            "-h" | "--help" => bail!("{BENCH_HELP}"),
            other => bail!("unknown argument `{other}`\n\n{BENCH_HELP}"),
        }
    }
    let bins = build(true)?;
    let dir = Path::new("target/bench-fetch");
    let org_path = dir.join("org.json");
    let spec = OrgSpec {
        users: 1000,
        embed_users: 6000,
        groups: 100,
        seed: 9,
    };
    gen_org(&spec, &org_path)?;
    // The simulator's budget: 8 requests per second (480/min) in a bucket of 8,
    // so no client can borrow from a large initial burst; the client runs at
    // the same rate.
    const SIM_RATE: &str = "8/s";
    const CLIENT_RATE: &str = "480/min";
    const PER_SEC: f64 = 8.0;
    // (scenario, latency ms, server page cap, [(client, extra flags)]).
    type Client = (&'static str, &'static [&'static str]);
    let scenarios: [(&str, &str, &str, [Client; 2]); 3] = [
        (
            "latency 50 ms, server page cap 100",
            "50",
            "100",
            [
                (
                    "scimdrift (defaults: --page-size auto, --concurrency 4)",
                    &[],
                ),
                (
                    "sequential page-by-page (--concurrency 1 --page-size 100)",
                    &["--concurrency", "1", "--page-size", "100"],
                ),
            ],
        ),
        (
            "latency 300 ms, server page cap 100",
            "300",
            "100",
            [
                (
                    "scimdrift (defaults: --page-size auto, --concurrency 4)",
                    &[],
                ),
                (
                    "sequential page-by-page (--concurrency 1 --page-size 100)",
                    &["--concurrency", "1", "--page-size", "100"],
                ),
            ],
        ),
        (
            "latency 50 ms, server page cap 1000",
            "50",
            "1000",
            [
                ("scimdrift --page-size auto", &[]),
                ("scimdrift --page-size 100", &["--page-size", "100"]),
            ],
        ),
    ];
    let mut rows = Vec::new();
    for (scenario, latency, cap, clients) in scenarios {
        for (client, extra) in clients {
            let mut times = Vec::new();
            let mut last = None;
            for run in 0..runs {
                let sim = start_sim(
                    &bins,
                    &org_path,
                    &[
                        "--latency",
                        latency,
                        "--rate-limit",
                        SIM_RATE,
                        "--max-page-size",
                        cap,
                    ],
                )?;
                let mut args = vec!["--rate-limit", CLIENT_RATE];
                args.extend_from_slice(extra);
                let (snapshot, wall) = fetch(&bins, &sim.url, &dir.join("snapshot.json"), &args)?;
                ensure!(snapshot.complete, "{scenario} / {client}: incomplete");
                eprintln!(
                    "{scenario} / {client} run {}: {wall:.2} s, {} requests",
                    run + 1,
                    snapshot.stats.requests
                );
                times.push(wall);
                last = Some(snapshot.stats);
            }
            let stats = last.context("no run")?;
            rows.push(Row {
                scenario,
                client,
                requests: stats.requests,
                rate_limited: stats.rate_limited,
                median_s: median(times),
                bound_s: stats.requests as f64 / PER_SEC,
            });
        }
    }
    let section = render(&rows, runs, &spec);
    eprint!("{section}");
    crate::benchmarks_md::write_section(
        std::path::Path::new("BENCHMARKS.md"),
        "## Fetch",
        &section,
    )?;
    eprintln!("wrote the `## Fetch` section of BENCHMARKS.md");
    Ok(())
}

fn render(rows: &[Row], runs: usize, spec: &OrgSpec) -> String {
    let mut s = String::new();
    s.push_str("## Fetch\n\n");
    s.push_str(&format!(
        "`scimdrift fetch` (release) against `scimdrift-sim` serving a `gen-org` org of {} users, {} embed users and {} groups over loopback. \
The simulator allows 8 requests/s (480/min) from a bucket of 8 and adds the stated latency to every answer; \
the client's `--rate-limit` is the same 480/min. The **bound** is requests ÷ rate: no client that stays within the \
limit can be faster. Times are wall-clock medians of {runs} runs, each against a fresh simulator, measured in the same run of:\n\n",
        spec.users, spec.embed_users, spec.groups
    ));
    s.push_str("```sh\ncargo xtask bench-fetch --runs ");
    s.push_str(&runs.to_string());
    s.push_str("\n```\n\n");
    s.push_str("| scenario | client | requests | 429s | median | bound | median ÷ bound | ÷ first row of scenario |\n");
    s.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    let mut first_of: Option<(&str, f64)> = None;
    for r in rows {
        let base = match first_of {
            Some((scenario, t)) if scenario == r.scenario => t,
            _ => {
                first_of = Some((r.scenario, r.median_s));
                r.median_s
            }
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} s | {:.2} s | {:.2}× | {:.2}× |\n",
            r.scenario,
            r.client,
            r.requests,
            r.rate_limited,
            r.median_s,
            r.bound_s,
            r.median_s / r.bound_s,
            r.median_s / base
        ));
    }
    s.push_str(
        "\nReading it: with pages capped at 100 the request count is fixed, and scimdrift finishes at the bound (the rate limit, not latency, \
sets the pace because pages are fetched concurrently within it). A sequential client matches it only while one round trip is shorter than \
the request interval (125 ms); at 300 ms latency it falls behind by the latency ÷ interval ratio. When the server allows large pages, \
`--page-size auto` asks for one large page first and needs far fewer requests, which is what the rate limit actually charges for.\n\n",
    );
    s
}
