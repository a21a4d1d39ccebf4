//! `cargo xtask bench-fetch`: `scimdrift fetch` (release) against
//! `scimdrift-sim` with latency and a rate limit, against the rate-limit bound
//! and a sequential client measured in the same run, and with 1, 2 and 4 API
//! keys against a simulator limiting each key; writes `## Fetch` in
//! BENCHMARKS.md, carrying over the targeted-refresh subsection that
//! `cargo xtask bench-refresh` writes there.

use crate::flags;
use crate::util::{self, sim};
use anyhow::{Context as _, Result, ensure};
use scimdrift_sim::orggen::OrgSpec;

/// One measured configuration.
struct Row {
    scenario: &'static str,
    client: &'static str,
    requests: u64,
    rate_limited: u64,
    median_s: f64,
    bound_s: f64,
}

pub fn run(opts: &flags::BenchFetch) -> Result<()> {
    let runs = opts.runs;
    let bins = sim::build(true)?;
    let dir = util::target_dir().join("bench-fetch");
    let org_path = dir.join("org.json");
    let spec = OrgSpec {
        users: 1000,
        embed_users: 6000,
        groups: 100,
        seed: 9,
    };
    crate::gen_org::write(&spec, &org_path)?;
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
                let server = sim::start(
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
                let (snapshot, wall) =
                    sim::fetch(&bins, &server.url, &dir.join("snapshot.json"), &args)?;
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
                median_s: util::median(times).context("no run")?,
                bound_s: stats.requests as f64 / PER_SEC,
            });
        }
    }
    let keys = bench_keys(&bins, &dir, runs)?;
    let mut section = render(&rows, runs, &spec);
    section.push_str(&keys);
    let path = util::root().join("BENCHMARKS.md");
    section.push_str(&refresh_subsection(
        &std::fs::read_to_string(&path).unwrap_or_default(),
    ));
    eprint!("{section}");
    util::benchmarks_md::write_section(&path, "## Fetch", &section)?;
    eprintln!("wrote the `## Fetch` section of BENCHMARKS.md");
    Ok(())
}

/// One row of the several-keys table.
struct KeyRow {
    keys: usize,
    requests: u64,
    rate_limited: u64,
    median_s: f64,
    bound_s: f64,
}

/// The key counts measured.
const KEY_COUNTS: [usize; 3] = [1, 2, 4];

