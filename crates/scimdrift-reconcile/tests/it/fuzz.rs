//! Hostile-input fuzz suite for the policy loader (issue 8): structured
//! generators, not just random bytes. Mutated valid policy files (the repo's
//! `policies/` and `tests/fixtures/policies/valid/` are the corpus), deep
//! nesting, huge strings, odd Unicode, anchors and aliases, duplicate keys,
//! BOMs and CRLF.
//!
//! Requirement: no panic, bounded work, and every rejection is a
//! [`Diagnostic`] that renders with `file:line:column` (or, for whole-file
//! problems, the file name) and a message.
//!
//! CI runs a bounded number of cases; `cargo xtask fuzz --cases N` runs more
//! (it sets `SCIMDRIFT_FUZZ_CASES`).

use crate::support::{fixtures, read_policies};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use scimdrift_reconcile::{Diagnostic, Level, MAX_POLICY_FILE_BYTES, PolicySource, load_policies};
use std::path::Path;

fn cases() -> u32 {
    std::env::var("SCIMDRIFT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn runner() -> TestRunner {
    runner_with(cases())
}

/// For suites whose every case does up to a megabyte of work: an eighth of
/// the cases (CI stays fast; `cargo xtask fuzz` still scales them).
fn heavy_runner() -> TestRunner {
    runner_with((cases() / 8).max(8))
}

fn runner_with(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Every policy file of the repository and of the valid fixtures.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out: Vec<String> = read_policies(&root.join("policies"))
        .into_iter()
        .chain(read_policies(&fixtures().join("policies/valid")))
        .map(|p| p.contents)
        .collect();
    out.sort();
    assert!(out.len() >= 5, "policy corpus is missing");
    out
}

/// Fragments that tend to break YAML parsers and renderers.
const JUNK: &[&str] = &[
    "&a",
    "*a",
    "*nope",
    "<<: *a",
    "!!binary",
    "!tag",
    "? ",
    ": ",
    "- ",
    "---",
    "...",
    "%YAML 1.2",
    "{",
    "}",
    "[",
    "]",
    "'",
    "\"",
    "\\",
    "#",
    "|",
    ">-",
    "\t",
    "\r",
    "\r\n",
    "\u{feff}",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{202e}",
    "\u{200b}",
    "\u{301}",
    "é",
    "😀",
    "ﬀ",
    "İ",
    "version: 2",
    "version: 1",
    "groups:",
    "rules:",
    "users: [",
    "name: ",
    "members: exact",
    "where: 'userName eq \"x\"'",
    "where: 'a eq'",
    "max_members: -1",
    "max_members: 1e99",
    "expires: 2024-02-30",
    "expires: 9999-99-99",
    "  ",
    "null",
    "~",
    "0x10",
    ".nan",
    "yes",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    InsertJunk(usize, usize, usize),
    Indent(usize, i8),
    Truncate(usize),
    Bom,
    Crlf,
    Tabs,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(l, c, j)| Mutation::InsertJunk(l, c, j)),
        1 => (any::<usize>(), -4i8..=4).prop_map(|(l, d)| Mutation::Indent(l, d)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => Just(Mutation::Bom),
        1 => Just(Mutation::Crlf),
        1 => Just(Mutation::Tabs),
    ]
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let n = lines.len().max(1);
    match *m {
        Mutation::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % lines.len());
            }
        }
        Mutation::DuplicateLine(i) => {
            let i = i % n;
            if let Some(line) = lines.get(i).cloned() {
                lines.insert(i, line);
            }
        }
        Mutation::SwapLines(a, b) => {
            if !lines.is_empty() {
                let len = lines.len();
                lines.swap(a % len, b % len);
            }
        }
        Mutation::InsertJunk(l, c, j) => {
            let junk = JUNK[j % JUNK.len()];
            if let Some(line) = lines.get_mut(l % n) {
                let at = floor_char_boundary(line, c % (line.len() + 1));
                line.insert_str(at, junk);
            } else {
                lines.push(junk.to_owned());
            }
        }
        Mutation::Indent(l, d) => {
            if let Some(line) = lines.get_mut(l % n) {
                if d >= 0 {
                    line.insert_str(0, &" ".repeat(d.unsigned_abs().into()));
                } else {
                    let strip = line
                        .chars()
                        .take(d.unsigned_abs().into())
                        .take_while(|c| *c == ' ')
                        .count();
                    line.drain(..strip);
                }
            }
        }
        Mutation::Truncate(at) => {
            let joined = lines.join("\n");
            let at = floor_char_boundary(&joined, at % (joined.len() + 1));
            return joined[..at].to_owned();
        }
        Mutation::Bom => return format!("\u{feff}{}", lines.join("\n")),
        Mutation::Crlf => return lines.join("\r\n"),
        Mutation::Tabs => return lines.join("\n").replacen("  ", "\t", 3),
    }
    lines.join("\n")
}

