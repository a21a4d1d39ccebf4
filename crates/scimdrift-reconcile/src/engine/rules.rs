//! Subject rules (`users:` and `embed_users:` sections): each rule compiled
//! once against the live groups, bucketed by entity, then evaluated on every
//! subject of its kind in parallel, looking only at the subject's own groups.

use super::applicable::{ApplyError, Selector, SubjectData};
use super::findings::{Draft, describe};
use super::index::{Ident, Index, Who};
use super::refs::{Ref, Target, target};
use super::summary::Governed;
use crate::model::{Policies, Rule, SubjectKind};
use crate::pattern::GroupPattern;
use foldhash::{HashMap, HashMapExt as _};
use rayon::prelude::*;
use scimdrift_proto::Projection;
use scimdrift_report::FindingKind;
use std::collections::BTreeMap;

/// Every subject rule on every subject of its kind, in parallel over
/// subjects: appends the findings to `drafts` (subject order), marks the
/// governed subjects, and returns per rule how many subjects its `where`
/// (or its `inactive_for`) could not be evaluated on, with the first error.
pub(super) fn evaluate_rules(
    index: &Index<'_>,
    policies: &Policies,
    now: jiff::Timestamp,
    drafts: &mut Vec<Draft>,
    governed: &mut Governed,
) -> EvalErrors {
    let mut eval_errors = EvalErrors::new();
    for (kind, idents, governed) in [
        (SubjectKind::User, &index.users, &mut governed.users),
        (SubjectKind::EmbedUser, &index.embed, &mut governed.embed),
    ] {
        let rules: Vec<(usize, CompiledRule<'_>)> = policies
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.subjects == kind)
            .map(|(i, r)| (i, CompiledRule::new(r, index, now)))
            .collect();
        if rules.is_empty() {
            continue;
        }
        let projection = projection(rules.iter().map(|(_, c)| c.select.rule));
        let rules = RuleSet::new(rules);
        let outcomes: Vec<SubjectOutcome> = idents
            .par_iter()
            .enumerate()
            .map(|(i, ident)| {
                let who = match kind {
                    SubjectKind::User => Who::User(i),
                    SubjectKind::EmbedUser => Who::Embed(i),
                };
                let applicable = rules.for_entity(ident.entity);
                evaluate_subject(who, ident, applicable, &projection, index, now)
            })
            .collect();
        for (i, o) in outcomes.into_iter().enumerate() {
            governed[i] |= o.governed;
            drafts.extend(o.findings);
            for (ri, e) in o.errors {
                let key = (ri, matches!(e, ApplyError::Activity(_)));
                let entry = eval_errors.entry(key).or_insert_with(|| {
                    let first = match e {
                        ApplyError::Where(e) => e.to_string(),
                        ApplyError::Activity(e) => {
                            let who = match kind {
                                SubjectKind::User => Who::User(i),
                                SubjectKind::EmbedUser => Who::Embed(i),
                            };
                            format!("{}: {e}", describe(&index.subject(who)))
                        }
                    };
                    (0, first)
                });
                entry.0 += 1;
            }
        }
    }
    eval_errors
}

/// Per rule (its position in the policies) and cause (`false`: its
/// `where`, `true`: its `inactive_for`): on how many subjects it could not
/// be evaluated, and the first error.
pub(super) type EvalErrors = BTreeMap<(usize, bool), (usize, String)>;

/// The incomplete-data reasons for `where` filters and `inactive_for`
/// durations that could not be evaluated (from [`evaluate_rules`]), in rule
/// order.
pub(super) fn where_errors(
    policies: &Policies,
    eval_errors: EvalErrors,
) -> impl Iterator<Item = String> {
    eval_errors
        .into_iter()
        .map(|((ri, activity), (count, first))| {
            let rule = &policies.rules[ri];
            if activity {
                let text = rule.inactive_for.as_ref().map_or("", |i| i.text.as_str());
                format!(
                    "rule `{}`: `inactive_for: {text}` could not be evaluated for {count} subject(s): {first}",
                    rule.id
                )
            } else {
                format!(
                    "rule `{}`: the `where` filter could not be evaluated for {count} subject(s): {first}",
                    rule.id
                )
            }
        })
}

