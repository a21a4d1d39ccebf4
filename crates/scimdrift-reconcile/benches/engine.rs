//! The engine's hot paths one at a time, and `check` end to end (issue 7):
//!
//! - `engine/decode`: `Snapshot::from_json_bytes` on the serialized org;
//! - `engine/index`: `phases::index` (identities, groups, memberships);
//! - `engine/rules`: `Indexed::evaluate_rules` on an index built beforehand;
//! - `engine/check`: `check` (index, declarations, rules, separation of
//!   duties, exceptions, the sorted report).
//!
//! The org is `scimdrift_sim::orggen` at the S size of `cargo xtask
//! bench-engine` (500 users, 2,000 embed users, 100 groups) with the same
//! policy set (20 rules, 20 exceptions); `SCIMDRIFT_BENCH_SIZE=M` picks M
//! (20,000 / 100,000 / 2,000, 100 rules, 200 exceptions). Throughput is per
//! identity (users + embed users). Every result is checked once before it is
//! timed, so `cargo test --benches` (as `cargo xtask ci` runs it) is a
//! correctness check of each path.
//!
//! Run: `cargo bench -p scimdrift-reconcile --bench engine`.

#![expect(clippy::unwrap_used, reason = "bench fixtures are known-good")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::{
    CheckOptions, FindingKind, PolicySource, ReportSource, Status, check, load_policies, phases,
};
use scimdrift_sim::orggen::{BenchWorkload, group_names, write_org};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeSet;
use std::hint::black_box;

fn workload() -> &'static BenchWorkload {
    let name = std::env::var("SCIMDRIFT_BENCH_SIZE").unwrap_or_else(|_| "S".to_owned());
    BenchWorkload::named(&name)
        .unwrap_or_else(|| panic!("SCIMDRIFT_BENCH_SIZE={name}: expected S, M or L"))
}

fn bench(c: &mut Criterion) {
    let w = workload();
    let mut bytes = Vec::new();
    write_org(&w.org, &mut bytes).unwrap();
    let identities = u64::try_from(w.org.users + w.org.embed_users).unwrap();

    // decode
    let snapshot = Snapshot::from_json_bytes(&bytes, 1024).unwrap();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    assert_eq!(snapshot.groups.len(), w.org.groups);
    assert_eq!(snapshot.users.len(), w.org.users);
    assert_eq!(snapshot.embed_users.len(), w.org.embed_users);

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
            snapshot_sha256: hex::encode(Sha256::digest(&bytes)),
            ..ReportSource::default()
        },
    );

    // index
    let indexed = phases::index(&snapshot);
    assert!(
        indexed.size() > w.org.users + w.org.embed_users,
        "{indexed:?}"
    );

    // check, and rules against it: the rules phase finds exactly the
    // membership findings of the full check (no exception applies to them).
    let report = check(&snapshot, &policies, &opts);
    assert_eq!(report.status, Status::Drift);
    assert_eq!(report.summary.coverage.users_live, w.org.users as u64);
    assert_eq!(
        report.summary.coverage.embed_users_live,
        w.org.embed_users as u64
    );
    let kinds: BTreeSet<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
    for kind in [
        FindingKind::GroupUnmanaged,
        FindingKind::MemberDangling,
        FindingKind::MembershipRequired,
        FindingKind::MembershipNotAllowed,
        FindingKind::ExceptionUnused,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} finding in {kinds:?}");
    }
    // Whether the two department pairs share members depends on the org;
    // that both were evaluated does not.
    for id in ["sod-0", "sod-1"] {
        assert!(
            report.evaluated.iter().any(|r| r.rule == id),
            "{id} not evaluated"
        );
    }
    let membership = report
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FindingKind::MembershipRequired
                    | FindingKind::MembershipForbidden
                    | FindingKind::MembershipNotAllowed
            )
        })
        .count();
    assert_eq!(indexed.evaluate_rules(&policies, opts.now), membership);
    assert_eq!(
        check(&snapshot, &policies, &opts),
        report,
        "check is deterministic"
    );

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(identities));
    if w.name != "S" {
        // Each iteration takes a large fraction of a second.
        group.sample_size(10);
    }
    group.bench_function("decode", |b| {
        b.iter(|| Snapshot::from_json_bytes(black_box(&bytes), 1024).unwrap())
    });
    group.bench_function("index", |b| b.iter(|| phases::index(black_box(&snapshot))));
    group.bench_function("rules", |b| {
        b.iter(|| indexed.evaluate_rules(black_box(&policies), opts.now))
    });
    group.bench_function("check", |b| {
        b.iter(|| check(black_box(&snapshot), black_box(&policies), &opts))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