/// The contract every outcome must satisfy. Loading must not panic (a panic
/// fails the test on its own); a rejection is non-empty, holds at least one
/// error, and each diagnostic points into the file or names the whole file.
fn check_outcome(
    path: &str,
    text: &str,
    outcome: Result<Vec<Diagnostic>, Vec<Diagnostic>>,
) -> Result<(), TestCaseError> {
    let (diags, rejected) = match outcome {
        Ok(warnings) => (warnings, false),
        Err(diags) => (diags, true),
    };
    if rejected {
        prop_assert!(!diags.is_empty(), "rejected without a diagnostic");
        prop_assert!(
            diags.iter().any(|d| d.level == Level::Error),
            "rejected without an error: {diags:?}"
        );
    }
    // The YAML parser also breaks lines at a lone `\r`.
    let lines = text.matches(['\n', '\r']).count() + 2;
    for d in &diags {
        prop_assert_eq!(&d.file, path);
        prop_assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
        let rendered = d.render();
        if d.line == 0 {
            // Whole-file problems: named without a position.
            prop_assert!(
                d.message.contains("empty") || d.message.contains("larger than"),
                "position-less diagnostic: {d:?}"
            );
            prop_assert!(rendered.contains(&format!("--> {path}\n")), "{rendered}");
        } else {
            prop_assert!(d.column >= 1, "column 0: {d:?}");
            prop_assert!((d.line as usize) <= lines, "line past the end: {d:?}");
            let loc = format!("--> {path}:{}:{}", d.line, d.column);
            prop_assert!(rendered.contains(&loc), "{rendered}");
        }
    }
    Ok(())
}

fn load_one(path: &str, text: String) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    load_policies(&[PolicySource {
        path: path.to_owned(),
        contents: text,
    }])
    .map(|loaded| loaded.warnings)
}

#[test]
fn fuzz_mutated_policy_files_never_panic() {
    let corpus = corpus();
    let strategy = (0..corpus.len(), proptest::collection::vec(mutation(), 1..6));
    runner()
        .run(&strategy, |(i, mutations)| {
            let text = mutations
                .iter()
                .fold(corpus[i].clone(), |t, m| apply(&t, m));
            let outcome = load_one("team/policy.yaml", text.clone());
            check_outcome("team/policy.yaml", &text, outcome)
        })
        .unwrap();
}

