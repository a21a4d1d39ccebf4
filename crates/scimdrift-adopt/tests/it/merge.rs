//! The round trip of `--merge`: with pre-existing declarations for a random
//! subset of the live groups, merging declares exactly the others, and the
//! whole set then checks clean.

use crate::{assert_clean, check_files, hostile, options, sources};
use proptest::prelude::*;
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::{CheckOptions, FindingKind, ReportSource, UnmanagedGroups, check};
use scimdrift_sim::orggen::{OrgSpec, generate};
use std::collections::BTreeSet;

/// The live group names `check` reports as unmanaged under `files`.
fn unmanaged(snapshot: &Snapshot, files: &[scimdrift_reconcile::PolicySource]) -> BTreeSet<String> {
    let mut loaded = scimdrift_reconcile::load_policies(files).unwrap();
    loaded.policies.settings.unmanaged_groups = UnmanagedGroups::Report;
    let mut opts = CheckOptions::new(crate::now(), ReportSource::default());
    opts.accept_mass_drift = true;
    check(snapshot, &loaded.policies, &opts)
        .findings
        .into_iter()
        .filter(|f| f.kind == FindingKind::GroupUnmanaged)
        .filter_map(|f| f.group)
        .collect()
}

/// Existing policies: init's settings and declarations for `keep` only;
/// then a merge; then the invariant.
#[track_caller]
fn merge_round_trip(snapshot: &Snapshot, keep: &dyn Fn(usize) -> bool) {
    let opts = options();
    let full = scimdrift_adopt::init(snapshot, &opts).unwrap();
    let settings: Vec<_> = full
        .files
        .iter()
        .filter(|f| f.path == "settings.yaml")
        .cloned()
        .collect();
    let names: BTreeSet<String> = snapshot
        .groups
        .iter()
        .filter_map(|g| g.core().ok()?.display_name.as_deref().map(str::to_owned))
        .collect();
    let kept: BTreeSet<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, n)| n.clone())
        .collect();
    let existing = scimdrift_adopt::merge(snapshot, &opts, &kept, "existing").unwrap();
    let mut files = sources(&settings);
    files.extend(sources(&existing.files));
    let before = files.clone();
    let undeclared = unmanaged(snapshot, &files);
    assert!(
        undeclared.is_disjoint(&kept),
        "kept declarations count as declared"
    );
    let imported = scimdrift_adopt::merge(snapshot, &opts, &undeclared, "imported").unwrap();
    assert!(
        imported
            .files
            .iter()
            .all(|f| f.path.starts_with("imported"))
    );
    files.extend(sources(&imported.files));
    assert_eq!(
        &files[..before.len()],
        &before[..],
        "existing files untouched"
    );
    let report = check_files(snapshot, &files, opts.now);
    assert_clean(&report, snapshot);
}

#[test]
fn merge_into_the_hostile_org_round_trips() {
    let org = hostile::org();
    merge_round_trip(&org, &|i| i % 3 == 0);
    merge_round_trip(&org, &|_| false);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn merge_into_generated_orgs_round_trips(
        users in 0usize..40,
        embed_users in 0usize..60,
        groups in 1usize..20,
        seed in any::<u64>(),
        kept in proptest::collection::vec(any::<bool>(), 20),
    ) {
        let org = generate(&OrgSpec { users, embed_users, groups, seed });
        merge_round_trip(&org, &|i| kept[i % kept.len()]);
    }
}
