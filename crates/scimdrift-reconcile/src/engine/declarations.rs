//! Group declarations (`groups:`): each declared group must exist live;
//! its declared members must exist and, unless `members: unmanaged`, be
//! members (`exact` also forbids undeclared members); `min_members` and
//! `max_members` bound its size.

use super::findings::{Draft, describe, group_subject};
use super::index::{Index, Who};
use super::summary::Governed;
use crate::model::{GroupDecl, MembersMode, Policies, SubjectKind};
use scimdrift_report::{FindingKind, MembershipDiff, PolicyLocation, Subject, SubjectType};
use std::collections::BTreeSet;

/// What later phases need from the declarations.
pub(super) struct Declared {
    /// Per live group: whether a declaration names it.
    pub(super) live: Vec<bool>,
    /// Per declaration (policy order): how many declared members are
    /// missing (do not exist live, or are not members), for the guard.
    pub(super) missing: Vec<usize>,
    /// Membership diffs of `exact` groups with drift, unsorted.
    pub(super) diffs: Vec<MembershipDiff>,
}

/// Checks every group declaration against the live groups: appends the
/// findings to `drafts` (declaration order) and marks the subjects a
/// declaration names as governed.
pub(super) fn check_declarations(
    index: &Index<'_>,
    policies: &Policies,
    drafts: &mut Vec<Draft>,
    governed: &mut Governed,
) -> Declared {
    let mut declared = Declared {
        live: vec![false; index.groups.len()],
        missing: Vec::with_capacity(policies.groups.len()),
        diffs: Vec::new(),
    };
    for decl in &policies.groups {
        let missing = declaration(decl, index, drafts, governed, &mut declared);
        declared.missing.push(missing);
    }
    declared
}

