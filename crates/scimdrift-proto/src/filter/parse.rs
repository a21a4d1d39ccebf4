//! The parser: tokens → span-carrying [`Expr`] tree.
//!
//! Recursive descent, lowest precedence first (`or`, `and`, `not`/group/
//! comparison). `and`/`or` chains are collected in loops into one n-ary node,
//! so only real nesting (`(…)`, `not (…)`, `[…]`) recurses, and that is capped
//! at [`MAX_DEPTH`].

use super::ast::{AttrPath, CompValue, CompareOp, Expr, ExprKind};
use super::error::{ParseError, ParseErrorKind as K};
use super::lex::{Lexer, Tok, Token};
use super::{MAX_DEPTH, MAX_LEN};
use std::ops::Range;

/// Parses a whole filter.
pub(crate) fn parse_filter(src: &str) -> Result<Expr, ParseError> {
    if src.len() > MAX_LEN {
        return Err(ParseError::new(
            K::TooLong,
            MAX_LEN..src.len(),
            format!("filter is {} bytes long; the limit is {MAX_LEN}", src.len()),
        )
        .with_hint("split the selector into several policies"));
    }
    let mut p = Parser::new(src)?;
    if p.cur.tok == Tok::Eof {
        return Err(ParseError::new(K::Empty, 0..src.len(), "empty filter")
            .with_hint("a filter compares an attribute, e.g. `userName eq \"ann@example.com\"`"));
    }
    let expr = p.parse_or(0, false)?;
    match &p.cur.tok {
        Tok::Eof => Ok(expr),
        Tok::RParen => Err(
            ParseError::new(K::Unmatched, p.cur.span.clone(), "unmatched `)`")
                .with_hint("remove it, or add the `(` it should close"),
        ),
        Tok::RBracket => Err(
            ParseError::new(K::Unmatched, p.cur.span.clone(), "unmatched `]`")
                .with_hint("remove it, or add the `attr[` it should close"),
        ),
        _ => Err(p.after_term_error("end of filter")),
    }
}

/// Parses a lone attribute path such as `emails.value` (surrounding
/// whitespace allowed).
pub(crate) fn parse_attr_path(src: &str) -> Result<AttrPath, ParseError> {
    let mut p = Parser::new(src)?;
    let Tok::Word(word) = p.cur.tok else {
        return Err(ParseError::new(
            K::InvalidAttrPath,
            p.cur.span.clone(),
            format!("expected an attribute path, found {}", describe(&p.cur.tok)),
        )
        .with_hint(
            "an attribute path looks like `userName`, `emails.value` or `urn:…:User:manager`",
        ));
    };
    let path = parse_path(word, p.cur.span.start, false)?;
    p.advance()?;
    if p.cur.tok != Tok::Eof {
        return Err(ParseError::new(
            K::UnexpectedToken,
            p.cur.span.clone(),
            format!(
                "expected the end of the attribute path, found {}",
                describe(&p.cur.tok)
            ),
        ));
    }
    Ok(path)
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    cur: Token<'a>,
    peeked: Option<Token<'a>>,
}

fn describe(tok: &Tok<'_>) -> String {
    match tok {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Number(n) => format!("number `{n}`"),
        Tok::Str(_) => "a string".to_owned(),
        Tok::LParen => "`(`".to_owned(),
        Tok::RParen => "`)`".to_owned(),
        Tok::LBracket => "`[`".to_owned(),
        Tok::RBracket => "`]`".to_owned(),
        Tok::Dot => "`.`".to_owned(),
        Tok::Eof => "the end of the filter".to_owned(),
    }
}

