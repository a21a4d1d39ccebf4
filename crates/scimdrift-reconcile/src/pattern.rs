//! Group references: exact names, globs (`*`, `?`, `\*`) and `${attr}` templates.

use scimdrift_proto::filter::AttrPath;
use scimdrift_report::PolicyLocation;

/// A compiled group reference as written in a policy.
#[derive(Debug, Clone)]
pub struct GroupPattern {
    /// The text as written.
    pub text: String,
    /// What it compiles to.
    pub kind: PatternKind,
    /// Where it is written.
    pub at: PolicyLocation,
}

/// The compiled forms of a group reference.
#[derive(Debug, Clone)]
pub enum PatternKind {
    /// An exact, case-sensitive display name.
    Exact(String),
    /// A glob, compiled to an anchored regex.
    Glob(regex::Regex),
    /// A template with `${attr}` parts, resolved per subject.
    Template(Template),
}

/// A `${attr}` template.
#[derive(Debug, Clone)]
pub struct Template {
    /// Literal text and attribute references, in order.
    pub parts: Vec<Part>,
    /// Whether the literal parts contain glob wildcards.
    pub is_glob: bool,
}

/// One part of a template.
#[derive(Debug, Clone)]
pub enum Part {
    /// Literal pattern text (may contain glob wildcards and escapes).
    Lit(String),
    /// An attribute reference.
    Attr(AttrPath),
}

/// Why a group reference does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Character offset inside the reference.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// Whether `text` holds an unescaped `*` or `?`.
fn has_wildcard(text: &str) -> bool {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '?' => return true,
            _ => {}
        }
    }
    false
}

/// Removes glob escapes (`\*` → `*`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            } else {
                out.push('\\');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Translates glob text into regex text (unanchored).
fn glob_regex(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let n = chars.next().unwrap_or('\\');
                out.push_str(&regex::escape(&n.to_string()));
            }
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out
}

fn compile_glob(body: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(&format!("(?s)^{body}$")).map_err(|e| e.to_string())
}

/// Escapes a substituted attribute value so glob wildcards in it are literal.
pub fn escape_glob(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl GroupPattern {
    /// Compiles a group reference.
    pub fn compile(text: &str, at: PolicyLocation) -> Result<GroupPattern, PatternError> {
        let kind = if text.contains("${") {
            PatternKind::Template(parse_template(text)?)
        } else if has_wildcard(text) {
            let re = compile_glob(&glob_regex(text)).map_err(|message| PatternError {
                offset: 0,
                message: format!("invalid glob: {message}"),
                hint: None,
            })?;
            PatternKind::Glob(re)
        } else {
            PatternKind::Exact(unescape(text))
        };
        Ok(GroupPattern {
            text: text.to_owned(),
            kind,
            at,
        })
    }

    /// The exact name, when the reference is a plain literal.
    pub fn exact(&self) -> Option<&str> {
        match &self.kind {
            PatternKind::Exact(name) => Some(name),
            _ => None,
        }
    }

    /// The attribute paths the reference's template uses.
    pub fn attributes(&self) -> Vec<&AttrPath> {
        match &self.kind {
            PatternKind::Template(t) => t
                .parts
                .iter()
                .filter_map(|p| match p {
                    Part::Attr(a) => Some(a),
                    Part::Lit(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

fn parse_template(text: &str) -> Result<Template, PatternError> {
    let mut parts = Vec::new();
    let mut rest = text;
    let mut offset = 0usize;
    let mut is_glob = false;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            let lit = &rest[..start];
            is_glob |= has_wildcard(lit);
            parts.push(Part::Lit(lit.to_owned()));
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(PatternError {
                offset: text[..offset + start].chars().count(),
                message: "unclosed `${` in group reference".to_owned(),
                hint: Some("write `${attribute}`, e.g. `${embedEntity}`".to_owned()),
            });
        };
        let name = after[..end].trim();
        let path = AttrPath::parse(name).ok().filter(|_| !name.is_empty());
        let Some(path) = path else {
            return Err(PatternError {
                offset: text[..offset + start].chars().count(),
                message: format!("`{name}` is not a SCIM attribute path"),
                hint: Some("write `${attribute}`, e.g. `${embedEntity}`".to_owned()),
            });
        };
        parts.push(Part::Attr(path));
        let consumed = start + 2 + end + 1;
        offset += consumed;
        rest = &rest[consumed..];
    }
    if !rest.is_empty() {
        is_glob |= has_wildcard(rest);
        parts.push(Part::Lit(rest.to_owned()));
    }
    Ok(Template { parts, is_glob })
}

/// A template resolved for one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// An exact group name.
    Exact(String),
    /// A glob pattern text (already escaped), to compile.
    Glob(String),
    /// The subject lacks the attribute (its path is given).
    Missing(String),
}

impl Template {
    /// Substitutes the subject's attributes. Multi-valued or non-string
    /// attributes use their first scalar value as text.
    pub fn resolve(&self, resource: &serde_json::Value) -> Resolved {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(lit) => text.push_str(lit),
                Part::Attr(path) => {
                    let value = path.lookup(resource).into_iter().find_map(scalar_text);
                    let Some(value) = value else {
                        return Resolved::Missing(path.to_string());
                    };
                    text.push_str(&escape_glob(&value));
                }
            }
        }
        if self.is_glob {
            Resolved::Glob(glob_regex(&text))
        } else {
            Resolved::Exact(unescape(&text))
        }
    }
}

fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Array(items) => items.iter().find_map(scalar_text),
        _ => None,
    }
}

