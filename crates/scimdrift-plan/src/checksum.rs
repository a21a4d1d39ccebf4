//! The canonical JSON of a plan and its checksum.
//!
//! Canonical JSON: object keys sorted by their UTF-8 bytes at every depth,
//! no whitespace, strings escaped as `serde_json` escapes them. The checksum
//! is `sha256:` + the hex sha256 of the canonical JSON of the plan with an
//! empty `checksum` field. It detects a plan changed after it was written
//! (a hand edit, a bad merge, a truncated copy); it is not a signature.

use crate::model::Plan;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// Why a plan's checksum cannot be checked or does not match.
#[derive(Debug, thiserror::Error)]
pub enum ChecksumError {
    /// The plan's recorded checksum differs from its content.
    #[error(
        "the plan's checksum does not match its content (recorded `{recorded}`, computed `{computed}`)"
    )]
    Mismatch {
        /// The `checksum` field.
        recorded: String,
        /// What the content hashes to.
        computed: String,
    },
}

/// The canonical JSON text of a value.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The checksum of a plan's content (its `checksum` field ignored).
pub fn compute(plan: &Plan) -> String {
    let mut unsealed = plan.clone();
    unsealed.checksum = String::new();
    // A plan is plain data (strings, numbers, lists, maps with string keys):
    // it always serializes.
    let value = serde_json::to_value(&unsealed).unwrap_or(Value::Null);
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical_json(&value).as_bytes()))
    )
}

/// Sets the plan's checksum from its content.
pub fn seal(plan: &mut Plan) {
    plan.checksum = compute(plan);
}

/// Checks the plan's recorded checksum against its content.
pub fn verify(plan: &Plan) -> Result<(), ChecksumError> {
    let computed = compute(plan);
    if computed == plan.checksum {
        Ok(())
    } else {
        Err(ChecksumError::Mismatch {
            recorded: plan.checksum.clone(),
            computed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check(value: Value, expected: &str) {
        assert_eq!(canonical_json(&value), expected);
    }

    #[test]
    fn keys_sorted_at_every_depth_no_whitespace() {
        check(
            json!({"b": 1, "a": [ {"d": null, "c": true} ]}),
            r#"{"a":[{"c":true,"d":null}],"b":1}"#,
        );
        check(json!("é\"\n"), r#""é\"\n""#);
        check(json!({}), "{}");
        check(json!([]), "[]");
        check(json!({"B": 1, "a": 2, "_": 3}), r#"{"B":1,"_":3,"a":2}"#);
    }
}
