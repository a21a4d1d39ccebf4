//! Evaluation: the tree is compiled once into a plan ([`Node`]) whose string
//! literals are already case-folded and whose timestamps are already parsed,
//! then run against resources. On the common paths (ASCII strings, numbers,
//! booleans, `pr`) evaluating allocates nothing.
//!
//! The rules are `scim-filter.md`'s: case-exactness per attribute, "any value
//! matches" for multi-valued attributes, `ne` = `not eq`, `eq null` =
//! `not pr`, dateTimes compared as instants, `eq` false (and `ne` true)
//! between values of different JSON types, and `invalidFilter` errors for
//! the comparisons SCIM leaves undefined (ordering booleans, ordering a
//! number against a string, `co`/`sw`/`ew` on non-strings).

use super::ast::{AttrPath, CompValue, CompareOp, Expr, ExprKind};
use super::error::EvalError;
use jiff::Timestamp;
use serde_json::{Number, Value};
use std::cmp::Ordering;

/// Attributes whose strings compare case-exactly, as (attribute,
/// sub-attribute). Everything else compares case-insensitively.
const CASE_EXACT: &[(&str, Option<&str>)] = &[
    ("id", None),
    ("externalId", None),
    ("embedExternalId", None),
    ("meta", Some("resourceType")),
    ("meta", Some("version")),
    ("meta", Some("location")),
    ("members", Some("value")),
    ("members", Some("$ref")),
    ("groups", Some("value")),
    ("groups", Some("$ref")),
];

/// Attributes of type dateTime, as (attribute, sub-attribute); `lastLogin`
/// is one wherever it sits (Omni's extension).
const DATE_TIME: &[(&str, Option<&str>)] = &[
    ("meta", Some("created")),
    ("meta", Some("lastModified")),
    ("lastLogin", None),
];

/// Whether `(name, sub)` is in `table`, names compared case-insensitively.
fn in_table(table: &[(&str, Option<&str>)], name: &str, sub: Option<&str>) -> bool {
    table.iter().any(|(n, s)| {
        n.len() == name.len()
            && n.eq_ignore_ascii_case(name)
            && match (s, sub) {
                (Some(s), Some(sub)) => s.eq_ignore_ascii_case(sub),
                (None, None) => true,
                _ => false,
            }
    })
}

/// A compiled filter node: the facts about one node of the syntax tree that
/// evaluation needs and the tree does not hold (case-exactness, the parsed
/// timestamp, a folded non-ASCII literal, an error decided up front).
///
/// The plan has exactly the tree's shape and is walked in lockstep with it:
/// attribute names and literals are read from the tree, never copied, so
/// compiling a filter of plain ASCII comparisons allocates nothing but the
/// `Vec` of each `and`/`or` and the `Box` of each `not (…)`/`[…]`.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Present,
    Cmp(Cmp),
    /// `x eq null` (`not (x pr)`, `negate`) or `x ne null` (`x pr`).
    Null {
        negate: bool,
    },
    ValuePath(Box<Node>),
    /// A comparison SCIM leaves undefined; evaluating it is an error.
    Invalid(String),
}

/// A resolved attribute path: the tree's path, whether its URN names a core
/// schema (whose attributes live at the top level), and whether it is
/// relative to the resource rather than to an element inside `[…]` (a name
/// missing at the top level is then also looked up in extension objects).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Path<'p> {
    path: &'p AttrPath,
    core: bool,
    top: bool,
}

