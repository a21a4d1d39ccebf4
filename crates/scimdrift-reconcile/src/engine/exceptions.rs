//! Exceptions: time-boxed excuses for findings, matched on rule, subject
//! and (optionally) group, and themselves reported when expired, expiring
//! or unused.

use super::findings::Draft;
use super::index::Index;
use crate::model::{Exception, Policies, SubjectKind};
use scimdrift_report::{ExceptionRef, Finding, FindingKind, Severity, Subject, SubjectType};

/// Marks each finding with the first unexpired exception that matches it (in
/// policy order), then appends the exceptions' own findings: expired,
/// expiring within `expiring_within_days` of `now`, unused.
pub(super) fn apply_exceptions(
    findings: &mut Vec<Finding>,
    policies: &Policies,
    index: &Index<'_>,
    now: jiff::Timestamp,
) {
    let settings = &policies.settings;
    let mut extra = Vec::new();
    let mut exceptions: Vec<&Exception> = policies.exceptions.iter().collect();
    exceptions.sort_by(|a, b| a.at.cmp(&b.at));
    let mut used = vec![false; exceptions.len()];
    let mut expired = vec![false; exceptions.len()];
    for (i, e) in exceptions.iter().enumerate() {
        let end = expiry_instant(e.expires);
        expired[i] = end.is_none_or(|end| now >= end);
    }
    for f in findings.iter_mut() {
        for (i, e) in exceptions.iter().enumerate() {
            if expired[i] || e.rule != f.rule || !subject_matches(&e.subject, f.subject.as_ref()) {
                continue;
            }
            if e.group
                .as_ref()
                .is_some_and(|g| Some(g) != f.group.as_ref())
            {
                continue;
            }
            used[i] = true;
            f.exception = Some(ExceptionRef {
                rule: e.rule.clone(),
                subject: e.subject.clone(),
                group: e.group.clone(),
                reason: e.reason.clone(),
                ticket: e.ticket.clone(),
                owner: e.owner.clone(),
                expires: e.expires.to_string(),
                policy: e.at.clone(),
            });
            break;
        }
    }
    for (i, e) in exceptions.iter().enumerate() {
        let kind_of_rule = policies
            .rules
            .iter()
            .find(|r| r.id == e.rule)
            .map(|r| r.subjects);
        let subject = exception_subject(&e.subject, kind_of_rule, index);
        let rule = format!("exception:{}", e.rule);
        let scope = match &e.group {
            Some(g) => format!(" in `{g}`"),
            None => String::new(),
        };
        let mk = |kind, severity, message: String| Draft {
            kind,
            rule: rule.clone(),
            severity,
            group: e.group.clone(),
            subject: Some(subject.clone()),
            message,
            policy: Some(e.at.clone()),
        };
        if expired[i] {
            extra.push(mk(
                FindingKind::ExceptionExpired,
                Severity::Error,
                format!(
                    "exception for `{}` on `{}`{scope} expired on {} and excuses nothing",
                    e.subject, e.rule, e.expires
                ),
            ));
            continue;
        }
        if let Some(end) = expiry_instant(e.expires) {
            let window =
                jiff::SignedDuration::from_hours(24 * i64::from(settings.expiring_within_days));
            let left = end.duration_since(now);
            if left <= window {
                let days = left.as_hours().div_euclid(24);
                extra.push(mk(
                    FindingKind::ExceptionExpiring,
                    Severity::Warning,
                    format!(
                        "exception for `{}` on `{}`{scope} expires on {} ({days} day(s) left)",
                        e.subject, e.rule, e.expires
                    ),
                ));
            }
        }
        if !used[i] {
            extra.push(mk(
                FindingKind::ExceptionUnused,
                Severity::Warning,
                format!(
                    "exception for `{}` on `{}`{scope} matches no finding; remove it if it is stale",
                    e.subject, e.rule
                ),
            ));
        }
    }
    findings.extend(extra.into_iter().map(Draft::finish));
}

fn subject_matches(exception_subject: &str, subject: Option<&Subject>) -> bool {
    let Some(s) = subject else { return false };
    match s.kind {
        SubjectType::User => {
            s.user_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(exception_subject))
                || (s.user_name.is_none() && s.display.as_deref() == Some(exception_subject))
        }
        SubjectType::EmbedUser => s.embed_external_id.as_deref() == Some(exception_subject),
        SubjectType::Group => s.display.as_deref() == Some(exception_subject),
    }
}

/// The first instant at which an exception no longer applies: the day after
/// `expires`, at midnight UTC.
fn expiry_instant(date: jiff::civil::Date) -> Option<jiff::Timestamp> {
    crate::model::day_after(date)
}

fn exception_subject(name: &str, kind: Option<SubjectKind>, index: &Index<'_>) -> Subject {
    let user = || {
        index
            .named(SubjectKind::User, name)
            .map(|w| index.subject(w))
    };
    let embed = || {
        index
            .named(SubjectKind::EmbedUser, name)
            .map(|w| index.subject(w))
    };
    let found = match kind {
        Some(SubjectKind::User) => user(),
        Some(SubjectKind::EmbedUser) => embed(),
        None => user().or_else(embed),
    };
    found.unwrap_or_else(|| match kind {
        Some(SubjectKind::EmbedUser) => Subject {
            kind: SubjectType::EmbedUser,
            id: None,
            user_name: None,
            embed_external_id: Some(name.to_owned()),
            embed_entity: None,
            display: None,
        },
        _ => Subject {
            kind: SubjectType::User,
            id: None,
            user_name: Some(name.to_owned()),
            embed_external_id: None,
            embed_entity: None,
            display: None,
        },
    })
}
