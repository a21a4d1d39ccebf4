//! Comparisons across JSON types, as tables: every attribute value type
//! (string, number, boolean, null, array, object) against every literal type
//! a filter can hold (string, number, boolean, null; RFC 7644 has no array or
//! object literals), on a simple attribute, a multi-valued attribute, a value
//! filter and a multi-valued sub-attribute.
//!
//! `eq` is true only for identical values; values of different JSON types are
//! never identical, so `eq` is false and `ne` true (RFC 7644 §3.4.2.2: "the
//! attribute and operator values must be identical for a match").
//! Ordering (`gt`/`ge`/`lt`/`le`) and `co`/`sw`/`ew` across types stay
//! `invalidFilter` errors.

use crate::filter::{EvalError, Filter};
use serde_json::{Value, json};

/// The literals, in column order. Look-alikes on purpose: `"6"` vs `6`,
/// `"true"` vs `true`, `1` vs `true`.
const LITERALS: [&str; 6] = [r#""6""#, r#""true""#, "6", "1", "true", "null"];

/// A value of each JSON type. An array is what a multi-valued attribute
/// holds, so its elements are what gets compared: the array row is
/// `[[6]]`, a multi-valued attribute whose one value is the array `[6]`,
/// which no literal equals. A
/// complex value without a sub-attribute compares its `value`, so an object
/// with `value` is a row of its own.
fn samples() -> [(&'static str, Value); 7] {
    [
        ("string", json!("6")),
        ("number", json!(6)),
        ("boolean", json!(true)),
        ("null", json!(null)),
        ("array", json!([[6]])),
        ("object", json!({"k": 6})),
        ("object with value", json!({"value": 6})),
    ]
}

/// `x eq LITERAL` per sample row and literal column (`T` match, `F` none).
/// `ne` is the negation of every cell. `eq null` is `not (x pr)`: true only
/// for the null row.
const EQ: [(&str, &str); 7] = [
    //                      "6"  "true"  6  1  true  null
    ("string", "TFFFFF"),
    ("number", "FFTFFF"),
    ("boolean", "FFFFTF"),
    ("null", "FFFFFT"),
    ("array", "FFFFFF"),
    ("object", "FFFFFF"),
    ("object with value", "FFTFFF"),
];

/// The four shapes a sample is put in, with the filter around `OP LIT`.
/// Each holds the sample once, so each gives the same answer.
fn shapes(sample: &Value) -> [(&'static str, Value, &'static str); 4] {
    [
        ("simple", json!({ "x": sample }), "x {op} {lit}"),
        ("multi-valued", json!({ "x": [sample] }), "x {op} {lit}"),
        (
            "value filter",
            json!({ "c": [{ "x": sample }] }),
            "c[x {op} {lit}]",
        ),
        (
            "sub-attribute",
            json!({ "c": [{ "x": sample }] }),
            "c.x {op} {lit}",
        ),
    ]
}

fn run(template: &str, op: &str, lit: &str, resource: &Value) -> (String, Result<bool, EvalError>) {
    let text = template.replace("{op}", op).replace("{lit}", lit);
    let filter = Filter::parse(&text).unwrap_or_else(|e| panic!("{}", e.render(&text)));
    let got = filter.evaluate(resource);
    (text, got)
}

#[test]
fn eq_and_ne_across_every_pair_of_types() {
    let mut checked = 0;
    for ((row, sample), (eq_row, cells)) in samples().iter().zip(EQ) {
        assert_eq!(*row, eq_row);
        for (shape, resource, template) in shapes(sample) {
            for (lit, cell) in LITERALS.iter().zip(cells.chars()) {
                let expected = cell == 'T';
                let (text, got) = run(template, "eq", lit, &resource);
                assert_eq!(got, Ok(expected), "{row} ({shape}): `{text}` on {resource}");
                let (text, got) = run(template, "ne", lit, &resource);
                assert_eq!(
                    got,
                    Ok(!expected),
                    "{row} ({shape}): `{text}` on {resource}"
                );
                checked += 2;
            }
        }
    }
    assert_eq!(checked, 7 * 4 * 6 * 2);
}

/// Ordering and substring operators per sample row and literal column
/// (`"6"`, `6`, `true`, `null`): `E` is `invalidFilter`, `F` no match (the
/// attribute holds nothing comparable: absent, a nested array, an object
/// without `value`), `.` a real comparison (its answer is tested in
/// `eval_cases.rs`).
const ORDERING: [(&str, &str); 7] = [
    //                      "6"  6  true  null
    ("string", ".EEE"),
    ("number", "E.EE"),
    ("boolean", "EEEE"),
    ("null", "FFEE"),
    ("array", "FFEE"),
    ("object", "FFEE"),
    ("object with value", "E.EE"),
];

const SUBSTRING: [(&str, &str); 7] = [
    //                      "6"  6  true  null
    ("string", ".EEE"),
    ("number", "EEEE"),
    ("boolean", "EEEE"),
    ("null", "FEEE"),
    ("array", "FEEE"),
    ("object", "FEEE"),
    ("object with value", "EEEE"),
];

#[test]
fn ordering_and_substring_across_types_stay_invalid() {
    let lits = [r#""6""#, "6", "true", "null"];
    let tables = [
        (["gt", "ge", "lt", "le"].as_slice(), ORDERING),
        (["co", "sw", "ew"].as_slice(), SUBSTRING),
    ];
    let mut checked = 0;
    for (ops, table) in tables {
        for ((row, sample), (table_row, cells)) in samples().iter().zip(table) {
            assert_eq!(*row, table_row);
            for (shape, resource, template) in shapes(sample) {
                for (lit, cell) in lits.iter().zip(cells.chars()) {
                    for op in ops {
                        let (text, got) = run(template, op, lit, &resource);
                        let ok = match cell {
                            'E' => got.is_err(),
                            'F' => got == Ok(false),
                            _ => got.is_ok(),
                        };
                        assert!(
                            ok,
                            "{row} ({shape}): `{text}` on {resource}: {got:?}, want {cell}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 7 * 4 * 4 * 7);
}

/// The same-type cells marked `.` above, with their answers.
#[test]
fn same_type_ordering_and_substrings() {
    let cases = [
        (json!({"x": "6"}), r#"x ge "6""#, true),
        (json!({"x": "6"}), r#"x gt "6""#, false),
        (json!({"x": "6"}), r#"x co "6""#, true),
        (json!({"x": 6}), "x le 6", true),
        (json!({"x": 6}), "x lt 6", false),
        (json!({"x": [{"value": 6}]}), "x gt 5", true),
        (json!({"c": [{"x": "abc"}]}), r#"c[x sw "a"]"#, true),
        (json!({"c": [{"x": "abc"}]}), r#"c.x ew "b""#, false),
    ];
    for (resource, text, expected) in cases {
        let got = Filter::parse(text).unwrap().evaluate(&resource);
        assert_eq!(got, Ok(expected), "`{text}` on {resource}");
    }
}

/// A multi-valued attribute with values of several types matches when any
/// value is identical; the others are simply not equal.
#[test]
fn mixed_multi_valued_attributes() {
    let r = json!({"x": [6, "6", true, null, [6], {"k": 6}]});
    for (text, expected) in [
        (r#"x eq "6""#, true),
        ("x eq 6", true),
        ("x eq true", true),
        (r#"x eq "true""#, false),
        ("x eq false", false),
        (r#"x ne "6""#, false),
        (r#"x ne "7""#, true),
        ("x eq null", false),
    ] {
        let got = Filter::parse(text).unwrap().evaluate(&r);
        assert_eq!(got, Ok(expected), "`{text}`");
    }
}
