//! Small text helpers shared by the renderers.

use scimdrift_report::{Finding, FindingKind, Subject, SubjectType, short_sha};
use std::cmp::Reverse;

/// A short, human label for a finding's subject: `userName`,
/// `embedExternalId (entity)`, a group's name, or the live id.
pub(crate) fn subject_label(subject: &Subject) -> String {
    let name = match subject.kind {
        SubjectType::User => subject.user_name.clone(),
        SubjectType::EmbedUser => subject
            .embed_external_id
            .clone()
            .or_else(|| subject.user_name.clone()),
        SubjectType::Group => subject.display.clone(),
    }
    .or_else(|| subject.display.clone())
    .or_else(|| subject.id.clone())
    .unwrap_or_else(|| "(unknown)".to_owned());
    match (&subject.kind, &subject.embed_entity) {
        (SubjectType::EmbedUser, Some(entity)) => format!("{name} ({entity})"),
        _ => name,
    }
}

/// One sentence saying what a finding kind means.
pub(crate) fn kind_description(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::GroupMissing => "A declared group does not exist live.",
        FindingKind::GroupUnmanaged => {
            "A live group that no policy declares and no ignore pattern matches."
        }
        FindingKind::GroupNameInvalid => {
            "A live group name violates the name pattern or the 64-character limit."
        }
        FindingKind::GroupSize => "A group's size is outside min_members/max_members.",
        FindingKind::MemberMissing => "A declared member is not in the group.",
        FindingKind::MemberUnexpected => "A live member of an exact group is not declared.",
        FindingKind::MemberUnresolved => "A declared member does not exist live at all.",
        FindingKind::MemberDangling => "A live member id matches no user or embed user.",
        FindingKind::MemberExpired => {
            "A time-bound member is still in the group after its until date."
        }
        FindingKind::MemberExpiring => "A time-bound member's until date is near.",
        FindingKind::MembershipRequired => {
            "A subject is in none of the groups a must_be_in entry names."
        }
        FindingKind::MembershipForbidden => "A subject is in a group a must_not_be_in entry names.",
        FindingKind::MembershipNotAllowed => "A subject is in a group no only_in entry allows.",
        FindingKind::SeparationOfDuties => {
            "An identity is in two or more mutually exclusive groups."
        }
        FindingKind::ExceptionExpired => "An exception is past its expiry date.",
        FindingKind::ExceptionExpiring => "An exception expires soon.",
        FindingKind::ExceptionUnused => "An exception excused nothing.",
    }
}

/// Findings ordered most severe first, keeping the report's order otherwise.
pub(crate) fn most_severe_first(findings: &[Finding]) -> Vec<&Finding> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    // A stable sort keeps the engine's deterministic order within a severity.
    sorted.sort_by_key(|f| Reverse(f.severity));
    sorted
}

/// Collapses line breaks so a value stays on one line.
pub(crate) fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\r', '\n'], " ")
}

/// A policies commit as shown in a header: the first 12 hex digits, keeping
/// the `-dirty` mark of uncommitted changes.
pub(crate) fn short_commit(commit: &str) -> String {
    let (hash, dirty) = commit
        .strip_suffix("-dirty")
        .map_or((commit, ""), |hash| (hash, "-dirty"));
    format!("{}{dirty}", short_sha(hash))
}
