//! Hostile-input fuzz suite for the filter parser and evaluator (issue 8):
//! structured generators, not just random bytes. Mutated valid filters, deep
//! nesting, huge strings, odd Unicode.
//!
//! Requirement: no panic, no hang, no unbounded memory, and every rejection
//! is a clear error (a non-empty message, a span inside the input, a
//! rendering). Accepted input must print canonically and re-parse to the same
//! tree.
//!
//! CI runs a bounded number of cases; `cargo xtask fuzz --cases N` runs more
//! (it sets `SCIMDRIFT_FUZZ_CASES`).

use crate::filter::{Filter, MAX_LEN};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

fn cases() -> u32 {
    std::env::var("SCIMDRIFT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Valid filters covering every grammar rule; the mutators start here.
const CORPUS: &[&str] = &[
    r#"userName eq "bjensen@example.com""#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]"#,
    r#"not (active eq false) and meta.lastModified gt "2024-01-01T00:00:00Z""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
    r#"embedEntity eq "tenant-17" and not (groups[display eq "Admins"])"#,
    r#"emails[type eq "work"].value eq "a\"b\\c\u00e9\ud83d\ude00""#,
    "n ge -1.5e3 or n lt 0 or members.$ref pr",
    "(a pr or b pr) and (c pr or (d pr and not(e pr)))",
];

/// Characters that tend to break lexers and renderers.
const SPICY: &[&str] = &[
    "(", ")", "[", "]", "\"", "\\", ".", ":", "$", " ", "\t", "\n", "\r\n", "'", "-", "+", "e",
    "0", "é", "😀", "\u{0}", "\u{7f}", "\u{202e}", "\u{200b}", "\u{feff}", "\u{a0}", "\u{fffd}",
    "\u{301}", "\\u", "\\uD800", " and ", " or ", "not (", " pr", " eq ", "true", "TRUE", "null",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0usize..8).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, s)| Mutation::Insert(a, s)),
        (any::<usize>(), 0usize..12).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Applies mutations on char boundaries.
fn mutate(base: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    for m in mutations {
        let len = chars.len();
        let at = |a: usize| if len == 0 { 0 } else { a % (len + 1) };
        match *m {
            Mutation::Delete(a, n) => {
                let start = at(a).min(len);
                let end = (start + n).min(len);
                chars.drain(start..end);
            }
            Mutation::Insert(a, s) => {
                let pos = at(a);
                let piece = SPICY[s % SPICY.len()];
                for (i, c) in piece.chars().enumerate() {
                    chars.insert(pos + i, c);
                }
            }
            Mutation::Duplicate(a, n) => {
                let start = at(a).min(len);
                let end = (start + n).min(len);
                let slice: Vec<char> = chars[start..end].to_vec();
                for (i, c) in slice.into_iter().enumerate() {
                    chars.insert(end + i, c);
                }
            }
            Mutation::Truncate(a) => chars.truncate(at(a)),
        }
    }
    chars.into_iter().collect()
}

/// The properties every input must satisfy.
fn check(input: &str) -> Result<(), TestCaseError> {
    match Filter::parse(input) {
        Ok(filter) => {
            let text = filter.to_string();
            let again = Filter::parse(&text)
                .map_err(|e| TestCaseError::fail(format!("{input:?} -> {text:?}: {e}")))?;
            prop_assert_eq!(&again, &filter, "{:?} -> {:?}", input, text);
            prop_assert_eq!(again.to_string(), text);
            let resource = json!({
                "id": "x", "userName": "A", "active": true, "n": 1,
                "emails": [{"type": "work", "value": "a@example.com"}, null, "odd"],
                "meta": {"lastModified": "2024-06-01T00:00:00Z"},
            });
            let _ = filter.evaluate(&resource);
            let _ = filter.attribute_paths();
        }
        Err(e) => {
            prop_assert!(!e.message().is_empty());
            let span = e.span();
            prop_assert!(span.start <= span.end, "{:?}: {:?}", input, span);
            prop_assert!(span.end <= input.len(), "{:?}: {:?}", input, span);
            let rendered = e.render(input);
            prop_assert!(rendered.contains('^') && rendered.contains(e.message()));
        }
    }
    Ok(())
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

#[test]
fn fuzz_mutated_valid_filters() {
    let strategy = (
        proptest::sample::select(CORPUS),
        proptest::collection::vec(mutation(), 1..6),
    );
    run(cases(), strategy, |(base, mutations)| {
        check(&mutate(base, &mutations))
    });
}

#[test]
fn fuzz_deep_nesting() {
    let opener = proptest::sample::select(&["(", "not (", "not(", "a[", "( ", "emails["][..]);
    let strategy = (
        proptest::collection::vec(opener, 0..400),
        proptest::sample::select(&["a pr", "", "b eq 1 or c pr", ")", "]"][..]),
        0usize..420,
        proptest::sample::select(&[")", "]", ") and x pr)"][..]),
    );
    run(cases(), strategy, |(openers, middle, closers, closer)| {
        let input = format!("{}{middle}{}", openers.concat(), closer.repeat(closers));
        check(&input)
    });
}

#[test]
fn fuzz_huge_inputs() {
    let strategy = (
        0usize..6,
        1usize..(MAX_LEN / 64),
        proptest::sample::select(SPICY),
    );
    // Each case is up to a few hundred KiB: a quarter of the case budget.
    run(cases().div_ceil(4), strategy, |(shape, n, piece)| {
        let input = match shape {
            0 => format!(r#"a eq "{}""#, piece.repeat(n)),
            1 => format!("{} pr", "a".repeat(n * 16)),
            2 => format!("n eq {}", "9".repeat(n)),
            3 => format!("n eq 1e{}", "9".repeat(n.min(4000))),
            4 => vec!["a pr"; n.min(20_000)].join(" or "),
            _ => piece.repeat(n),
        };
        check(&input)
    });
    // Just past the length cap: a clean error naming the limit.
    let over = format!(r#"a eq "{}""#, "x".repeat(MAX_LEN));
    let e = Filter::parse(&over).expect_err("over the cap");
    assert!(
        e.message().contains(&MAX_LEN.to_string()),
        "{}",
        e.message()
    );
}

#[test]
fn fuzz_odd_unicode() {
    let strategy = prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "[\u{0}-\u{1f}\u{7f}\u{a0}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{feff}a-z \"()\\[\\]]{0,40}",
        any::<String>().prop_map(|s| format!(r#"userName eq "{s}""#)),
        any::<String>().prop_map(|s| format!("{s} pr")),
        any::<String>().prop_map(|s| format!("a eq {}", crate::filter::quote(&s))),
    ];
    run(cases(), strategy, |s| check(&s));
}
