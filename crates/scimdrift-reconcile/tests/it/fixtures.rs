//! The repository's own `policies/` load, and the policy JSON Schema is
//! snapshotted. Each case of `tests/fixtures/policies/{valid,invalid}` is a
//! test of its own in the `cases` harness.

use crate::support::{fixtures, read_policies};
use scimdrift_reconcile::{load_policies, policy_json_schema, render_all};

#[test]
fn repository_policies_load() {
    let dir = fixtures().join("../../policies");
    let files = read_policies(&dir);
    assert!(!files.is_empty());
    if let Err(diags) = load_policies(&files) {
        panic!("policies/ should load:\n{}", render_all(&diags));
    }
}

#[test]
fn schema_snapshot() {
    insta::assert_json_snapshot!("policy-schema", policy_json_schema());
}
