//! Filter parse time and evaluation throughput.
//!
//! `cargo xtask bench-filter` runs this and the scim2-models baseline
//! (`scim2_models_baseline.py`, same filters from `filters.txt`, same
//! resource `user.json`) and writes the figures to `BENCHMARKS.md`.
//! Run alone: `cargo bench -p scimdrift-proto --bench filter`.

#![expect(clippy::unwrap_used, reason = "bench fixtures are known-good")]

use criterion::{Criterion, criterion_group, criterion_main};
use scimdrift_proto::Filter;
use serde_json::Value;
use std::hint::black_box;

const FILTERS: &str = include_str!("filters.txt");
const USER: &str = include_str!("user.json");
const EMBED_USER: &str = include_str!("embed_user.json");

fn filters() -> Vec<(&'static str, &'static str)> {
    FILTERS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once('\t').unwrap())
        .collect()
}

fn bench(c: &mut Criterion) {
    let user: Value = serde_json::from_str(USER).unwrap();
    let embed: Value = serde_json::from_str(EMBED_USER).unwrap();
    let cases = filters();
    for (name, text) in &cases {
        // Every benchmarked filter matches the fixture, so no path is skipped.
        assert_eq!(
            Filter::parse(text).unwrap().evaluate(&user),
            Ok(true),
            "{name}"
        );
    }

    let mut group = c.benchmark_group("parse");
    for (name, text) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| Filter::parse(black_box(text)).unwrap())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("evaluate");
    for (name, text) in &cases {
        let filter = Filter::parse(text).unwrap();
        group.bench_function(*name, |b| {
            b.iter(|| filter.evaluate(black_box(&user)).unwrap())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse_evaluate");
    for (name, text) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| {
                Filter::parse(black_box(text))
                    .unwrap()
                    .evaluate(black_box(&user))
                    .unwrap()
            })
        });
    }
    group.finish();

    // Entity-scoped selectors, the most common `where:` in embed policies
    // (issue 7): a hit, a miss, and the combined form policies use.
    let mut group = c.benchmark_group("evaluate_embed");
    for (name, text, expected) in [
        ("entity_hit", r#"embedEntity eq "tenant-17""#, true),
        ("entity_miss", r#"embedEntity eq "tenant-18""#, false),
        (
            "entity_and_group",
            r#"embedEntity eq "tenant-17" and not (groups[display eq "Admins"])"#,
            true,
        ),
        (
            "extension_attribute",
            r#"urn:omni:params:1.0:UserAttribute:region sw "EU""#,
            true,
        ),
    ] {
        let filter = Filter::parse(text).unwrap();
        assert_eq!(filter.evaluate(&embed), Ok(expected), "{name}");
        group.bench_function(name, |b| {
            b.iter(|| filter.evaluate(black_box(&embed)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
