//! The lexer: turns filter text into tokens on demand, decoding JSON strings
//! and validating JSON numbers as it goes.
//!
//! Tokens are context-free; the parser decides whether a word is a keyword,
//! an operator or an attribute name (`pr pr` is an attribute named `pr`
//! tested for presence).

use super::error::{ParseError, ParseErrorKind as K};
use std::ops::Range;

/// A token's payload.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'a> {
    /// A run of `[A-Za-z0-9$_:.-]` starting with a letter or `$`: an
    /// attribute path, a keyword or an operator.
    Word(&'a str),
    /// A valid JSON number.
    Number(serde_json::Number),
    /// A decoded JSON string.
    Str(String),
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `[`.
    LBracket,
    /// `]`.
    RBracket,
    /// `.` (only meaningful right after `]`).
    Dot,
    /// The end of the input.
    Eof,
}

/// A token with its span and whether whitespace precedes it.
#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub span: Range<usize>,
    pub space_before: bool,
}

pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'$'
}

pub(crate) fn is_word_byte(b: u8) -> bool {
    WORD_BYTES[usize::from(b)]
}

/// `[A-Za-z0-9$_:.-]` as a table: words are most of a filter's bytes.
static WORD_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'$' | b'_' | b':' | b'.' | b'-');
        b += 1;
    }
    t
};

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn peek_byte(&self, at: usize) -> Option<u8> {
        self.bytes().get(at).copied()
    }

    /// The next token (`Eof` forever once the input is used up).
    pub fn next_token(&mut self) -> Result<Token<'a>, ParseError> {
        let before = self.pos;
        while self.peek_byte(self.pos).is_some_and(is_space) {
            self.pos += 1;
        }
        let space_before = self.pos > before || before == 0;
        let start = self.pos;
        let Some(b) = self.peek_byte(start) else {
            return Ok(Token {
                tok: Tok::Eof,
                span: start..start,
                space_before,
            });
        };
        let single = |tok| {
            Ok(Token {
                tok,
                span: start..start + 1,
                space_before,
            })
        };
        let tok = match b {
            b'(' => {
                self.pos += 1;
                return single(Tok::LParen);
            }
            b')' => {
                self.pos += 1;
                return single(Tok::RParen);
            }
            b'[' => {
                self.pos += 1;
                return single(Tok::LBracket);
            }
            b']' => {
                self.pos += 1;
                return single(Tok::RBracket);
            }
            b'.' if !self
                .peek_byte(start + 1)
                .is_some_and(|b| b.is_ascii_digit()) =>
            {
                self.pos += 1;
                return single(Tok::Dot);
            }
            b'"' => Tok::Str(self.string()?),
            b if is_word_start(b) => {
                while self.peek_byte(self.pos).is_some_and(is_word_byte) {
                    self.pos += 1;
                }
                Tok::Word(&self.src[start..self.pos])
            }
            b'-' | b'+' | b'.' | b'0'..=b'9' => Tok::Number(self.number()?),
            _ => return Err(self.unexpected_char(start)),
        };
        Ok(Token {
            tok,
            span: start..self.pos,
            space_before,
        })
    }

    fn unexpected_char(&self, start: usize) -> ParseError {
        let rest = &self.src[start..];
        let c = rest.chars().next().unwrap_or('\u{fffd}');
        let two = rest.get(..2).unwrap_or("");
        let (len, hint): (usize, Option<&str>) = match (two, c) {
            ("==", _) => (2, Some("SCIM spells equality `eq`")),
            ("!=", _) => (2, Some("SCIM spells inequality `ne`")),
            (">=", _) => (2, Some("SCIM spells `>=` as `ge`")),
            ("<=", _) => (2, Some("SCIM spells `<=` as `le`")),
            ("&&", _) => (2, Some("SCIM spells `&&` as `and`")),
            ("||", _) => (2, Some("SCIM spells `||` as `or`")),
            (_, '=') => (1, Some("SCIM spells equality `eq`")),
            (_, '>') => (1, Some("SCIM spells `>` as `gt`")),
            (_, '<') => (1, Some("SCIM spells `<` as `lt`")),
            (_, '!') => (1, Some("SCIM spells negation `not (…)`")),
            (_, '&') => (1, Some("SCIM spells `&` as `and`")),
            (_, '|') => (1, Some("SCIM spells `|` as `or`")),
            (_, '\'') => (1, Some("strings use double quotes: `\"…\"`")),
            (_, '“' | '”') => (
                c.len_utf8(),
                Some("this is a typographic quote; use a plain double quote `\"`"),
            ),
            (_, c) => (c.len_utf8(), None),
        };
        let shown = &rest[..len];
        let message = if c.is_control() {
            format!("unexpected control character U+{:04X}", u32::from(c))
        } else {
            format!("unexpected `{shown}`")
        };
        let err = ParseError::new(K::UnexpectedChar, start..start + len, message);
        match hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    }

    /// A JSON string (RFC 8259 §7), starting at the opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        // The common case: no escape, so the string is one run up to the
        // closing quote, copied in one exact allocation.
        let rest = &self.src[self.pos..];
        let run = rest
            .bytes()
            .position(|b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len());
        if rest.as_bytes().get(run) == Some(&b'"') {
            self.pos += run + 1;
            return Ok(rest[..run].to_owned());
        }
        let mut out = String::new();
        loop {
            let rest = &self.src[self.pos..];
            // Copy the longest run that needs no decoding in one go.
            let run = rest
                .bytes()
                .position(|b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            out.push_str(&rest[..run]);
            self.pos += run;
            let Some(b) = self.peek_byte(self.pos) else {
                return Err(ParseError::new(
                    K::InvalidString,
                    open..self.src.len(),
                    "unterminated string",
                )
                .with_hint("close the string with `\"`; write a quote inside it as `\\\"`"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => out.push(self.escape()?),
                _ => {
                    return Err(ParseError::new(
                        K::InvalidString,
                        self.pos..self.pos + 1,
                        format!("raw control character U+{b:04X} in a string"),
                    )
                    .with_hint(match b {
                        b'\n' => "write a newline inside a string as `\\n`",
                        b'\t' => "write a tab inside a string as `\\t`",
                        _ => "escape control characters as `\\u00XX`",
                    }));
                }
            }
        }
    }

    /// One escape sequence, starting at the backslash.
    fn escape(&mut self) -> Result<char, ParseError> {
        let start = self.pos;
        let Some(b) = self.peek_byte(start + 1) else {
            return Err(
                ParseError::new(K::InvalidString, start..start + 1, "unterminated string")
                    .with_hint("close the string with `\"`"),
            );
        };
        self.pos += 2;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(start),
            _ => {
                let len = self.src[start + 1..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                self.pos = start + 1 + len;
                let shown = &self.src[start..start + 1 + len];
                return Err(ParseError::new(
                    K::InvalidString,
                    start..start + 1 + len,
                    format!("unknown escape `{shown}`"),
                )
                .with_hint(
                    "JSON strings know `\\\"` `\\\\` `\\/` `\\b` `\\f` `\\n` `\\r` `\\t` `\\uXXXX`; write a backslash as `\\\\`",
                ));
            }
        };
        Ok(c)
    }

    /// Four hex digits after `\u`; `start` is the backslash.
    fn hex4(&mut self, start: usize) -> Result<u16, ParseError> {
        let digits = self.src.get(self.pos..self.pos + 4).unwrap_or("");
        match (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u16::from_str_radix(digits, 16).ok())
            .flatten()
        {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => {
                let end = self.pos
                    + self.src[self.pos..]
                        .bytes()
                        .take(4)
                        .take_while(u8::is_ascii_hexdigit)
                        .count();
                Err(
                    ParseError::new(K::InvalidString, start..end, "`\\u` needs four hex digits")
                        .with_hint(
                            "write a code point as `\\u00e9`; above U+FFFF use a surrogate pair",
                        ),
                )
            }
        }
    }

    fn unicode_escape(&mut self, start: usize) -> Result<char, ParseError> {
        let hi = self.hex4(start)?;
        let lone = |span: Range<usize>, what: &str| {
            ParseError::new(
                K::InvalidString,
                span,
                format!("lone {what} surrogate in `\\u` escape"),
            )
            .with_hint("a code point above U+FFFF is written as a pair such as `\\ud83d\\ude00`")
        };
        match hi {
            0xD800..=0xDBFF => {
                let second = self.pos;
                if self.src[second..].starts_with("\\u") {
                    self.pos += 2;
                    let lo = self.hex4(second)?;
                    if (0xDC00..=0xDFFF).contains(&lo) {
                        let cp =
                            0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                        return char::from_u32(cp).ok_or_else(|| lone(start..self.pos, "high"));
                    }
                }
                Err(lone(start..second, "high"))
            }
            0xDC00..=0xDFFF => Err(lone(start..self.pos, "low")),
            v => char::from_u32(u32::from(v)).ok_or_else(|| lone(start..self.pos, "low")),
        }
    }

    /// A JSON number (RFC 8259 §6). Scans the whole number-like run first so
    /// that `0x10` or `1.2.3` is one bad number, not a number and a word.
    fn number(&mut self) -> Result<serde_json::Number, ParseError> {
        let start = self.pos;
        let mut end = start + 1;
        while self
            .peek_byte(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'))
        {
            end += 1;
        }
        self.pos = end;
        let text = &self.src[start..end];
        let bad = |hint: &str| {
            ParseError::new(
                K::InvalidNumber,
                start..end,
                format!("invalid number `{text}`"),
            )
            .with_hint(hint)
        };
        if let Some(e) = json_number_shape(text) {
            return Err(bad(e));
        }
        parse_number(text).ok_or_else(|| {
            ParseError::new(
                K::InvalidNumber,
                start..end,
                format!("number `{text}` is out of range"),
            )
            .with_hint("numbers must fit a 64-bit float")
        })
    }
}

/// Converts a number that has the JSON shape: integers stay exact when they
/// fit 64 bits; everything else goes through Rust's correctly rounded float
/// parser (so printing and re-parsing gives back the same `f64`). `None` when
/// the value overflows a float.
fn parse_number(text: &str) -> Option<serde_json::Number> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(i.into());
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(u.into());
        }
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
}