/// Compiles resolved glob text into a matcher.
pub fn compile_resolved_glob(body: &str) -> Option<regex::Regex> {
    compile_glob(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> PolicyLocation {
        PolicyLocation {
            file: "t.yaml".into(),
            line: 1,
            column: 1,
        }
    }

    #[track_caller]
    fn check(pattern: &str, name: &str, expected: bool) {
        let p = GroupPattern::compile(pattern, at()).unwrap();
        let got = match &p.kind {
            PatternKind::Exact(e) => e == name,
            PatternKind::Glob(re) => re.is_match(name),
            PatternKind::Template(_) => panic!("template"),
        };
        assert_eq!(got, expected, "{pattern} vs {name}");
    }

    #[test]
    fn globs() {
        check("Acme *", "Acme Sales", true);
        check("Acme *", "acme Sales", false);
        check("Acme ?", "Acme X", true);
        check("Acme ?", "Acme XY", false);
        check(r"Star \*", "Star *", true);
        check(r"Star \*", "Star x", false);
        check("Sales [EU]", "Sales [EU]", true);
        check("a.b*", "axb", false);
    }

    /// Where these globs differ from path globs (`globset`): `?` is one
    /// character, not one byte; `*` crosses `/` and line breaks and `**` is
    /// just two of them; brackets and braces are literal text; a trailing
    /// `\` is a literal backslash, not an error.
    #[test]
    fn globs_are_not_path_globs() {
        check("Team ?", "Team Ä", true);
        check("Team ?", "Team 東", true);
        check("a/*", "a/b/c", true);
        check("a/**/b", "a/b", false);
        check("a/**/b", "a/x/b", true);
        check("line*", "line1\nline2", true);
        check("Sales [EU] *", "Sales [EU] North", true);
        check("Sales [EU] *", "Sales E North", false);
        check("{a,b}*", "{a,b}x", true);
        check("{a,b}*", "ax", false);
        check("x*\\", "xy\\", true);
    }

    #[test]
    fn templates() {
        let p = GroupPattern::compile("Tenant ${embedEntity} *", at()).unwrap();
        let PatternKind::Template(t) = &p.kind else {
            panic!()
        };
        let v = serde_json::json!({"embedEntity": "a*c"});
        assert_eq!(t.resolve(&v), Resolved::Glob(r"Tenant a\*c .*".to_owned()));
        assert_eq!(
            t.resolve(&serde_json::json!({})),
            Resolved::Missing("embedEntity".to_owned())
        );
        let err = GroupPattern::compile("x ${embedEntity", at()).unwrap_err();
        assert_eq!(err.offset, 2);
    }
}
