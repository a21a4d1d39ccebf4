//! Developer automation: `cargo xtask <task>`; `cargo xtask --help` lists the
//! tasks. Every task and option is declared in [`flags`]; each task lives in
//! the module of its name; shared helpers are in [`util`].

#![expect(clippy::print_stdout, clippy::print_stderr, reason = "xtask is a CLI")]

mod bench;
mod bench_apply;
mod bench_engine;
mod bench_fetch;
mod bench_filter;
mod bench_hot;
mod bench_init;
mod bench_refresh;
mod ci;
mod drift;
mod fetch_roundtrip;
mod flags;
mod fuzz;
mod gen_org;
mod interop;
mod interop_apply;
mod interop_init;
mod man;
mod screenshot;
mod sim_bench;
#[cfg(test)]
mod tidy;
mod util;

use anyhow::Result;
use clap::{CommandFactory as _, Parser as _};
use flags::Task;
use std::process::ExitCode;

fn main() -> ExitCode {
    let flags = match flags::Xtask::try_parse() {
        Ok(flags) => flags,
        Err(err) => {
            // `--help` is not an error; everything else is a usage error.
            let code = if err.use_stderr() {
                flags::USAGE_EXIT
            } else {
                0
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match run(flags.task) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("Error: {err:?}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one task; the exit code is 0 unless the task says otherwise.
fn run(task: Option<Task>) -> Result<ExitCode> {
    let Some(task) = task else {
        print!("{}", flags::Xtask::command().render_help());
        return Ok(ExitCode::SUCCESS);
    };
    match task {
        Task::Drift(opts) => {
            let code = drift::run(&opts)?;
            return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
        }
        Task::Ci(opts) => ci::run(&opts),
        Task::Fuzz(opts) => fuzz::run(&opts),
        Task::GenOrg(opts) => gen_org::run(&opts),
        Task::Interop(opts) => interop::run(&opts),
        Task::FetchRoundtrip(opts) => fetch_roundtrip::run(&opts),
        Task::Screenshot(opts) => screenshot::run(&opts),
        Task::BenchFilter(opts) => bench_filter::run(&opts),
        Task::BenchFetch(opts) => bench_fetch::run(&opts),
        Task::BenchApply(opts) => bench_apply::run(&opts),
        Task::BenchRefresh(opts) => bench_refresh::run(&opts),
        Task::BenchEngine(opts) => bench_engine::run(&opts),
        Task::BenchInit(opts) => bench_init::run(&opts),
        Task::BenchHot(opts) => bench_hot::run(&opts),
        Task::Bench(opts) => bench::run(&opts),
        Task::SimBench(opts) => sim_bench::run(&opts),
        Task::Man(opts) => man::run(&opts),
    }?;
    Ok(ExitCode::SUCCESS)
}
