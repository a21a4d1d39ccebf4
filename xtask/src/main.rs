//! Developer automation: `cargo xtask <task>`. Run `cargo xtask help`.

#![expect(clippy::print_stdout, clippy::print_stderr, reason = "xtask is a CLI")]

mod bench_filter;
mod bench_hot;
mod benchmarks_md;
mod ci;
mod drift;
mod engine_bench;
mod fetch_tasks;
mod fuzz;
mod gen_org;
mod interop;
mod screenshot;
mod sim_bench;

use anyhow::{Result, bail};

const HELP: &str = "\
cargo xtask <task>

tasks:
  drift            the ops job: live check with OMNI_BASE_URL+OMNI_API_TOKEN, else the demo (exit 2)
  ci               fmt check, clippy -D warnings, the whole test suite (the README's test command)
  fuzz             every fuzz suite (tests named *fuzz*) with --cases N (default 10000)
  gen-org          write a deterministic org file: --users N --embed-users M --groups G [--seed S] -o FILE
  interop          scimdrift fetch --provider scim against PyPI scim2-server (installed by .ci/run)
  fetch-roundtrip  release scimdrift fetch of a 100k-embed-user gen-org org, checked byte for byte
  screenshot       the demo's HTML access review in headless chromium -> target/screenshot/review.png
  bench-filter     filter parse/evaluate benches vs PyPI scim2-models; writes BENCHMARKS.md
  bench-fetch      fetch time vs the rate-limit bound and a sequential client (writes BENCHMARKS.md)
  bench-engine     scimdrift check on S/M(/L) vs the lean-decode floor and a Python baseline -> BENCHMARKS.md
  bench-hot        criterion benches of decode/index/rules/check and every renderer -> BENCHMARKS.md
  bench            bench-filter, bench-engine, bench-fetch, bench-hot in sequence (--quick, --only a,b)
  sim-bench        simulator start-up, memory and page latency at 1M embed users -> BENCHMARKS.md
";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_else(|| "help".to_owned());
    let rest: Vec<String> = args.collect();
    match task.as_str() {
        "bench-filter" => bench_filter::run(&rest),
        "ci" => ci::run(&rest),
        "drift" => std::process::exit(drift::run(&rest)?),
        "fuzz" => fuzz::run(&rest),
        "bench-engine" => engine_bench::run(&rest),
        "bench-hot" => bench_hot::hot(&rest),
        "bench" => bench_hot::all(&rest),
        "screenshot" => screenshot::run(&rest),
        "bench-fetch" => fetch_tasks::bench(&rest),
        "fetch-roundtrip" => fetch_tasks::roundtrip(&rest),
        "gen-org" => gen_org::run(&rest),
        "sim-bench" => sim_bench::run(&rest),
        "interop" => interop::run(&rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown task `{other}`\n\n{HELP}"),
    }
}
