//! Temporary placeholder until the real grammar lands (issue 2).

use serde_json::Value;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    text: String,
}

/// A syntax error with a byte span.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {}", span.start)]
pub struct ParseError {
    span: Range<usize>,
    message: String,
    hint: Option<String>,
}

impl ParseError {
    /// Byte offsets of the offending input.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// A hint, when an obvious fix exists.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
    /// A caret diagnostic.
    pub fn render(&self, source: &str) -> String {
        format!(
            "{source}\n{}^ {}",
            " ".repeat(self.span.start),
            self.message
        )
    }
}

/// SCIM `invalidFilter` during evaluation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter: {0}")]
pub struct EvalError(String);

/// An attribute path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// Schema URN prefix.
    pub urn: Option<String>,
    /// Attribute name.
    pub name: String,
    /// Sub-attribute.
    pub sub: Option<String>,
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl AttrPath {
    /// Parses an attribute path.
    pub fn parse(text: &str) -> Result<AttrPath, ParseError> {
        let (name, sub) = match text.split_once('.') {
            Some((a, b)) => (a.to_owned(), Some(b.to_owned())),
            None => (text.to_owned(), None),
        };
        Ok(AttrPath {
            urn: None,
            name,
            sub,
        })
    }
    /// Values at this path (case-insensitive names).
    pub fn lookup<'v>(&self, resource: &'v Value) -> Vec<&'v Value> {
        let mut out = Vec::new();
        if let Some(obj) = resource.as_object()
            && let Some((_, v)) = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(&self.name))
        {
            out.push(v);
        }
        out
    }
}

impl Filter {
    /// Parses a filter.
    pub fn parse(text: &str) -> Result<Filter, ParseError> {
        Ok(Filter {
            text: text.to_owned(),
        })
    }
    /// Evaluates the filter against a resource.
    pub fn evaluate(&self, _resource: &Value) -> Result<bool, EvalError> {
        Err(EvalError(format!(
            "filter evaluation not built yet: {}",
            self.text
        )))
    }
    /// Attribute paths the filter mentions.
    pub fn attribute_paths(&self) -> Vec<AttrPath> {
        Vec::new()
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
        f.write_str(&self.text)
    }
}

/// A JSON string literal safe to splice into a filter.
pub fn quote(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// `attr eq "value"`, safely quoted.
pub fn eq(attr: &str, value: &str) -> String {
    format!("{attr} eq {}", quote(value))
}
