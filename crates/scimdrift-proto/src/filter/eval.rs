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
        n.eq_ignore_ascii_case(name)
            && match (s, sub) {
                (Some(s), Some(sub)) => s.eq_ignore_ascii_case(sub),
                (None, None) => true,
                _ => false,
            }
    })
}

/// A compiled filter node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Present(Path),
    Cmp(Cmp),
    ValuePath(Path, Box<Node>),
    /// A comparison SCIM leaves undefined; evaluating it is an error.
    Invalid(String),
}

/// A resolved attribute path.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    urn: Option<String>,
    /// The URN names a core schema, whose attributes live at the top level.
    core: bool,
    name: String,
    sub: Option<String>,
    /// Relative to the resource (not to an element inside `[…]`): a name
    /// missing at the top level is also looked up in extension objects.
    top: bool,
}

impl Path {
    pub(crate) fn new(path: &AttrPath, top: bool) -> Self {
        Path {
            core: path.urn.as_deref().is_some_and(|u| {
                u.len() >= 34 && u[..34].eq_ignore_ascii_case("urn:ietf:params:scim:schemas:core:")
            }),
            urn: path.urn.clone(),
            name: path.name.clone(),
            sub: path.sub.clone(),
            top,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Cmp {
    path: Path,
    /// Never `Ne` (compiled to `not eq`).
    op: CompareOp,
    lit: Lit,
    case_exact: bool,
    /// The enclosing value filter's attribute, for messages.
    parent: Option<Box<AttrPath>>,
}

impl Cmp {
    /// The path as written (inside `[…]`: `parent.name`), for messages.
    fn shown(&self) -> String {
        let p = &self.path;
        let mut out = match &self.parent {
            Some(parent) => format!("{parent}."),
            None => p.urn.as_ref().map(|u| format!("{u}:")).unwrap_or_default(),
        };
        out.push_str(&p.name);
        if let Some(sub) = &p.sub {
            out.push('.');
            out.push_str(sub);
        }
        out
    }
}

#[derive(Debug, Clone)]
enum Lit {
    Bool(bool),
    Num(Number),
    Str(StrLit),
}

#[derive(Debug, Clone)]
struct StrLit {
    /// The literal as written for a case-exact attribute; otherwise folded
    /// char by char with `char::to_lowercase`.
    text: String,
    ascii: bool,
    /// The literal read as an RFC 3339 timestamp, when it is one.
    ts: Option<Timestamp>,
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

/// Compiles a tree into an evaluation plan. `parent` is the attribute of the
/// enclosing value filter, if any.
pub(crate) fn compile(expr: &Expr, parent: Option<&AttrPath>) -> Node {
    let top = parent.is_none();
    match &expr.kind {
        ExprKind::Or(terms) => Node::Or(terms.iter().map(|t| compile(t, parent)).collect()),
        ExprKind::And(terms) => Node::And(terms.iter().map(|t| compile(t, parent)).collect()),
        ExprKind::Not(inner) => Node::Not(Box::new(compile(inner, parent))),
        ExprKind::Present(path) => Node::Present(Path::new(path, top)),
        ExprKind::ValuePath(path, inner) => {
            Node::ValuePath(Path::new(path, top), Box::new(compile(inner, Some(path))))
        }
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
    let case_exact = in_table(CASE_EXACT, first, second);
    let shown = || match parent {
        Some(p) => format!("{p}.{}", path.name),
        None => path.to_string(),
    };
    let present = || Node::Present(Path::new(path, parent.is_none()));
    let lit = match value {
        CompValue::Null => {
            return match op {
                CompareOp::Eq => Node::Not(Box::new(present())),
                CompareOp::Ne => present(),
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
        CompValue::Bool(b) => Lit::Bool(*b),
        CompValue::Number(n) => Lit::Num(n.clone()),
        CompValue::String(s) => {
            let ts = parse_timestamp(s);
            if ts.is_none() && in_table(DATE_TIME, first, second) && !op.is_substring() {
                return Node::Invalid(format!(
                    "`{}` is a dateTime: compare it with an RFC 3339 timestamp such as \"2024-01-31T00:00:00Z\", not {}",
                    shown(),
                    super::escape::quote(s)
                ));
            }
            Lit::Str(StrLit {
                text: if case_exact {
                    s.clone()
                } else if s.is_ascii() {
                    s.to_ascii_lowercase()
                } else {
                    s.chars().flat_map(char::to_lowercase).collect()
                },
                ascii: s.is_ascii(),
                ts,
            })
        }
    };
    let cmp = Node::Cmp(Cmp {
        path: Path::new(path, parent.is_none()),
        op: if op == CompareOp::Ne {
            CompareOp::Eq
        } else {
            op
        },
        lit,
        case_exact,
        parent: parent.cloned().map(Box::new),
    });
    if op == CompareOp::Ne {
        Node::Not(Box::new(cmp))
    } else {
        cmp
    }
}

/// Runs a plan against a resource (or, inside `[…]`, an element).
pub(crate) fn evaluate(node: &Node, res: &Value) -> Result<bool, EvalError> {
    match node {
        Node::Or(terms) => {
            for term in terms {
                if evaluate(term, res)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Node::And(terms) => {
            for term in terms {
                if !evaluate(term, res)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Node::Not(inner) => Ok(!evaluate(inner, res)?),
        Node::Present(path) => any_value(res, path, &mut |v| Ok(present(v))),
        Node::Cmp(cmp) => any_value(res, &cmp.path, &mut |v| compare(cmp, v)),
        Node::ValuePath(path, inner) => any_value(res, path, &mut |elem| evaluate(inner, elem)),
        Node::Invalid(message) => Err(EvalError::new(message.clone())),
    }
}

/// `obj[key]`, matching the key case-insensitively (an exact match wins).
fn get_ci<'v>(obj: &'v Value, key: &str) -> Option<&'v Value> {
    let map = obj.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The value of the path's attribute (before sub-attribute and array
/// flattening).
fn resolve<'v>(res: &'v Value, path: &Path) -> Option<&'v Value> {
    let base = match &path.urn {
        Some(urn) => match get_ci(res, urn) {
            Some(ext) => ext,
            None if path.core => res,
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
    if path.top {
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
    path: &Path,
    f: &mut dyn FnMut(&'v Value) -> Result<bool, EvalError>,
) -> Result<bool, EvalError> {
    let Some(v) = resolve(res, path) else {
        return Ok(false);
    };
    let Some(sub) = &path.sub else {
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

fn lit_kind(lit: &Lit) -> &'static str {
    match lit {
        Lit::Bool(_) => "a boolean",
        Lit::Num(_) => "a number",
        Lit::Str(_) => "a string",
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

/// One comparison against one value.
fn compare(cmp: &Cmp, v: &Value) -> Result<bool, EvalError> {
    // A complex value compared without a sub-attribute compares its `value`.
    let v = match v {
        Value::Object(_) => match get_ci(v, "value") {
            Some(inner @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => inner,
            _ => return Ok(false),
        },
        Value::Array(_) | Value::Null => return Ok(false),
        v => v,
    };
    match (&cmp.lit, v) {
        (Lit::Str(lit), Value::String(s)) => Ok(compare_str(cmp, lit, s)),
        (Lit::Num(lit), Value::Number(n)) => Ok(holds(cmp.op, cmp_numbers(n, lit))),
        (Lit::Bool(lit), Value::Bool(b)) => Ok(b == lit),
        // RFC 7644 §3.4.2.2: "the attribute and operator values must be
        // identical for a match". Values of different JSON types never are,
        // so `eq` is false (and `ne`, compiled to `not eq`, true).
        _ if cmp.op == CompareOp::Eq => Ok(false),
        (lit, v) => Err(mismatch(cmp, lit, v)),
    }
}

/// The `invalidFilter` error for ordering or a substring test across JSON
/// types, which SCIM leaves undefined (unlike equality, which is just false).
fn mismatch(cmp: &Cmp, lit: &Lit, v: &Value) -> EvalError {
    let op = cmp.op;
    let shown = cmp.shown();
    let held = value_kind(v);
    EvalError::new(if op.is_substring() {
        format!("`{op}` works on strings, but `{shown}` holds {held}")
    } else if v.is_boolean() {
        format!("`{op}` orders values, and booleans have no order (`{shown}` holds {held})")
    } else {
        format!(
            "`{op}` cannot order {held} against {} (`{shown}` holds {held})",
            lit_kind(lit)
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

fn compare_str(cmp: &Cmp, lit: &StrLit, s: &str) -> bool {
    let op = cmp.op;
    if let Some(ts) = lit.ts
        && !op.is_substring()
        && let Some(t) = parse_timestamp(s)
    {
        return holds(op, t.cmp(&ts));
    }
    let raw = lit.text.as_str();
    if cmp.case_exact {
        return match op {
            CompareOp::Co => s.contains(raw),
            CompareOp::Sw => s.starts_with(raw),
            CompareOp::Ew => s.ends_with(raw),
            _ => holds(op, s.cmp(raw)),
        };
    }
    let n = raw.len();
    if lit.ascii && s.is_ascii() {
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
    let folded = raw;
    match op {
        CompareOp::Co => {
            // Rare path (non-ASCII): fold the value once.
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
