//! The live groups themselves: groups no policy declares (unmanaged),
//! group names Omni rejects or `group_name_pattern` forbids, and members
//! that resolve to no user (dangling).

use super::findings::{Draft, group_subject};
use super::index::Index;
use super::refs::matches_name;
use crate::model::{Policies, UnmanagedGroups};
use scimdrift_report::{Coverage, FindingKind, Severity, Subject, SubjectType};

/// Checks every live group; `declared_live` says which ones a declaration
/// names. Appends the findings to `drafts` (live group order) and returns
/// the group counts of the coverage.
pub(super) fn check_live_groups(
    index: &Index<'_>,
    policies: &Policies,
    declared_live: &[bool],
    drafts: &mut Vec<Draft>,
) -> Coverage {
    let settings = &policies.settings;
    let mut coverage = Coverage {
        groups_live: index.groups.len() as u64,
        ..Coverage::default()
    };
    let settings_at = settings.at.clone();
    for (gi, g) in index.groups.iter().enumerate() {
        let ignored = settings
            .ignore_groups
            .iter()
            .any(|p| matches_name(p, g.name));
        if declared_live[gi] {
            coverage.groups_declared += 1;
        } else if ignored {
            coverage.groups_ignored += 1;
        } else {
            coverage.groups_unmanaged += 1;
            if settings.unmanaged_groups == UnmanagedGroups::Report {
                drafts.push(Draft {
                    kind: FindingKind::GroupUnmanaged,
                    rule: "settings".to_owned(),
                    severity: Severity::Warning,
                    group: Some(g.name.to_owned()),
                    subject: Some(group_subject(g.name, Some(g.id))),
                    message: format!(
                        "live group `{}` ({} members) is not declared by any policy",
                        g.name,
                        g.members.len()
                    ),
                    policy: settings_at.clone(),
                });
            }
        }
        if ignored && !declared_live[gi] {
            continue;
        }
        let chars = g.name.chars().count();
        let bad_pattern = settings
            .group_name_pattern
            .as_ref()
            .is_some_and(|re| !re.is_match(g.name));
        if chars > 64 || bad_pattern {
            let why = if chars > 64 {
                format!("is {chars} characters long (Omni's limit is 64)")
            } else {
                format!(
                    "does not match `group_name_pattern` `{}`",
                    settings
                        .group_name_pattern
                        .as_ref()
                        .map(regex::Regex::as_str)
                        .unwrap_or("")
                )
            };
            drafts.push(Draft {
                kind: FindingKind::GroupNameInvalid,
                rule: "settings".to_owned(),
                severity: Severity::Error,
                group: Some(g.name.to_owned()),
                subject: Some(group_subject(g.name, Some(g.id))),
                message: format!("group name `{}` {why}", g.name),
                policy: settings_at.clone(),
            });
        }
        let mut displays: Option<Vec<String>> = None;
        for (k, (m, who)) in g.members.iter().zip(&index.resolved[gi]).enumerate() {
            if who.is_none() {
                let display = displays.get_or_insert_with(|| g.member_displays())[k].clone();
                drafts.push(Draft {
                    kind: FindingKind::MemberDangling,
                    rule: format!("group:{}", g.name),
                    severity: Severity::Warning,
                    group: Some(g.name.to_owned()),
                    subject: Some(Subject {
                        kind: SubjectType::User,
                        id: Some(m.to_string()),
                        user_name: None,
                        embed_external_id: None,
                        embed_entity: None,
                        display: Some(display.clone()),
                    }),
                    message: format!(
                        "member `{display}` (id `{}`) of `{}` matches no user or embed user",
                        m, g.name
                    ),
                    policy: policies
                        .groups
                        .iter()
                        .find(|d| d.name == g.name)
                        .map(|d| d.at.clone()),
                });
            }
        }
    }
    coverage
}
