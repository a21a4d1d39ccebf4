//! The typed policy model the loader produces and the engine consumes.

use crate::pattern::GroupPattern;
use scimdrift_proto::Filter;
use scimdrift_report::{PolicyFileRef, PolicyLocation, Severity};

/// Every loaded policy file, merged.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    /// The files, sorted by path, with hashes.
    pub files: Vec<PolicyFileRef>,
    /// The one `settings` section (defaults when none).
    pub settings: Settings,
    /// Group declarations, in file then source order.
    pub groups: Vec<GroupDecl>,
    /// Rules over embed users and standard users, in file then source order.
    pub rules: Vec<Rule>,
    /// Separation-of-duties rules.
    pub separation_of_duties: Vec<SodRule>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
}

/// Whether live groups no policy declares are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnmanagedGroups {
    /// Report them as `group_unmanaged` (the default).
    #[default]
    Report,
    /// Say nothing about them.
    Ignore,
}

/// The `settings` section.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `unmanaged_groups`.
    pub unmanaged_groups: UnmanagedGroups,
    /// `ignore_groups`.
    pub ignore_groups: Vec<GroupPattern>,
    /// `group_name_pattern`, compiled.
    pub group_name_pattern: Option<regex::Regex>,
    /// `expiring_within_days` (default 14).
    pub expiring_within_days: u32,
    /// `max_missing_ratio` (default 0.5).
    pub max_missing_ratio: f64,
    /// Where the section is declared, if anywhere.
    pub at: Option<PolicyLocation>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            unmanaged_groups: UnmanagedGroups::Report,
            ignore_groups: Vec::new(),
            group_name_pattern: None,
            expiring_within_days: 14,
            max_missing_ratio: 0.5,
            at: None,
        }
    }
}

/// How a declaration governs a group's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembersMode {
    /// Live members must equal the declared ones.
    Exact,
    /// Declared members must be present; others are allowed.
    AtLeast,
    /// Membership is not checked by the declaration.
    Unmanaged,
}

/// A declared identity, with where it is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredMember {
    /// userName (standard users) or embedExternalId (embed users).
    pub name: String,
    /// Where.
    pub at: PolicyLocation,
    /// For a time-bound entry: the last day (UTC, inclusive) on which the
    /// identity is a declared member, why, and the ticket.
    pub until: Option<MemberUntil>,
}

/// The time bound of a declared member (`{name, until, reason, ticket}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberUntil {
    /// Last day on which the membership is declared (inclusive, UTC).
    pub date: jiff::civil::Date,
    /// Why the identity has the membership.
    pub reason: String,
    /// Tracking ticket.
    pub ticket: Option<String>,
    /// Where the `until` key is written.
    pub at: PolicyLocation,
}

impl MemberUntil {
    /// The first instant at which the membership is no longer declared: the
    /// day after `date`, at midnight UTC (`None` past the calendar's end,
    /// i.e. never).
    pub fn end(&self) -> Option<jiff::Timestamp> {
        day_after(self.date)
    }

    /// Whether the entry has expired at `now`.
    pub fn expired(&self, now: jiff::Timestamp) -> bool {
        self.end().is_some_and(|end| now >= end)
    }
}

/// Midnight UTC at the start of the day after `date`: the first instant a
/// date-bounded entry (an exception's `expires`, a member's `until`) no
/// longer holds.
pub(crate) fn day_after(date: jiff::civil::Date) -> Option<jiff::Timestamp> {
    let next = date.checked_add(jiff::Span::new().days(1)).ok()?;
    next.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// A group declaration.
#[derive(Debug, Clone)]
pub struct GroupDecl {
    /// The exact, case-sensitive display name.
    pub name: String,
    /// Free text shown in reports.
    pub owner: Option<String>,
    /// Membership mode.
    pub members: MembersMode,
    /// Declared standard users (userName).
    pub users: Vec<DeclaredMember>,
    /// Declared embed users (embedExternalId).
    pub embed_users: Vec<DeclaredMember>,
    /// Lower size bound.
    pub min_members: Option<u64>,
    /// Upper size bound.
    pub max_members: Option<u64>,
    /// Severity of the declaration's findings.
    pub severity: Severity,
    /// Where the declaration starts.
    pub at: PolicyLocation,
}

impl GroupDecl {
    /// The rule name of the declaration's findings: `group:<name>`.
    pub fn rule_id(&self) -> String {
        format!("group:{}", self.name)
    }
}

/// Which identities a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectKind {
    /// Standard users (`users:` section).
    User,
    /// Embed users (`embed_users:` section).
    EmbedUser,
}

/// A rule over embed users or standard users.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule id.
    pub id: String,
    /// Which identities.
    pub subjects: SubjectKind,
    /// Free text.
    pub description: Option<String>,
    /// The `where` selector; `None` selects every subject.
    pub filter: Option<Filter>,
    /// Where the `where` value is written.
    pub where_at: Option<PolicyLocation>,
    /// `inactive_for`: the rule applies only to subjects idle that long
    /// (combined with `where` by *and*).
    pub inactive_for: Option<InactiveFor>,
    /// `must_be_in`.
    pub must_be_in: Vec<GroupPattern>,
    /// `must_not_be_in`.
    pub must_not_be_in: Vec<GroupPattern>,
    /// `only_in`, when given.
    pub only_in: Option<Vec<GroupPattern>>,
    /// Severity.
    pub severity: Severity,
    /// Where the rule starts.
    pub at: PolicyLocation,
}

/// A rule's `inactive_for: 90d` (or `13w`): how long a subject must have
/// been idle for the rule to apply to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InactiveFor {
    /// The duration in whole days (weeks are converted).
    pub days: u32,
    /// The text as written (`90d`, `13w`).
    pub text: String,
    /// Where the value is written.
    pub at: PolicyLocation,
}

impl InactiveFor {
    /// The cutoff at `now`: a subject whose last login (or, never having
    /// logged in, whose creation) is before it is inactive. `None` when the
    /// cutoff lies before the calendar's start (nothing is that old).
    pub fn cutoff(&self, now: jiff::Timestamp) -> Option<jiff::Timestamp> {
        now.checked_sub(jiff::SignedDuration::from_hours(i64::from(self.days) * 24))
            .ok()
    }
}

/// A separation-of-duties rule.
#[derive(Debug, Clone)]
pub struct SodRule {
    /// The rule id.
    pub id: String,
    /// The mutually exclusive groups.
    pub groups: Vec<GroupPattern>,
    /// Severity.
    pub severity: Severity,
    /// Where.
    pub at: PolicyLocation,
}

/// An exception.
#[derive(Debug, Clone)]
pub struct Exception {
    /// A rule id or `group:<name>`.
    pub rule: String,
    /// userName or embedExternalId.
    pub subject: String,
    /// Limits the exception to findings about this group.
    pub group: Option<String>,
    /// Why.
    pub reason: String,
    /// Tracking ticket.
    pub ticket: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Last day on which it excuses (inclusive, UTC).
    pub expires: jiff::civil::Date,
    /// Where.
    pub at: PolicyLocation,
}
