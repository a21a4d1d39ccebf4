//! `cargo xtask bench-filter`: the filter engine's criterion bench and the
//! scim2-models baseline, run back to back on the same machine and inputs;
//! writes the `## Filter engine` section of `BENCHMARKS.md`.

use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const SECTION: &str = "## Filter engine (scimdrift-proto)";
const BENCH_DIR: &str = "crates/scimdrift-proto/benches";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn output(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .with_context(|| format!("cannot start `{program}`"))?;
    if !out.status.success() {
        bail!(
            "`{program} {}` failed ({}):\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Criterion's median for one benchmark, in nanoseconds.
fn criterion_median(target: &Path, group: &str, name: &str) -> Result<f64> {
    let path = target
        .join("criterion")
        .join(group)
        .join(name)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let v: Value = serde_json::from_str(&text)?;
    v["median"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("no median in `{}`", path.display()))
}

fn fmt_ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.1} µs", ns / 1_000.0)
    } else {
        format!("{:.2} ms", ns / 1_000_000.0)
    }
}

fn filters() -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(root().join(BENCH_DIR).join("filters.txt"))?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect())
}

/// Runs both benchmarks and rewrites the section.
pub fn run(_args: &[String]) -> Result<()> {
    let baseline_script = format!("{BENCH_DIR}/scim2_models_baseline.py");
    let scim2_version = output(
        "python3",
        &[
            "-c",
            "import importlib.metadata as m; print(m.version('scim2-models'))",
        ],
    )
    .context("the baseline needs PyPI scim2-models: `pip install scim2-models`")?;
    crate::ci::run_cmd(
        "cargo",
        &[
            "bench",
            "-p",
            "scimdrift-proto",
            "--bench",
            "filter",
            "--",
            "--warm-up-time",
            "1",
            "--measurement-time",
            "3",
            "--noplot",
        ],
    )?;
    eprintln!("$ python3 {baseline_script}");
    let baseline: Value = serde_json::from_str(&output("python3", &[&baseline_script])?)
        .context("the baseline printed no JSON")?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let rustc = output("rustc", &["--version"])?;
    let python = output("python3", &["--version"])?;
    let cpu = output("sh", &["-c", "nproc; uname -sm"])?.replace('\n', " cores, ");
    // Other jobs on the machine slow both sides alike but add noise: say so.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());

    let mut s = String::new();
    writeln!(s, "{SECTION}\n")?;
    writeln!(
        s,
        "Reproduce with `pip install scim2-models && cargo xtask bench-filter` (writes this section).\n\
         Both sides run back to back on the same machine ({cpu}; {rustc}; {python}, scim2-models {scim2_version}),\n\
         on the same filters (`{BENCH_DIR}/filters.txt`) and resource (`{BENCH_DIR}/user.json`).\n\
         Load average when the run ended: {load} (the figures are noisy when the machine is shared).\n\
         Figures are medians (criterion for Rust, 7 `timeit` repeats for Python). The baseline is\n\
         `ScimFilter[User](text)` to parse and `.match(user)` to evaluate on an already-validated `User`;\n\
         ours is `Filter::parse(text)` and `.evaluate(&serde_json::Value)`.\n"
    )?;
    writeln!(
        s,
        "| filter | parse | evaluate | parse + evaluate | scim2-models parse + evaluate | ratio (parse + evaluate) | ratio (evaluate) |"
    )?;
    writeln!(s, "|---|---|---|---|---|---|---|")?;
    let mut worst = f64::INFINITY;
    for (name, text) in filters()? {
        let parse = criterion_median(&target, "parse", &name)?;
        let eval = criterion_median(&target, "evaluate", &name)?;
        let both = criterion_median(&target, "parse_evaluate", &name)?;
        let theirs = &baseline[&name];
        let (Some(t_both), Some(t_eval)) = (
            theirs["parse_evaluate_ns"].as_f64(),
            theirs["evaluate_ns"].as_f64(),
        ) else {
            bail!("the baseline has no figures for `{name}`");
        };
        worst = worst.min(t_both / both);
        writeln!(
            s,
            "| `{name}`: `{}` | {} | {} | {} | {} | {:.0}× | {:.0}× |",
            text.replace('|', "\\|"),
            fmt_ns(parse),
            fmt_ns(eval),
            fmt_ns(both),
            fmt_ns(t_both),
            t_both / both,
            t_eval / eval,
        )?;
    }
    writeln!(
        s,
        "\nSmallest parse + evaluate ratio: **{worst:.0}×** (target: at least 50×).\n"
    )?;
    writeln!(
        s,
        "Entity-scoped selectors on a realistic embed user (`{BENCH_DIR}/embed_user.json`), compiled once:\n"
    )?;
    writeln!(
        s,
        "| selector | ns per evaluation | evaluations per second |"
    )?;
    writeln!(s, "|---|---|---|")?;
    for name in [
        "entity_hit",
        "entity_miss",
        "entity_and_group",
        "extension_attribute",
    ] {
        let ns = criterion_median(&target, "evaluate_embed", name)?;
        writeln!(s, "| `{name}` | {ns:.0} | {:.1} M |", 1_000.0 / ns)?;
    }

    let path = root().join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let new = replace_section(&old, &s);
    std::fs::write(&path, new)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Replaces the `SECTION` heading and its body (up to the next `## `), or
/// appends it.
fn replace_section(doc: &str, section: &str) -> String {
    let Some(start) = doc.find(SECTION) else {
        let mut out = doc.trim_end().to_owned();
        out.push_str("\n\n");
        out.push_str(section);
        return out;
    };
    let after = start + SECTION.len();
    let end = doc[after..]
        .find("\n## ")
        .map_or(doc.len(), |i| after + i + 1);
    format!("{}{}{}", &doc[..start], section, &doc[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_is_replaced_in_place() {
        let doc = format!("# B\n\n## Other\nx\n\n{SECTION}\nold\n\n## Last\ny\n");
        let out = replace_section(&doc, &format!("{SECTION}\nnew\n\n"));
        assert_eq!(
            out,
            format!("# B\n\n## Other\nx\n\n{SECTION}\nnew\n\n## Last\ny\n")
        );
        let out = replace_section("# B\n", &format!("{SECTION}\nnew\n"));
        assert_eq!(out, format!("# B\n\n{SECTION}\nnew\n"));
    }
}
