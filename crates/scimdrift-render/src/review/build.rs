//! Deriving a [`Review`] from a snapshot, the report and the embed-user
//! rules.

use super::REVIEW_SCHEMA;
use super::model::{
    Evidence, Review, ReviewFinding, ReviewSummary, ReviewedUser, TimeBoundMembership,
};
use scimdrift_proto::{EmbedUser, Filter, Group, Snapshot};
use scimdrift_reconcile::AppliedRules;
use scimdrift_report::{Report, SubjectType};
use std::collections::{BTreeMap, BTreeSet};

/// Builds the review. `applied` says which embed-user rules apply to each
/// of the snapshot's embed users, in its order, as the engine decided
/// ([`scimdrift_reconcile::applicable_rules`]): the review never evaluates
/// a rule's `where` itself.
pub fn build(
    snapshot: &Snapshot,
    report: &Report,
    applied: &[Option<AppliedRules>],
    declarations: &[ReviewDeclaration],
    select: &ReviewFilter<'_>,
) -> Result<Review, ReviewError> {
    let mut groups_of: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let groups: Vec<Group> = snapshot
        .groups
        .iter()
        .map(|r| {
            r.decode().map_err(|source| ReviewError::Malformed {
                list: "groups",
                id: r.id().to_owned(),
                source,
            })
        })
        .collect::<Result<_, _>>()?;
    for g in &groups {
        for m in &g.members {
            groups_of
                .entry(m.value.as_str())
                .or_default()
                .insert(g.display_name.clone());
        }
    }
    let mut findings_of: BTreeMap<&str, Vec<ReviewFinding>> = BTreeMap::new();
    for f in &report.findings {
        let Some(subject) = &f.subject else { continue };
        if subject.kind != SubjectType::EmbedUser {
            continue;
        }
        let Some(id) = subject.id.as_deref() else {
            continue;
        };
        findings_of.entry(id).or_default().push(ReviewFinding {
            id: f.id.clone(),
            kind: f.kind,
            rule: f.rule.clone(),
            severity: f.severity,
            group: f.group.clone(),
            message: f.message.clone(),
            exception: f.exception.clone(),
        });
    }

    let mut users = Vec::new();
    for (k, r) in snapshot.embed_users.iter().enumerate() {
        let u: EmbedUser = r.decode().map_err(|source| ReviewError::Malformed {
            list: "embed_users",
            id: r.id().to_owned(),
            source,
        })?;
        let entity = u.embed_entity.clone().unwrap_or_default();
        if !select.entities.is_empty() && !select.entities.contains(&entity) {
            continue;
        }
        let value = if select.filter.is_some() {
            r.to_value()
        } else {
            serde_json::Value::Null
        };
        let matches = |filter: &Filter| {
            filter.evaluate(&value).map_err(|err| ReviewError::Filter {
                id: u.id.clone(),
                message: err.to_string(),
            })
        };
        if let Some(filter) = select.filter
            && !matches(filter)?
        {
            continue;
        }
        let external_id = u.embed_external_id.clone().unwrap_or_default();
        let mut rules = BTreeSet::new();
        if let Some(decided) = applied.get(k).and_then(Option::as_ref) {
            if let Some(err) = decided.errors.first() {
                return Err(ReviewError::Filter {
                    id: u.id.clone(),
                    message: err.message.clone(),
                });
            }
            rules.extend(decided.rules.iter().cloned());
        }
        let mut time_bound = Vec::new();
        for d in declarations {
            if d.embed_users.contains(&external_id) {
                rules.insert(d.rule.clone());
            }
            for t in d.time_bound.iter().filter(|t| t.embed_user == external_id) {
                time_bound.push(TimeBoundMembership {
                    group: d.rule.strip_prefix("group:").unwrap_or(&d.rule).to_owned(),
                    until: t.until.clone(),
                    reason: t.reason.clone(),
                    ticket: t.ticket.clone(),
                });
            }
        }
        time_bound.sort_by(|a, b| a.group.cmp(&b.group));
        // A finding's rule applied, whatever the selectors say (e.g. an
        // exception's or a declaration's finding).
        let findings = findings_of.remove(u.id.as_str()).unwrap_or_default();
        for f in &findings {
            rules.insert(f.rule.clone());
        }
        users.push(ReviewedUser {
            groups: groups_of
                .get(u.id.as_str())
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            id: u.id,
            external_id,
            entity,
            user_name: u.user_name,
            active: u.active.unwrap_or(true),
            rules: rules.into_iter().collect(),
            time_bound,
            findings,
        });
    }
    users.sort_by(|a, b| {
        (&a.entity, &a.external_id, &a.id).cmp(&(&b.entity, &b.external_id, &b.id))
    });

    let mut summary = ReviewSummary {
        users: users.len() as u64,
        ..ReviewSummary::default()
    };
    for u in &users {
        if u.findings.iter().any(|f| f.exception.is_none()) {
            summary.users_with_open_findings += 1;
        }
        for f in &u.findings {
            summary.findings += 1;
            if f.exception.is_some() {
                summary.excused += 1;
            }
            *summary.findings_by_rule.entry(f.rule.clone()).or_default() += 1;
            let entity = if u.entity.is_empty() {
                "(no entity)".to_owned()
            } else {
                u.entity.clone()
            };
            *summary.findings_by_entity.entry(entity).or_default() += 1;
        }
    }

    let source = report
        .source
        .base_url
        .clone()
        .or_else(|| report.source.snapshot_path.clone())
        .unwrap_or_default();
    Ok(Review {
        schema: REVIEW_SCHEMA,
        evidence: Evidence {
            generated_at: report.generated_at.clone(),
            source,
            snapshot_sha256: report.source.snapshot_sha256.clone(),
            fetched_at: report.source.fetched_at.clone(),
            policies: report.policies.clone(),
            policies_commit: report.policies_commit.clone(),
            tool: report.tool.clone(),
            status: report.status.as_str().to_owned(),
            incomplete_reasons: report.incomplete_reasons.clone(),
            entities: select.entities.clone(),
            where_: select.filter_text.clone(),
        },
        summary,
        users,
    })
}

