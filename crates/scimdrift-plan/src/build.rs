//! From findings to changes: which finding becomes which membership change,
//! and which ones are left to a person (with the reason).

use crate::live::Live;
use crate::model::{ChangeOp, FindingRef, MemberRef, NeedsPerson};
use scimdrift_reconcile::{Finding, FindingKind, PatternKind, Policies, Report, SubjectType};
use std::collections::{BTreeMap, BTreeSet};

/// Where a change goes: an existing group (by id) or one the plan creates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Target {
    /// A live group: display name, id.
    Live(String, String),
    /// A group the plan creates: display name.
    Create(String),
}

impl Target {
    pub(crate) fn name(&self) -> &str {
        match self {
            Target::Live(name, _) | Target::Create(name) => name,
        }
    }
}

/// One planned membership change, before it is rendered into a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Key {
    pub target: Target,
    pub op: ChangeOp,
    pub member: MemberRef,
}

/// The candidate changes and what is left to a person.
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    /// Each change with the findings it resolves.
    pub changes: BTreeMap<Key, BTreeSet<FindingRef>>,
    /// Groups to create, even with no member.
    pub creates: BTreeSet<String>,
    /// Findings no change is planned for.
    pub needs_person: Vec<NeedsPerson>,
}

pub(crate) fn finding_ref(f: &Finding) -> FindingRef {
    FindingRef {
        id: f.id.clone(),
        kind: f.kind,
        rule: f.rule.clone(),
    }
}

/// Turns every finding of the report into a change or a "needs a person".
pub(crate) fn candidates(report: &Report, live: &Live<'_>, policies: &Policies) -> Candidates {
    let mut out = Candidates::default();
    // Groups the plan creates come first: a `membership_required` naming
    // one of them is settled by the declared members the create adds.
    for f in &report.findings {
        if f.kind == FindingKind::GroupMissing
            && f.exception.is_none()
            && let Some(name) = &f.group
        {
            plan_create(&mut out, f, name, live, policies);
        }
    }
    for f in &report.findings {
        if f.kind == FindingKind::GroupMissing && f.exception.is_none() && f.group.is_some() {
            continue;
        }
        if let Err(reason) = plan_finding(&mut out, f, live, policies) {
            out.needs_person.push(NeedsPerson {
                finding: finding_ref(f),
                group: f.group.clone(),
                message: f.message.clone(),
                reason,
            });
        }
    }
    out
}

fn plan_create(
    out: &mut Candidates,
    f: &Finding,
    name: &str,
    live: &Live<'_>,
    policies: &Policies,
) {
    out.creates.insert(name.to_owned());
    let target = Target::Create(name.to_owned());
    for decl in policies.groups.iter().filter(|d| d.name == name) {
        let users = decl.users.iter().filter_map(|m| live.user_by_name(&m.name));
        let embed = decl
            .embed_users
            .iter()
            .filter_map(|m| live.embed_by_ext(&m.name));
        for member in users.chain(embed) {
            out.changes
                .entry(Key {
                    target: target.clone(),
                    op: ChangeOp::Add,
                    member: member.clone(),
                })
                .or_default()
                .insert(finding_ref(f));
        }
    }
}