/// 1, 2 and 4 keys against a simulator that limits each key to 16
/// requests/s, the client at the same rate per key: the bound is requests ÷
/// (keys × rate). Returns the Markdown of that part of the section.
fn bench_keys(bins: &sim::Bins, dir: &std::path::Path, runs: usize) -> Result<String> {
    const SIM_RATE: &str = "16/s";
    const CLIENT_RATE: &str = "960/min";
    const PER_SEC: f64 = 16.0;
    const LATENCY: &str = "50";
    const CONCURRENCY: &str = "8";
    let spec = OrgSpec {
        users: 1000,
        embed_users: 20_000,
        groups: 100,
        seed: 11,
    };
    let org_path = dir.join("org-keys.json");
    crate::gen_org::write(&spec, &org_path)?;
    let tokens: Vec<String> = (1..=4).map(|i| format!("xtask-bench-key-{i}")).collect();
    let mut rows = Vec::new();
    for keys in KEY_COUNTS {
        let mine: Vec<&str> = tokens[..keys].iter().map(String::as_str).collect();
        let token_file = dir.join(format!("keys-{keys}"));
        std::fs::write(
            &token_file,
            format!("# {keys} bench keys\n{}\n", mine.join("\n")),
        )?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600))?;
        }
        let mut times = Vec::new();
        let mut last = None;
        for run in 0..runs {
            // The simulator knows all four keys; the client uses `keys` of them.
            let all: Vec<&str> = tokens.iter().map(String::as_str).collect();
            let server = sim::start_with_tokens(
                bins,
                &org_path,
                &all,
                &[
                    "--latency",
                    LATENCY,
                    "--rate-limit",
                    SIM_RATE,
                    "--max-page-size",
                    "100",
                ],
            )?;
            let (snapshot, wall) = sim::fetch_with_keys(
                bins,
                &server.url,
                &dir.join("snapshot-keys.json"),
                &token_file,
                &[
                    "--rate-limit",
                    CLIENT_RATE,
                    "--page-size",
                    "100",
                    "--concurrency",
                    CONCURRENCY,
                ],
            )?;
            ensure!(snapshot.complete, "{keys} key(s): incomplete");
            eprintln!(
                "{keys} key(s) run {}: {wall:.2} s, {} requests, {} rate-limited",
                run + 1,
                snapshot.stats.requests,
                snapshot.stats.rate_limited
            );
            times.push(wall);
            last = Some(snapshot.stats);
        }
        let stats = last.context("no run")?;
        rows.push(KeyRow {
            keys,
            requests: stats.requests,
            rate_limited: stats.rate_limited,
            median_s: util::median(times).context("no run")?,
            bound_s: stats.requests as f64 / (keys as f64 * PER_SEC),
        });
    }
    for r in &rows {
        if r.rate_limited > 0 || r.median_s > r.bound_s * 1.05 {
            eprintln!(
                "warning: {} key(s): {} 429s, {:.2}× the bound (want 0 and at most 1.05×)",
                r.keys,
                r.rate_limited,
                r.median_s / r.bound_s
            );
        }
    }
    let mut s = String::new();
    s.push_str(&format!(
        "### Several API keys\n\nThe same release binary against a simulator that limits **each key** to {PER_SEC} requests/s \
(`--rate-limit {SIM_RATE}`, one bucket per key) with {LATENCY} ms latency and pages capped at 100, serving a `gen-org` org of {} users, \
{} embed users and {} groups. The client runs at `--rate-limit {CLIENT_RATE}` per key with `--page-size 100 --concurrency {CONCURRENCY}` and the keys \
of one token file. The **bound** is requests ÷ (keys × rate). Medians of {runs} runs, same command as above.\n\n",
        spec.users, spec.embed_users, spec.groups
    ));
    s.push_str("| keys | requests | 429s | median | bound | median ÷ bound | ÷ 1 key |\n");
    s.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    let one = rows.first().map_or(1.0, |r| r.median_s);
    for r in &rows {
        s.push_str(&format!(
            "| {} | {} | {} | {:.2} s | {:.2} s | {:.2}× | {:.2}× |\n",
            r.keys,
            r.requests,
            r.rate_limited,
            r.median_s,
            r.bound_s,
            r.median_s / r.bound_s,
            r.median_s / one
        ));
    }
    s.push_str(
        "\nReading it: each key has its own limiter and every request goes to the key whose next slot comes first, so N keys \
fetch N times as fast without a single 429; the request count does not change with the number of keys.\n\n",
    );
    Ok(s)
}

/// The targeted-refresh subsection `cargo xtask bench-refresh` writes under
/// `## Fetch`, carried over from `doc` (the current BENCHMARKS.md), or a line
/// saying how to measure it.
fn refresh_subsection(doc: &str) -> String {
    util::benchmarks_md::subsection(doc, "## Fetch", crate::bench_refresh::HEADING_PREFIX)
        .map_or_else(
            || {
                format!(
                    "{}\n\nNot measured yet: run `cargo xtask bench-refresh`.\n\n",
                    crate::bench_refresh::HEADING
                )
            },
            str::to_owned,
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refresh_subsection_is_carried_over() {
        let doc = format!(
            "# B\n\n## Fetch\nold\n\n{}\nmeasured\n\n## Hot paths\nx\n",
            crate::bench_refresh::HEADING
        );
        assert_eq!(
            refresh_subsection(&doc),
            format!("{}\nmeasured\n\n", crate::bench_refresh::HEADING)
        );
        let missing = refresh_subsection("# B\n\n## Fetch\nold\n");
        assert!(
            missing.starts_with(crate::bench_refresh::HEADING),
            "{missing}"
        );
        assert!(missing.contains("cargo xtask bench-refresh"), "{missing}");
    }
}