/// A subject rule compiled against the live groups.
struct CompiledRule<'p> {
    /// Whether it applies to a subject.
    select: Selector<'p>,
    must_be_in: Vec<Ref<'p>>,
    must_not_be_in: Vec<Ref<'p>>,
    only_in: Option<Vec<Ref<'p>>>,
}

impl<'p> CompiledRule<'p> {
    fn new(rule: &'p Rule, index: &Index<'_>, now: jiff::Timestamp) -> Self {
        let refs =
            |list: &'p [GroupPattern]| list.iter().map(|p| Ref::new(p, index)).collect::<Vec<_>>();
        let must_be_in = refs(&rule.must_be_in);
        let must_not_be_in = refs(&rule.must_not_be_in);
        let only_in = rule.only_in.as_deref().map(refs);
        let any_template = must_be_in
            .iter()
            .chain(&must_not_be_in)
            .chain(only_in.iter().flatten())
            .any(|r| r.live.is_none());
        CompiledRule {
            select: Selector::new(rule, any_template, now),
            must_be_in,
            must_not_be_in,
            only_in,
        }
    }
}

/// The attributes the rules' `where` filters and `${attr}` templates read:
/// each subject is decoded on them only, once, when a rule first needs them.
pub(super) fn projection<'p>(rules: impl Iterator<Item = &'p Rule>) -> Projection {
    let mut projection = Projection::none();
    for rule in rules {
        for path in rule
            .filter
            .iter()
            .flat_map(scimdrift_proto::Filter::attribute_paths)
        {
            projection.add(&path);
        }
        for pattern in rule
            .must_be_in
            .iter()
            .chain(&rule.must_not_be_in)
            .chain(rule.only_in.iter().flatten())
        {
            for path in pattern.attributes() {
                projection.add(path);
            }
        }
    }
    projection
}

/// Outcome of evaluating the rules on one subject.
#[derive(Default)]
struct SubjectOutcome {
    findings: Vec<Draft>,
    governed: bool,
    errors: Vec<(usize, ApplyError)>,
}

/// The rules of one subject kind, with those scoped to one entity
/// (`where: 'embedEntity eq "x"'`) bucketed by entity, so that a subject is
/// only walked through the rules that can apply to it: a million embed users
/// times fifty entity rules is not fifty million filter checks.
struct RuleSet<'p> {
    rules: Vec<(usize, CompiledRule<'p>)>,
    /// Positions in `rules` of the rules without an entity key.
    unkeyed: Vec<usize>,
    /// Positions in `rules` per ASCII-lowercased entity key, in rule order.
    keyed: HashMap<String, Vec<usize>>,
}