/// Checks the RFC 8259 number grammar; returns a hint when `text` breaks it.
fn json_number_shape(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'+') {
        return Some("JSON numbers have no leading `+`: drop it");
    }
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int = &b[int_start..i];
    if int.is_empty() {
        if b.get(i) == Some(&b'.') {
            return Some("JSON numbers need a digit before the `.`: write `0.5`");
        }
        if text.eq_ignore_ascii_case("-infinity") || text.eq_ignore_ascii_case("-inf") {
            return Some("JSON has no infinity");
        }
        return Some("a JSON number is digits with an optional `-`, fraction and exponent");
    }
    if int.len() > 1 && int[0] == b'0' {
        if matches!(b.get(int_start + 1), Some(b'x' | b'X')) {
            return Some("hexadecimal is not JSON: write the number in decimal");
        }
        return Some("JSON numbers have no leading zeros");
    }
    if matches!(b.get(i), Some(b'x' | b'X')) && int == b"0" {
        return Some("hexadecimal is not JSON: write the number in decimal");
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == frac {
            return Some("JSON numbers need digits after the `.`: write `5.0` or `5`");
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp {
            return Some("an exponent needs digits: write `1e3`");
        }
    }
    if i != b.len() {
        return Some(
            "a JSON number is digits with an optional `-`, fraction and exponent; separate it from what follows with a space",
        );
    }
    None
}
