//! Reading criterion's results (`target/criterion/<group>/<name>/new/`).

use anyhow::{Context as _, Result};
use serde_json::Value;
use std::path::PathBuf;

fn read(group: &str, name: &str, file: &str) -> Result<(PathBuf, Value)> {
    let path = super::target_dir()
        .join("criterion")
        .join(group)
        .join(name)
        .join("new")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let value =
        serde_json::from_str(&text).with_context(|| format!("`{}` is not JSON", path.display()))?;
    Ok((path, value))
}

/// Criterion's median for one benchmark, in nanoseconds.
pub fn median_ns(group: &str, name: &str) -> Result<f64> {
    let (path, v) = read(group, name, "estimates.json")?;
    v["median"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("no median in `{}`", path.display()))
}

/// The element count a benchmark declared as its throughput.
pub fn throughput(group: &str, name: &str) -> Result<u64> {
    let (path, v) = read(group, name, "benchmark.json")?;
    v["throughput"]["Elements"]
        .as_u64()
        .with_context(|| format!("no element throughput in `{}`", path.display()))
}

/// Nanoseconds in the unit that reads best.
pub fn fmt_ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.1} µs", ns / 1_000.0)
    } else {
        format!("{:.2} ms", ns / 1_000_000.0)
    }
}

/// Where the last run's results of all benchmarks are.
pub fn dir() -> PathBuf {
    super::target_dir().join("criterion")
}

#[cfg(test)]
mod tests {
    #[test]
    fn nanoseconds_read_in_their_unit() {
        assert_eq!(super::fmt_ns(512.4), "512 ns");
        assert_eq!(super::fmt_ns(1_234.0), "1.2 µs");
        assert_eq!(super::fmt_ns(34_560_000.0), "34.56 ms");
    }
}
