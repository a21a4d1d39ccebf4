//! The decoding context of one policy file and its accessors: each reports
//! a wrong type, an unknown or duplicate key, or a bad value as a
//! diagnostic pointing into the file, and returns `None` instead.

use crate::diag::{Diagnostic, Level, Related};
use crate::pattern::GroupPattern;
use crate::schema_attrs::SeenTypes;
use crate::yaml::{self, Node, NodeKind, Pos, Style};
use scimdrift_report::{PolicyLocation, Severity};
use std::collections::BTreeMap;

/// One file being decoded: its path, its text, the diagnostics so far, and
/// the attribute types a snapshot shows (empty without one).
pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a str,
    pub(crate) source: &'a str,
    pub(crate) diags: &'a mut Vec<Diagnostic>,
    pub(crate) seen: &'a SeenTypes,
}

impl Ctx<'_> {
    pub(crate) fn excerpt(&self, line: u32) -> Option<String> {
        if line == 0 {
            return None;
        }
        self.source
            .lines()
            .nth(line as usize - 1)
            .map(str::to_owned)
    }

    pub(crate) fn push(&mut self, level: Level, pos: Pos, message: String, hint: Option<String>) {
        let excerpt = self.excerpt(pos.line);
        self.diags.push(Diagnostic {
            level,
            file: self.file.to_owned(),
            line: pos.line,
            column: pos.column,
            len: pos.len,
            message,
            hint,
            excerpt,
            related: None,
        });
    }

    pub(crate) fn at(&mut self, pos: Pos, message: String, hint: Option<String>) {
        self.push(Level::Error, pos, message, hint);
    }

    pub(crate) fn whole_file(&mut self, message: String, hint: Option<String>) {
        self.diags.push(Diagnostic {
            level: Level::Error,
            file: self.file.to_owned(),
            line: 0,
            column: 0,
            len: 0,
            message,
            hint,
            excerpt: None,
            related: None,
        });
    }

    pub(crate) fn wrong_type(&mut self, node: &Node, expected: &str, what: &str) {
        self.at(
            node.pos,
            format!("`{what}` must be {expected}, found {}", node.type_name()),
            None,
        );
    }

    /// Checks a mapping's keys: unknown keys, duplicate keys, non-string keys.
    /// Returns the entries by key (first occurrence wins).
    pub(crate) fn mapping<'n>(
        &mut self,
        node: &'n Node,
        allowed: &[&str],
        what: &str,
    ) -> Option<BTreeMap<&'n str, (&'n Node, &'n Node)>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(node, "a mapping", what);
            return None;
        };
        let mut out: BTreeMap<&str, (&Node, &Node)> = BTreeMap::new();
        for (key, value) in entries {
            let Some(k) = key.as_scalar() else {
                self.at(key.pos, format!("keys in `{what}` must be strings"), None);
                continue;
            };
            let name = k.value.as_str();
            if !allowed.contains(&name) {
                let hint = did_you_mean(name, allowed)
                    .or_else(|| Some(format!("allowed keys: {}", allowed.join(", "))));
                self.at(key.pos, format!("unknown key `{name}` in {what}"), hint);
                continue;
            }
            if let Some((first, _)) = out.get(name) {
                let related = Related {
                    label: "first given".to_owned(),
                    file: self.file.to_owned(),
                    line: first.pos.line,
                    column: first.pos.column,
                };
                self.at(
                    key.pos,
                    format!("duplicate key `{name}` in {what}"),
                    Some("remove one of them".to_owned()),
                );
                if let Some(last) = self.diags.last_mut() {
                    last.related = Some(related);
                }
                continue;
            }
            out.insert(name, (key, value));
        }
        Some(out)
    }

    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.kind {
            NodeKind::Scalar(s) if !node.is_null() || s.style != Style::Plain => {
                Some(s.value.clone())
            }
            _ => {
                self.wrong_type(node, "a string", what);
                None
            }
        }
    }

    pub(crate) fn non_empty_string(&mut self, node: &Node, what: &str) -> Option<String> {
        let s = self.string(node, what)?;
        if s.trim().is_empty() {
            self.at(node.pos, format!("`{what}` must not be empty"), None);
            return None;
        }
        Some(s)
    }

    pub(crate) fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.kind {
            NodeKind::Seq(items) => Some(items),
            _ => {
                self.wrong_type(node, "a list", what);
                None
            }
        }
    }

    pub(crate) fn uint(&mut self, node: &Node, what: &str) -> Option<u64> {
        let parsed = match &node.kind {
            NodeKind::Scalar(s) if s.style == Style::Plain => s.value.parse::<u64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.at(
                node.pos,
                format!(
                    "`{what}` must be a non-negative whole number, found {}",
                    node.type_name()
                ),
                None,
            );
        }
        parsed
    }

    /// A `YYYY-MM-DD` date (`what` names the key in the error).
    pub(crate) fn date(&mut self, node: &Node, what: &str) -> Option<jiff::civil::Date> {
        let text = self.non_empty_string(node, what)?;
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        let date = if shaped {
            text.parse::<jiff::civil::Date>().ok()
        } else {
            None
        };
        if date.is_none() {
            self.at(
                node.pos,
                format!("`{what}` must be a date, found `{text}`"),
                Some("write `YYYY-MM-DD`, e.g. `2027-01-31`".to_owned()),
            );
        }
        date
    }

    pub(crate) fn severity(&mut self, node: &Node) -> Option<Severity> {
        let s = self.string(node, "severity")?;
        match s.as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            other => {
                let hint = did_you_mean(other, &["error", "warning", "note"])
                    .unwrap_or_else(|| "use `error`, `warning` or `note`".to_owned());
                self.at(node.pos, format!("unknown severity `{other}`"), Some(hint));
                None
            }
        }
    }

    pub(crate) fn patterns(&mut self, node: &Node, what: &str) -> Option<Vec<GroupPattern>> {
        let items = self.seq(node, what)?;
        let mut out = Vec::new();
        for item in items {
            let Some(text) = self.non_empty_string(item, what) else {
                continue;
            };
            match GroupPattern::compile(&text, loc(self.file, item.pos)) {
                Ok(p) => out.push(p),
                Err(err) => {
                    let pos = yaml::scalar_offset_pos(item, self.source, err.offset, 2);
                    self.at(
                        pos,
                        format!("invalid group reference `{text}`: {}", err.message),
                        err.hint,
                    );
                }
            }
        }
        Some(out)
    }
}

/// A policy location in this file.
pub(crate) fn loc(file: &str, pos: Pos) -> PolicyLocation {
    PolicyLocation {
        file: file.to_owned(),
        line: pos.line,
        column: pos.column,
    }
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let lower = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

/// `did you mean `…`?` for the closest candidate, if close enough.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> Option<String> {
    suggest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}
