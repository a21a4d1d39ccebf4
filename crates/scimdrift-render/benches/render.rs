//! Rendering one report in every format (issue 7): `render/<format>` for
//! each of `Format::ALL`.
//!
//! The report is `scimdrift_reconcile::check` of the org and policies the
//! engine benches use (`scimdrift_sim::orggen` at the S size of `cargo xtask
//! bench-engine`, or M with `SCIMDRIFT_BENCH_SIZE=M`). Every rendering is
//! checked once before it is timed (non-empty; JSON and SARIF parse, the JSON
//! back into the same report; JUnit is well-formed XML; one CSV row per
//! finding), so `cargo test --benches` (as `cargo xtask ci` runs it) is a
//! correctness check of each renderer.
//!
//! Run: `cargo bench -p scimdrift-render --bench render`.

#![expect(clippy::unwrap_used, reason = "bench fixtures are known-good")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::events::Event;
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::{
    CheckOptions, PolicySource, Report, ReportSource, Status, check, load_policies,
};
use scimdrift_render::{Format, RenderOptions, render};
use scimdrift_sim::orggen::{BenchWorkload, group_names, write_org};
use std::hint::black_box;

fn workload() -> &'static BenchWorkload {
    let name = std::env::var("SCIMDRIFT_BENCH_SIZE").unwrap_or_else(|_| "S".to_owned());
    BenchWorkload::named(&name)
        .unwrap_or_else(|| panic!("SCIMDRIFT_BENCH_SIZE={name}: expected S, M or L"))
}

fn report(w: &BenchWorkload) -> Report {
    let mut bytes = Vec::new();
    write_org(&w.org, &mut bytes).unwrap();
    let snapshot = Snapshot::from_json_bytes(&bytes, 1024).unwrap();
    let set = w.policies(&group_names(&snapshot));
    let policies = load_policies(&[PolicySource {
        path: "bench.yaml".to_owned(),
        contents: set.yaml,
    }])
    .unwrap()
    .policies;
    let opts = CheckOptions::new(
        "2027-01-01T00:00:00Z".parse().unwrap(),
        ReportSource {
            snapshot_path: Some("org.json".to_owned()),
            snapshot_sha256: "0".repeat(64),
            ..ReportSource::default()
        },
    );
    check(&snapshot, &policies, &opts)
}

/// Panics unless `text` is sane output of `format` for `report`.
fn assert_sane(format: Format, text: &str, report: &Report, opts: &RenderOptions) {
    assert!(!text.trim().is_empty(), "{format}: empty");
    match format {
        Format::Json => {
            let back: Report = serde_json::from_str(text).unwrap();
            assert_eq!(&back, report, "json: does not read back as the report");
        }
        Format::Sarif => {
            let sarif: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(sarif["version"], "2.1.0");
            assert!(
                sarif["runs"][0]["results"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty()),
                "sarif: no results"
            );
        }
        Format::Junit => {
            let mut reader = quick_xml::Reader::from_str(text);
            let mut failures = 0usize;
            loop {
                match reader.read_event().unwrap() {
                    Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"failure" => {
                        failures += 1;
                    }
                    Event::Eof => break,
                    _ => {}
                }
            }
            assert_eq!(
                failures,
                report.findings.len(),
                "junit: a failure per finding"
            );
        }
        Format::Csv => {
            // A header, then one row per finding (messages hold no newlines).
            assert_eq!(text.lines().count(), report.findings.len() + 1, "csv");
        }
        Format::Markdown => {
            assert!(
                text.len() <= opts.markdown_max_bytes,
                "markdown: over budget"
            );
        }
        Format::Github => {
            assert!(text.starts_with("::error "), "github: {}", &text[..80]);
        }
        Format::Human => {
            assert!(text.contains("finding"), "human: no counts");
        }
        Format::Openmetrics => {
            let failing = format!("\nscimdrift_findings_failing {}\n", report.summary.failing);
            assert!(text.contains(&failing), "openmetrics: {text}");
            assert!(text.ends_with("# EOF\n"), "openmetrics: no # EOF");
        }
    }
}

fn bench(c: &mut Criterion) {
    let w = workload();
    let report = report(w);
    assert_eq!(report.status, Status::Drift);
    assert!(!report.findings.is_empty());
    let opts = RenderOptions {
        full_report: Some("the `drift-report` artifact".to_owned()),
        ..RenderOptions::default()
    };
    for format in Format::ALL {
        assert_sane(format, &render(&report, format, &opts), &report, &opts);
    }

    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(
        u64::try_from(report.findings.len()).unwrap(),
    ));
    if w.name != "S" {
        group.sample_size(10);
    }
    for format in Format::ALL {
        group.bench_function(format.as_str(), |b| {
            b.iter(|| render(black_box(&report), format, &opts))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
