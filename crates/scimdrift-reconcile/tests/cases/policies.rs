//! `tests/fixtures/policies/{valid,invalid}`: each valid case loads (its
//! warnings, if any, snapshotted), each invalid case fails with a
//! snapshotted message, and the JSON Schema agrees with the loader on every
//! valid case and every structural (`schema-*`) invalid one.

use crate::support::{fixtures, read_policies};
use crate::{entries, trial};
use libtest_mimic::Trial;
use scimdrift_reconcile::{load_policies, policy_json_schema, render_all};
use std::path::{Path, PathBuf};

/// Fewest cases each folder must hold, so a mistyped path cannot pass by
/// finding nothing.
const MIN_VALID: usize = 4;
const MIN_INVALID: usize = 30;
const MIN_STRUCTURAL: usize = 20;

pub fn trials() -> Vec<Trial> {
    let valid = entries(&fixtures().join("policies/valid"));
    let invalid = entries(&fixtures().join("policies/invalid"));
    let mut out = Vec::new();
    let (n_valid, n_invalid) = (valid.len(), invalid.len());
    out.push(trial("policies::valid_has_cases".into(), move || {
        assert!(n_valid >= MIN_VALID, "only {n_valid} valid cases");
    }));
    out.push(trial("policies::invalid_has_cases".into(), move || {
        assert!(n_invalid >= MIN_INVALID, "only {n_invalid} invalid cases");
    }));
    let structural = invalid
        .iter()
        .filter(|(name, _)| name.starts_with("schema-"))
        .count();
    out.push(trial(
        "schema::invalid_has_structural_cases".into(),
        move || {
            assert!(
                structural >= MIN_STRUCTURAL,
                "only {structural} `schema-*` invalid cases"
            );
        },
    ));
    for (name, path) in valid {
        let p = path.clone();
        out.push(trial(format!("policies::valid::{name}"), {
            let name = name.clone();
            move || valid_case(&name, &p)
        }));
        out.push(trial(format!("schema::valid::{name}"), move || {
            schema_accepts(&name, &path);
        }));
    }
    out.push(trial("schema::valid::repository-policies".into(), || {
        schema_accepts("policies", &repository_policies());
    }));
    for (name, path) in invalid {
        if name.starts_with("schema-") {
            let (name, path) = (name.clone(), path.clone());
            out.push(trial(format!("schema::invalid::{name}"), move || {
                schema_rejects(&name, &path);
            }));
        }
        out.push(trial(format!("policies::invalid::{name}"), move || {
            invalid_case(&name, &path);
        }));
    }
    out
}

fn repository_policies() -> PathBuf {
    fixtures().join("../../policies")
}

fn valid_case(name: &str, path: &Path) {
    let files = read_policies(path);
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

fn invalid_case(name: &str, path: &Path) {
    let files = read_policies(path);
    let Err(diags) = load_policies(&files) else {
        panic!("{name} should fail to load");
    };
    assert!(!diags.is_empty());
    insta::assert_snapshot!(format!("invalid-{name}"), render_all(&diags));
}

fn yaml_to_json(text: &str) -> Option<serde_json::Value> {
    serde_yaml::from_str::<serde_json::Value>(text).ok()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&policy_json_schema()).expect("the schema compiles")
}

/// Every file of a valid case satisfies the schema.
fn schema_accepts(name: &str, path: &Path) {
    let validator = validator();
    for file in read_policies(path) {
        let json =
            yaml_to_json(&file.contents).unwrap_or_else(|| panic!("{name}/{} is YAML", file.path));
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

/// A structural invalid case (named `schema-*`) is rejected by the schema
/// too.
fn schema_rejects(name: &str, path: &Path) {
    let validator = validator();
    for file in read_policies(path) {
        let accepted = yaml_to_json(&file.contents).is_some_and(|json| validator.is_valid(&json));
        assert!(
            !accepted,
            "{name}: the loader rejects it but the schema accepts it"
        );
    }
}
