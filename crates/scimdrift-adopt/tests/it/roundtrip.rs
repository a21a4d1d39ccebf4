//! The round trip on the demo org and on generated orgs.

use crate::{options, round_trip};
use proptest::prelude::*;
use scimdrift_proto::Snapshot;
use scimdrift_sim::orggen::{OrgSpec, generate};

fn demo() -> Snapshot {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/org.json");
    Snapshot::from_json_bytes(&std::fs::read(path).unwrap(), 64).unwrap()
}

#[test]
fn demo_org_round_trips() {
    let adoption = round_trip(&demo(), &options());
    assert!(
        !adoption.summary.rules.is_empty(),
        "{:#?}",
        adoption.summary
    );
}

#[test]
fn same_input_same_bytes() {
    let a = scimdrift_adopt::init(&demo(), &options()).unwrap();
    let b = scimdrift_adopt::init(&demo(), &options()).unwrap();
    assert_eq!(a.files, b.files);
}

#[test]
fn generated_org_round_trips() {
    let org = generate(&OrgSpec {
        users: 300,
        embed_users: 600,
        groups: 40,
        seed: 3,
    });
    let adoption = round_trip(&org, &options());
    assert_eq!(adoption.summary.rules.len(), 2, "{:#?}", adoption.summary);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn generated_orgs_round_trip(
        users in 0usize..60,
        embed_users in 0usize..120,
        groups in 0usize..24,
        seed in any::<u64>(),
        max_exact in prop_oneof![Just(500usize), 0usize..20],
        days in prop_oneof![Just(90u32), 1u32..30],
    ) {
        let org = generate(&OrgSpec { users, embed_users, groups, seed });
        let mut opts = options();
        opts.max_exact_members = max_exact;
        opts.exception_days = days;
        round_trip(&org, &opts);
    }
}
