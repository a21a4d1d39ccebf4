//! Group declarations (`groups:`): each declared group must exist live;
//! its declared members must exist and, unless `members: unmanaged`, be
//! members (`exact` also forbids undeclared members); `min_members` and
//! `max_members` bound its size. A time-bound entry (`until`) is an
//! ordinary declared member through its last day; after it, a member still
//! in the group is `member_expired` (not `member_unexpected`) and one no
//! longer in it is fine; near it, `member_expiring`.

use super::findings::{Draft, describe, group_subject};
use super::index::{Index, Who};
use super::summary::Governed;
use crate::model::{DeclaredMember, GroupDecl, MemberUntil, MembersMode, Policies, SubjectKind};
use scimdrift_report::{
    FindingKind, MembershipDiff, PolicyLocation, Severity, Subject, SubjectType,
};
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
    now: jiff::Timestamp,
    drafts: &mut Vec<Draft>,
    governed: &mut Governed,
) -> Declared {
    let mut declared = Declared {
        live: vec![false; index.groups.len()],
        missing: Vec::with_capacity(policies.groups.len()),
        diffs: Vec::new(),
    };
    for decl in &policies.groups {
        let at = When {
            now,
            window: jiff::SignedDuration::from_hours(
                24 * i64::from(policies.settings.expiring_within_days),
            ),
        };
        let missing = declaration(decl, index, at, drafts, governed, &mut declared);
        declared.missing.push(missing);
    }
    declared
}

/// The evaluation time and the `expiring_within_days` window.
#[derive(Clone, Copy)]
struct When {
    now: jiff::Timestamp,
    window: jiff::SignedDuration,
}

/// Checks one declaration; returns how many declared members are missing.
fn declaration(
    decl: &GroupDecl,
    index: &Index<'_>,
    when: When,
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
    // Members whose entry has expired: reported as `member_expired`, so not
    // also as `member_unexpected`.
    let mut expired_members: BTreeSet<Who> = BTreeSet::new();
    let mut missing = 0usize;
    let members_of = live.map(|gi| &index.resolved[gi]);
    let is_member = |who: Who| members_of.is_some_and(|m| m.contains(&Some(who)));
    for (list, kind) in [
        (&decl.users, SubjectKind::User),
        (&decl.embed_users, SubjectKind::EmbedUser),
    ] {
        for m in list {
            let who = index.named(kind, &m.name);
            let expired = m.until.as_ref().is_some_and(|u| u.expired(when.now));
            let Some(who) = who else {
                // An expired entry for an identity gone from the instance
                // asks for nothing (the lint says to remove the entry).
                if expired {
                    continue;
                }
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
            if let Some(until) = m.until.as_ref().filter(|_| check_members && live.is_some()) {
                let subject = || index.subject(who);
                let why = until_why(until);
                if expired {
                    if is_member(who) {
                        expired_members.insert(who);
                        let message = format!(
                            "{} is still a member of `{}`, but the membership expired on {} ({why})",
                            describe(&subject()),
                            decl.name,
                            until.date
                        );
                        drafts.push(mk(
                            FindingKind::MemberExpired,
                            Some(subject()),
                            message,
                            &m.at,
                        ));
                    }
                    continue;
                }
                if let Some(end) = until.end()
                    && is_member(who)
                {
                    let left = end.duration_since(when.now);
                    if left <= when.window {
                        let days = match left.as_hours().div_euclid(24) {
                            0 => "its last day".to_owned(),
                            n => format!("{n} day(s) left"),
                        };
                        let message = format!(
                            "{}'s membership of `{}` expires on {} ({days}; {why})",
                            describe(&subject()),
                            decl.name,
                            until.date
                        );
                        let mut d =
                            mk(FindingKind::MemberExpiring, Some(subject()), message, &m.at);
                        d.severity = Severity::Warning;
                        drafts.push(d);
                    }
                }
            } else if expired {
                continue;
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
            if !declared.contains(who) && !expired_members.contains(who) {
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
        if drafts.len() > before || missing > 0 || !expired_members.is_empty() {
            out.diffs.push(membership_diff(decl, gi, index, when.now));
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
/// A time-bound entry's reason and ticket, for messages.
fn until_why(until: &MemberUntil) -> String {
    match &until.ticket {
        Some(t) => format!("{}; ticket {t}", until.reason),
        None => until.reason.clone(),
    }
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
/// Entries whose `until` has passed are no longer expected.
fn membership_diff(
    decl: &GroupDecl,
    gi: usize,
    index: &Index<'_>,
    now: jiff::Timestamp,
) -> MembershipDiff {
    let current = |m: &&DeclaredMember| !m.until.as_ref().is_some_and(|u| u.expired(now));
    let mut expected: Vec<String> = decl
        .users
        .iter()
        .filter(current)
        .map(|m| m.name.to_lowercase())
        .chain(
            decl.embed_users
                .iter()
                .filter(current)
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
