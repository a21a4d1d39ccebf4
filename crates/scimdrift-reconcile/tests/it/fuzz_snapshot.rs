//! Hostile-input fuzz suite for the snapshot loader
//! ([`Snapshot::from_json_bytes`], what `--snapshot FILE` goes through) and
//! the engine behind it (issue 8): mutated snapshots, wrong shapes, deep
//! nesting, huge strings, duplicate ids, BOMs, CRLF.
//!
//! Requirement: no panic; a rejection is a clear error (line and column for
//! JSON errors, the limit and how to raise it for size); and an incomplete
//! snapshot never yields a clean report.
//!
//! CI runs a bounded number of cases; `cargo xtask fuzz --cases N` runs more.

use crate::support::fixtures;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use scimdrift_proto::{Snapshot, SnapshotLoadError};
use scimdrift_reconcile::{CheckOptions, PolicySource, ReportSource, Status, check, load_policies};

fn cases() -> u32 {
    std::env::var("SCIMDRIFT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Every snapshot among the fixtures.
fn corpus() -> Vec<String> {
    let root = fixtures();
    let mut out = Vec::new();
    let mut stack = vec![root.join("scenarios"), root.join("diff")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out.sort();
    assert!(out.len() >= 5, "snapshot corpus is missing");
    out
}

const LIMIT_MB: u64 = 8;

const JUNK: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "null",
    "true",
    "-0",
    "1e999",
    "18446744073709551616",
    "\"id\": 7",
    "\"id\": null",
    "\"id\": \"u-alice\"",
    "\"complete\": false",
    "\"complete\": \"yes\"",
    "\"members\": {}",
    "\"members\": [{}]",
    "\"schema\": \"scimdrift.snapshot/v2\"",
    "\u{0}",
    "\\u0000",
    "\\ud800",
    "\u{feff}",
    "\u{202e}",
    "😀",
    "é",
    "\r\n",
    "\t",
    "/* */",
    "NaN",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, usize),
    Truncate(usize),
    Bom,
    Crlf,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        2 => (any::<usize>(), 1usize..200).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        4 => (any::<usize>(), any::<usize>()).prop_map(|(a, j)| Mutation::Insert(a, j)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => Just(Mutation::Bom),
        1 => Just(Mutation::Crlf),
    ]
}

fn boundary(s: &str, i: usize) -> usize {
    let mut i = i % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut text: String, m: &Mutation) -> String {
    match *m {
        Mutation::Delete(a, n) => {
            let a = boundary(&text, a);
            let b = boundary(&text, (a + n).min(text.len()));
            if b > a {
                text.replace_range(a..b, "");
            }
        }
        Mutation::Duplicate(a, n) => {
            let a = boundary(&text, a);
            let b = boundary(&text, (a + n).min(text.len()));
            if b > a {
                let piece = text[a..b].to_owned();
                text.insert_str(b, &piece);
            }
        }
        Mutation::Insert(a, j) => {
            let a = boundary(&text, a);
            text.insert_str(a, JUNK[j % JUNK.len()]);
        }
        Mutation::Truncate(a) => {
            let a = boundary(&text, a);
            text.truncate(a);
        }
        Mutation::Bom => text.insert(0, '\u{feff}'),
        Mutation::Crlf => text = text.replace('\n', "\r\n"),
    }
    text
}

fn opts() -> CheckOptions {
    let mut o = CheckOptions::new(
        "2027-01-01T00:00:00Z".parse().unwrap(),
        ReportSource::default(),
    );
    o.tool_version = "test".into();
    o
}

/// The contract: a clear error, or a snapshot whose report is incomplete
/// whenever the snapshot is.
fn check_outcome(
    text: &str,
    outcome: Result<Snapshot, SnapshotLoadError>,
) -> Result<(), TestCaseError> {
    match outcome {
        Err(err) => {
            let msg = err.to_string();
            prop_assert!(!msg.trim().is_empty());
            if let SnapshotLoadError::Json { line, column, .. } = err {
                prop_assert!(line >= 1 || text.trim().is_empty(), "{msg}");
                prop_assert!(msg.starts_with(&format!("{line}:{column}: ")), "{msg}");
            }
        }
        Ok(snapshot) => {
            let policies = load_policies(&[PolicySource {
                path: "p.yaml".into(),
                contents: "version: 1\ngroups:\n  - name: Admins\n    members: exact\n    users: [alice@x.co]\n".into(),
            }])
            .map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
            let report = check(&snapshot, &policies.policies, &opts());
            if !snapshot.complete {
                prop_assert_eq!(
                    report.status,
                    Status::Incomplete,
                    "{:?}",
                    snapshot.incomplete_reasons
                );
            }
            if report.status == Status::Incomplete {
                prop_assert!(!report.incomplete_reasons.is_empty());
            }
        }
    }
    Ok(())
}

#[test]
fn fuzz_mutated_snapshots_never_panic() {
    let corpus = corpus();
    let strategy = (0..corpus.len(), proptest::collection::vec(mutation(), 1..6));
    runner()
        .run(&strategy, |(i, ms)| {
            let text = ms.iter().fold(corpus[i].clone(), apply);
            check_outcome(&text, Snapshot::from_json_bytes(text.as_bytes(), LIMIT_MB))
        })
        .unwrap();
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("u-alice")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("userName".to_owned()),
                    Just("displayName".to_owned()),
                    Just("members".to_owned()),
                    Just("value".to_owned()),
                    Just("active".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn fuzz_wrong_shapes_are_refused_or_fail_closed() {
    // Valid JSON of random shapes put where the snapshot's fields go.
    let fields = [
        "groups",
        "users",
        "embed_users",
        "complete",
        "incomplete_reasons",
        "source",
        "stats",
    ];
    runner()
        .run(&(0..fields.len(), json_value(), json_value()), |(f, v, item)| {
            let mut doc = serde_json::json!({
                "schema": "scimdrift.snapshot/v1",
                "groups": [{"id": "g1", "displayName": "Admins", "members": [{"value": "u-alice"}]}],
                "users": [{"id": "u-alice", "userName": "alice@x.co"}],
                "embed_users": [],
            });
            doc[fields[f]] = v;
            if let Some(list) = doc.get_mut("users").and_then(|u| u.as_array_mut()) {
                list.push(item);
            }
            let text = serde_json::to_string(&doc).unwrap();
            check_outcome(&text, Snapshot::from_json_bytes(text.as_bytes(), LIMIT_MB))
        })
        .unwrap();
}

#[test]
fn fuzz_deep_nesting_is_refused_or_fails_closed() {
    runner()
        .run(&(1usize..3000, 0u8..3), |(depth, place)| {
            let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let text = match place {
                // In a resource: kept as raw JSON, decoded by the engine.
                0 => format!(r#"{{"schema":"scimdrift.snapshot/v1","users":[{{"id":"u","userName":"a","x":{deep}}}]}}"#),
                // Where the snapshot's own fields are.
                1 => format!(r#"{{"schema":"scimdrift.snapshot/v1","stats":{deep}}}"#),
                _ => format!(r#"{{"schema":"scimdrift.snapshot/v1","groups":[{{"id":"g","displayName":"G","members":{deep}}}]}}"#),
            };
            let outcome = Snapshot::from_json_bytes(text.as_bytes(), LIMIT_MB);
            if place == 1 {
                // A typed field: refused at the first wrong token (serde_json
                // also caps nesting at 128 levels), never a stack overflow.
                prop_assert!(outcome.is_err(), "nested `stats` accepted");
            }
            check_outcome(&text, outcome)
        })
        .unwrap();
}

#[test]
fn fuzz_duplicate_and_reused_ids_fail_closed() {
    let corpus = corpus();
    runner()
        .run(
            &(0..corpus.len(), 0u8..3, any::<usize>()),
            |(i, what, pick)| {
                let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&corpus[i]) else {
                    return Err(TestCaseError::fail("corpus snapshot is not JSON"));
                };
                let (from, to) = match what {
                    0 => ("users", "users"),
                    1 => ("groups", "groups"),
                    _ => ("users", "embed_users"),
                };
                let Some(item) = doc[from]
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .map(|a| a[pick % a.len()].clone())
                else {
                    return Ok(());
                };
                if doc[to].as_array().is_none() {
                    doc[to] = serde_json::json!([]);
                }
                if let Some(list) = doc[to].as_array_mut() {
                    list.push(item);
                }
                let text = serde_json::to_string(&doc).unwrap();
                let snapshot = Snapshot::from_json_bytes(text.as_bytes(), LIMIT_MB)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(!snapshot.complete);
                prop_assert!(
                    snapshot
                        .incomplete_reasons
                        .iter()
                        .any(|r| r.contains("duplicate id")
                            || r.contains("both a user and an embed user")),
                    "{:?}",
                    snapshot.incomplete_reasons
                );
                check_outcome(&text, Ok(snapshot))
            },
        )
        .unwrap();
}

#[test]
fn fuzz_bom_crlf_and_odd_strings_keep_the_meaning() {
    let corpus = corpus();
    let odd = prop_oneof![
        Just("\u{202e}evil".to_owned()),
        Just("a\u{200b}b".to_owned()),
        Just("😀".repeat(50_000)),
        "\\PC{0,30}",
    ];
    runner()
        .run(&(0..corpus.len(), any::<bool>(), any::<bool>(), odd), |(i, bom, crlf, s)| {
            let plain = Snapshot::from_json_bytes(corpus[i].as_bytes(), LIMIT_MB)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut text = corpus[i].clone();
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            if bom {
                text.insert(0, '\u{feff}');
            }
            let same = Snapshot::from_json_bytes(text.as_bytes(), LIMIT_MB)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&plain.users, &same.users);
            prop_assert_eq!(&plain.groups, &same.groups);
            prop_assert_eq!(plain.complete, same.complete);
            // An odd string as a display name and a user name.
            let mut doc: serde_json::Value = serde_json::from_str(&corpus[i]).unwrap();
            doc["users"] = serde_json::json!([{"id": s.clone(), "userName": s.clone()}]);
            doc["groups"] = serde_json::json!([{"id": "g", "displayName": s.clone(), "members": [{"value": s}]}]);
            let text = serde_json::to_string(&doc).unwrap();
            check_outcome(&text, Snapshot::from_json_bytes(text.as_bytes(), LIMIT_MB))
        })
        .unwrap();
}

#[test]
fn fuzz_size_limit_names_the_limit_and_the_override() {
    TestRunner::new(Config {
        cases: (cases() / 16).max(4),
        failure_persistence: None,
        ..Config::default()
    })
    .run(&(1u64..3, 0usize..2), |(limit, over)| {
        let size = usize::try_from(limit * 1024 * 1024).unwrap() + over;
        let pad = " ".repeat(size.saturating_sub(40));
        let text = format!(r#"{{"schema":"scimdrift.snapshot/v1"{pad}}}"#);
        let outcome = Snapshot::from_json_bytes(text.as_bytes(), limit);
        if text.len() as u64 > limit * 1024 * 1024 {
            let Err(err) = &outcome else {
                return Err(TestCaseError::fail("oversized snapshot accepted"));
            };
            let msg = err.to_string();
            prop_assert!(msg.contains(&format!("{limit} MiB limit")), "{msg}");
            prop_assert!(msg.contains("SCIMDRIFT_MAX_SNAPSHOT_MB"), "{msg}");
        } else {
            prop_assert!(outcome.is_ok(), "{outcome:?}");
        }
        Ok(())
    })
    .unwrap();
}

#[test]
fn core_attributes_of_the_wrong_type_fail_closed() {
    // The attributes every check reads (names, external ids, entities,
    // member ids) are decoded once, when the snapshot is read; a wrong type
    // there must make the run incomplete and say which resource is at fault.
    let cases = [
        r#""users": [{"id": "u1", "userName": 5}]"#,
        r#""users": [{"id": "u1", "userName": "a", "userName": "b"}]"#,
        r#""embed_users": [{"id": "e1", "embedEntity": ["acme"]}]"#,
        r#""embed_users": [{"id": "e1", "embedExternalId": {"x": 1}}]"#,
        r#""groups": [{"id": "g1", "displayName": {"x": 1}}]"#,
        r#""groups": [{"id": "g1", "displayName": "G", "members": [{"display": "no value"}]}]"#,
        r#""groups": [{"id": "g1", "displayName": "G", "members": "u1"}]"#,
    ];
    let policies = load_policies(&[PolicySource {
        path: "p.yaml".into(),
        contents: "version: 1\ngroups:\n  - name: G\n".into(),
    }])
    .unwrap();
    let mut out = String::new();
    for case in cases {
        let text = format!(r#"{{"schema": "scimdrift.snapshot/v1", {case}}}"#);
        let snapshot = Snapshot::from_json_bytes(text.as_bytes(), LIMIT_MB).unwrap();
        let report = check(&snapshot, &policies.policies, &opts());
        assert_eq!(report.status, Status::Incomplete, "{case}");
        out.push_str(&format!(
            "{case}\n  => {}\n",
            report.incomplete_reasons.join("; ")
        ));
    }
    insta::assert_snapshot!(out);
}
