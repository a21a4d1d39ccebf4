//! `cargo xtask bench-hot`: the criterion benches of the engine's hot paths
//! (`crates/scimdrift-reconcile/benches/engine.rs`) and of the renderers
//! (`crates/scimdrift-render/benches/render.rs`) on one workload; writes the
//! `## Hot paths (criterion)` section of BENCHMARKS.md.
//!
//! `cargo xtask bench`: every benchmark task in sequence (or the ones named
//! with `--only`), `--quick` for a short smoke run of each.

use crate::bench_filter::{criterion_median, fmt_ns};
use anyhow::{Context as _, Result, bail};
use scimdrift_sim::r#gen::BenchWorkload;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const SECTION: &str = "## Hot paths (criterion)";

pub const HOT_HELP: &str = "\
cargo xtask bench-hot [--size S|M|L] [--quick] [--no-run]

Runs the criterion benches of the hot paths on one generated workload
(SCIMDRIFT_BENCH_SIZE; default M): engine/decode, engine/index, engine/rules,
engine/check (`cargo bench -p scimdrift-reconcile --bench engine`) and
render/<format> for every report format (`cargo bench -p scimdrift-render
--bench render`), then writes the medians to the `## Hot paths (criterion)`
section of BENCHMARKS.md. --quick: 1 s warm-up and 3 s of measurement per
benchmark instead of criterion's defaults. --no-run: rewrite the section from
the last run's results (target/criterion) without running anything.
";

pub const BENCH_HELP: &str = "\
cargo xtask bench [--quick] [--only filter,engine,fetch,hot]

Every benchmark task in sequence, each writing its section of BENCHMARKS.md:
bench-filter (needs `pip install scim2-models`), bench-engine, bench-fetch,
bench-hot. --only picks a subset. --quick makes each cheap (a smoke run, not
figures to publish): bench-engine --sizes S --runs 1, bench-fetch --runs 1,
bench-hot --size S --quick; bench-filter has no quick mode and runs as usual.
";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const ENGINE: [&str; 4] = ["decode", "index", "rules", "check"];
const FORMATS: [&str; 7] = [
    "human", "json", "markdown", "sarif", "junit", "github", "csv",
];

pub fn hot(args: &[String]) -> Result<()> {
    let mut size = "M".to_owned();
    let mut quick = false;
    let mut run = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size" => size = it.next().context("--size needs a value")?.clone(),
            "--quick" => quick = true,
            "--no-run" => run = false,
            "-h" | "--help" => bail!("{HOT_HELP}"),
            other => bail!("unknown argument `{other}`\n\n{HOT_HELP}"),
        }
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let meta_path = target.join("criterion/bench-hot.json");
    let (load, commit) = if run {
        BenchWorkload::named(&size)
            .with_context(|| format!("unknown size `{size}` (expected S, M or L)"))?;
        let commit = commit();
        let load = run_benches(&size, quick)?;
        let meta =
            serde_json::json!({"size": size, "quick": quick, "load": load, "commit": commit});
        std::fs::write(&meta_path, serde_json::to_string_pretty(&meta)?)?;
        (load, commit)
    } else {
        let text = std::fs::read_to_string(&meta_path).with_context(|| {
            format!(
                "cannot read `{}`: run `cargo xtask bench-hot` first",
                meta_path.display()
            )
        })?;
        let meta: serde_json::Value = serde_json::from_str(&text)?;
        size = meta["size"].as_str().unwrap_or("?").to_owned();
        quick = meta["quick"].as_bool().unwrap_or(false);
        (
            meta["load"].as_str().unwrap_or("?").to_owned(),
            meta["commit"].as_str().unwrap_or("unknown").to_owned(),
        )
    };
    let w = BenchWorkload::named(&size)
        .with_context(|| format!("unknown size `{size}` (expected S, M or L)"))?;
    let identities = w.org.users + w.org.embed_users;
    let measured = criterion_throughput(&target, "engine", "decode")?;
    if usize::try_from(measured).ok() != Some(identities) {
        bail!(
            "the last engine results are for {measured} identities, not workload {size}'s {identities}: run without --no-run"
        );
    }
    let identities = identities as f64;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let command = match (size.as_str(), quick) {
        ("M", false) => "cargo xtask bench-hot".to_owned(),
        (_, false) => format!("cargo xtask bench-hot --size {size}"),
        (_, true) => format!("cargo xtask bench-hot --size {size} --quick"),
    };

    let mut s = String::new();
    writeln!(s, "{SECTION}\n")?;
    writeln!(
        s,
        "Reproduce with `{command}` (writes this section; `SCIMDRIFT_BENCH_SIZE={size} cargo bench -p scimdrift-reconcile --bench engine` \
         and `-p scimdrift-render --bench render` run the benches alone).\n\
         Workload {size}: the `scimdrift_sim::r#gen` org of `cargo xtask bench-engine` ({} users, {} embed users, {} groups; seed {})\n\
         and its policy set ({} rules, {} exceptions), generated in memory; measured at commit `{commit}`. Machine: {cores} cores, Linux x86_64; load average when the run ended: {load}\n\
         (a shared machine: figures are noisy). Criterion medians{}; decode runs on every core (rayon), like `check`.\n\
         CI runs each benchmark once on S in test mode (`cargo test --bench '*'`), which checks its result.\n",
        w.org.users,
        w.org.embed_users,
        w.org.groups,
        w.org.seed,
        w.rules,
        w.exceptions,
        if quick {
            " (--quick: 1 s warm-up, 3 s measurement)"
        } else {
            ""
        },
    )?;
    writeln!(s, "| benchmark | what it times | median | per identity |")?;
    writeln!(s, "|---|---|---:|---:|")?;
    let mut engine = Vec::new();
    for (name, what) in ENGINE.iter().zip([
        "`Snapshot::from_json_bytes` of the serialized org (ids and core attributes)",
        "`phases::index`: identities by id, name and external id, memberships resolved",
        "`Indexed::evaluate_rules`: every subject rule on every subject (index built beforehand)",
        "`check` end to end: index, declarations, rules, separation of duties, exceptions, sorted report",
    ]) {
        let ns = criterion_median(&target, "engine", name)?;
        engine.push(ns);
        writeln!(
            s,
            "| `engine/{name}` | {what} | {} | {} |",
            fmt_ns(ns),
            fmt_ns(ns / identities)
        )?;
    }
    writeln!(s)?;
    let findings = criterion_throughput(&target, "render", "json")?;
    writeln!(
        s,
        "Rendering the report of that check ({findings} findings) with `scimdrift_render::render` (default options):\n"
    )?;
    writeln!(s, "| benchmark | median per report | per finding |")?;
    writeln!(s, "|---|---:|---:|")?;
    let mut render = Vec::new();
    for name in FORMATS {
        let ns = criterion_median(&target, "render", name)?;
        render.push((ns, name));
        writeln!(
            s,
            "| `render/{name}` | {} | {} |",
            fmt_ns(ns),
            fmt_ns(ns / findings.max(1) as f64)
        )?;
    }
    writeln!(s)?;
    if let (&[decode, index, rules, check], Some(json), Some((slowest, slowest_name))) = (
        &engine[..],
        render.iter().find(|(_, n)| *n == "json").map(|(ns, _)| *ns),
        render.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0)),
    ) {
        writeln!(
            s,
            "Reading it: `check` (decoding excluded) takes {:.1}× `decode`, and `scimdrift check --snapshot` pays both \
             ({} per identity); index and rule evaluation are {:.0}% of `check`. The slowest renderer, \
             `{slowest_name}`, takes {:.1}× the time of `json` for the same findings. `markdown` is cut under \
             65,536 bytes and `github` stops at GitHub's annotation limits, so their per-finding figures do not \
             compare with the others'.\n",
            check / decode,
            fmt_ns((decode + check) / identities),
            (index + rules) / check * 100.0,
            slowest / json,
        )?;
    }

    let path = root().join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    std::fs::write(
        &path,
        crate::benchmarks_md::replace_section(&old, SECTION, &s),
    )?;
    eprintln!(
        "bench-hot: wrote the `{SECTION}` section of {}",
        path.display()
    );
    Ok(())
}

