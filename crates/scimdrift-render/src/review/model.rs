//! The review: plain data, serialized as `scimdrift.review/v1`.

use scimdrift_report::{ExceptionRef, FindingKind, PolicyFileRef, Severity, Status, ToolInfo};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Where the review's data came from and what produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The evaluation time (`--now`).
    pub generated_at: String,
    /// The API base URL (live) or the snapshot path (as given, relative).
    pub source: String,
    /// sha256 of the snapshot.
    pub snapshot_sha256: String,
    /// When the snapshot was fetched, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// Each policy file and its sha256.
    pub policies: Vec<PolicyFileRef>,
    /// The policies' git commit, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies_commit: Option<String>,
    /// The tool.
    pub tool: ToolInfo,
    /// The check's status (`incomplete` makes the review untrustworthy).
    pub status: String,
    /// Why the data is incomplete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete_reasons: Vec<String>,
    /// `--entity` values applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<String>,
    /// `--where` applied.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
}

/// One finding about a reviewed user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewFinding {
    /// Finding id.
    pub id: String,
    /// Kind.
    pub kind: FindingKind,
    /// Rule.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Group involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Message.
    pub message: String,
    /// The exception that excused it.
    pub exception: Option<ExceptionRef>,
}

/// One embed user under review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewedUser {
    /// Live id.
    pub id: String,
    /// `embedExternalId`.
    pub external_id: String,
    /// `embedEntity`.
    pub entity: String,
    /// `userName`.
    pub user_name: String,
    /// `active`.
    pub active: bool,
    /// Group names, sorted.
    pub groups: Vec<String>,
    /// Rules and declarations that applied, sorted.
    pub rules: Vec<String>,
    /// Declared memberships that end on a date (`until`), by group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_bound: Vec<TimeBoundMembership>,
    /// Findings about this user.
    pub findings: Vec<ReviewFinding>,
}

/// A declared membership that ends on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeBoundMembership {
    /// The group's name.
    pub group: String,
    /// The last day of the membership (`YYYY-MM-DD`).
    pub until: String,
    /// Why the user has it.
    pub reason: String,
    /// Tracking ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

impl ReviewedUser {
    /// The user's groups as the renderers list them: each name, followed by
    /// `(until …: reason; ticket …)` for a membership that ends on a date.
    pub(super) fn group_labels(&self) -> Vec<String> {
        self.groups
            .iter()
            .map(|g| match self.time_bound.iter().find(|t| &t.group == g) {
                Some(t) => format!("{g} ({})", time_bound_text(t)),
                None => g.clone(),
            })
            .collect()
    }
}

/// A time-bound membership's terms as one line of text.
pub(super) fn time_bound_text(t: &TimeBoundMembership) -> String {
    match &t.ticket {
        Some(ticket) => format!("until {}: {}; ticket {ticket}", t.until, t.reason),
        None => format!("until {}: {}", t.until, t.reason),
    }
}

/// Counts for the summary and the charts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewSummary {
    /// Embed users reviewed.
    pub users: u64,
    /// Users with at least one finding not excused.
    pub users_with_open_findings: u64,
    /// Findings about reviewed users.
    pub findings: u64,
    /// Of which excused.
    pub excused: u64,
    /// Findings by rule.
    pub findings_by_rule: BTreeMap<String, u64>,
    /// Findings by entity.
    pub findings_by_entity: BTreeMap<String, u64>,
}

/// A whole review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Always [`REVIEW_SCHEMA`].
    pub schema: &'static str,
    /// The evidence block.
    pub evidence: Evidence,
    /// Counts.
    pub summary: ReviewSummary,
    /// Users, sorted by entity then external id then id.
    pub users: Vec<ReviewedUser>,
}

impl Review {
    /// Whether the underlying data was incomplete.
    pub fn incomplete(&self) -> bool {
        self.evidence.status == Status::Incomplete.as_str()
    }

    /// The evidence block as key and value pairs, in the order every
    /// renderer prints them.
    pub(super) fn evidence_pairs(&self) -> Vec<(&'static str, String)> {
        let e = &self.evidence;
        let mut pairs = vec![
            ("generated_at", e.generated_at.clone()),
            ("source", e.source.clone()),
            ("snapshot_sha256", e.snapshot_sha256.clone()),
        ];
        if let Some(at) = &e.fetched_at {
            pairs.push(("fetched_at", at.clone()));
        }
        for p in &e.policies {
            pairs.push(("policy_sha256", format!("{} {}", p.sha256, p.file)));
        }
        pairs.push((
            "policies_commit",
            e.policies_commit
                .clone()
                .unwrap_or_else(|| "unknown (not a git checkout)".to_owned()),
        ));
        pairs.push(("tool", format!("{} {}", e.tool.name, e.tool.version)));
        pairs.push(("status", e.status.clone()));
        for r in &e.incomplete_reasons {
            pairs.push(("incomplete_reason", r.clone()));
        }
        if !e.entities.is_empty() {
            pairs.push(("entity_filter", e.entities.join(", ")));
        }
        if let Some(w) = &e.where_ {
            pairs.push(("where_filter", w.clone()));
        }
        pairs
    }
}

/// A finding as one line of text (CSV and Markdown cells).
pub(super) fn finding_text(f: &ReviewFinding) -> String {
    let mut text = format!(
        "{} {} [{}]: {}",
        f.severity.as_str(),
        f.kind.as_str(),
        f.rule,
        f.message
    );
    if let Some(e) = &f.exception {
        let _ = write!(text, " (excused: {})", exception_text(e));
    }
    text
}

/// An exception as one line of text.
pub(super) fn exception_text(e: &ExceptionRef) -> String {
    format!(
        "{}; owner {}; ticket {}; expires {}",
        e.reason,
        e.owner.as_deref().unwrap_or("-"),
        e.ticket.as_deref().unwrap_or("-"),
        e.expires
    )
}
