//! `cargo xtask bench-hot`: the criterion benches of the engine's hot paths
//! (`crates/scimdrift-reconcile/benches/engine.rs`) and of the renderers
//! (`crates/scimdrift-render/benches/render.rs`) on one workload; writes the
//! `## Hot paths (criterion)` section of BENCHMARKS.md.

use crate::flags;
use crate::util;
use crate::util::criterion::{self, fmt_ns};
use anyhow::{Context as _, Result, bail};
use scimdrift_sim::orggen::BenchWorkload;
use std::fmt::Write as _;

const SECTION: &str = "## Hot paths (criterion)";

const ENGINE: [&str; 4] = ["decode", "index", "rules", "check"];
const FORMATS: [&str; 7] = [
    "human", "json", "markdown", "sarif", "junit", "github", "csv",
];

pub fn run(opts: &flags::BenchHot) -> Result<()> {
    let mut size = opts.size.name().to_owned();
    let mut quick = opts.quick;
    let meta_path = criterion::dir().join("bench-hot.json");
    let (load, commit) = if !opts.no_run {
        let commit = util::commit();
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
    let measured = criterion::throughput("engine", "decode")?;
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
         Workload {size}: the `scimdrift_sim::orggen` org of `cargo xtask bench-engine` ({} users, {} embed users, {} groups; seed {})\n\
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
        let ns = criterion::median_ns("engine", name)?;
        engine.push(ns);
        writeln!(
            s,
            "| `engine/{name}` | {what} | {} | {} |",
            fmt_ns(ns),
            fmt_ns(ns / identities)
        )?;
    }
    writeln!(s)?;
    let findings = criterion::throughput("render", "json")?;
    writeln!(
        s,
        "Rendering the report of that check ({findings} findings) with `scimdrift_render::render` (default options):\n"
    )?;
    writeln!(s, "| benchmark | median per report | per finding |")?;
    writeln!(s, "|---|---:|---:|")?;
    let mut render = Vec::new();
    for name in FORMATS {
        let ns = criterion::median_ns("render", name)?;
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

    let path = util::root().join("BENCHMARKS.md");
    util::benchmarks_md::write_section(&path, SECTION, &s)?;
    eprintln!(
        "bench-hot: wrote the `{SECTION}` section of {}",
        path.display()
    );
    Ok(())
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
        util::run(util::cargo(&args).env("SCIMDRIFT_BENCH_SIZE", size))?;
    }
    Ok(util::load_average())
}
