//! Schema warnings (the policies still load): attributes in `where`
//! filters and `${…}` templates that no known schema has, and `where`
//! literals whose JSON type their attribute never holds.

use super::PolicySource;
use super::ctx::Ctx;
use crate::diag::{Diagnostic, Level};
use crate::model::{Policies, SubjectKind};
use crate::schema_attrs::{self, Types};
use crate::yaml::{self, Node};
use scimdrift_proto::Filter;
use scimdrift_proto::filter::{CompValue, CompareOp, Comparison, quote};

/// Warns about attributes in `where` filters and `${…}` templates that no
/// known schema has.
pub(super) fn warn_unknown_attributes(policies: &Policies, diags: &mut Vec<Diagnostic>) {
    for rule in &policies.rules {
        let mut paths = Vec::new();
        for p in rule
            .must_be_in
            .iter()
            .chain(&rule.must_not_be_in)
            .chain(rule.only_in.iter().flatten())
        {
            paths.extend(
                p.attributes()
                    .into_iter()
                    .map(|a| (a.clone(), &p.at, "a `${…}` template")),
            );
        }
        for (path, at, place) in paths {
            if let Some(hint) = schema_attrs::unknown(&path, rule.subjects) {
                diags.push(Diagnostic {
                    level: Level::Warning,
                    file: at.file.clone(),
                    line: at.line,
                    column: at.column,
                    len: 1,
                    message: format!(
                        "attribute `{path}` in {place} of rule `{}` is in no known schema",
                        rule.id
                    ),
                    hint,
                    excerpt: None,
                    related: None,
                });
            }
        }
    }
}

/// Fills the excerpts of diagnostics created outside a file context.
pub(super) fn fill_excerpts(files: &[PolicySource], diags: &mut [Diagnostic]) {
    for d in diags
        .iter_mut()
        .filter(|d| d.excerpt.is_none() && d.line > 0)
    {
        if let Some(file) = files.iter().find(|f| f.path == d.file) {
            d.excerpt = file
                .contents
                .lines()
                .nth(d.line as usize - 1)
                .map(str::to_owned);
        }
    }
}

/// Warnings pointing inside a YAML string.
impl Ctx<'_> {
    /// Warns about attributes of a `where` filter that no known schema has,
    /// pointing at the attribute inside the YAML string.
    pub(super) fn warn_where_attributes(
        &mut self,
        filter: &Filter,
        node: &Node,
        kind: SubjectKind,
        id: &str,
    ) {
        let text = node
            .as_scalar()
            .map(|s| s.value.to_lowercase())
            .unwrap_or_default();
        for path in filter.attribute_paths() {
            let Some(hint) = schema_attrs::unknown(&path, kind) else {
                continue;
            };
            let needle = path.to_string();
            let offset = text
                .find(&needle.to_lowercase())
                .map_or(0, |b| text[..b].chars().count());
            let pos = yaml::scalar_offset_pos(node, self.source, offset, needle.chars().count());
            self.push(
                Level::Warning,
                pos,
                format!("attribute `{needle}` in `where` of rule `{id}` is in no known schema"),
                hint,
            );
        }
    }

    /// Warns about comparisons whose literal's JSON type the attribute never
    /// holds (by a known schema, or else by the snapshot the loader was
    /// given), pointing at the literal inside the YAML string. Runtime
    /// evaluation follows RFC 7644 (`eq` is false across types, `ne` true,
    /// ordering and `co`/`sw`/`ew` fail with `invalidFilter`), so such a
    /// comparison is almost certainly a typo for the literal of the right type.
    pub(super) fn warn_where_types(
        &mut self,
        filter: &Filter,
        node: &Node,
        kind: SubjectKind,
        id: &str,
    ) {
        let Some(text) = node.as_scalar().map(|s| s.value.clone()) else {
            return;
        };
        for c in filter.comparisons(&text) {
            let Some(lit) = literal_types(c.value) else {
                continue;
            };
            let (held, source) = match schema_attrs::known_types(&c.path, kind) {
                Some(t) => (t, ""),
                None => match self.seen.types(&c.path, kind) {
                    Some(t) => (t, " in the snapshot"),
                    None => continue,
                },
            };
            if held.has(lit) {
                continue;
            }
            let written = text.get(c.span.clone()).unwrap_or_default();
            let outcome = match c.op {
                CompareOp::Eq => "never matches",
                CompareOp::Ne => "matches every subject",
                _ => "fails with `invalidFilter` wherever the attribute is set",
            };
            let message = format!(
                "`{written}` in `where` of rule `{id}` {outcome}: `{}` holds {}{source}, not {}",
                c.path,
                held.describe(),
                lit.describe()
            );
            let hint = self.type_hint(&text, &c, held);
            let start = text
                .get(..c.value_span.start)
                .map_or(0, |s| s.chars().count());
            let len = text
                .get(c.value_span.clone())
                .map_or(1, |s| s.chars().count().max(1));
            let pos = yaml::scalar_offset_pos(node, self.source, start, len);
            self.push(Level::Warning, pos, message, hint);
        }
    }

    /// "did you mean …?" with the literal converted to a type the attribute
    /// holds, when it converts (`"true"` → `true`, `5` → `"5"`).
    fn type_hint(&self, text: &str, c: &Comparison<'_>, held: Types) -> Option<String> {
        let date_time = held.has(Types::DATE_TIME);
        let converted = match c.value {
            CompValue::String(s) if held.has(Types::BOOLEAN) && s.eq_ignore_ascii_case("true") => {
                Some("true".to_owned())
            }
            CompValue::String(s) if held.has(Types::BOOLEAN) && s.eq_ignore_ascii_case("false") => {
                Some("false".to_owned())
            }
            CompValue::String(s) if held.has(Types::NUMBER) => {
                serde_json::from_str::<serde_json::Number>(s.trim())
                    .ok()
                    .map(|n| n.to_string())
            }
            CompValue::Number(n) if held.has(Types::STRING) && !date_time => {
                Some(quote(&n.to_string()))
            }
            CompValue::Bool(b) if held.has(Types::STRING) && !date_time => {
                Some(quote(&b.to_string()))
            }
            _ => None,
        };
        match converted {
            Some(lit) => {
                let before = text.get(c.span.start..c.value_span.start)?;
                Some(format!("did you mean `{before}{lit}`?"))
            }
            None if date_time => Some(format!(
                "compare `{}` with an RFC 3339 timestamp such as \"2024-01-31T00:00:00Z\"",
                c.path
            )),
            None => None,
        }
    }
}

/// The JSON type of a literal; `None` for `null`, which tests presence and
/// suits every attribute.
fn literal_types(value: &CompValue) -> Option<Types> {
    match value {
        CompValue::Null => None,
        CompValue::Bool(_) => Some(Types::BOOLEAN),
        CompValue::Number(_) => Some(Types::NUMBER),
        CompValue::String(_) => Some(Types::STRING),
    }
}