/// Plans one finding, or says why a person must handle it.
fn plan_finding(
    out: &mut Candidates,
    f: &Finding,
    live: &Live<'_>,
    policies: &Policies,
) -> Result<(), String> {
    if let Some(e) = &f.exception {
        return Err(format!(
            "excused by an exception (`{}` for `{}`, until {}): a person decided it stays",
            e.rule, e.subject, e.expires
        ));
    }
    let op = match f.kind {
        FindingKind::MemberMissing | FindingKind::MembershipRequired => ChangeOp::Add,
        FindingKind::MemberUnexpected
        | FindingKind::MemberExpired
        | FindingKind::MembershipForbidden
        | FindingKind::MembershipNotAllowed => ChangeOp::Remove,
        FindingKind::SeparationOfDuties => {
            return Err(
                "separation of duties: which group the subject leaves is a decision".into(),
            );
        }
        FindingKind::GroupSize => {
            return Err(
                "the policies bound the group's size but do not say who joins or leaves".into(),
            );
        }
        FindingKind::GroupUnmanaged => {
            return Err("no policy declares the group: declare it, or remove it by hand".into());
        }
        FindingKind::GroupNameInvalid => {
            return Err("a rename changes data access (`omni_user_groups`); rename by hand".into());
        }
        FindingKind::MemberUnresolved => {
            return Err(
                "the declared identity does not exist live; it must be provisioned first".into(),
            );
        }
        FindingKind::MemberExpiring => {
            return Err("the member's `until` date has not passed yet; nothing to change".into());
        }
        FindingKind::MemberDangling => {
            return Err("the member points at no user or embed user; remove it by hand".into());
        }
        FindingKind::ExceptionExpired
        | FindingKind::ExceptionExpiring
        | FindingKind::ExceptionUnused => {
            return Err("exceptions are settled in the policies, not in the instance".into());
        }
        FindingKind::GroupMissing => {
            return Err("the finding names no group".into());
        }
    };
    let member = subject(f, live)?;
    let Some(group) = &f.group else {
        return Err(match f.kind {
            FindingKind::MembershipRequired => {
                "the group cannot be resolved for this subject".to_owned()
            }
            _ => "the finding names no group".to_owned(),
        });
    };
    if f.kind == FindingKind::MembershipRequired {
        required_is_one_group(f, group, policies)?;
    }
    let target = match live.groups_named(group) {
        [one] => Target::Live(group.clone(), one.id.to_owned()),
        [] if out.creates.contains(group) => {
            let target = Target::Create(group.clone());
            let key = Key { target, op, member };
            // Settled by the create only when the declared members include
            // the subject; otherwise the new group stays without it.
            return match out.changes.get_mut(&key) {
                Some(resolves) if op == ChangeOp::Add => {
                    resolves.insert(finding_ref(f));
                    Ok(())
                }
                _ => Err(format!(
                    "`{group}` is created by this plan without this member; declare the member there"
                )),
            };
        }
        [] => return Err(format!("no live group is named `{group}`")),
        _ => {
            return Err(format!(
                "several live groups are named `{group}`; which one is meant is a decision"
            ));
        }
    };
    out.changes
        .entry(Key { target, op, member })
        .or_default()
        .insert(finding_ref(f));
    Ok(())
}

/// The live identity a finding is about.
fn subject(f: &Finding, live: &Live<'_>) -> Result<MemberRef, String> {
    let Some(s) = &f.subject else {
        return Err("the finding names no subject".into());
    };
    if !matches!(s.kind, SubjectType::User | SubjectType::EmbedUser) {
        return Err("the subject is not a user or an embed user".into());
    }
    let Some(id) = &s.id else {
        return Err("the subject has no live id".into());
    };
    live.identity(id)
        .cloned()
        .ok_or_else(|| format!("no live user or embed user has the id `{id}`"))
}

/// A `membership_required` is planned only when the rule names one group:
/// a literal name, or a template without wildcards that resolved to `group`.
fn required_is_one_group(f: &Finding, group: &str, policies: &Policies) -> Result<(), String> {
    let patterns = policies
        .rules
        .iter()
        .filter(|r| r.id == f.rule)
        .flat_map(|r| r.must_be_in.iter());
    let patterns: Vec<_> = patterns.collect();
    // A wildcard pattern's finding names the pattern itself.
    if let Some(p) = patterns.iter().find(|p| {
        p.text == group
            && match &p.kind {
                PatternKind::Glob(_) => true,
                PatternKind::Template(t) => t.is_glob,
                PatternKind::Exact(_) => false,
            }
    }) {
        return Err(format!(
            "`{}` names several candidate groups; choosing one is a decision",
            p.text
        ));
    }
    let one = patterns.iter().any(|p| match &p.kind {
        PatternKind::Exact(name) => name == group,
        PatternKind::Template(t) => !t.is_glob,
        PatternKind::Glob(_) => false,
    });
    if one {
        return Ok(());
    }
    Err(format!("the rule names no single group `{group}`"))
}
