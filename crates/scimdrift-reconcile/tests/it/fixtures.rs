//! `tests/fixtures/policies/{valid,invalid}`: valid fixtures load, invalid
//! ones fail with a snapshotted message; the JSON Schema agrees.

use crate::support::{cases, fixtures, read_policies};
use scimdrift_reconcile::{load_policies, policy_json_schema, render_all};

#[test]
fn valid_fixtures_load() {
    let dir = fixtures().join("policies/valid");
    let all = cases(&dir);
    assert!(all.len() >= 4);
    for (name, path) in all {
        let files = read_policies(&path);
        match load_policies(&files) {
            Ok(loaded) => {
                if !loaded.warnings.is_empty() {
                    insta::assert_snapshot!(
                        format!("valid-warnings-{name}"),
                        render_all(&loaded.warnings)
                    );
                }
            }
            Err(diags) => panic!("{name} should load:\n{}", render_all(&diags)),
        }
    }
}

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
fn invalid_fixtures_fail_with_snapshotted_messages() {
    let dir = fixtures().join("policies/invalid");
    let all = cases(&dir);
    assert!(all.len() >= 30, "only {} invalid cases", all.len());
    for (name, path) in all {
        let files = read_policies(&path);
        let Err(diags) = load_policies(&files) else {
            panic!("{name} should fail to load");
        };
        assert!(!diags.is_empty());
        insta::assert_snapshot!(format!("invalid-{name}"), render_all(&diags));
    }
}

fn yaml_to_json(text: &str) -> Option<serde_json::Value> {
    serde_yaml::from_str::<serde_json::Value>(text).ok()
}

/// Every valid fixture satisfies the schema; every structural invalid case
/// (named `schema-*`) is rejected by the schema too.
#[test]
fn schema_agrees_with_loader() {
    let schema = policy_json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for (name, path) in cases(&fixtures().join("policies/valid"))
        .into_iter()
        .chain([("policies".to_owned(), fixtures().join("../../policies"))])
    {
        for file in read_policies(&path) {
            let json = yaml_to_json(&file.contents)
                .unwrap_or_else(|| panic!("{name}/{} is YAML", file.path));
            let errors: Vec<String> = validator
                .iter_errors(&json)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{name}/{}: schema rejects a valid file: {errors:?}",
                file.path
            );
        }
    }
    let mut structural = 0;
    for (name, path) in cases(&fixtures().join("policies/invalid")) {
        if !name.starts_with("schema-") {
            continue;
        }
        structural += 1;
        for file in read_policies(&path) {
            let accepted =
                yaml_to_json(&file.contents).is_some_and(|json| validator.is_valid(&json));
            assert!(
                !accepted,
                "{name}: the loader rejects it but the schema accepts it"
            );
        }
    }
    assert!(structural >= 20);
}

#[test]
fn schema_snapshot() {
    insta::assert_json_snapshot!("policy-schema", policy_json_schema());
}
