//! `cargo xtask bench-fetch`: `scimdrift fetch` (release) against
//! `scimdrift-sim` with latency and a rate limit, against the rate-limit bound
//! and a sequential client measured in the same run, and with 1, 2 and 4 API
//! keys against a simulator limiting each key; writes `## Fetch` in
//! BENCHMARKS.md.

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
    section.push_str(&economy_section());
    eprint!("{section}");
    util::benchmarks_md::write_section(&util::root().join("BENCHMARKS.md"), "## Fetch", &section)?;
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

/// Requests of a full fetch at page size `page`: every page, plus one
/// end-of-list confirmation for each kind whose last page is full (asserted
/// on a smaller org by `scimdrift-fetch`
/// `economy::a_refresh_of_three_groups_costs_three_requests_plus_unknown_members`).
fn full_fetch_requests(counts: &[u64], page: u64) -> u64 {
    counts
        .iter()
        .map(|&n| n.div_ceil(page).max(1) + u64::from(n > 0 && n % page == 0))
        .sum()
}

/// Wall time of `requests` at `per_min`, the first request sent at once.
fn at_rate(requests: u64, per_min: f64) -> String {
    let secs = requests.saturating_sub(1) as f64 * 60.0 / per_min;
    if secs >= 3600.0 {
        format!(
            "{:.0} h {:02.0} min",
            (secs / 3600.0).floor(),
            (secs % 3600.0) / 60.0
        )
    } else if secs >= 60.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{secs:.1} s")
    }
}

/// The request economy of `check --refresh` on the L workload, computed
/// from the request-count formulas the fetch tests assert.
fn economy_section() -> String {
    let (groups, users, embed) = (5_000u64, 50_000u64, 1_000_000u64);
    let page = 100;
    let full = full_fetch_requests(&[groups, users, embed], page);
    let every_group = full_fetch_requests(&[groups], page);
    let mut s = String::new();
    s.push_str(&format!(
        "### Targeted refresh: request economy on L (computed)\n\n\
Workload L: {groups} groups, {users} users, {embed} embed users, pages of {page} (Omni's default). These figures are **computed, \
not measured**: request counts are arithmetic given the page size (every page, plus one end-of-list confirmation per kind whose \
last page is full), and the wall time at the default `--rate-limit 50/min` is (requests − 1) ÷ 50 minutes for one key. \
The formulas are asserted against the simulator's request log on a smaller org (1000 users, 3000 embed users, 50 groups: \
43 requests for the full fetch, 6 for a refresh of 3 groups with one unknown user and one unknown embed user) by \
`scimdrift-fetch` `economy::a_refresh_of_three_groups_costs_three_requests_plus_unknown_members`, \
and the L numbers below by `economy::the_l_workload_figures_in_benchmarks_md`.\n\n"
    ));
    s.push_str("| run | requests | wall time, 1 key at 50/min | 4 keys at 50/min each |\n|---|---:|---:|---:|\n");
    let rows: [(&str, u64); 4] = [
        ("full fetch (`scimdrift fetch`, or `check` live)", full),
        (
            "`check --base … --snapshot … --refresh`, 3 exact group declarations changed, no unknown member",
            3,
        ),
        (
            "the same, with 2 new users and 1 new embed user in those groups (3 + 2 × 1 + 1 × 2)",
            7,
        ),
        (
            "`check --snapshot … --refresh` without `--base` (every group; users from the snapshot)",
            every_group,
        ),
    ];
    for (run, requests) in rows {
        s.push_str(&format!(
            "| {run} | {requests} | {} | {} |\n",
            at_rate(requests, 50.0),
            at_rate(requests, 200.0)
        ));
    }
    s.push_str(
        "\nA member the snapshot does not know costs one request if it is a user (`GET /users/{id}`) and two if it is an embed user \
(`/users/{id}` answers 404 first); a refreshed name the server no longer lists costs one `GET /groups/{id}` per snapshot group of that name.\n\n",
    );
    s
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
    fn l_workload_economy_is_computed_from_the_formulas() {
        assert_eq!(
            full_fetch_requests(&[5_000, 50_000, 1_000_000], 100),
            10_553
        );
        assert_eq!(full_fetch_requests(&[50, 1000, 3000], 100), 43);
        assert_eq!(at_rate(10_553, 50.0), "3 h 31 min");
        assert_eq!(at_rate(3, 50.0), "2.4 s");
        let section = economy_section();
        assert!(
            section.contains("| 10553 | 3 h 31 min | 52.8 min |"),
            "{section}"
        );
        assert!(section.contains("| 3 | 2.4 s | 0.6 s |"), "{section}");
    }
}
