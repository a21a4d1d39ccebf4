//! Group references (exact names, globs, `${attr}` templates) matched
//! against the live groups: exact names and globs once, up front, for every
//! live group; templates per subject.

use super::index::Index;
use crate::pattern::{self, GroupPattern, PatternKind, Resolved};

/// A group reference with its matches against every live group precomputed
/// (for exact names and globs; templates are resolved per subject).
pub(super) struct Ref<'p> {
    pub(super) pat: &'p GroupPattern,
    /// Per live group whether it matches; `None` for a template.
    pub(super) live: Option<Vec<bool>>,
}

impl<'p> Ref<'p> {
    pub(super) fn new(pat: &'p GroupPattern, index: &Index<'_>) -> Self {
        let live = match &pat.kind {
            PatternKind::Template(_) => None,
            _ => Some(
                index
                    .groups
                    .iter()
                    .map(|g| matches_name(pat, g.name))
                    .collect(),
            ),
        };
        Ref { pat, live }
    }
}

/// What a reference means for one subject.
pub(super) enum Target<'a> {
    /// A bitmap over live groups.
    Live(&'a [bool]),
    /// Resolved exact name (template).
    Name(String),
    /// Resolved glob (template).
    Glob(Option<regex::Regex>),
    /// The template's attribute is absent.
    Missing(String),
}

impl Target<'_> {
    /// Whether live group `gi` is one the reference names.
    pub(super) fn matches(&self, gi: usize, index: &Index<'_>) -> bool {
        match self {
            Target::Live(bits) => bits[gi],
            Target::Name(n) => index.groups[gi].name == *n,
            Target::Glob(re) => re
                .as_ref()
                .is_some_and(|re| re.is_match(index.groups[gi].name)),
            Target::Missing(_) => false,
        }
    }
}

/// What `r` names for a subject whose (projected) value is `value`.
pub(super) fn target<'a>(r: &'a Ref<'_>, value: Option<&serde_json::Value>) -> Target<'a> {
    if let Some(bits) = &r.live {
        return Target::Live(bits);
    }
    let PatternKind::Template(t) = &r.pat.kind else {
        return Target::Missing(String::new());
    };
    let null = serde_json::Value::Null;
    match t.resolve(value.unwrap_or(&null)) {
        Resolved::Exact(n) => Target::Name(n),
        Resolved::Glob(body) => Target::Glob(pattern::compile_resolved_glob(&body)),
        Resolved::Missing(attr) => Target::Missing(attr),
    }
}

/// Whether an exact name or glob matches a group name (never a template).
pub(super) fn matches_name(pat: &GroupPattern, name: &str) -> bool {
    match &pat.kind {
        PatternKind::Exact(e) => e == name,
        PatternKind::Glob(re) => re.is_match(name),
        PatternKind::Template(_) => false,
    }
}
