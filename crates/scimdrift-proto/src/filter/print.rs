//! The canonical printer: lowercase keywords and operators, single spaces,
//! parentheses only where precedence needs them, JSON-escaped strings.
//! Attribute names keep the case they were written in.
//!
//! The output parses back to an equal tree (property-tested), provided the
//! tree keeps the parser's shape: `and`/`or` nodes with at least two terms,
//! value filters without nested value filters.

use super::ast::{CompValue, Expr, ExprKind};
use super::escape::push_quoted;
use std::fmt;

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_expr(&mut out, self);
        f.write_str(&out)
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_value(&mut out, self);
        f.write_str(&out)
    }
}

fn write_value(out: &mut String, value: &CompValue) {
    match value {
        CompValue::Null => out.push_str("null"),
        CompValue::Bool(true) => out.push_str("true"),
        CompValue::Bool(false) => out.push_str("false"),
        CompValue::Number(n) => out.push_str(&n.to_string()),
        CompValue::String(s) => push_quoted(out, s),
    }
}

/// Writes `terms` joined by `sep`, parenthesizing a term when `needs_parens`.
fn write_terms(out: &mut String, terms: &[Expr], sep: &str, needs_parens: fn(&ExprKind) -> bool) {
    for (i, term) in terms.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        if needs_parens(&term.kind) {
            out.push('(');
            write_expr(out, term);
            out.push(')');
        } else {
            write_expr(out, term);
        }
    }
}

pub(crate) fn write_expr(out: &mut String, expr: &Expr) {
    use std::fmt::Write as _;
    match &expr.kind {
        // A nested `or` inside an `or` keeps its parentheses so the tree
        // round-trips exactly; `and` binds tighter and needs none.
        ExprKind::Or(terms) => write_terms(out, terms, " or ", |k| matches!(k, ExprKind::Or(_))),
        ExprKind::And(terms) => write_terms(out, terms, " and ", |k| {
            matches!(k, ExprKind::Or(_) | ExprKind::And(_))
        }),
        ExprKind::Not(inner) => {
            out.push_str("not (");
            write_expr(out, inner);
            out.push(')');
        }
        ExprKind::Present(path) => {
            let _ = write!(out, "{path} pr");
        }
        ExprKind::Compare(path, op, value) => {
            let _ = write!(out, "{path} {op} ");
            write_value(out, value);
        }
        ExprKind::ValuePath(path, inner) => {
            let _ = write!(out, "{path}[");
            write_expr(out, inner);
            out.push(']');
        }
    }
}