/// Checks one declaration; returns how many declared members are missing.
fn declaration(
    decl: &GroupDecl,
    index: &Index<'_>,
    drafts: &mut Vec<Draft>,
    governed: &mut Governed,
    out: &mut Declared,
) -> usize {
    let rule = decl.rule_id();
    let live = index
        .group_by_name
        .get(decl.name.as_str())
        .and_then(|v| v.first())
        .copied();
    let mk = |kind, subject: Option<Subject>, message: String, policy: &PolicyLocation| Draft {
        kind,
        rule: rule.clone(),
        severity: decl.severity,
        group: Some(decl.name.clone()),
        subject,
        message,
        policy: Some(policy.clone()),
    };
    if live.is_some() {
        for &g in &index.group_by_name[decl.name.as_str()] {
            out.live[g] = true;
        }
    } else {
        let hint = index
            .case_hint(&decl.name)
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        drafts.push(mk(
            FindingKind::GroupMissing,
            Some(group_subject(&decl.name, None)),
            format!("declared group `{}` does not exist live{hint}", decl.name),
            &decl.at,
        ));
    }
    let check_members = decl.members != MembersMode::Unmanaged;
    let mut declared: BTreeSet<Who> = BTreeSet::new();
    let mut missing = 0usize;
    let members_of = live.map(|gi| &index.resolved[gi]);
    let is_member = |who: Who| members_of.is_some_and(|m| m.contains(&Some(who)));
    for (list, kind) in [
        (&decl.users, SubjectKind::User),
        (&decl.embed_users, SubjectKind::EmbedUser),
    ] {
        for m in list {
            let who = match kind {
                SubjectKind::User => index
                    .user_by_lower
                    .get(&m.name.to_lowercase())
                    .map(|&i| Who::User(i)),
                SubjectKind::EmbedUser => index
                    .embed_by_ext
                    .get(m.name.as_str())
                    .map(|&i| Who::Embed(i)),
            };
            let Some(who) = who else {
                missing += 1;
                let subject = match kind {
                    SubjectKind::User => Subject {
                        kind: SubjectType::User,
                        id: None,
                        user_name: Some(m.name.clone()),
                        embed_external_id: None,
                        embed_entity: None,
                        display: None,
                    },
                    SubjectKind::EmbedUser => Subject {
                        kind: SubjectType::EmbedUser,
                        id: None,
                        user_name: None,
                        embed_external_id: Some(m.name.clone()),
                        embed_entity: None,
                        display: None,
                    },
                };
                let message = format!(
                    "{} is declared in `{}` but does not exist live",
                    describe(&subject),
                    decl.name
                );
                drafts.push(mk(
                    FindingKind::MemberUnresolved,
                    Some(subject),
                    message,
                    &m.at,
                ));
                continue;
            };
            match who {
                Who::User(i) => governed.users[i] = true,
                Who::Embed(i) => governed.embed[i] = true,
            }
            declared.insert(who);
            if check_members && live.is_some() && !is_member(who) {
                missing += 1;
                let subject = index.subject(who);
                let message = format!(
                    "{} is declared in `{}` but is not a member",
                    describe(&subject),
                    decl.name
                );
                drafts.push(mk(
                    FindingKind::MemberMissing,
                    Some(subject),
                    message,
                    &m.at,
                ));
            }
        }
    }
    let Some(gi) = live else { return missing };
    let live_group = &index.groups[gi];
    if decl.members == MembersMode::Exact {
        let before = drafts.len();
        for who in index.resolved[gi].iter().flatten() {
            if !declared.contains(who) {
                let subject = index.subject(*who);
                let message = format!(
                    "{} is a member of `{}` but is not declared",
                    describe(&subject),
                    decl.name
                );
                drafts.push(mk(
                    FindingKind::MemberUnexpected,
                    Some(subject),
                    message,
                    &decl.at,
                ));
            }
        }
        if drafts.len() > before || missing > 0 {
            out.diffs.push(membership_diff(decl, gi, index));
        }
    }
    let size = live_group.members.len() as u64;
    let too_small = decl.min_members.is_some_and(|min| size < min);
    let too_big = decl.max_members.is_some_and(|max| size > max);
    if too_small || too_big {
        let bound = if too_small {
            format!("at least {}", decl.min_members.unwrap_or_default())
        } else {
            format!("at most {}", decl.max_members.unwrap_or_default())
        };
        drafts.push(mk(
            FindingKind::GroupSize,
            Some(group_subject(&decl.name, Some(live_group.id))),
            format!(
                "`{}` has {size} members; the policy allows {bound}",
                decl.name
            ),
            &decl.at,
        ));
    }
    missing
}
/// How a membership diff names a live member.
fn member_label(index: &Index<'_>, who: Who) -> String {
    match who {
        Who::User(i) => {
            let u = &index.users[i];
            u.user_name.unwrap_or(u.resource.id()).to_lowercase()
        }
        Who::Embed(i) => {
            let u = &index.embed[i];
            format!("{} (embed)", u.external_id.unwrap_or(u.resource.id()))
        }
    }
}

/// Expected against live members of an `exact` group, as sorted labels.
fn membership_diff(decl: &GroupDecl, gi: usize, index: &Index<'_>) -> MembershipDiff {
    let mut expected: Vec<String> = decl
        .users
        .iter()
        .map(|m| m.name.to_lowercase())
        .chain(
            decl.embed_users
                .iter()
                .map(|m| format!("{} (embed)", m.name)),
        )
        .collect();
    let group = &index.groups[gi];
    let mut displays: Option<Vec<String>> = None;
    let mut live: Vec<String> = index.resolved[gi]
        .iter()
        .enumerate()
        .map(|(k, who)| match who {
            Some(who) => member_label(index, *who),
            None => format!(
                "? {}",
                displays.get_or_insert_with(|| group.member_displays())[k]
            ),
        })
        .collect();
    expected.sort();
    expected.dedup();
    live.sort();
    live.dedup();
    MembershipDiff {
        group: decl.name.to_owned(),
        expected,
        live,
    }
}
