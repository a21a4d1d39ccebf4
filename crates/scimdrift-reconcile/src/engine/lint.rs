//! Policy warnings that need the live data, as diagnostics pointing into
//! the policy files (printed beside a check's report).

use super::index::build_index;
use crate::diag::{Diagnostic, Level};
use crate::load::PolicySource;
use crate::model::{Policies, SubjectKind};
use scimdrift_proto::Snapshot;
use scimdrift_report::PolicyLocation;
use std::collections::{BTreeMap, BTreeSet};

/// Warnings that need the live data: literal group names in the policies that
/// match no live group exactly but one case-insensitively, and time-bound
/// members whose `until` has passed at `now` and who are no longer members
/// (the entry says nothing any more: remove it).
pub fn lint_against_snapshot(
    snapshot: &Snapshot,
    policies: &Policies,
    files: &[PolicySource],
    now: jiff::Timestamp,
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
    let mut out = expired_entries(snapshot, policies, now);
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
    for d in &mut out {
        if d.excerpt.is_none() {
            d.excerpt = files
                .iter()
                .find(|f| f.path == d.file)
                .and_then(|f| f.contents.lines().nth((d.line as usize).saturating_sub(1)))
                .map(str::to_owned);
        }
    }
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    out.dedup();
    out
}

/// Time-bound entries past their `until` whose identity is not (or no
/// longer) a member of the group, or does not exist live.
fn expired_entries(
    snapshot: &Snapshot,
    policies: &Policies,
    now: jiff::Timestamp,
) -> Vec<Diagnostic> {
    let any_expired = policies.groups.iter().any(|g| {
        g.users
            .iter()
            .chain(&g.embed_users)
            .any(|m| m.until.as_ref().is_some_and(|u| u.expired(now)))
    });
    if !any_expired {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let index = build_index(snapshot, &mut problems);
    let mut out = Vec::new();
    for g in &policies.groups {
        let live = index
            .group_by_name
            .get(g.name.as_str())
            .and_then(|v| v.first())
            .copied();
        for (list, kind) in [
            (&g.users, SubjectKind::User),
            (&g.embed_users, SubjectKind::EmbedUser),
        ] {
            for m in list {
                let Some(until) = m.until.as_ref().filter(|u| u.expired(now)) else {
                    continue;
                };
                let who = index.named(kind, &m.name);
                let state = match (live, who) {
                    (_, None) => "does not exist live",
                    (Some(gi), Some(who)) if index.resolved[gi].contains(&Some(who)) => continue,
                    _ => "is no longer a member",
                };
                out.push(Diagnostic {
                    level: Level::Warning,
                    file: until.at.file.clone(),
                    line: until.at.line,
                    column: until.at.column,
                    len: 5,
                    message: format!(
                        "the entry for `{}` in `{}` already expired on {} and {state}",
                        m.name, g.name, until.date
                    ),
                    hint: Some("remove the entry".to_owned()),
                    excerpt: None,
                    related: None,
                });
            }
        }
    }
    out
}
