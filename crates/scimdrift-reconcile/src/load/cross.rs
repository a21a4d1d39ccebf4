//! Checks across files: duplicate groups and rule ids, exceptions naming
//! nothing.

use super::ctx::{did_you_mean, suggest};
use crate::diag::{Diagnostic, Level, Related};
use crate::model::Policies;
use scimdrift_report::PolicyLocation;
use std::collections::BTreeMap;

/// Checks across files: duplicate groups and rule ids, exceptions naming nothing.
pub(super) fn cross_checks(policies: &Policies, diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &PolicyLocation> = BTreeMap::new();
    for g in &policies.groups {
        if let Some(first) = seen.get(g.name.as_str()) {
            let mut d = error_at(
                &g.at,
                format!("group `{}` is declared twice", g.name),
                Some("merge the two declarations".to_owned()),
            );
            d.related = Some(related("first declared", first));
            diags.push(d);
        } else {
            seen.insert(&g.name, &g.at);
        }
    }
    let mut ids: BTreeMap<&str, &PolicyLocation> = BTreeMap::new();
    let all_ids = policies.rules.iter().map(|r| (r.id.as_str(), &r.at)).chain(
        policies
            .separation_of_duties
            .iter()
            .map(|r| (r.id.as_str(), &r.at)),
    );
    for (id, at) in all_ids {
        if let Some(first) = ids.get(id) {
            let mut d = error_at(
                at,
                format!("rule id `{id}` is used twice"),
                Some("rule ids must be unique across all policy files".to_owned()),
            );
            d.related = Some(related("first used", first));
            diags.push(d);
        } else {
            ids.insert(id, at);
        }
    }
    let rule_ids: Vec<&str> = ids.keys().copied().collect();
    let group_names: Vec<&str> = seen.keys().copied().collect();
    for e in &policies.exceptions {
        if let Some(name) = e.rule.strip_prefix("group:") {
            if !seen.contains_key(name) {
                let hint = suggest(name, &group_names)
                    .map(|c| format!("did you mean `group:{c}`?"))
                    .or_else(|| Some("`group:<name>` must name a declared group".to_owned()));
                diags.push(error_at(
                    &e.at,
                    format!("exception names undeclared group `{name}`"),
                    hint,
                ));
            }
        } else if !ids.contains_key(e.rule.as_str()) {
            let hint = did_you_mean(&e.rule, &rule_ids).or_else(|| {
                Some("`rule` must be a rule id or `group:<declared group name>`".to_owned())
            });
            diags.push(error_at(
                &e.at,
                format!("exception names unknown rule `{}`", e.rule),
                hint,
            ));
        }
    }
}

fn error_at(at: &PolicyLocation, message: String, hint: Option<String>) -> Diagnostic {
    Diagnostic {
        level: Level::Error,
        file: at.file.clone(),
        line: at.line,
        column: at.column,
        len: 1,
        message,
        hint,
        excerpt: None,
        related: None,
    }
}

fn related(label: &str, at: &PolicyLocation) -> Related {
    Related {
        label: label.to_owned(),
        file: at.file.clone(),
        line: at.line,
        column: at.column,
    }
}
