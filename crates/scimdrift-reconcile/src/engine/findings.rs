//! Findings: the draft every check produces, its fingerprint (the finding
//! id), the sort order of the report, and the texts naming a subject.

use scimdrift_report::{Finding, FindingKind, PolicyLocation, Severity, Subject, SubjectType};
use sha2::{Digest as _, Sha256};

/// A finding before its id is computed and an exception is applied.
pub(super) struct Draft {
    pub(super) kind: FindingKind,
    pub(super) rule: String,
    pub(super) severity: Severity,
    pub(super) group: Option<String>,
    pub(super) subject: Option<Subject>,
    pub(super) message: String,
    pub(super) policy: Option<PolicyLocation>,
}

impl Draft {
    /// The finding, with its fingerprint as id.
    pub(super) fn finish(self) -> Finding {
        Finding {
            id: fingerprint(
                self.kind,
                &self.rule,
                self.group.as_deref(),
                self.subject.as_ref(),
            ),
            kind: self.kind,
            rule: self.rule,
            severity: self.severity,
            group: self.group,
            subject: self.subject,
            message: self.message,
            policy: self.policy,
            exception: None,
            change: None,
            since_last_run: None,
        }
    }
}

/// Sorts findings by group, rule, kind, subject and id (stable), building
/// each subject's key once rather than on every comparison.
pub(super) fn sort_findings(findings: &mut Vec<Finding>) {
    let subjects: Vec<String> = findings
        .iter()
        .map(|f| f.subject.as_ref().map(subject_key).unwrap_or_default())
        .collect();
    let key = |i: usize| {
        let f = &findings[i];
        (
            f.group.as_deref().unwrap_or(""),
            f.rule.as_str(),
            f.kind,
            subjects[i].as_str(),
            f.id.as_str(),
        )
    };
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    let mut slots: Vec<Option<Finding>> = std::mem::take(findings).into_iter().map(Some).collect();
    findings.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// How messages name a subject: a user by userName, an embed user by
/// embedExternalId (and entity), a group by display name.
pub(super) fn describe(subject: &Subject) -> String {
    match subject.kind {
        SubjectType::User => format!(
            "user `{}`",
            subject
                .user_name
                .as_deref()
                .or(subject.id.as_deref())
                .unwrap_or("?")
        ),
        SubjectType::EmbedUser => {
            let name = subject
                .embed_external_id
                .as_deref()
                .or(subject.id.as_deref())
                .unwrap_or("?");
            match &subject.embed_entity {
                Some(e) => format!("embed user `{name}` (entity `{e}`)"),
                None => format!("embed user `{name}`"),
            }
        }
        SubjectType::Group => format!("group `{}`", subject.display.as_deref().unwrap_or("?")),
    }
}

/// A group as a finding's subject.
pub(super) fn group_subject(name: &str, id: Option<&str>) -> Subject {
    Subject {
        kind: SubjectType::Group,
        id: id.map(str::to_owned),
        user_name: None,
        embed_external_id: None,
        embed_entity: None,
        display: Some(name.to_owned()),
    }
}

/// The finding id: a hash of what the finding is about, stable across runs.
fn fingerprint(
    kind: FindingKind,
    rule: &str,
    group: Option<&str>,
    subject: Option<&Subject>,
) -> String {
    let mut h = Sha256::new();
    for part in [
        kind.as_str(),
        rule,
        group.unwrap_or(""),
        &subject.map(subject_key).unwrap_or_default(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = hex::encode(h.finalize());
    format!("sd-{}", &digest[..16])
}

/// A stable name for a subject, used in fingerprints and sorting.
fn subject_key(subject: &Subject) -> String {
    match subject.kind {
        SubjectType::User => match &subject.user_name {
            Some(n) => format!("user:{}", n.to_lowercase()),
            None => format!("user-id:{}", subject.id.as_deref().unwrap_or("")),
        },
        SubjectType::EmbedUser => match &subject.embed_external_id {
            Some(n) => format!("embed_user:{n}"),
            None => format!("embed_user-id:{}", subject.id.as_deref().unwrap_or("")),
        },
        SubjectType::Group => format!(
            "group:{}:{}",
            subject.display.as_deref().unwrap_or(""),
            subject.id.as_deref().unwrap_or("")
        ),
    }
}
