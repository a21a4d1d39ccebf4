//! A small position-tracking YAML loader.
//!
//! serde-based YAML deserialisers lose positions for semantic errors, so the
//! policy loader builds its own spanned tree from `saphyr-parser` events and
//! converts it into typed policies itself. Aliases are expanded with a budget
//! and nesting depth is capped, so a hostile file cannot exhaust memory.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// Most nodes one file may expand to (aliases included).
pub const MAX_NODES: usize = 100_000;
/// Deepest nesting of sequences and mappings.
pub const MAX_DEPTH: usize = 64;

const NESTING_HINT: &str =
    "policy files need only a few levels of nesting; flatten the structure (the limit is fixed)";

/// A position in a source file (1-based line, 1-based column in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Length of the marked text in characters (at least 1 when rendered).
    pub len: u32,
}

impl Pos {
    fn from_span(span: Span) -> Self {
        let len = if span.end.line() == span.start.line() {
            span.end.col().saturating_sub(span.start.col())
        } else {
            1
        };
        Pos {
            line: to_u32(span.start.line()),
            column: to_u32(span.start.col() + 1),
            len: to_u32(len.max(1)),
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A scalar's text and quoting style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The decoded text.
    pub value: String,
    /// How it was written.
    pub style: Style,
}

/// Quoting style of a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'...'`.
    SingleQuoted,
    /// `"..."`.
    DoubleQuoted,
    /// `|` or `>` block.
    Block,
}

/// A node of the spanned tree.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar (strings, numbers, booleans, null are all scalars here).
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order (duplicates kept for the loader to report).
    Map(Vec<(Node, Node)>),
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// Where it starts.
    pub pos: Pos,
    /// The source span end (line, 0-based column) for multi-character mapping.
    pub end: (u32, u32),
}

impl Node {
    /// The scalar, when this is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is a null scalar (`~`, `null`, or empty, unquoted).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s) if s.style == Style::Plain && matches!(s.value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A short description of the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
            NodeKind::Scalar(s) if s.style != Style::Plain => "a string",
            NodeKind::Scalar(_) if self.is_null() => "null",
            NodeKind::Scalar(s) => match s.value.as_str() {
                "true" | "false" | "True" | "False" | "TRUE" | "FALSE" => "a boolean",
                v if v.parse::<f64>().is_ok() => "a number",
                _ => "a string",
            },
        }
    }
}

/// A YAML syntax or limit error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What went wrong.
    pub message: String,
    /// Where.
    pub pos: Pos,
    /// What to do about it.
    pub hint: Option<String>,
}

/// Parses one YAML document into a spanned tree. An empty file yields `None`.
pub fn parse(source: &str) -> Result<Option<Node>, YamlError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(source),
        anchors: HashMap::new(),
        nodes: 0,
        last: Pos::default(),
    };
    builder.document()
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    last: Pos,
}

enum Item {
    Node(Node),
    End,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), YamlError> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => {
                self.last = Pos::from_span(span);
                Ok((event, span))
            }
            Some(Err(err)) => {
                let m = err.marker();
                // The parser's own nesting guard: report it as our limit.
                let nested = err.info().contains("recursion limit");
                let message = if nested {
                    format!("YAML nested deeper than {MAX_DEPTH} levels")
                } else {
                    format!("invalid YAML: {}", err.info())
                };
                Err(YamlError {
                    message,
                    pos: Pos {
                        line: to_u32(m.line()),
                        column: to_u32(m.col() + 1),
                        len: 1,
                    },
                    hint: nested.then(|| NESTING_HINT.to_owned()),
                })
            }
            None => Err(self.error("unexpected end of YAML input", None)),
        }
    }

    fn error(&self, message: &str, hint: Option<&str>) -> YamlError {
        YamlError {
            message: message.to_owned(),
            pos: self.last,
            hint: hint.map(str::to_owned),
        }
    }

    fn document(&mut self) -> Result<Option<Node>, YamlError> {
        let mut root = None;
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(root),
                Event::DocumentStart(_) => {
                    if root.is_some() {
                        return Err(YamlError {
                            message: "a policy file holds one YAML document".to_owned(),
                            pos: Pos::from_span(span),
                            hint: Some("split the documents into separate files".to_owned()),
                        });
                    }
                    match self.item(0)? {
                        Item::Node(node) => root = Some(node),
                        Item::End => return Ok(None),
                    }
                }
                _ => return Err(self.error("unexpected YAML event", None)),
            }
        }
    }

    fn count(&mut self) -> Result<(), YamlError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error(
                &format!("the file expands to more than {MAX_NODES} YAML nodes"),
                Some(
                    "a policy file this large is likely an alias bomb; remove aliases or split it",
                ),
            ));
        }
        Ok(())
    }

    fn item(&mut self, depth: usize) -> Result<Item, YamlError> {
        let (event, span) = self.next()?;
        let pos = Pos::from_span(span);
        let end = (to_u32(span.end.line()), to_u32(span.end.col()));
        self.count()?;
        match event {
            Event::Scalar(value, style, anchor, _tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    _ => Style::Block,
                };
                let node = Node {
                    kind: NodeKind::Scalar(Scalar {
                        value: value.into_owned(),
                        style,
                    }),
                    pos,
                    end,
                };
                self.anchor(anchor, &node);
                Ok(Item::Node(node))
            }
            Event::SequenceStart(anchor, _) => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(
                        &format!("YAML nested deeper than {MAX_DEPTH} levels"),
                        Some(NESTING_HINT),
                    ));
                }
                let mut items = Vec::new();
                while let Item::Node(node) = self.item(depth + 1)? {
                    items.push(node);
                }
                let node = Node {
                    kind: NodeKind::Seq(items),
                    pos,
                    end,
                };
                self.anchor(anchor, &node);
                Ok(Item::Node(node))
            }
            Event::MappingStart(anchor, _) => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(
                        &format!("YAML nested deeper than {MAX_DEPTH} levels"),
                        Some(NESTING_HINT),
                    ));
                }
                let mut entries = Vec::new();
                while let Item::Node(key) = self.item(depth + 1)? {
                    let Item::Node(value) = self.item(depth + 1)? else {
                        return Err(self.error("mapping key without a value", None));
                    };
                    entries.push((key, value));
                }
                let node = Node {
                    kind: NodeKind::Map(entries),
                    pos,
                    end,
                };
                self.anchor(anchor, &node);
                Ok(Item::Node(node))
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id).cloned() else {
                    return Err(self.error("alias to an unknown anchor", None));
                };
                // Each expansion costs as many nodes as it copies, and may not
                // nest the tree deeper than the limit (a chain of aliases would
                // otherwise build a tree far deeper than any anchor's text).
                let (size, height) = node_size(&target);
                if depth.saturating_add(height) > MAX_DEPTH + 1 {
                    return Err(self.error(
                        &format!("YAML nested deeper than {MAX_DEPTH} levels (through aliases)"),
                        Some("flatten the anchors: an alias may not nest an anchored value this deep"),
                    ));
                }
                self.nodes = self.nodes.saturating_add(size);
                self.count()?;
                Ok(Item::Node(Node { pos, end, ..target }))
            }
            Event::SequenceEnd | Event::MappingEnd | Event::DocumentEnd => Ok(Item::End),
            _ => Err(self.error("unexpected YAML event", None)),
        }
    }

    fn anchor(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }
}