/// The commit being measured (`-dirty` with uncommitted changes).
fn commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match (
        git(&["rev-parse", "--short", "HEAD"]),
        git(&["status", "--porcelain", "--untracked-files=no"]),
    ) {
        (Some(head), Some(status)) if status.is_empty() => head,
        (Some(head), Some(_)) => format!("{head}-dirty"),
        _ => "unknown".to_owned(),
    }
}

/// Runs both benches on workload `size`; returns the 1-minute load average
/// when they ended.
fn run_benches(size: &str, quick: bool) -> Result<String> {
    let timing: &[&str] = if quick {
        &["--warm-up-time", "1", "--measurement-time", "3"]
    } else {
        &[]
    };
    for (package, bench) in [
        ("scimdrift-reconcile", "engine"),
        ("scimdrift-render", "render"),
    ] {
        let mut args = vec!["bench", "-p", package, "--bench", bench, "--"];
        args.extend(timing);
        args.push("--noplot");
        eprintln!("$ SCIMDRIFT_BENCH_SIZE={size} cargo {}", args.join(" "));
        let status = Command::new("cargo")
            .args(&args)
            .env("SCIMDRIFT_BENCH_SIZE", size)
            .current_dir(root())
            .status()
            .context("cannot start cargo")?;
        if !status.success() {
            bail!("`cargo {}` failed ({status})", args.join(" "));
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    Ok(load.split_whitespace().next().unwrap_or("?").to_owned())
}

/// The element count a benchmark declared as its throughput.
fn criterion_throughput(target: &Path, group: &str, name: &str) -> Result<u64> {
    let path = target
        .join("criterion")
        .join(group)
        .join(name)
        .join("new/benchmark.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    v["throughput"]["Elements"]
        .as_u64()
        .with_context(|| format!("no element throughput in `{}`", path.display()))
}

pub fn all(args: &[String]) -> Result<()> {
    let mut quick = false;
    let mut only: Vec<String> = ["filter", "engine", "fetch", "hot"]
        .map(str::to_owned)
        .to_vec();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--only" => {
                only = it
                    .next()
                    .context("--only needs a value")?
                    .split(',')
                    .map(str::to_owned)
                    .collect();
            }
            "-h" | "--help" => bail!("{BENCH_HELP}"),
            other => bail!("unknown argument `{other}`\n\n{BENCH_HELP}"),
        }
    }
    if let Some(bad) = only
        .iter()
        .find(|t| !["filter", "engine", "fetch", "hot"].contains(&t.as_str()))
    {
        bail!("unknown benchmark `{bad}` (expected filter, engine, fetch, hot)\n\n{BENCH_HELP}");
    }
    let args = |full: &[&str], short: &[&str]| -> Vec<String> {
        (if quick { short } else { full })
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    };
    for task in &only {
        eprintln!("bench: {task}");
        match task.as_str() {
            "filter" => crate::bench_filter::run(&[])?,
            "engine" => {
                crate::engine_bench::run(&args(&[], &["--sizes", "S", "--runs", "1"]))?;
            }
            "fetch" => crate::fetch_tasks::bench(&args(&[], &["--runs", "1"]))?,
            _ => hot(&args(&[], &["--size", "S", "--quick"]))?,
        }
    }
    Ok(())
}
