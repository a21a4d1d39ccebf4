//! Parse errors (with spans, carets and hints) and evaluation errors.

use std::fmt::Write as _;
use std::ops::Range;

/// What kind of syntax error a [`ParseError`] is. Each variant names an input
/// that triggers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Nothing but whitespace: `""`.
    Empty,
    /// A character no token starts with: `userName == "x"`.
    UnexpectedChar,
    /// A token where another was expected: `userName eq "a" "b"`.
    UnexpectedToken,
    /// No operator after an attribute: `userName "x"`.
    ExpectedOperator,
    /// A word that is not an operator: `userName equals "x"`.
    UnknownOperator,
    /// No valid value after an operator: `active eq TRUE`.
    ExpectedValue,
    /// Tokens that need a space between them: `userName eq"x"`.
    MissingWhitespace,
    /// A malformed attribute path: `emails.value.x pr`, `1st pr`.
    InvalidAttrPath,
    /// A malformed JSON string: `userName eq "a\q"`.
    InvalidString,
    /// A malformed JSON number: `age gt 01`.
    InvalidNumber,
    /// A `(` or `[` that is never closed: `(userName pr`.
    Unclosed,
    /// A `)` or `]` that closes nothing: `userName pr)`.
    Unmatched,
    /// A value path inside a value path: `emails[type[value pr]]`.
    NestedValuePath,
    /// Parentheses, `not (…)` and `[…]` nested deeper than [`super::MAX_DEPTH`].
    TooDeep,
    /// Input longer than [`super::MAX_LEN`] bytes.
    TooLong,
}

/// A syntax error: what went wrong, where (a byte span), and a hint when an
/// obvious fix exists.
///
/// Boxed inside, so that `Result<_, ParseError>` stays small on the parser's
/// hot path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} at byte {}", .0.message, .0.span.start)]
pub struct ParseError(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ParseErrorKind,
    span: Range<usize>,
    message: String,
    hint: Option<String>,
}

impl ParseError {
    pub(crate) fn new(
        kind: ParseErrorKind,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        ParseError(Box::new(Inner {
            kind,
            span,
            message: message.into(),
            hint: None,
        }))
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> ParseErrorKind {
        self.0.kind
    }

    /// Byte offsets of the offending input (empty at the end of the input).
    pub fn span(&self) -> Range<usize> {
        self.0.span.clone()
    }

    /// What went wrong, as a lowercase fragment.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// A hint, when an obvious fix exists.
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }

    /// A caret diagnostic: the offending line of `source`, carets under the
    /// span, the message, and the hint on its own line.
    ///
    /// ```text
    /// active eq TRUE
    ///           ^^^^ expected a JSON value, found `TRUE`
    /// hint: JSON literals are lowercase: `true`
    /// ```
    ///
    /// For a multi-line source only the offending line is shown, after a
    /// `line L, column C:` header. Control characters are shown as `�` so the
    /// carets stay aligned.
    pub fn render(&self, source: &str) -> String {
        let start = floor_char_boundary(source, self.0.span.start.min(source.len()));
        let end = floor_char_boundary(source, self.0.span.end.clamp(start, source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line = &source[line_start..line_end];
        let mut out = String::new();
        if source.contains('\n') {
            let line_no = source[..line_start].matches('\n').count() + 1;
            let column = source[line_start..start].chars().count() + 1;
            let _ = writeln!(out, "line {line_no}, column {column}:");
        }
        for c in line.chars() {
            out.push(if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            });
        }
        out.push('\n');
        for c in source[line_start..start].chars() {
            out.push(if c == '\t' { '\t' } else { ' ' });
        }
        let width = source[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        out.extend(std::iter::repeat_n('^', width));
        out.push(' ');
        out.push_str(&self.0.message);
        if let Some(hint) = &self.0.hint {
            out.push_str("\nhint: ");
            out.push_str(hint);
        }
        out
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// SCIM's `invalidFilter` during evaluation: the filter is well-formed but
/// asks for something undefined, such as ordering booleans (`active gt true`)
/// or ordering a number against a string (`userName gt 5`). Equality across
/// types is not an error: `userName eq 5` is simply false.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter: {message}")]
pub struct EvalError {
    message: String,
}

impl EvalError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        EvalError {
            message: message.into(),
        }
    }

    /// What is undefined, as a lowercase fragment.
    pub fn message(&self) -> &str {
        &self.message
    }
}