/// How many nodes a tree holds, and how many levels deep it is (a scalar is 1).
fn node_size(node: &Node) -> (usize, usize) {
    let children: Vec<&Node> = match &node.kind {
        NodeKind::Scalar(_) => Vec::new(),
        NodeKind::Seq(items) => items.iter().collect(),
        NodeKind::Map(entries) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
    };
    children.iter().fold((1, 1), |(count, height), child| {
        let (c, h) = node_size(child);
        (count.saturating_add(c), height.max(h.saturating_add(1)))
    })
}

/// Maps a character offset inside a scalar's decoded value to its source
/// position, when the scalar sits on one line (the common case for `where:`).
/// Falls back to the scalar's start otherwise.
pub fn scalar_offset_pos(node: &Node, source: &str, char_offset: usize, len: usize) -> Pos {
    let Some(scalar) = node.as_scalar() else {
        return node.pos;
    };
    let fallback = node.pos;
    if node.end.0 != node.pos.line || scalar.style == Style::Block {
        return fallback;
    }
    let Some(line) = source.lines().nth(node.pos.line as usize - 1) else {
        return fallback;
    };
    let chars: Vec<char> = line.chars().collect();
    let start = node.pos.column as usize - 1;
    // Walk the source text, counting decoded characters.
    let mut src = start;
    let mut decoded = 0usize;
    if scalar.style != Style::Plain {
        src += 1; // the opening quote
    }
    while decoded < char_offset && src < chars.len() {
        match (scalar.style, chars[src]) {
            (Style::SingleQuoted, '\'') => src += 2,
            (Style::DoubleQuoted, '\\') => {
                src += match chars.get(src + 1) {
                    Some('x') => 4,
                    Some('u') => 6,
                    Some('U') => 10,
                    _ => 2,
                };
            }
            _ => src += 1,
        }
        decoded += 1;
    }
    Pos {
        line: node.pos.line,
        column: to_u32(src + 1),
        len: to_u32(len.max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_tracked() {
        let src = "a: 1\nb:\n  - x\n  - 'y'\n";
        let root = parse(src).unwrap().unwrap();
        let NodeKind::Map(entries) = &root.kind else {
            panic!("not a map")
        };
        assert_eq!(entries[1].0.pos.line, 2);
        let NodeKind::Seq(items) = &entries[1].1.kind else {
            panic!("not a seq")
        };
        assert_eq!((items[1].pos.line, items[1].pos.column), (4, 5));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&src).unwrap_err();
        assert!(err.message.contains("more than"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let src = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&src).unwrap_err().message.contains("nested"));
    }

    #[test]
    fn offset_inside_quoted_scalar() {
        let src = "where: 'a eq ''x'' and'\n";
        let root = parse(src).unwrap().unwrap();
        let NodeKind::Map(entries) = &root.kind else {
            panic!()
        };
        // decoded: a eq 'x' and ; offset 9 = 'a' of "and"
        let p = scalar_offset_pos(&entries[0].1, src, 9, 3);
        assert_eq!(p.column, 20);
    }
}
