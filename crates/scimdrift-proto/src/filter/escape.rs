//! Putting user values into filters safely.
//!
//! A value spliced into a filter as text could otherwise end the string early
//! and change the filter's structure (`x" or userName pr or userName eq "y`).
//! [`quote`] always yields exactly one JSON string token.

use std::fmt::Write as _;

/// A JSON string literal holding `value`, safe to splice into a filter: it
/// parses back as exactly one string token equal to `value`, whatever `value`
/// holds (quotes, backslashes, control characters, any Unicode).
///
/// ```
/// use scimdrift_proto::filter::{CompValue, ExprKind, Filter, quote};
///
/// // A hostile value cannot break out of its string.
/// let value = r#"x" or userName pr or userName eq "y"#;
/// let text = format!("userName eq {}", quote(value));
/// assert_eq!(text, r#"userName eq "x\" or userName pr or userName eq \"y""#);
/// let filter = Filter::parse(&text)?;
/// let ExprKind::Compare(_, _, CompValue::String(decoded)) = &filter.expr().kind else {
///     panic!("one comparison, not an `or`");
/// };
/// assert_eq!(decoded, value);
/// assert_eq!(quote("tab\there"), r#""tab\there""#);
/// # Ok::<(), scimdrift_proto::ParseError>(())
/// ```
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_quoted(&mut out, value);
    out
}

/// Appends the JSON string literal of `value` to `out` (see [`quote`]).
pub(crate) fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `attr eq "value"` with `value` safely quoted.
///
/// `attr` is written as is: pass an attribute path (such as `userName` or
/// `emails.value`), never user input.
///
/// ```
/// use scimdrift_proto::filter::eq;
///
/// assert_eq!(eq("embedEntity", "Acme \"EU\""), r#"embedEntity eq "Acme \"EU\"""#);
/// ```
pub fn eq(attr: &str, value: &str) -> String {
    let mut out = String::with_capacity(attr.len() + value.len() + 6);
    out.push_str(attr);
    out.push_str(" eq ");
    push_quoted(&mut out, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("\n\t\u{1}é"), "\"\\n\\t\\u0001é\"");
        assert_eq!(
            eq("userName", "x\" or true"),
            r#"userName eq "x\" or true""#
        );
    }
}