fn is_keyword(tok: &Tok<'_>, keyword: &str) -> bool {
    matches!(tok, Tok::Word(w) if w.eq_ignore_ascii_case(keyword))
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Result<Self, ParseError> {
        let mut lexer = Lexer::new(src);
        let cur = lexer.next_token()?;
        Ok(Parser {
            lexer,
            cur,
            peeked: None,
        })
    }

    fn advance(&mut self) -> Result<(), ParseError> {
        self.cur = match self.peeked.take() {
            Some(t) => t,
            None => self.lexer.next_token()?,
        };
        Ok(())
    }

    fn peek(&mut self) -> Result<&Token<'a>, ParseError> {
        let tok = match self.peeked.take() {
            Some(t) => t,
            None => self.lexer.next_token()?,
        };
        Ok(self.peeked.insert(tok))
    }

    fn too_deep(&self) -> ParseError {
        ParseError::new(
            K::TooDeep,
            self.cur.span.clone(),
            format!("filter nests deeper than {MAX_DEPTH} levels"),
        )
        .with_hint("`a or b or c` needs no parentheses; flatten the nesting")
    }

    /// The error for a token that cannot follow a complete term.
    fn after_term_error(&self, closer: &str) -> ParseError {
        let tok = &self.cur;
        if (is_keyword(&tok.tok, "and") || is_keyword(&tok.tok, "or")) && !tok.space_before {
            return ParseError::new(
                K::MissingWhitespace,
                tok.span.clone(),
                format!("expected whitespace before {}", describe(&tok.tok)),
            );
        }
        let err = ParseError::new(
            K::UnexpectedToken,
            tok.span.clone(),
            format!(
                "expected `and`, `or` or {closer}, found {}",
                describe(&tok.tok)
            ),
        );
        match &tok.tok {
            Tok::Str(_) | Tok::Number(_) => {
                err.with_hint("a comparison takes one value; combine conditions with `and` or `or`")
            }
            _ => err,
        }
    }

    /// Consumes an `and`/`or` keyword, checking the spaces around it.
    fn keyword(&mut self) -> Result<(), ParseError> {
        if !self.cur.space_before {
            return Err(ParseError::new(
                K::MissingWhitespace,
                self.cur.span.clone(),
                format!("expected whitespace before {}", describe(&self.cur.tok)),
            ));
        }
        let kw = self.cur.span.clone();
        // Only `Word`s reach here; keep the text, not a formatted message.
        let word = match self.cur.tok {
            Tok::Word(w) => w,
            _ => "",
        };
        self.advance()?;
        if !self.cur.space_before && self.cur.tok != Tok::Eof {
            return Err(ParseError::new(
                K::MissingWhitespace,
                kw.end..self.cur.span.end.max(kw.end + 1),
                format!("expected whitespace after `{word}`"),
            ));
        }
        Ok(())
    }

    fn parse_or(&mut self, depth: usize, in_vp: bool) -> Result<Expr, ParseError> {
        let first = self.parse_and(depth, in_vp)?;
        if !is_keyword(&self.cur.tok, "or") {
            return Ok(first);
        }
        let start = first.span.start;
        // Room for a typical chain without regrowing.
        let mut terms = Vec::with_capacity(4);
        terms.push(first);
        while is_keyword(&self.cur.tok, "or") {
            self.keyword()?;
            terms.push(self.parse_and(depth, in_vp)?);
        }
        let end = terms.last().map_or(start, |t| t.span.end);
        Ok(Expr {
            kind: ExprKind::Or(terms),
            span: start..end,
        })
    }

    fn parse_and(&mut self, depth: usize, in_vp: bool) -> Result<Expr, ParseError> {
        let first = self.parse_unary(depth, in_vp)?;
        if !is_keyword(&self.cur.tok, "and") {
            return Ok(first);
        }
        let start = first.span.start;
        // Room for a typical chain without regrowing.
        let mut terms = Vec::with_capacity(4);
        terms.push(first);
        while is_keyword(&self.cur.tok, "and") {
            self.keyword()?;
            terms.push(self.parse_unary(depth, in_vp)?);
        }
        let end = terms.last().map_or(start, |t| t.span.end);
        Ok(Expr {
            kind: ExprKind::And(terms),
            span: start..end,
        })
    }

    /// `(filter)`, `[filter]`: parses the inside and the closer.
    fn group(
        &mut self,
        depth: usize,
        in_vp: bool,
        close: Tok<'static>,
    ) -> Result<(Expr, Range<usize>), ParseError> {
        if depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        let open = self.cur.span.clone();
        self.advance()?;
        let inner = self.parse_or(depth + 1, in_vp)?;
        let (open_text, close_text) = if close == Tok::RParen {
            ("(", ")")
        } else {
            ("[", "]")
        };
        if self.cur.tok == close {
            let end = self.cur.span.clone();
            self.advance()?;
            return Ok((inner, open.start..end.end));
        }
        if self.cur.tok == Tok::Eof {
            return Err(ParseError::new(
                K::Unclosed,
                open,
                format!("`{open_text}` is never closed"),
            )
            .with_hint(format!("add a `{close_text}`")));
        }
        if matches!(self.cur.tok, Tok::RParen | Tok::RBracket) {
            return Err(ParseError::new(
                K::Unmatched,
                self.cur.span.clone(),
                format!(
                    "expected `{close_text}` to close the `{open_text}` at byte {}, found {}",
                    open.start,
                    describe(&self.cur.tok)
                ),
            ));
        }
        Err(self.after_term_error(&format!("`{close_text}`")))
    }

    fn parse_unary(&mut self, depth: usize, in_vp: bool) -> Result<Expr, ParseError> {
        let is_not = is_keyword(&self.cur.tok, "not") && self.peek()?.tok == Tok::LParen;
        match self.cur.tok {
            Tok::LParen => {
                let (mut inner, span) = self.group(depth, in_vp, Tok::RParen)?;
                inner.span = span;
                Ok(inner)
            }
            Tok::Word(_) if is_not => {
                let start = self.cur.span.start;
                self.advance()?;
                let (inner, span) = self.group(depth, in_vp, Tok::RParen)?;
                Ok(Expr {
                    kind: ExprKind::Not(Box::new(inner)),
                    span: start..span.end,
                })
            }
            Tok::Word(_) => self.parse_attr_expr(depth, in_vp),
            _ => {
                let err = ParseError::new(
                    K::UnexpectedToken,
                    self.cur.span.clone(),
                    format!(
                        "expected an attribute name, `(` or `not (`, found {}",
                        describe(&self.cur.tok)
                    ),
                );
                Err(match self.cur.tok {
                    Tok::Str(_) | Tok::Number(_) => err.with_hint(
                        "a comparison starts with the attribute: `userName eq \"ann@example.com\"`",
                    ),
                    Tok::RParen => err.with_hint("empty parentheses hold no filter"),
                    _ => err,
                })
            }
        }
    }

    fn parse_attr_expr(&mut self, depth: usize, in_vp: bool) -> Result<Expr, ParseError> {
        let Tok::Word(word) = self.cur.tok else {
            return Err(self.after_term_error("end of filter"));
        };
        let start = self.cur.span.start;
        let path = parse_path(word, start, in_vp)?;
        let path_span = self.cur.span.clone();
        self.advance()?;
        if self.cur.tok != Tok::LBracket {
            return self.parse_comparison(path, path_span);
        }
        if in_vp {
            return Err(ParseError::new(
                K::NestedValuePath,
                self.cur.span.clone(),
                "a value filter `[…]` cannot hold another value filter",
            )
            .with_hint(
                "inside `[…]` compare sub-attributes directly, e.g. `emails[type eq \"work\"]`",
            ));
        }
        if path.sub.is_some() {
            return Err(ParseError::new(
                K::InvalidAttrPath,
                path_span,
                format!("a value filter `[…]` applies to an attribute, not to the sub-attribute `{path}`"),
            )
            .with_hint("write `emails[type eq \"work\"]`, not `emails.type[…]`"));
        }
        let (mut inner, span) = self.group(depth, true, Tok::RBracket)?;
        let mut end = span.end;
        // Entra ID's form: `emails[type eq "work"].value eq "x"` means
        // `emails[type eq "work" and value eq "x"]`.
        if self.cur.tok == Tok::Dot && !self.cur.space_before {
            let dot = self.cur.span.clone();
            self.advance()?;
            let sub = match self.cur.tok {
                Tok::Word(w) if !self.cur.space_before => w,
                _ => {
                    return Err(ParseError::new(
                        K::InvalidAttrPath,
                        dot,
                        "expected a sub-attribute name after `].`",
                    )
                    .with_hint("e.g. `emails[type eq \"work\"].value eq \"ann@example.com\"`"));
                }
            };
            let sub_span = self.cur.span.clone();
            let sub_path = parse_path(sub, sub_span.start, true)?;
            self.advance()?;
            let cmp = self.parse_comparison(sub_path, sub_span)?;
            end = cmp.span.end;
            let inner_start = inner.span.start;
            inner = match inner.kind {
                ExprKind::And(mut terms) => {
                    terms.push(cmp);
                    Expr {
                        kind: ExprKind::And(terms),
                        span: inner_start..end,
                    }
                }
                kind => Expr {
                    kind: ExprKind::And(vec![
                        Expr {
                            kind,
                            span: inner.span,
                        },
                        cmp,
                    ]),
                    span: inner_start..end,
                },
            };
        }
        Ok(Expr {
            kind: ExprKind::ValuePath(path, Box::new(inner)),
            span: start..end,
        })
    }

    /// `pr` or `op value`, after an attribute path.
    fn parse_comparison(
        &mut self,
        path: AttrPath,
        path_span: Range<usize>,
    ) -> Result<Expr, ParseError> {
        let start = path_span.start;
        let op_word = match self.cur.tok {
            Tok::Word(w) if self.cur.space_before => w,
            _ => {
                let err = ParseError::new(
                    K::ExpectedOperator,
                    self.cur.span.clone(),
                    format!(
                        "expected an operator after `{path}`, found {}",
                        describe(&self.cur.tok)
                    ),
                );
                return Err(
                    if matches!(self.cur.tok, Tok::Word(_) | Tok::Eof) || self.cur.space_before {
                        err.with_hint("operators: eq ne co sw ew gt lt ge le pr")
                    } else {
                        err.with_hint("separate the attribute and the operator with a space")
                    },
                );
            }
        };
        let op_span = self.cur.span.clone();
        if op_word.eq_ignore_ascii_case("pr") {
            self.advance()?;
            return Ok(Expr {
                kind: ExprKind::Present(path),
                span: start..op_span.end,
            });
        }
        let Some(op) = CompareOp::from_keyword(op_word) else {
            let err = ParseError::new(
                K::UnknownOperator,
                op_span,
                format!("unknown operator `{op_word}`"),
            );
            // `eq5`, `eqtrue`: an operator glued to its value.
            let glued = CompareOp::ALL.into_iter().find(|op| {
                op_word.len() > 2 && op_word[..2].eq_ignore_ascii_case(op.as_str()) && {
                    let rest = &op_word[2..];
                    rest.starts_with(|c: char| c.is_ascii_digit() || c == '-')
                        || ["true", "false", "null"].contains(&rest)
                }
            });
            if path.urn.is_none() && path.sub.is_none() && path.name.eq_ignore_ascii_case("not") {
                return Err(err.with_hint("`not` needs parentheses: `not (a pr)`"));
            }
            return Err(match glued {
                Some(op) => err.with_hint(format!(
                    "separate the operator `{op}` and the value with a space"
                )),
                None => err.with_hint("operators: eq ne co sw ew gt lt ge le pr"),
            });
        };
        self.advance()?;
        let value = match &self.cur.tok {
            tok if !self.cur.space_before && *tok != Tok::Eof => {
                return Err(ParseError::new(
                    K::MissingWhitespace,
                    self.cur.span.clone(),
                    format!("expected whitespace between `{op_word}` and the value"),
                )
                .with_hint(format!(
                    "write `{path} {op} …` with a space before the value"
                )));
            }
            // Take the decoded string out of the token instead of copying it:
            // the token is replaced by `advance` right below.
            Tok::Str(_) => match std::mem::replace(&mut self.cur.tok, Tok::Eof) {
                Tok::Str(s) => CompValue::String(s),
                _ => CompValue::Null,
            },
            Tok::Number(n) => CompValue::Number(n.clone()),
            Tok::Word("true") => CompValue::Bool(true),
            Tok::Word("false") => CompValue::Bool(false),
            Tok::Word("null") => CompValue::Null,
            tok => return Err(self.bad_value(tok, op)),
        };
        let end = self.cur.span.end;
        self.advance()?;
        Ok(Expr {
            kind: ExprKind::Compare(path, op, value),
            span: start..end,
        })
    }

    fn bad_value(&self, tok: &Tok<'_>, op: CompareOp) -> ParseError {
        let span = self.cur.span.clone();
        if *tok == Tok::Eof {
            return ParseError::new(
                K::ExpectedValue,
                span,
                format!("expected a value after `{op}`, found the end of the filter"),
            )
            .with_hint("values are JSON: \"text\", 42, true, false or null");
        }
        let err = ParseError::new(
            K::ExpectedValue,
            span,
            format!("expected a JSON value, found {}", describe(tok)),
        );
        match tok {
            Tok::Word(w)
                if ["true", "false", "null"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(w)) =>
            {
                err.with_hint(format!(
                    "JSON literals are lowercase: `{}`",
                    w.to_ascii_lowercase()
                ))
            }
            Tok::Word(w)
                if ["nan", "infinity", "inf"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(w)) =>
            {
                err.with_hint("JSON numbers are finite; there is no NaN or infinity")
            }
            Tok::Word(w) => err.with_hint(format!(
                "strings are double-quoted: {}",
                super::escape::quote(w)
            )),
            _ => err.with_hint("values are JSON: \"text\", 42, true, false or null"),
        }
    }
}

