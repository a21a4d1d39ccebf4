use crate::fixture;
use scimdrift_render::{RenderOptions, sarif};
use serde_json::Value;

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/schemas/sarif-schema-2.1.0.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[track_caller]
fn assert_valid(log: &Value) {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sample_validates_against_the_sarif_schema() {
    let text = sarif::render(&fixture::sample(), &RenderOptions::default());
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_valid(&log);
    insta::assert_snapshot!(text);
}

#[test]
fn pr_mode_and_big_reports_validate() {
    for report in [fixture::pr_mode(), fixture::big(300)] {
        let log = sarif::to_value(&report, &RenderOptions::default());
        assert_valid(&log);
    }
}

#[test]
fn schema_rejects_a_broken_log() {
    // The validator is live: a log without `runs` must fail.
    let validator = jsonschema::validator_for(&schema()).unwrap();
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0"})));
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]}))
    );
}

#[test]
fn results_point_at_declarations_and_carry_fingerprints() {
    let report = fixture::sample();
    let log = sarif::to_value(&report, &RenderOptions::default());
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    let by_id = |id: &str| {
        results
            .iter()
            .find(|r| r["partialFingerprints"]["scimdriftFindingId/v1"] == id)
            .unwrap()
    };
    let loc = |r: &Value| {
        let p = &r["locations"][0]["physicalLocation"];
        (
            p["artifactLocation"]["uri"].as_str().map(str::to_owned),
            p["region"]["startLine"].as_u64(),
        )
    };
    // Declared: at the declaration.
    assert_eq!(
        loc(by_id("f1")),
        (Some("policies/groups.yaml".into()), Some(9))
    );
    // No declaration of its own: at its group's declaration.
    assert_eq!(
        loc(by_id("f4")),
        (Some("policies/groups.yaml".into()), Some(4))
    );
    // Unmanaged group: at the settings that ask for it to be reported.
    assert_eq!(
        loc(by_id("f3")),
        (Some("policies/settings.yaml".into()), Some(3))
    );
    // Excused: an accepted suppression at the exception.
    let f5 = by_id("f5");
    assert_eq!(f5["suppressions"][0]["status"], "accepted");
    assert_eq!(
        f5["suppressions"][0]["location"]["physicalLocation"]["artifactLocation"]["uri"],
        "policies/exceptions.yaml"
    );
    // Rule ids: per policy rule and kind, or per kind for declarations.
    assert_eq!(by_id("f1")["ruleId"], "member_missing");
    assert_eq!(
        by_id("f5")["ruleId"],
        "acme-isolation/membership_not_allowed"
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
}

#[test]
fn unlocatable_findings_get_no_invented_line() {
    let mut report = fixture::sample();
    report.evaluated.clear();
    let log = sarif::to_value(&report, &RenderOptions::default());
    let results = log["runs"][0]["results"].as_array().unwrap();
    let f3 = results
        .iter()
        .find(|r| r["partialFingerprints"]["scimdriftFindingId/v1"] == "f3")
        .unwrap();
    assert!(f3["locations"][0].get("physicalLocation").is_none(), "{f3}");
    assert_eq!(
        f3["locations"][0]["logicalLocations"][0]["name"],
        "Temp, \"old\" group"
    );
    assert_valid(&log);
}

#[test]
fn pr_mode_sets_baseline_state() {
    let log = sarif::to_value(&fixture::pr_mode(), &RenderOptions::default());
    let states: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    // The resolved finding is not a result; the run counts it.
    assert_eq!(
        states,
        [
            "new",
            "unchanged",
            "unchanged",
            "unchanged",
            "unchanged",
            "unchanged",
            "unchanged"
        ]
    );
    assert_eq!(log["runs"][0]["properties"]["resolved"], 1);
}
