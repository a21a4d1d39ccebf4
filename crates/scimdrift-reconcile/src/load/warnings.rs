//! Schema warnings: attributes in `where` filters and `${…}` templates that
//! no known schema has (the policies still load).

use super::PolicySource;
use super::ctx::Ctx;
use crate::diag::{Diagnostic, Level};
use crate::model::{Policies, SubjectKind};
use crate::schema_attrs;
use crate::yaml::{self, Node};
use scimdrift_proto::Filter;

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
}
