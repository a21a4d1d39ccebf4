//! The RFC 7644 §3.4.2.2 filter grammar: lex → parse (span-carrying AST) → evaluate.
//!
//! PUBLIC API CONTRACT (other crates build against exactly this; keep it):
//!
//! - `Filter::parse(&str) -> Result<Filter, ParseError>`; `impl FromStr for Filter`.
//! - `impl Display for Filter`: canonical text that parses back to the same AST.
//! - `Filter::evaluate(&self, &serde_json::Value) -> Result<bool, EvalError>`
//!   (an `EvalError` is SCIM's `invalidFilter`).
//! - `Filter::attribute_paths(&self) -> Vec<AttrPath>`: every attribute path the
//!   filter mentions (for "unknown attribute" warnings), in source order.
//! - `ParseError::span() -> std::ops::Range<usize>` (byte offsets into the input),
//!   `message()`, `hint() -> Option<&str>`, `render(&self, source: &str) -> String`
//!   (a caret diagnostic), `impl Display` (message only, plus ` at byte N`).
//! - `EvalError: Display + std::error::Error`.
//! - `AttrPath { urn: Option<String>, name: String, sub: Option<String> }` with
//!   `Display` (e.g. `emails.value`, `urn:…:User:manager.value`) and
//!   `AttrPath::parse(&str) -> Result<AttrPath, ParseError>` (for `${attr}` templates),
//!   `AttrPath::lookup<'v>(&self, &'v Value) -> Vec<&'v Value>` (case-insensitive names).
//! - `Filter::comparisons(&self, source: &str) -> Vec<Comparison>`: every
//!   `attr op value` with its full path and the literal's span in `source`
//!   (for lints that point at a literal).
//! - `quote(&str) -> String`: a JSON string literal safe to splice into a filter;
//!   `eq(attr: &str, value: &str) -> String` builds `attr eq "value"` safely.
//!
//! Additions beyond the contract: the tree itself ([`Expr`], [`ExprKind`],
//! [`CompareOp`], [`CompValue`]), [`Filter::from_expr`], [`Filter::expr`],
//! [`ParseError::kind`], [`MAX_DEPTH`] and [`MAX_LEN`].
//!
//! The phases, one module each: `lex` (tokens, JSON string and number
//! decoding), `parse` (recursive descent with a depth cap; `and`/`or` chains
//! are parsed in loops into n-ary nodes), `print` (canonical `Display`),
//! `eval` (the tree compiled once into an evaluation plan with literals
//! pre-folded, then run against any number of resources without re-parsing).

mod ast;
mod error;
mod escape;
mod eval;
mod lex;
mod parse;
mod print;

pub use ast::{AttrPath, CompValue, CompareOp, Expr, ExprKind};
pub use error::{EvalError, ParseError, ParseErrorKind};
pub use escape::{eq, quote};

use serde_json::Value;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// How deeply `(…)`, `not (…)` and `[…]` may nest. Deeper input is a
/// [`ParseErrorKind::TooDeep`] error, so no walk over a parsed tree can
/// overflow the stack.
pub const MAX_DEPTH: usize = 64;

/// The longest filter accepted, in bytes (1 MiB: room for an `or` chain of
/// tens of thousands of terms). Longer input is a [`ParseErrorKind::TooLong`]
/// error.
pub const MAX_LEN: usize = 1 << 20;

/// A parsed filter, compiled for evaluation.
///
/// Parse once, evaluate many times: [`Filter::evaluate`] neither re-parses
/// nor allocates on the common paths (string literals are case-folded and
/// timestamps parsed when the filter is built).
#[derive(Debug, Clone)]
pub struct Filter {
    expr: Expr,
    plan: eval::Node,
}

impl PartialEq for Filter {
    /// Filters are equal when their trees are (spans ignored).
    fn eq(&self, other: &Self) -> bool {
        self.expr == other.expr
    }
}

