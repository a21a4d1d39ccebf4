//! The keys each policy mapping allows (unknown keys are errors with a
//! did-you-mean hint).

/// The sections of a policy file.
pub(super) const TOP: &[&str] = &[
    "version",
    "settings",
    "groups",
    "embed_users",
    "users",
    "separation_of_duties",
    "exceptions",
];
/// The keys of `settings`.
pub(super) const SETTINGS: &[&str] = &[
    "unmanaged_groups",
    "ignore_groups",
    "group_name_pattern",
    "expiring_within_days",
    "max_missing_ratio",
];
/// The keys of a group declaration.
pub(super) const GROUP: &[&str] = &[
    "name",
    "owner",
    "members",
    "users",
    "embed_users",
    "min_members",
    "max_members",
    "severity",
];
/// The keys of a time-bound member entry in a group's `users` or
/// `embed_users`.
pub(super) const MEMBER: &[&str] = &["name", "until", "reason", "ticket"];
/// The keys of a subject rule.
pub(super) const RULE: &[&str] = &[
    "id",
    "description",
    "where",
    "inactive_for",
    "must_be_in",
    "must_not_be_in",
    "only_in",
    "severity",
];
/// The keys of a separation-of-duties rule.
pub(super) const SOD: &[&str] = &["id", "description", "groups", "severity"];
/// The keys of an exception.
pub(super) const EXCEPTION: &[&str] = &[
    "rule", "subject", "group", "reason", "ticket", "owner", "expires",
];
