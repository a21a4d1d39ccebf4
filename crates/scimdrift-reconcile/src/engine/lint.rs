//! Policy warnings that need the live data, as diagnostics pointing into
//! the policy files (printed beside a check's report).

use crate::diag::{Diagnostic, Level};
use crate::load::PolicySource;
use crate::model::Policies;
use scimdrift_proto::Snapshot;
use scimdrift_report::PolicyLocation;
use std::collections::{BTreeMap, BTreeSet};

/// Warnings that need the live data: literal group names in the policies that
/// match no live group exactly but one case-insensitively.
pub fn lint_against_snapshot(
    snapshot: &Snapshot,
    policies: &Policies,
    files: &[PolicySource],
) -> Vec<Diagnostic> {
    let mut live: BTreeMap<String, String> = BTreeMap::new();
    let mut exact: BTreeSet<String> = BTreeSet::new();
    for g in &snapshot.groups {
        if let Ok(core) = g.core() {
            let name = core.display_name.as_deref().unwrap_or("").to_owned();
            live.entry(name.to_lowercase())
                .or_insert_with(|| name.clone());
            exact.insert(name);
        }
    }
    let mut refs: Vec<(&str, &PolicyLocation)> = policies
        .groups
        .iter()
        .map(|g| (g.name.as_str(), &g.at))
        .collect();
    let patterns = policies
        .rules
        .iter()
        .flat_map(|r| {
            r.must_be_in
                .iter()
                .chain(&r.must_not_be_in)
                .chain(r.only_in.iter().flatten())
        })
        .chain(policies.separation_of_duties.iter().flat_map(|s| &s.groups))
        .chain(&policies.settings.ignore_groups);
    refs.extend(patterns.filter_map(|p| p.exact().map(|n| (n, &p.at))));
    let mut out = Vec::new();
    for (name, at) in refs {
        if exact.contains(name) {
            continue;
        }
        let Some(live_name) = live.get(&name.to_lowercase()) else {
            continue;
        };
        let excerpt = files
            .iter()
            .find(|f| f.path == at.file)
            .and_then(|f| f.contents.lines().nth((at.line as usize).saturating_sub(1)))
            .map(str::to_owned);
        out.push(Diagnostic {
            level: Level::Warning,
            file: at.file.clone(),
            line: at.line,
            column: at.column,
            len: 1,
            message: format!(
                "group `{name}` matches no live group, but `{live_name}` differs only in case"
            ),
            hint: Some(format!(
                "group names are case-sensitive: did you mean `{live_name}`?"
            )),
            excerpt,
            related: None,
        });
    }
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    out.dedup();
    out
}