#[test]
fn fuzz_mutated_policy_sets_never_panic() {
    // Several files at once: cross-file checks (duplicate groups, rule ids,
    // settings given twice) must cope with whatever each file holds.
    let corpus = corpus();
    let strategy = proptest::collection::vec(
        (0..corpus.len(), proptest::collection::vec(mutation(), 0..3)),
        1..4,
    );
    runner()
        .run(&strategy, |files| {
            let sources: Vec<PolicySource> = files
                .iter()
                .enumerate()
                .map(|(n, (i, ms))| PolicySource {
                    path: format!("f{n}.yaml"),
                    contents: ms.iter().fold(corpus[*i].clone(), |t, m| apply(&t, m)),
                })
                .collect();
            match load_policies(&sources) {
                Ok(_) => {}
                Err(diags) => {
                    prop_assert!(diags.iter().any(|d| d.level == Level::Error));
                    for d in &diags {
                        prop_assert!(sources.iter().any(|s| s.path == d.file), "{d:?}");
                        prop_assert!(!d.render().is_empty());
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

fn nested(depth: usize, style: u8) -> String {
    match style % 4 {
        0 => format!(
            "version: 1\ngroups: {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        1 => format!(
            "version: 1\ngroups: {}x{}\n",
            "{a: ".repeat(depth),
            "}".repeat(depth)
        ),
        2 => {
            let mut s = String::from("version: 1\ngroups:\n");
            for d in 0..depth {
                s.push_str(&"  ".repeat(d + 1));
                s.push_str("-\n");
            }
            s
        }
        _ => {
            let mut s = String::from("version: 1\ngroups:\n");
            for d in 0..depth {
                s.push_str(&"  ".repeat(d + 1));
                s.push_str("k:\n");
            }
            s
        }
    }
}

#[test]
fn fuzz_deep_nesting_is_refused_with_the_limit() {
    runner()
        .run(&(1usize..400, any::<u8>()), |(depth, style)| {
            let text = nested(depth, style);
            let outcome = load_one("deep.yaml", text.clone());
            if depth > 70 {
                let Err(diags) = &outcome else {
                    return Err(TestCaseError::fail(format!("depth {depth} accepted")));
                };
                prop_assert!(
                    diags
                        .iter()
                        .any(|d| d.message.contains("nested deeper than 64")),
                    "{diags:?}"
                );
            }
            check_outcome("deep.yaml", &text, outcome)
        })
        .unwrap();
}

#[test]
fn fuzz_aliases_and_anchors_stay_bounded() {
    // Random alias graphs: `levels` anchors, each a list of `fan` aliases to
    // the previous one (billion laughs when both are large), used somewhere
    // in a real policy file.
    heavy_runner()
        .run(&(1usize..14, 1usize..12, 0u8..3), |(levels, fan, place)| {
            let mut text = String::from("version: 1\nx-anchors:\n  a0: &a0 [lol]\n");
            for i in 1..levels {
                let refs = vec![format!("*a{}", i - 1); fan].join(", ");
                text.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
            }
            let last = levels - 1;
            match place {
                0 => text.push_str(&format!("groups:\n  - name: G\n    users: *a{last}\n")),
                1 => text.push_str(&format!("groups: *a{last}\n")),
                _ => text.push_str(&format!("groups:\n  - *a{last}\n")),
            }
            let expanded = (0..levels).fold(1u128, |acc, _| acc.saturating_mul(fan as u128));
            let outcome = load_one("aliases.yaml", text.clone());
            if expanded > 200_000 {
                let Err(diags) = &outcome else {
                    return Err(TestCaseError::fail("alias bomb accepted"));
                };
                prop_assert!(
                    diags
                        .iter()
                        .any(|d| d.message.contains("more than 100000 YAML nodes")),
                    "{diags:?}"
                );
            }
            check_outcome("aliases.yaml", &text, outcome)
        })
        .unwrap();
}

#[test]
fn fuzz_alias_chains_cannot_nest_past_the_depth_limit() {
    // Each anchor nests the previous alias a little deeper: the expanded tree
    // gets deeper than any single anchor's text.
    runner()
        .run(&(2usize..200, 1usize..60), |(levels, step)| {
            let mut text = String::from("version: 1\nx:\n  - &a0 x\n");
            for i in 1..levels {
                text.push_str(&format!(
                    "  - &a{i} {}*a{}{}\n",
                    "[".repeat(step),
                    i - 1,
                    "]".repeat(step)
                ));
            }
            let outcome = load_one("chain.yaml", text.clone());
            check_outcome("chain.yaml", &text, outcome)
        })
        .unwrap();
}

#[test]
fn fuzz_huge_and_odd_strings() {
    let odd = prop_oneof![
        Just("\u{202e}evil\u{202c}".to_owned()),
        Just("a\u{200b}b".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("😀".repeat(3)),
        Just("\u{feff}x".to_owned()),
        Just("İı".to_owned()),
        "\\PC{0,40}",
        ".{0,40}",
    ];
    heavy_runner()
        .run(
            &(
                odd,
                0usize..3,
                prop_oneof![5 => Just(0u8), 3 => Just(1), 1 => Just(2)],
            ),
            |(s, field, size)| {
                let big = match size {
                    0 => s.clone(),
                    1 => s.repeat(500),
                    _ => "x".repeat(MAX_POLICY_FILE_BYTES + 1),
                };
                let quoted = serde_json::to_string(&big).unwrap_or_default();
                let text = match field {
                    0 => format!("version: 1\ngroups:\n  - name: {quoted}\n    owner: a@b.c\n"),
                    1 => format!("version: 1\ngroups:\n  - name: G\n    users: [{quoted}]\n"),
                    _ => format!("version: 1\n{quoted}: 1\n"),
                };
                let outcome = load_one("odd.yaml", text.clone());
                if text.len() > MAX_POLICY_FILE_BYTES {
                    let Err(diags) = &outcome else {
                        return Err(TestCaseError::fail("oversized file accepted"));
                    };
                    prop_assert!(diags[0].message.contains("larger than 1024 KiB"));
                }
                check_outcome("odd.yaml", &text, outcome)
            },
        )
        .unwrap();
}

#[test]
fn fuzz_duplicate_keys_are_reported_at_both_places() {
    let keys = ["version", "groups", "name", "owner", "users", "members"];
    runner()
        .run(&(0..keys.len()), |k| {
            let key = keys[k];
            let text = if k < 2 {
                format!("version: 1\ngroups: []\n{key}: 1\n")
            } else {
                format!("version: 1\ngroups:\n  - name: G\n    owner: a@b.c\n    users: []\n    members: exact\n    {key}: x\n")
            };
            let outcome = load_one("dup.yaml", text.clone());
            let Err(diags) = &outcome else {
                return Err(TestCaseError::fail("duplicate key accepted"));
            };
            let dup = diags
                .iter()
                .find(|d| d.message.contains(&format!("duplicate key `{key}`")));
            prop_assert!(dup.is_some(), "{diags:?}");
            prop_assert!(dup.and_then(|d| d.related.as_ref()).is_some());
            check_outcome("dup.yaml", &text, outcome)
        })
        .unwrap();
}

#[test]
fn fuzz_bom_and_crlf_do_not_change_the_meaning() {
    // A valid file with a BOM and/or CRLF line endings loads the same
    // policies as the original.
    let corpus = corpus();
    runner()
        .run(
            &(0..corpus.len(), any::<bool>(), any::<bool>()),
            |(i, bom, crlf)| {
                let mut text = corpus[i].clone();
                if crlf {
                    text = text.replace('\n', "\r\n");
                }
                if bom {
                    text.insert(0, '\u{feff}');
                }
                let plain = load_policies(&[PolicySource {
                    path: "p.yaml".to_owned(),
                    contents: corpus[i].clone(),
                }]);
                let changed = load_one("p.yaml", text.clone());
                match (&plain, &changed) {
                    (Ok(a), Ok(_)) => {
                        let b = load_policies(&[PolicySource {
                            path: "p.yaml".to_owned(),
                            contents: text.clone(),
                        }]);
                        let b = b.map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
                        prop_assert_eq!(a.policies.groups.len(), b.policies.groups.len());
                        prop_assert_eq!(a.policies.rules.len(), b.policies.rules.len());
                    }
                    (Err(_), Err(_)) => {}
                    _ => {
                        return Err(TestCaseError::fail(format!(
                            "bom={bom} crlf={crlf} changed the outcome: {changed:?}"
                        )));
                    }
                }
                check_outcome("p.yaml", &text, changed)
            },
        )
        .unwrap();
}

#[test]
fn fuzz_billion_laughs_is_refused_by_the_alias_limit() {
    let mut text =
        String::from("version: 1\nx:\n  - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("  - &a{i} [{refs}]\n"));
    }
    text.push_str("groups: *a8\n");
    let diags = load_one("laughs.yaml", text).unwrap_err();
    insta::assert_snapshot!(scimdrift_reconcile::render_all(&diags));
}

#[test]
fn fuzz_alias_chain_depth_is_refused_with_the_limit() {
    let mut text = String::from("version: 1\nx:\n  - &a0 x\n");
    for i in 1..10 {
        let open = "[".repeat(10);
        let close = "]".repeat(10);
        text.push_str(&format!("  - &a{i} {open}*a{}{close}\n", i - 1));
    }
    let diags = load_one("chain.yaml", text).unwrap_err();
    insta::assert_snapshot!(scimdrift_reconcile::render_all(&diags));
}
