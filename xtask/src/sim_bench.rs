//! `cargo xtask sim-bench`: how the simulator copes with a big org.
//!
//! Builds the release binaries, generates workload L (50k users, 1M embed
//! users, 5k groups) with `gen-org`, starts `scimdrift-sim` on it and measures
//! start-up (wall time to the `listening on` line, and the main thread's CPU
//! time), memory (VmRSS, VmHWM), and page latency at several offsets (median
//! of interleaved repetitions; the ratio to the first page shows whether
//! latency grows with the offset). Writes the `## Simulator` section of
//! `BENCHMARKS.md`.

use crate::flags;
use crate::util::{self, http};
use anyhow::{Context as _, Result, bail};
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "sim-bench-token";

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time of the process's main thread (where the org is loaded).
fn main_thread_cpu(pid: u32) -> Option<Duration> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/schedstat")).ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// One GET; returns the time to the complete answer.
fn timed_get(addr: SocketAddr, path: &str) -> Result<Duration> {
    let started = Instant::now();
    let answer = http::request(addr, TOKEN, "GET", path, None)?;
    let elapsed = started.elapsed();
    if answer.status != 200 {
        let start: String = answer.body.chars().take(200).collect();
        bail!("GET {path}: HTTP {}: {start}", answer.status);
    }
    Ok(elapsed)
}

/// The median of some durations.
fn median(samples: &[Duration]) -> Option<Duration> {
    util::median(samples.iter().map(Duration::as_secs_f64)).map(Duration::from_secs_f64)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

pub fn run(a: &flags::SimBench) -> Result<()> {
    util::run_cargo(&["build", "--release", "-p", "xtask", "-p", "scimdrift-sim"])?;
    let release = util::bin_dir(true);
    let dir = util::target_dir().join("sim-bench");
    std::fs::create_dir_all(&dir)?;
    let org = dir.join(format!(
        "org-{}-{}-{}.json",
        a.users, a.embed_users, a.groups
    ));

    // The release gen-org, timed: the figure is the generator's own speed.
    let gen_started = Instant::now();
    let status = crate::gen_org::release_command(&flags::GenOrg {
        users: usize::try_from(a.users)?,
        embed_users: usize::try_from(a.embed_users)?,
        groups: usize::try_from(a.groups)?,
        seed: 1,
        out: org.clone(),
    })
    .status()
    .context("cannot run gen-org")?;
    if !status.success() {
        bail!("gen-org failed ({status})");
    }
    let gen_time = gen_started.elapsed();
    let org_mib = std::fs::metadata(&org)?.len() as f64 / (1024.0 * 1024.0);

    let started = Instant::now();
    let mut child = Command::new(release.join("scimdrift-sim"))
        .arg("--org")
        .arg(&org)
        .args([
            "--token",
            TOKEN,
            "--rate-limit",
            "off",
            "--max-page-size",
            "1000",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start scimdrift-sim")?;
    let pid = child.id();
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out).read_line(&mut line)?;
    }
    let startup = started.elapsed();
    let cpu = main_thread_cpu(pid).unwrap_or_default();
    let rss = status_kib(pid, "VmRSS:").unwrap_or(0);
    let hwm = status_kib(pid, "VmHWM:").unwrap_or(0);
    let result = measure(&line, a);
    let _ = child.kill();
    let _ = child.wait();
    let rows = result?;

    let load = util::load_average();
    let mut md = String::new();
    md.push_str("## Simulator\n\n");
    md.push_str(&format!(
        "Reproduce: `cargo xtask sim-bench` (release build; workload {} users, {} embed users, {} groups, seed 1; \
         {} interleaved repetitions per row, medians; 1-minute load average at the end: {load} on a shared machine).\n\n",
        a.users, a.embed_users, a.groups, a.reps
    ));
    md.push_str("| measure | value |\n|---|---|\n");
    md.push_str(&format!(
        "| `gen-org` wall time | {:.1} s for {org_mib:.0} MiB |\n",
        gen_time.as_secs_f64()
    ));
    md.push_str(&format!(
        "| start-up to `listening on` (wall) | {:.2} s |\n",
        startup.as_secs_f64()
    ));
    md.push_str(&format!(
        "| start-up CPU time (main thread) | {:.2} s |\n",
        cpu.as_secs_f64()
    ));
    md.push_str(&format!(
        "| resident memory after start-up (VmRSS) | {} MiB |\n",
        rss / 1024
    ));
    md.push_str(&format!(
        "| peak resident memory (VmHWM) | {} MiB |\n\n",
        hwm / 1024
    ));
    md.push_str(
        "Start-up is one read of the file, one serde pass to find each resource, one probe per \
         resource for `id` and `meta.created`, a sort into creation order and a hash index; \
         resources stay slices of the file. On a loaded machine the wall time includes waiting \
         for a core; the main thread's CPU time is what it costs (target: under 10 s wall for \
         1M embed users). Paging slices a `Vec`, so the offset must not matter: compare the \
         ratios.\n\n",
    );
    md.push_str(
        "| page (`/embed/users`) | median latency (ms) | ratio to first page |\n|---|---|---|\n",
    );
    let base = rows.first().map(|r| r.1).unwrap_or_default();
    for (label, m) in &rows {
        let ratio = if base.is_zero() {
            0.0
        } else {
            m.as_secs_f64() / base.as_secs_f64()
        };
        md.push_str(&format!("| {label} | {} | {ratio:.2} |\n", ms(*m)));
    }
    md.push('\n');
    eprint!("{md}");
    if !a.no_write {
        util::benchmarks_md::write_section(
            &util::root().join("BENCHMARKS.md"),
            "## Simulator",
            &md,
        )?;
        eprintln!("updated BENCHMARKS.md");
    }
    Ok(())
}

fn measure(line: &str, a: &flags::SimBench) -> Result<Vec<(String, Duration)>> {
    let url = line
        .trim()
        .strip_prefix("listening on http://")
        .with_context(|| format!("unexpected first line {line:?}"))?;
    let url: SocketAddr = url
        .parse()
        .with_context(|| format!("`{url}` is not an address"))?;
    let n = a.embed_users.max(1);
    let mut cases: Vec<(String, String)> = Vec::new();
    for (count, starts) in [
        (
            100,
            vec![
                1,
                n / 4 + 1,
                n / 2 + 1,
                3 * n / 4 + 1,
                n.saturating_sub(99).max(1),
            ],
        ),
        (1000, vec![1, n.saturating_sub(999).max(1)]),
    ] {
        for s in starts {
            cases.push((
                format!("startIndex={s}, count={count}"),
                format!("/api/scim/v2/embed/users?startIndex={s}&count={count}"),
            ));
        }
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    // Warm-up, then interleave the cases so load changes hit all of them.
    for (_, path) in &cases {
        timed_get(url, path)?;
    }
    for _ in 0..a.reps {
        for (i, (_, path)) in cases.iter().enumerate() {
            samples[i].push(timed_get(url, path)?);
        }
    }
    cases
        .into_iter()
        .zip(samples)
        .map(|((label, _), s)| Ok((label, median(&s).context("no samples")?)))
        .collect()
}