impl<'p> Path<'p> {
    pub(crate) fn new(path: &'p AttrPath, top: bool) -> Self {
        Path {
            core: path.urn.as_deref().is_some_and(|u| {
                u.len() >= 34 && u[..34].eq_ignore_ascii_case("urn:ietf:params:scim:schemas:core:")
            }),
            path,
            top,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Cmp {
    /// Never `Ne` (compiled to `Eq` with `negate`).
    op: CompareOp,
    negate: bool,
    case_exact: bool,
    /// The string literal is ASCII.
    ascii: bool,
    /// The string literal read as an RFC 3339 timestamp, when it is one.
    ts: Option<Timestamp>,
    /// A non-ASCII string literal of a case-insensitive attribute, folded
    /// char by char with `char::to_lowercase` (ASCII literals are compared
    /// with `eq_ignore_ascii_case` and need no copy).
    folded: Option<Box<str>>,
}

/// Reads an RFC 3339 timestamp. A cheap shape check (`YYYY-MM-DDT…`) runs
/// first: most strings are not timestamps, and a failed full parse builds an
/// error value, which is far slower.
fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let shaped = b.len() >= 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ');
    if !shaped {
        return None;
    }
    s.parse().ok()
}

fn literal_kind(value: &CompValue) -> &'static str {
    match value {
        CompValue::Null => "null",
        CompValue::Bool(_) => "a boolean",
        CompValue::Number(_) => "a number",
        CompValue::String(_) => "a string",
    }
}

/// The path as written (inside `[…]`: `parent.name`), for messages.
fn shown(path: &AttrPath, parent: Option<&AttrPath>) -> String {
    match parent {
        Some(p) => format!("{p}.{}", path.name),
        None => path.to_string(),
    }
}

/// Compiles a tree into an evaluation plan. `parent` is the attribute of the
/// enclosing value filter, if any.
pub(crate) fn compile(expr: &Expr, parent: Option<&AttrPath>) -> Node {
    match &expr.kind {
        ExprKind::Or(terms) => Node::Or(terms.iter().map(|t| compile(t, parent)).collect()),
        ExprKind::And(terms) => Node::And(terms.iter().map(|t| compile(t, parent)).collect()),
        ExprKind::Not(inner) => Node::Not(Box::new(compile(inner, parent))),
        ExprKind::Present(_) => Node::Present,
        ExprKind::ValuePath(path, inner) => Node::ValuePath(Box::new(compile(inner, Some(path)))),
        ExprKind::Compare(path, op, value) => compile_cmp(path, *op, value, parent),
    }
}

fn compile_cmp(
    path: &AttrPath,
    op: CompareOp,
    value: &CompValue,
    parent: Option<&AttrPath>,
) -> Node {
    // Inside `[…]` the attribute is `parent.name`.
    let (first, second) = match parent {
        Some(p) => (p.name.as_str(), Some(path.name.as_str())),
        None => (path.name.as_str(), path.sub.as_deref()),
    };
    let shown = || shown(path, parent);
    let mut cmp = Cmp {
        op: if op == CompareOp::Ne {
            CompareOp::Eq
        } else {
            op
        },
        negate: op == CompareOp::Ne,
        case_exact: false,
        ascii: true,
        ts: None,
        folded: None,
    };
    match value {
        CompValue::Null => {
            return match op {
                CompareOp::Eq => Node::Null { negate: true },
                CompareOp::Ne => Node::Null { negate: false },
                _ => {
                    let shown = shown();
                    Node::Invalid(format!(
                        "`{op}` cannot compare with null; test presence with `{shown} pr` or `not ({shown} pr)`"
                    ))
                }
            };
        }
        _ if op.is_substring() && !matches!(value, CompValue::String(_)) => {
            return Node::Invalid(format!(
                "`{op}` works on strings, but `{}` is compared with {}",
                shown(),
                literal_kind(value)
            ));
        }
        CompValue::Bool(_) if op.is_ordering() => {
            return Node::Invalid(format!(
                "`{op}` orders values, and booleans have no order (`{} {op} {value}`)",
                shown()
            ));
        }
        CompValue::Bool(_) | CompValue::Number(_) => {}
        CompValue::String(s) => {
            cmp.ts = parse_timestamp(s);
            if cmp.ts.is_none() && in_table(DATE_TIME, first, second) && !op.is_substring() {
                return Node::Invalid(format!(
                    "`{}` is a dateTime: compare it with an RFC 3339 timestamp such as \"2024-01-31T00:00:00Z\", not {}",
                    shown(),
                    super::escape::quote(s)
                ));
            }
            cmp.case_exact = in_table(CASE_EXACT, first, second);
            cmp.ascii = s.is_ascii();
            if !cmp.case_exact && !cmp.ascii {
                cmp.folded = Some(s.chars().flat_map(char::to_lowercase).collect());
            }
        }
    }
    Node::Cmp(cmp)
}

/// Runs a plan against a resource (or, inside `[…]`, an element), in
/// lockstep with the tree it was compiled from. `parent` is the attribute
/// of the enclosing value filter, if any.
pub(crate) fn evaluate(
    expr: &Expr,
    node: &Node,
    res: &Value,
    parent: Option<&AttrPath>,
) -> Result<bool, EvalError> {
    let top = parent.is_none();
    match (&expr.kind, node) {
        (ExprKind::Or(terms), Node::Or(nodes)) => {
            for (term, node) in terms.iter().zip(nodes) {
                if evaluate(term, node, res, parent)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        (ExprKind::And(terms), Node::And(nodes)) => {
            for (term, node) in terms.iter().zip(nodes) {
                if !evaluate(term, node, res, parent)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (ExprKind::Not(inner), Node::Not(node)) => Ok(!evaluate(inner, node, res, parent)?),
        (ExprKind::Present(path), Node::Present) => {
            any_value(res, Path::new(path, top), &mut |v| Ok(present(v)))
        }
        (ExprKind::Compare(path, _, _), Node::Null { negate }) => {
            let pr = any_value(res, Path::new(path, top), &mut |v| Ok(present(v)))?;
            Ok(pr != *negate)
        }
        (ExprKind::Compare(path, _, value), Node::Cmp(cmp)) => {
            let at = Path::new(path, top);
            let hit = any_value(res, at, &mut |v| compare(cmp, value, v, path, parent))?;
            Ok(hit != cmp.negate)
        }
        (ExprKind::ValuePath(path, inner), Node::ValuePath(node)) => {
            any_value(res, Path::new(path, top), &mut |elem| {
                evaluate(inner, node, elem, Some(path))
            })
        }
        (_, Node::Invalid(message)) => Err(EvalError::new(message.clone())),
        _ => Err(EvalError::new(
            "internal error: the evaluation plan does not match the filter",
        )),
    }
}

/// `obj[key]`, matching the key case-insensitively (an exact match wins,
/// then the first case-insensitive one in key order).
///
/// One pass that compares lengths first: SCIM resources have a few dozen
/// keys at most, and a B-tree lookup (a string comparison per key visited)
/// followed, on a miss, by a case-insensitive scan costs several times more.
fn get_ci<'v>(obj: &'v Value, key: &str) -> Option<&'v Value> {
    let map = obj.as_object()?;
    let mut folded = None;
    for (k, v) in map {
        if k.len() == key.len() {
            if k == key {
                return Some(v);
            }
            if folded.is_none() && k.eq_ignore_ascii_case(key) {
                folded = Some(v);
            }
        }
    }
    folded
}

/// The value of the path's attribute (before sub-attribute and array
/// flattening).
fn resolve<'v>(res: &'v Value, at: Path<'_>) -> Option<&'v Value> {
    let path = at.path;
    let base = match &path.urn {
        Some(urn) => match get_ci(res, urn) {
            Some(ext) => ext,
            None if at.core => res,
            None => return None,
        },
        None => res,
    };
    if let Some(v) = get_ci(base, &path.name) {
        return Some(v);
    }
    if path.urn.is_some() {
        return None;
    }
    // Inside `[…]` on a multi-valued attribute of plain values
    // (`tags[value eq "x"]`), `value` is the element itself.
    if !base.is_object() && path.name.eq_ignore_ascii_case("value") {
        return Some(base);
    }
    if at.top {
        let map = res.as_object()?;
        return map
            .iter()
            .filter(|(k, _)| k.len() > 4 && k[..4].eq_ignore_ascii_case("urn:"))
            .find_map(|(_, ext)| get_ci(ext, &path.name));
    }
    None
}

/// Calls `f` on every value at `path` (multi-valued attributes flattened,
/// `null`s skipped) until it returns `true`; returns whether one did.
pub(crate) fn any_value<'v>(
    res: &'v Value,
    at: Path<'_>,
    f: &mut dyn FnMut(&'v Value) -> Result<bool, EvalError>,
) -> Result<bool, EvalError> {
    let Some(v) = resolve(res, at) else {
        return Ok(false);
    };
    let Some(sub) = &at.path.sub else {
        return any_leaf(v, f);
    };
    match v {
        Value::Array(items) => {
            for item in items {
                if let Some(sv) = get_ci(item, sub)
                    && any_leaf(sv, f)?
                {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Object(_) => match get_ci(v, sub) {
            Some(sv) => any_leaf(sv, f),
            None => Ok(false),
        },
        _ => Ok(false),
    }
}

fn any_leaf<'v>(
    v: &'v Value,
    f: &mut dyn FnMut(&'v Value) -> Result<bool, EvalError>,
) -> Result<bool, EvalError> {
    match v {
        Value::Null => Ok(false),
        Value::Array(items) => {
            for item in items {
                if !item.is_null() && f(item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        v => f(v),
    }
}

/// `pr` on one value: false for `null`, `""`, `[]`, and an object with no
/// non-empty member; true for everything else, `false` and `0` included.
fn present(v: &Value) -> bool {
    match v {
        Value::Object(map) => map.values().any(non_empty),
        v => non_empty(v),
    }
}

fn non_empty(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(|x| !x.is_null()),
        Value::Object(m) => !m.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn holds(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        _ => ord == Ordering::Equal,
    }
}

/// One comparison (`Eq` for `ne`: the caller negates) against one value.
fn compare(
    cmp: &Cmp,
    lit: &CompValue,
    v: &Value,
    path: &AttrPath,
    parent: Option<&AttrPath>,
) -> Result<bool, EvalError> {
    // A complex value compared without a sub-attribute compares its `value`.
    let v = match v {
        Value::Object(_) => match get_ci(v, "value") {
            Some(inner @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => inner,
            _ => return Ok(false),
        },
        Value::Array(_) | Value::Null => return Ok(false),
        v => v,
    };
    match (lit, v) {
        (CompValue::String(lit), Value::String(s)) => Ok(compare_str(cmp, lit, s)),
        (CompValue::Number(lit), Value::Number(n)) => Ok(holds(cmp.op, cmp_numbers(n, lit))),
        (CompValue::Bool(lit), Value::Bool(b)) => Ok(b == lit),
        // RFC 7644 §3.4.2.2: "the attribute and operator values must be
        // identical for a match". Values of different JSON types never are,
        // so `eq` is false (and `ne`, its negation, true).
        _ if cmp.op == CompareOp::Eq => Ok(false),
        (lit, v) => Err(mismatch(cmp.op, lit, v, &shown(path, parent))),
    }
}

/// The `invalidFilter` error for ordering or a substring test across JSON
/// types, which SCIM leaves undefined (unlike equality, which is just false).
fn mismatch(op: CompareOp, lit: &CompValue, v: &Value, shown: &str) -> EvalError {
    let held = value_kind(v);
    EvalError::new(if op.is_substring() {
        format!("`{op}` works on strings, but `{shown}` holds {held}")
    } else if v.is_boolean() {
        format!("`{op}` orders values, and booleans have no order (`{shown}` holds {held})")
    } else {
        format!(
            "`{op}` cannot order {held} against {} (`{shown}` holds {held})",
            literal_kind(lit)
        )
    })
}

fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    let int = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let x = a.as_f64().unwrap_or(f64::NAN);
            let y = b.as_f64().unwrap_or(f64::NAN);
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

fn fold(s: &str) -> impl DoubleEndedIterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

fn compare_str(cmp: &Cmp, raw: &str, s: &str) -> bool {
    let op = cmp.op;
    if let Some(ts) = cmp.ts
        && !op.is_substring()
        && let Some(t) = parse_timestamp(s)
    {
        return holds(op, t.cmp(&ts));
    }
    if cmp.case_exact {
        return match op {
            CompareOp::Co => s.contains(raw),
            CompareOp::Sw => s.starts_with(raw),
            CompareOp::Ew => s.ends_with(raw),
            _ => holds(op, s.cmp(raw)),
        };
    }
    let n = raw.len();
    if cmp.ascii && s.is_ascii() {
        let (a, b) = (s.as_bytes(), raw.as_bytes());
        return match op {
            CompareOp::Co => n == 0 || a.windows(n).any(|w| w.eq_ignore_ascii_case(b)),
            CompareOp::Sw => a.len() >= n && a[..n].eq_ignore_ascii_case(b),
            CompareOp::Ew => a.len() >= n && a[a.len() - n..].eq_ignore_ascii_case(b),
            CompareOp::Eq => a.eq_ignore_ascii_case(b),
            _ => holds(
                op,
                a.iter()
                    .map(u8::to_ascii_lowercase)
                    .cmp(b.iter().map(u8::to_ascii_lowercase)),
            ),
        };
    }
    // Rare path (non-ASCII): the literal folded once at compile time, or, for
    // an ASCII literal, folded here.
    let folded: std::borrow::Cow<'_, str> = match &cmp.folded {
        Some(f) => std::borrow::Cow::Borrowed(f),
        None => std::borrow::Cow::Owned(raw.to_ascii_lowercase()),
    };
    let folded = folded.as_ref();
    match op {
        CompareOp::Co => {
            let s: String = fold(s).collect();
            s.contains(folded)
        }
        CompareOp::Sw => {
            let mut it = fold(s);
            folded.chars().all(|c| it.next() == Some(c))
        }
        CompareOp::Ew => {
            let mut it = fold(s).rev();
            folded.chars().rev().all(|c| it.next() == Some(c))
        }
        _ => holds(op, fold(s).cmp(folded.chars())),
    }
}
