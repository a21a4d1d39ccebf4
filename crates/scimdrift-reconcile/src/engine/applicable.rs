//! Which subject rules apply to which subject: a rule applies to a subject
//! of its kind when its `where` filter matches the subject (or it has none)
//! and, with `inactive_for`, the subject has been idle that long.
//!
//! The engine decides this once, in [`Selector::applies`]: [`check`] walks
//! each subject's rules through it, and [`applicable_rules`] hands the same
//! decision to readers that list the rules (the access review), so they
//! never evaluate a filter themselves.
//!
//! [`check`]: super::check

use super::activity::{self, Activity};
use super::index::{Ident, ident};
use super::rules::projection;
use crate::model::{Policies, Rule, SubjectKind};
use rayon::prelude::*;
use scimdrift_proto::{EvalError, Projection, Snapshot};
use std::fmt;

/// The subject rules that apply to one subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedRules {
    /// Ids of the rules that apply, in policy order.
    pub rules: Vec<String>,
    /// The rules whose `where` (or `inactive_for`) cannot be evaluated on
    /// the subject, in policy order (they do not apply; `check` reports them
    /// as incomplete data).
    pub errors: Vec<WhereError>,
}

/// A rule's `where` filter, or its `inactive_for`, that cannot be evaluated
/// on a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhereError {
    /// The rule id.
    pub rule: String,
    /// Why, as the filter reports it (or what is wrong with the subject's
    /// `lastLogin`).
    pub message: String,
}

/// Why a rule cannot be decided on a subject.
pub(super) enum ApplyError {
    /// Its `where` filter fails on the subject.
    Where(EvalError),
    /// It has `inactive_for` and the subject's `lastLogin` (or
    /// `meta.created`) is unusable.
    Activity(String),
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Where(e) => e.fmt(f),
            ApplyError::Activity(e) => f.write_str(e),
        }
    }
}

/// What the rules read from one subject beyond its core attributes, decoded
/// the first time a rule needs it and kept for the subject's later rules.
#[derive(Default)]
pub(super) struct SubjectData {
    /// The subject projected on the rules' projection.
    value: Option<serde_json::Value>,
    /// Its activity, read from `value` once.
    activity: Option<Result<Activity, String>>,
}

impl SubjectData {
    /// The projected subject, if some rule needed it.
    pub(super) fn value(&self) -> Option<&serde_json::Value> {
        self.value.as_ref()
    }

    /// The subject's activity, if an `inactive_for` rule read it.
    pub(super) fn activity(&self) -> Option<Activity> {
        self.activity
            .as_ref()
            .and_then(|a| a.as_ref().ok().copied())
    }
}

/// For each resource of the snapshot's `kind` list (`users` or
/// `embed_users`), in the snapshot's order: the rules of that kind that
/// apply to it, exactly as [`check`](super::check) decides. `None` for a
/// resource that is not a valid SCIM user: `check` evaluates no rule on it
/// and reports it as incomplete data.
///
/// ```
/// use scimdrift_proto::{Resource, Snapshot, SnapshotSource};
/// use scimdrift_reconcile::{PolicySource, SubjectKind, applicable_rules, load_policies};
///
/// let policy = r#"
/// version: 1
/// embed_users:
///   - id: acme-users-in-acme
///     where: 'embedEntity eq "acme"'
///     must_be_in: ["Acme"]
///   - id: everyone-in-all
///     must_be_in: ["All"]
/// "#;
/// let source = PolicySource { path: "p.yaml".into(), contents: policy.into() };
/// let policies = load_policies(&[source]).expect("the policy loads").policies;
///
/// let mut snapshot = Snapshot::new(SnapshotSource::default());
/// for json in [
///     r#"{"id": "e1", "embedExternalId": "x1", "embedEntity": "acme"}"#,
///     r#"{"id": "e2", "embedExternalId": "x2", "embedEntity": "globex"}"#,
/// ] {
///     snapshot.embed_users.push(Resource::from_json(json).expect("a resource"));
/// }
///
/// let now = "2027-01-01T00:00:00Z".parse().expect("a timestamp");
/// let applied = applicable_rules(&snapshot, &policies, SubjectKind::EmbedUser, now);
/// let rules = |k: usize| applied[k].as_ref().expect("valid users").rules.clone();
/// assert_eq!(rules(0), ["acme-users-in-acme", "everyone-in-all"]);
/// assert_eq!(rules(1), ["everyone-in-all"]);
/// ```
pub fn applicable_rules(
    snapshot: &Snapshot,
    policies: &Policies,
    kind: SubjectKind,
    now: jiff::Timestamp,
) -> Vec<Option<AppliedRules>> {
    let selectors: Vec<Selector<'_>> = policies
        .rules
        .iter()
        .filter(|r| r.subjects == kind)
        .map(|r| Selector::new(r, false, now))
        .collect();
    let projection = projection(selectors.iter().map(|s| s.rule));
    let list = match kind {
        SubjectKind::User => &snapshot.users,
        SubjectKind::EmbedUser => &snapshot.embed_users,
    };
    list.par_iter()
        .map(|resource| {
            let subject = ident(resource).ok()?;
            let mut data = SubjectData::default();
            let mut applied = AppliedRules::default();
            for s in &selectors {
                match s.applies(&subject, &mut data, &projection) {
                    Ok(true) => applied.rules.push(s.rule.id.clone()),
                    Ok(false) => {}
                    Err(e) => applied.errors.push(WhereError {
                        rule: s.rule.id.clone(),
                        message: e.to_string(),
                    }),
                }
            }
            Some(applied)
        })
        .collect()
}