/// Why a review cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// A snapshot resource is not what its list says.
    #[error("{list} resource `{id}` is malformed")]
    Malformed {
        /// `groups` or `embed_users`.
        list: &'static str,
        /// The resource id.
        id: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// `--where`, or an applying rule's `where`, cannot be evaluated on a
    /// resource.
    #[error("the filter cannot be evaluated on embed user `{id}`: {message}")]
    Filter {
        /// The resource id.
        id: String,
        /// The evaluation error.
        message: String,
    },
}

/// A group declaration that names embed users.
#[derive(Debug, Clone)]
pub struct ReviewDeclaration {
    /// `group:<name>`.
    pub rule: String,
    /// The declared `embedExternalId`s.
    pub embed_users: Vec<String>,
    /// The time-bound entries among them (`until`, `reason`, `ticket`).
    pub time_bound: Vec<ReviewTimeBound>,
}

/// A time-bound entry of a declaration, as the review lists it.
#[derive(Debug, Clone)]
pub struct ReviewTimeBound {
    /// The declared `embedExternalId`.
    pub embed_user: String,
    /// The last day of the membership (`YYYY-MM-DD`).
    pub until: String,
    /// Why.
    pub reason: String,
    /// Tracking ticket.
    pub ticket: Option<String>,
}

/// Which embed users to review.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter<'a> {
    /// Only these `embedEntity` values (all when empty).
    pub entities: Vec<String>,
    /// Only embed users this SCIM filter matches.
    pub filter: Option<&'a Filter>,
    /// The filter's text, for the evidence block.
    pub filter_text: Option<String>,
}
