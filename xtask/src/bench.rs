//! `cargo xtask bench`: every benchmark task in sequence (or the ones named
//! with `--only`), `--quick` for a short smoke run of each.

use crate::flags::{self, BenchName, Size};
use anyhow::Result;

pub fn run(opts: &flags::Bench) -> Result<()> {
    let quick = opts.quick;
    for &task in &opts.only {
        eprintln!("bench: {}", name(task));
        match task {
            BenchName::Filter => crate::bench_filter::run(&flags::BenchFilter {})?,
            BenchName::Engine => crate::bench_engine::run(&flags::BenchEngine {
                sizes: if quick {
                    vec![Size::S]
                } else {
                    vec![Size::S, Size::M]
                },
                runs: if quick { 1 } else { 3 },
                debug: false,
                dry_run: false,
            })?,
            BenchName::Fetch => crate::bench_fetch::run(&flags::BenchFetch {
                runs: if quick { 1 } else { 3 },
            })?,
            BenchName::Hot => crate::bench_hot::run(&flags::BenchHot {
                size: if quick { Size::S } else { Size::M },
                quick,
                no_run: false,
            })?,
        }
    }
    Ok(())
}

/// The name `--only` knows the benchmark by.
fn name(task: BenchName) -> &'static str {
    match task {
        BenchName::Filter => "filter",
        BenchName::Engine => "engine",
        BenchName::Fetch => "fetch",
        BenchName::Hot => "hot",
    }
}