impl<'p> RuleSet<'p> {
    fn new(rules: Vec<(usize, CompiledRule<'p>)>) -> Self {
        let mut unkeyed = Vec::new();
        let mut keyed: HashMap<String, Vec<usize>> = HashMap::new();
        for (pos, (_, c)) in rules.iter().enumerate() {
            match &c.select.entity_key {
                Some(key) => keyed.entry(key.to_ascii_lowercase()).or_default().push(pos),
                None => unkeyed.push(pos),
            }
        }
        RuleSet {
            rules,
            unkeyed,
            keyed,
        }
    }

    /// The rules that can apply to a subject of this entity, in rule order.
    /// Entity-scoped rules of other entities are left out only when the
    /// entity is ASCII (where case-insensitive equality is unambiguous);
    /// otherwise every rule goes through its filter.
    fn for_entity(&self, entity: Option<&str>) -> Vec<&(usize, CompiledRule<'p>)> {
        let Some(entity) = entity.filter(|e| e.is_ascii()) else {
            return self.rules.iter().collect();
        };
        let bucket: &[usize] = if entity.bytes().any(|b| b.is_ascii_uppercase()) {
            self.keyed.get(&entity.to_ascii_lowercase())
        } else {
            self.keyed.get(entity)
        }
        .map_or(&[], Vec::as_slice);
        let mut positions: Vec<usize> = Vec::with_capacity(self.unkeyed.len() + bucket.len());
        let unkeyed = &self.unkeyed;
        let (mut i, mut j) = (0, 0);
        while i < unkeyed.len() || j < bucket.len() {
            if j == bucket.len() || (i < unkeyed.len() && unkeyed[i] < bucket[j]) {
                positions.push(unkeyed[i]);
                i += 1;
            } else {
                positions.push(bucket[j]);
                j += 1;
            }
        }
        positions.into_iter().map(|p| &self.rules[p]).collect()
    }
}

fn evaluate_subject<'r, 'p: 'r>(
    who: Who,
    ident: &Ident<'_>,
    rules: impl IntoIterator<Item = &'r (usize, CompiledRule<'p>)>,
    projection: &Projection,
    index: &Index<'_>,
    now: jiff::Timestamp,
) -> SubjectOutcome {
    let mut out = SubjectOutcome::default();
    let mut data = SubjectData::default();
    for (ri, c) in rules {
        match c.select.applies(ident, &mut data, projection) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                out.errors.push((*ri, e));
                continue;
            }
        }
        let value = data.value();
        out.governed = true;
        let subject = || index.subject(who);
        let rule = c.select.rule;
        // An `inactive_for` rule's findings say how idle the subject is.
        let idle = rule
            .inactive_for
            .as_ref()
            .and(data.activity())
            .map(|a| a.describe(now));
        // An unresolvable template names no group: the finding is then
        // about the subject alone.
        let mk = |kind, group: String, message: String| Draft {
            kind,
            rule: rule.id.clone(),
            severity: rule.severity,
            group: (!group.is_empty()).then_some(group),
            subject: Some(subject()),
            message: match &idle {
                Some(idle) => format!("{message}; {idle}"),
                None => message,
            },
            policy: Some(rule.at.clone()),
        };
        // Built only when a finding needs it: most subjects have none.
        let who_text = || describe(&subject());
        for r in &c.must_be_in {
            let t = target(r, value);
            if ident.groups.iter().any(|&g| t.matches(g as usize, index)) {
                continue;
            }
            let (group, detail) = match &t {
                Target::Missing(attr) => (
                    String::new(),
                    format!(
                        "; `{}` cannot be resolved: the subject has no `{attr}`",
                        r.pat.text
                    ),
                ),
                Target::Name(n) => (
                    n.clone(),
                    index
                        .case_hint(n)
                        .map(|h| format!("; {h}"))
                        .unwrap_or_default(),
                ),
                _ => (
                    r.pat.text.clone(),
                    r.pat
                        .exact()
                        .and_then(|n| index.case_hint(n))
                        .map(|h| format!("; {h}"))
                        .unwrap_or_default(),
                ),
            };
            out.findings.push(mk(
                FindingKind::MembershipRequired,
                group.clone(),
                if group.is_empty() {
                    format!(
                        "{} must be in `{}` but is not{detail}",
                        who_text(),
                        r.pat.text
                    )
                } else {
                    format!("{} must be in `{group}` but is not{detail}", who_text())
                },
            ));
        }
        if ident.groups.is_empty() {
            continue;
        }
        let forbidden: Vec<Target> = c.must_not_be_in.iter().map(|r| target(r, value)).collect();
        let allowed: Option<Vec<Target>> = c
            .only_in
            .as_ref()
            .map(|list| list.iter().map(|r| target(r, value)).collect());
        for &g in &ident.groups {
            let gi = g as usize;
            let name = index.groups[gi].name;
            if let Some((_, r)) = forbidden
                .iter()
                .zip(&c.must_not_be_in)
                .find(|(t, _)| t.matches(gi, index))
            {
                out.findings.push(mk(
                    FindingKind::MembershipForbidden,
                    name.to_owned(),
                    format!(
                        "{} is in `{name}`, which `must_not_be_in` forbids (`{}`)",
                        who_text(),
                        r.pat.text
                    ),
                ));
            }
            if let Some(allowed) = &allowed
                && !allowed.iter().any(|t| t.matches(gi, index))
            {
                let message = if allowed.is_empty() {
                    format!(
                        "{} is in `{name}` but `only_in: []` allows no group at all",
                        who_text()
                    )
                } else {
                    format!(
                        "{} is in `{name}`, which no `only_in` entry allows",
                        who_text()
                    )
                };
                out.findings.push(mk(
                    FindingKind::MembershipNotAllowed,
                    name.to_owned(),
                    message,
                ));
            }
        }
    }
    out
}