/// The part of a compiled rule that decides whether it applies to a subject.
pub(super) struct Selector<'p> {
    pub(super) rule: &'p Rule,
    /// Whether the subject is projected before the rule is evaluated on it
    /// (for its `where`, or for a `${…}` template the rule resolves; an
    /// `inactive_for` alone reads the subject's activity without a
    /// projection when it can, see [`activity::read_resource`]).
    needs_value: bool,
    /// For a `where: 'embedEntity eq "x"'` rule: `x`. Subjects whose
    /// (ASCII) entity differs cannot match, so the filter is not evaluated
    /// for them; everything else goes through the filter as usual.
    pub(super) entity_key: Option<String>,
    /// For an `inactive_for` rule: the cutoff at `now` (`Some(None)` when it
    /// lies before the calendar's start, so that no subject is that idle).
    cutoff: Option<Option<jiff::Timestamp>>,
}

impl<'p> Selector<'p> {
    /// `needs_value`: the rule reads the subject's attributes beyond its
    /// `where` (templates), so the subject is projected even without one.
    /// `now` dates the `inactive_for` cutoff.
    pub(super) fn new(rule: &'p Rule, needs_value: bool, now: jiff::Timestamp) -> Self {
        Selector {
            rule,
            needs_value: rule.filter.is_some() || needs_value,
            entity_key: rule.filter.as_ref().and_then(entity_key),
            cutoff: rule.inactive_for.as_ref().map(|i| i.cutoff(now)),
        }
    }

    /// Whether the rule applies to `subject`: its `where` first, then its
    /// `inactive_for` (whose `lastLogin` is read only for subjects the
    /// `where` selects). `data` holds what was decoded of the subject,
    /// computed here the first time a rule needs it and kept for the
    /// subject's later rules.
    #[inline]
    pub(super) fn applies(
        &self,
        subject: &Ident<'_>,
        data: &mut SubjectData,
        projection: &Projection,
    ) -> Result<bool, ApplyError> {
        if let (Some(key), Some(entity)) = (&self.entity_key, &subject.entity)
            && entity.is_ascii()
            && !entity.eq_ignore_ascii_case(key)
        {
            return Ok(false);
        }
        if self.needs_value && data.value.is_none() {
            data.value = Some(subject.resource.project(projection));
        }
        if let Some(f) = &self.rule.filter {
            let value = data.value.as_ref().unwrap_or(&serde_json::Value::Null);
            if !f.evaluate(value).map_err(ApplyError::Where)? {
                return Ok(false);
            }
        }
        let Some(cutoff) = self.cutoff else {
            return Ok(true);
        };
        let activity = data
            .activity
            .get_or_insert_with(|| activity::read_resource(subject.resource))
            .as_ref()
            .map_err(|e| ApplyError::Activity(e.clone()))?;
        Ok(cutoff.is_some_and(|c| activity.inactive_before(c)))
    }
}

/// The value of a top-level `embedEntity eq "<ascii string>"` filter.
fn entity_key(filter: &scimdrift_proto::Filter) -> Option<String> {
    use scimdrift_proto::filter::{CompValue, CompareOp, ExprKind};
    match &filter.expr().kind {
        ExprKind::Compare(path, CompareOp::Eq, CompValue::String(v))
            if path.urn.is_none()
                && path.sub.is_none()
                && path.name.eq_ignore_ascii_case("embedEntity")
                && v.is_ascii() =>
        {
            Some(v.clone())
        }
        _ => None,
    }
}