/// Splits a word into `[urn ":"] name ["." sub]` and checks each part.
/// `offset` is the word's byte offset in the source, for spans. Inside a
/// value filter (`in_vp`) only plain names are allowed.
fn parse_path(word: &str, offset: usize, in_vp: bool) -> Result<AttrPath, ParseError> {
    if let Some(path) = plain_path(word)
        && !(in_vp && path.sub.is_some())
    {
        return Ok(path);
    }
    let (urn, rest, rest_at) = match word.rfind(':') {
        Some(i) => (Some(&word[..i]), &word[i + 1..], i + 1),
        None => (None, word, 0),
    };
    if let Some(urn) = urn {
        if in_vp {
            return Err(ParseError::new(
                K::InvalidAttrPath,
                offset..offset + word.len(),
                "inside a value filter `[…]` attributes are plain sub-attribute names",
            )
            .with_hint(
                "put the schema URN before the `[`: `urn:…:User:emails[type eq \"work\"]`",
            ));
        }
        if !(urn.len() > 4 && urn[..4].eq_ignore_ascii_case("urn:")) {
            return Err(ParseError::new(
                K::InvalidAttrPath,
                offset..offset + urn.len(),
                format!("`{urn}` is not a schema URN"),
            )
            .with_hint("a schema-qualified path looks like `urn:ietf:params:scim:schemas:core:2.0:User:userName`"));
        }
        if rest.is_empty() {
            return Err(ParseError::new(
                K::InvalidAttrPath,
                offset + word.len()..offset + word.len(),
                format!("expected an attribute name after the schema URN `{urn}:`"),
            ));
        }
    }
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    check_name(name, offset + rest_at)?;
    if let Some(sub) = sub {
        let sub_at = offset + rest_at + name.len() + 1;
        if in_vp {
            return Err(ParseError::new(
                K::InvalidAttrPath,
                sub_at - 1..offset + word.len(),
                "inside a value filter `[…]` attributes are plain sub-attribute names",
            )
            .with_hint("a SCIM attribute has at most one level of sub-attributes"));
        }
        if let Some(dot) = sub.find('.') {
            return Err(ParseError::new(
                K::InvalidAttrPath,
                sub_at + dot..offset + word.len(),
                format!("`{word}` has more than one sub-attribute"),
            )
            .with_hint("SCIM paths are `attribute` or `attribute.subAttribute`"));
        }
        check_name(sub, sub_at)?;
    }
    Ok(AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

/// The common case in one pass over the bytes: `name` or `name.sub`
/// without a schema URN, each part a valid `ATTRNAME`. `None` for anything
/// else, which [`parse_path`] then checks part by part (and explains).
fn plain_path(word: &str) -> Option<AttrPath> {
    let b = word.as_bytes();
    let name_ok = |part: &[u8]| {
        let body = part.strip_prefix(b"$").unwrap_or(part);
        body.first().is_some_and(u8::is_ascii_alphabetic)
    };
    let mut dot = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'.' if dot.is_none() => dot = Some(i),
            b'$' if i == 0 || dot == Some(i - 1) => {}
            c if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' => {}
            _ => return None,
        }
    }
    match dot {
        None if name_ok(b) => Some(AttrPath::simple(word)),
        Some(i) if name_ok(&b[..i]) && name_ok(&b[i + 1..]) => Some(AttrPath {
            urn: None,
            name: word[..i].to_owned(),
            sub: Some(word[i + 1..].to_owned()),
        }),
        _ => None,
    }
}

/// `ATTRNAME = ["$"] ALPHA *(ALPHA / DIGIT / "-" / "_")`.
fn check_name(name: &str, at: usize) -> Result<(), ParseError> {
    let body = name.strip_prefix('$').unwrap_or(name);
    let first_ok = body.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    let bad = body
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    if first_ok && bad.is_none() {
        return Ok(());
    }
    let span = at..at + name.len().max(1);
    if name.is_empty() {
        return Err(ParseError::new(
            K::InvalidAttrPath,
            at..at,
            "expected an attribute name",
        ));
    }
    Err(ParseError::new(
        K::InvalidAttrPath,
        span,
        format!("`{name}` is not a valid attribute name"),
    )
    .with_hint("names start with a letter (or `$` then a letter, as in `$ref`) and hold letters, digits, `-` and `_`"))
}
