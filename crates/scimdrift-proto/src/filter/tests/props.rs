//! Property tests: print/parse round trip on generated trees, no panics on
//! arbitrary input, `quote` never changes a filter's structure.

use crate::filter::{AttrPath, CompValue, CompareOp, Expr, ExprKind, Filter, quote};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
        Just("$ref".to_owned()),
        Just("pr".to_owned()),
        Just("and".to_owned()),
        Just("not".to_owned()),
        Just("or".to_owned()),
        Just("value".to_owned()),
    ]
}

fn urn() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned())),
        1 => "urn:[a-z]{1,5}:[a-z0-9.]{1,5}:[A-Za-z]{1,5}".prop_map(Some),
    ]
}

fn path() -> impl Strategy<Value = AttrPath> {
    (urn(), name(), proptest::option::of(name())).prop_map(|(urn, name, sub)| AttrPath {
        urn,
        name,
        sub,
    })
}

fn value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(CompareOp::ALL.to_vec())
}

/// A leaf; inside `[…]` paths are plain names.
fn leaf(in_vp: bool) -> BoxedStrategy<Expr> {
    let p: BoxedStrategy<AttrPath> = if in_vp {
        name().prop_map(AttrPath::simple).boxed()
    } else {
        path().boxed()
    };
    prop_oneof![
        p.clone().prop_map(|p| Expr::new(ExprKind::Present(p))),
        (p, op(), value()).prop_map(|(p, o, v)| Expr::new(ExprKind::Compare(p, o, v))),
    ]
    .boxed()
}

fn tree(in_vp: bool) -> BoxedStrategy<Expr> {
    leaf(in_vp)
        .prop_recursive(5, 40, 4, move |inner| {
            let mut options = vec![
                proptest::collection::vec(inner.clone(), 2..4)
                    .prop_map(|t| Expr::new(ExprKind::Or(t)))
                    .boxed(),
                proptest::collection::vec(inner.clone(), 2..4)
                    .prop_map(|t| Expr::new(ExprKind::And(t)))
                    .boxed(),
                inner
                    .clone()
                    .prop_map(|e| Expr::new(ExprKind::Not(Box::new(e))))
                    .boxed(),
            ];
            if !in_vp {
                options.push(
                    (urn(), name(), tree(true))
                        .prop_map(|(urn, name, e)| {
                            Expr::new(ExprKind::ValuePath(
                                AttrPath {
                                    urn,
                                    name,
                                    sub: None,
                                },
                                Box::new(e),
                            ))
                        })
                        .boxed(),
                );
            }
            proptest::strategy::Union::new(options)
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printed_trees_parse_back_to_themselves(expr in tree(false)) {
        let text = expr.to_string();
        let parsed = Filter::parse(&text).map_err(|e| TestCaseError::fail(e.render(&text)))?;
        prop_assert_eq!(parsed.expr(), &expr, "{}", text);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        if let Err(e) = Filter::parse(&s) {
            let _ = e.render(&s);
            prop_assert!(e.span().start <= s.len());
        }
    }

    #[test]
    fn filter_like_strings_never_panic(s in r#"[a-z() \[\]."\\:$0-9eE+-]{0,40}"#) {
        match Filter::parse(&s) {
            Ok(f) => {
                let again = Filter::parse(&f.to_string());
                prop_assert!(again.is_ok(), "{} -> {}", s, f);
            }
            Err(e) => { let _ = e.render(&s); }
        }
    }

    #[test]
    fn quote_never_changes_structure(v in any::<String>(), attr in name()) {
        let text = format!("{attr} eq {} and userName pr", quote(&v));
        let f = Filter::parse(&text).map_err(|e| TestCaseError::fail(e.render(&text)))?;
        let expected = Expr::new(ExprKind::And(vec![
            Expr::new(ExprKind::Compare(AttrPath::simple(attr), CompareOp::Eq, CompValue::String(v))),
            Expr::new(ExprKind::Present(AttrPath::simple("userName"))),
        ]));
        prop_assert_eq!(f.expr(), &expected);
    }

    #[test]
    fn arbitrary_json_never_panics_the_evaluator(v in json_value(), expr in tree(false)) {
        let f = Filter::from_expr(expr);
        let _ = f.evaluate(&v);
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(Value::Number),
        prop_oneof![
            any::<String>(),
            name(),
            Just("2024-01-01T00:00:00Z".to_owned())
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map(name(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
