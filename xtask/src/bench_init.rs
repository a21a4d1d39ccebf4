//! `cargo xtask bench-init`: `scimdrift init --snapshot` on a generated org
//! (default M) against `scimdrift check` of the same snapshot, measured in
//! the same run; writes `## Init` in BENCHMARKS.md.

use crate::bench_engine::{Run, group_names, stats, timed, write_policies};
use crate::flags;
use crate::util::{self, median};
use anyhow::{Context as _, Result, bail, ensure};
use scimdrift_sim::orggen::BenchWorkload;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

const NOW: &str = "2027-01-01T00:00:00Z";

pub fn run(opts: &flags::BenchInit) -> Result<()> {
    let &flags::BenchInit {
        size,
        runs,
        debug,
        dry_run,
    } = opts;
    let mut args = vec!["build", "-p", "scimdrift-cli"];
    if !debug {
        args.push("--release");
    }
    util::run_cargo(&args)?;
    let scimdrift = util::bin_dir(!debug).join("scimdrift");
    let w = BenchWorkload::named(size.name())
        .with_context(|| format!("no workload `{}`", size.name()))?;
    // The same file bench-engine generates and times `check` on.
    let dir = util::target_dir().join("bench-engine").join(w.name);
    std::fs::create_dir_all(&dir)?;
    let org = dir.join("org.json");
    if !org.exists() {
        crate::gen_org::run(&flags::GenOrg {
            users: w.org.users,
            embed_users: w.org.embed_users,
            groups: w.org.groups,
            seed: w.org.seed,
            out: org.clone(),
        })?;
    }
    write_policies(w, &group_names(&scimdrift, &org)?, &dir)?;
    let mib = std::fs::metadata(&org)?.len() as f64 / 1_048_576.0;
    let adopted = dir.join("init-out");

    let init_cmd = || -> Result<Command> {
        if adopted.exists() {
            std::fs::remove_dir_all(&adopted)?;
        }
        let mut c = Command::new(&scimdrift);
        c.args(["init", "--now", NOW, "--snapshot"])
            .arg(&org)
            .arg("--out")
            .arg(&adopted);
        Ok(c)
    };
    let check_cmd = |policies: &Path| {
        let mut c = Command::new(&scimdrift);
        c.args(["check", "--now", NOW, "--format", "json", "--snapshot"])
            .arg(&org)
            .arg("--policies")
            .arg(policies);
        c
    };

    // Once untimed: init must succeed and its policies must check clean
    // (exit 0; generated orgs have dangling members, whose warnings no
    // policy can declare away).
    let out = init_cmd()?.stderr(Stdio::piped()).output()?;
    ensure!(
        out.status.success(),
        "scimdrift init failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // Paths in the summary relative to the repository, as a reader has them.
    let root = format!("{}/", util::root().display());
    let summary = String::from_utf8_lossy(&out.stderr).replace(&root, "");
    let clean = check_cmd(&adopted)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    ensure!(
        clean.code() == Some(0),
        "check of init's policies exited {clean}, not 0"
    );
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&adopted)? {
        let entry = entry?;
        files.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.metadata()?.len(),
        ));
    }
    files.sort();
    let total: u64 = files.iter().map(|(_, len)| len).sum();
    eprintln!(
        "bench-init: {} ({mib:.0} MiB): init wrote {} files, {total} bytes; {runs} round(s)",
        w.name,
        files.len()
    );

    let (mut i_runs, mut a_runs, mut b_runs) = (Vec::<Run>::new(), Vec::new(), Vec::new());
    let (mut vs_adopted, mut vs_bench) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let i = timed(init_cmd()?)?;
        let a = timed(check_cmd(&adopted))?;
        let b = timed(check_cmd(&dir.join("policies")))?;
        vs_adopted.push(i.wall / a.wall.max(0.01));
        vs_bench.push(i.wall / b.wall.max(0.01));
        i_runs.push(i);
        a_runs.push(a);
        b_runs.push(b);
    }
    let (Some(init), Some(adopted_check), Some(bench_check), Some(r_adopted), Some(r_bench)) = (
        stats(&i_runs),
        stats(&a_runs),
        stats(&b_runs),
        median(vs_adopted),
        median(vs_bench),
    ) else {
        bail!("no runs");
    };
    let row = |name: &str, s: &crate::bench_engine::Stats| {
        format!(
            "| {name} | {:.2} s ({:.2}–{:.2}) | {:.2} s | {:.0} MiB |\n",
            s.median,
            s.min,
            s.max,
            s.cpu,
            s.rss_kib as f64 / 1024.0
        )
    };
    let mut table = String::new();
    table.push_str(&row("`init --snapshot`", &init));
    table.push_str(&row("`check` with init's policies", &adopted_check));
    table.push_str(&row("`check` with the bench-engine policies", &bench_check));
    let mut file_lines = String::new();
    for (name, len) in &files {
        let _ = writeln!(file_lines, "| `{name}` | {len} |");
    }
    let inferred: String = summary
        .lines()
        .filter(|l| !l.trim().is_empty())
        // The dangling members one by one say nothing about speed.
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with("- member in `") && !l.starts_with("- … and ")
        })
        .map(|l| format!("    {l}\n"))
        .collect();
    let section = format!(
        "## Init\n\n\
Reproduce with `cargo xtask bench-init --size {} --runs {runs}` (writes this section).\n\
Machine: {} cores, Linux x86_64; load average when the run ended: {} (a shared machine: figures are noisy).\n\
Workload {}: {} users, {} embed users, {} groups ({mib:.0} MiB snapshot, the file `bench-engine` times). \
{runs} interleaved round(s) in one run: medians, min–max in brackets; wall and CPU time (user + system) and peak RSS from `/usr/bin/time`. \
`init` includes its own check of the written policies against the snapshot (it writes nothing unless that check is clean). \
Before timing, the run checks that `check` of init's policies exits 0 (gen-org orgs hold a few dangling members: their `member_dangling` warnings are the only findings not excused).\n\n\
| command | wall | CPU | peak RSS |\n|---|---|---|---|\n{table}\n\
**init ÷ check (wall, median of per-round ratios): {r_adopted:.2}× against the check of init's own policies, {r_bench:.2}× against the bench-engine check.** Target (issue 14): ≤ 2×. init's own policies are larger than the bench-engine set (a declaration per group, an exception per deviation), so their check takes longer.\n\n\
Files written ({} bytes in all):\n\n| file | bytes |\n|---|---|\n{file_lines}\n\
init's summary on stderr:\n\n{inferred}\n",
        size.name(),
        std::thread::available_parallelism().map_or(0, usize::from),
        util::load_average(),
        w.name,
        w.org.users,
        w.org.embed_users,
        w.org.groups,
        total,
    );
    if dry_run || debug {
        eprint!("{section}");
        eprintln!("bench-init: --dry-run/--debug: BENCHMARKS.md left as it was");
        return Ok(());
    }
    let path = util::root().join("BENCHMARKS.md");
    util::benchmarks_md::write_section(&path, "## Init", &section)?;
    eprintln!(
        "bench-init: wrote the `## Init` section of {}",
        path.display()
    );
    Ok(())
}