impl Filter {
    /// Parses a filter (RFC 7644 §3.4.2.2, with the leniencies described in
    /// `scim-filter.md`: any whitespace between tokens, `not(`, Entra ID's
    /// `emails[type eq "work"].value eq "x"`).
    ///
    /// ```
    /// use scimdrift_proto::Filter;
    ///
    /// let filter = Filter::parse(r#"emails[type eq "work"].value co "@acme.com""#)?;
    /// // `Display` prints the canonical form, which parses back to the same tree.
    /// let canonical = r#"emails[type eq "work" and value co "@acme.com"]"#;
    /// assert_eq!(filter.to_string(), canonical);
    /// assert_eq!(Filter::parse(canonical)?, filter);
    ///
    /// // Errors carry a byte span, a hint and a caret rendering.
    /// let err = Filter::parse("active eq TRUE").unwrap_err();
    /// assert_eq!(err.span(), 10..14);
    /// assert_eq!(err.hint(), Some("JSON literals are lowercase: `true`"));
    /// assert_eq!(
    ///     err.render("active eq TRUE"),
    ///     "active eq TRUE\n          ^^^^ expected a JSON value, found `TRUE`\n\
    ///      hint: JSON literals are lowercase: `true`"
    /// );
    /// # Ok::<(), scimdrift_proto::ParseError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Filter, ParseError> {
        parse::parse_filter(text).map(Filter::from_expr)
    }

    /// Builds a filter from a tree made in code.
    ///
    /// Keep the parser's shape (`and`/`or` with at least two terms, no value
    /// filter inside a value filter, plain names inside `[…]`, nesting within
    /// [`MAX_DEPTH`]) for `Display` to round-trip.
    pub fn from_expr(expr: Expr) -> Filter {
        let plan = eval::compile(&expr, None);
        Filter { expr, plan }
    }

    /// The syntax tree.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Evaluates the filter against one SCIM resource.
    ///
    /// Unknown attributes are absent. `eq` between values of different JSON
    /// types is false and `ne` true (RFC 7644: values "must be identical for
    /// a match"). An error is SCIM's `invalidFilter`: ordering booleans,
    /// ordering a number against a string, `co`/`sw`/`ew` on a non-string,
    /// and the like.
    ///
    /// ```
    /// use scimdrift_proto::Filter;
    /// use serde_json::json;
    ///
    /// let user = json!({
    ///     "userName": "Ann@Acme.com",
    ///     "active": true,
    ///     "emails": [{"value": "ann@acme.com", "type": "work"}],
    /// });
    /// let matches = |text: &str| Filter::parse(text).unwrap().evaluate(&user);
    /// // `userName` compares case-insensitively; multi-valued attributes match
    /// // when any value does.
    /// assert_eq!(matches(r#"userName eq "ann@acme.com""#), Ok(true));
    /// assert_eq!(matches(r#"emails[type eq "work" and value ew "@acme.com"]"#), Ok(true));
    /// // Values of different JSON types are never equal...
    /// assert_eq!(matches(r#"active eq "true""#), Ok(false));
    /// assert_eq!(matches(r#"active ne "true""#), Ok(true));
    /// // ...but ordering booleans is SCIM's `invalidFilter`.
    /// let err = matches("active gt true").unwrap_err();
    /// assert!(err.message().contains("booleans have no order"));
    /// // Unknown attributes are absent.
    /// assert_eq!(matches("nickName pr"), Ok(false));
    /// ```
    pub fn evaluate(&self, resource: &Value) -> Result<bool, EvalError> {
        eval::evaluate(&self.expr, &self.plan, resource, None)
    }

    /// Every attribute path the filter mentions, in source order. Paths inside
    /// a value filter are reported under their parent: `emails[type eq "work"]`
    /// yields `emails.type`.
    pub fn attribute_paths(&self) -> Vec<AttrPath> {
        let mut out = Vec::new();
        collect_paths(&self.expr, None, &mut out);
        out
    }

    /// Every `attr op value` comparison, in source order, with the span of
    /// its literal in `source` (the text this filter was parsed from), for
    /// diagnostics that point at a value. `pr` is not a comparison.
    ///
    /// ```
    /// use scimdrift_proto::filter::{CompValue, CompareOp, Filter};
    ///
    /// let text = r#"emails[primary eq "true"] or active ne 1"#;
    /// let filter = Filter::parse(text)?;
    /// let found = filter.comparisons(text);
    /// assert_eq!(found[0].path.to_string(), "emails.primary");
    /// assert_eq!(found[0].value, &CompValue::String("true".to_owned()));
    /// assert_eq!(&text[found[0].value_span.clone()], r#""true""#);
    /// assert_eq!(found[1].op, CompareOp::Ne);
    /// assert_eq!(&text[found[1].value_span.clone()], "1");
    /// # Ok::<(), scimdrift_proto::ParseError>(())
    /// ```
    pub fn comparisons<'f>(&'f self, source: &str) -> Vec<Comparison<'f>> {
        let mut out = Vec::new();
        collect_comparisons(&self.expr, None, source, &mut out);
        out
    }
}

/// One `attr op value` comparison of a filter, as [`Filter::comparisons`]
/// lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison<'f> {
    /// The attribute compared, with a value filter's parent joined in:
    /// `emails[type eq "work"]` gives `emails.type`.
    pub path: AttrPath,
    /// The operator.
    pub op: CompareOp,
    /// The literal.
    pub value: &'f CompValue,
    /// Byte offsets of the whole comparison in the source.
    pub span: Range<usize>,
    /// Byte offsets of the literal as written in the source (quotes
    /// included); empty for a tree built in code.
    pub value_span: Range<usize>,
}

fn collect_comparisons<'f>(
    expr: &'f Expr,
    parent: Option<&AttrPath>,
    source: &str,
    out: &mut Vec<Comparison<'f>>,
) {
    match &expr.kind {
        ExprKind::Or(terms) | ExprKind::And(terms) => {
            for term in terms {
                collect_comparisons(term, parent, source, out);
            }
        }
        ExprKind::Not(inner) => collect_comparisons(inner, parent, source, out),
        ExprKind::Present(_) => {}
        ExprKind::ValuePath(path, inner) => collect_comparisons(inner, Some(path), source, out),
        ExprKind::Compare(path, op, value) => out.push(Comparison {
            path: join(parent, path),
            op: *op,
            value,
            span: expr.span.clone(),
            value_span: value_span(source, expr.span.clone()),
        }),
    }
}

/// The span of the literal ending a comparison: re-reads the comparison's
/// three tokens (attribute, operator, value). Empty when `source` is not the
/// text the comparison was parsed from.
fn value_span(source: &str, span: Range<usize>) -> Range<usize> {
    let Some(text) = source.get(span.clone()) else {
        return span.end..span.end;
    };
    let mut lexer = lex::Lexer::new(text);
    let mut last = None;
    for _ in 0..3 {
        match lexer.next_token() {
            Ok(tok) if tok.tok != lex::Tok::Eof => last = Some(tok.span),
            _ => return span.end..span.end,
        }
    }
    match last {
        Some(v) if span.start + v.end == span.end => span.start + v.start..span.end,
        _ => span.end..span.end,
    }
}

/// `path`, or inside a value filter `parent.path`.
fn join(parent: Option<&AttrPath>, path: &AttrPath) -> AttrPath {
    match parent {
        Some(p) => AttrPath {
            urn: p.urn.clone(),
            name: p.name.clone(),
            sub: Some(path.name.clone()),
        },
        None => path.clone(),
    }
}

fn collect_paths(expr: &Expr, parent: Option<&AttrPath>, out: &mut Vec<AttrPath>) {
    let full = |path: &AttrPath| join(parent, path);
    match &expr.kind {
        ExprKind::Or(terms) | ExprKind::And(terms) => {
            for term in terms {
                collect_paths(term, parent, out);
            }
        }
        ExprKind::Not(inner) => collect_paths(inner, parent, out),
        ExprKind::Present(path) | ExprKind::Compare(path, _, _) => out.push(full(path)),
        ExprKind::ValuePath(path, inner) => collect_paths(inner, Some(path), out),
    }
}

impl FromStr for Filter {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Filter::parse(s)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl AttrPath {
    /// Parses a lone attribute path such as `emails.value` or
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`
    /// (surrounding whitespace is allowed).
    pub fn parse(text: &str) -> Result<AttrPath, ParseError> {
        parse::parse_attr_path(text)
    }

    /// The values at this path in `resource`, matching names
    /// case-insensitively, with multi-valued attributes flattened: `emails`
    /// yields each email object, `emails.value` each address. `null`s are
    /// skipped. A path without a schema URN that is not a top-level attribute
    /// is looked up in the resource's extension objects (`urn:…` keys), so
    /// `lastLogin` finds Omni's extension attribute.
    pub fn lookup<'v>(&self, resource: &'v Value) -> Vec<&'v Value> {
        let mut out = Vec::new();
        let _ = eval::any_value(resource, eval::Path::new(self, true), &mut |v| {
            out.push(v);
            Ok(false)
        });
        out
    }
}

#[cfg(test)]
mod tests;
