//! The drift engine: a snapshot and policies in, a [`Report`] out.
//!
//! Groups and identities are indexed once (ids, lowercase userNames,
//! embedExternalIds, member → groups); every non-template group reference is
//! matched against every live group once, up front; rules then walk the
//! subjects (in parallel) looking only at each subject's own groups.

use crate::diag::{Diagnostic, Level};
use crate::load::PolicySource;
use crate::model::{MembersMode, Policies, Rule, SubjectKind, UnmanagedGroups};
use crate::pattern::{self, GroupPattern, PatternKind, Resolved};
use foldhash::{HashMap, HashMapExt as _};
use rayon::prelude::*;
use scimdrift_proto::{Projection, Resource, Snapshot};
use scimdrift_report::{
    Coverage, EvaluatedRule, ExceptionRef, Finding, FindingKind, MembershipDiff, PolicyLocation,
    REPORT_SCHEMA, Report, ReportSource, RuleKind, Severity, Status, Subject, SubjectType, Summary,
    ToolInfo,
};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The lowest severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Errors fail the run (the default).
    #[default]
    Error,
    /// Warnings and errors fail the run.
    Warning,
    /// Every finding fails the run.
    Note,
    /// Nothing fails the run (incomplete data still does).
    Never,
}

impl FailOn {
    /// The threshold severity, `None` for [`FailOn::Never`].
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

/// Options of one check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The evaluation time (exception expiry is judged against it).
    pub now: jiff::Timestamp,
    /// The lowest severity that fails the run.
    pub fail_on: FailOn,
    /// Where the snapshot came from (for the report header).
    pub source: ReportSource,
    /// Skip the suspicious-drift guard (`--accept-mass-drift`).
    pub accept_mass_drift: bool,
    /// The tool version written into the report.
    pub tool_version: String,
}

impl CheckOptions {
    /// Options with defaults: fail on errors, guard on.
    pub fn new(now: jiff::Timestamp, source: ReportSource) -> Self {
        CheckOptions {
            now,
            fail_on: FailOn::Error,
            source,
            accept_mass_drift: false,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// A group member's id and display text, decoded again from the raw group
/// only where a message needs the display text (dangling members).
#[derive(Deserialize)]
struct LeanMember {
    #[serde(default)]
    display: Option<String>,
}

#[derive(Deserialize)]
struct LeanMembers {
    #[serde(default)]
    members: Option<Vec<LeanMember>>,
}

struct Ident<'s> {
    resource: &'s Resource,
    user_name: Option<&'s str>,
    external_id: Option<&'s str>,
    entity: Option<&'s str>,
    /// Indexes of live groups this identity is in, sorted, deduplicated.
    groups: Vec<u32>,
}

struct LiveGroup<'s> {
    resource: &'s Resource,
    id: &'s str,
    name: &'s str,
    /// Member ids, in the order served.
    members: &'s [Box<str>],
}

impl LiveGroup<'_> {
    /// Each member's display text (its `display`, else its id), in order:
    /// the group's JSON is decoded again, once, only for groups with a
    /// dangling member.
    fn member_displays(&self) -> Vec<String> {
        let mut decoded = self
            .resource
            .decode::<LeanMembers>()
            .ok()
            .and_then(|g| g.members)
            .unwrap_or_default()
            .into_iter();
        self.members
            .iter()
            .map(|id| match decoded.next() {
                Some(LeanMember {
                    display: Some(display),
                }) => display,
                _ => id.to_string(),
            })
            .collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    User(usize),
    Embed(usize),
}

struct Index<'s> {
    groups: Vec<LiveGroup<'s>>,
    users: Vec<Ident<'s>>,
    embed: Vec<Ident<'s>>,
    group_by_name: HashMap<&'s str, Vec<usize>>,
    group_by_lower: HashMap<String, Vec<usize>>,
    user_by_lower: HashMap<String, usize>,
    embed_by_ext: HashMap<&'s str, usize>,
    /// Per group: its members resolved (dangling ones as `None`).
    resolved: Vec<Vec<Option<Who>>>,
}

fn ident(resource: &Resource) -> Result<Ident<'_>, String> {
    let core = resource
        .core()
        .map_err(|e| format!("user `{}` is not a valid SCIM user: {e}", resource.id()))?;
    Ok(Ident {
        resource,
        user_name: core.user_name.as_deref(),
        external_id: core.embed_external_id.as_deref(),
        entity: core.embed_entity.as_deref(),
        groups: Vec::new(),
    })
}

fn build_index<'s>(snapshot: &'s Snapshot, problems: &mut Vec<String>) -> Index<'s> {
    const NO_MEMBERS: &[Box<str>] = &[];
    let mut groups: Vec<LiveGroup<'_>> = Vec::with_capacity(snapshot.groups.len());
    for g in &snapshot.groups {
        match g.core() {
            Ok(core) => groups.push(LiveGroup {
                resource: g,
                id: g.id(),
                name: core.display_name.as_deref().unwrap_or(""),
                members: core.members.as_deref().unwrap_or(NO_MEMBERS),
            }),
            Err(e) => problems.push(format!("group `{}` is not a valid SCIM group: {e}", g.id())),
        }
    }
    // Sort by id so that the order of the snapshot's arrays never matters.
    groups.sort_by(|a, b| a.id.cmp(b.id));
    fn decode_all<'r>(list: &'r [Resource], problems: &mut Vec<String>) -> Vec<Ident<'r>> {
        let mut out = Vec::with_capacity(list.len());
        for r in list {
            match ident(r) {
                Ok(i) => out.push(i),
                Err(e) => problems.push(e),
            }
        }
        if !out.is_sorted_by(|a, b| a.resource.id() <= b.resource.id()) {
            out.par_sort_by(|a, b| a.resource.id().cmp(b.resource.id()));
        }
        out
    }
    let mut users = decode_all(&snapshot.users, problems);
    let mut embed = decode_all(&snapshot.embed_users, problems);

    type ById<'a> = HashMap<&'a str, usize>;
    fn by_id<'a>(list: &[Ident<'a>]) -> ById<'a> {
        let mut map = HashMap::with_capacity(list.len());
        for (i, u) in list.iter().enumerate() {
            map.insert(u.resource.id(), i);
        }
        map
    }
    // Four independent maps, built side by side.
    let ((user_by_id, user_by_lower), (embed_by_id, embed_by_ext)): (
        (ById<'_>, HashMap<String, usize>),
        (ById<'_>, ById<'_>),
    ) = rayon::join(
        || {
            rayon::join(
                || by_id(&users),
                || {
                    let mut by_lower = HashMap::with_capacity(users.len());
                    for (i, u) in users.iter().enumerate() {
                        if let Some(name) = u.user_name {
                            by_lower.entry(name.to_lowercase()).or_insert(i);
                        }
                    }
                    by_lower
                },
            )
        },
        || {
            rayon::join(
                || by_id(&embed),
                || {
                    let mut by_ext = HashMap::with_capacity(embed.len());
                    for (i, u) in embed.iter().enumerate() {
                        if let Some(ext) = u.external_id {
                            by_ext.entry(ext).or_insert(i);
                        }
                    }
                    by_ext
                },
            )
        },
    );
    let mut group_by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut group_by_lower: HashMap<String, Vec<usize>> = HashMap::new();
    let mut user_groups: Vec<(usize, u32)> = Vec::new();
    let mut embed_groups: Vec<(usize, u32)> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        group_by_name.entry(g.name).or_default().push(gi);
        group_by_lower
            .entry(g.name.to_lowercase())
            .or_default()
            .push(gi);
    }
    // Member ids resolve among standard users first, then embed users.
    let resolved: Vec<Vec<Option<Who>>> = groups
        .par_iter()
        .map(|g| {
            g.members
                .iter()
                .map(|m| {
                    if let Some(&u) = user_by_id.get(&**m) {
                        Some(Who::User(u))
                    } else {
                        embed_by_id.get(&**m).map(|&e| Who::Embed(e))
                    }
                })
                .collect()
        })
        .collect();
    for (gi, members) in resolved.iter().enumerate() {
        let gi32 = u32::try_from(gi).unwrap_or(u32::MAX);
        for who in members.iter().flatten() {
            match *who {
                Who::User(u) => user_groups.push((u, gi32)),
                Who::Embed(e) => embed_groups.push((e, gi32)),
            }
        }
    }
    for (list, pairs) in [(&mut users, user_groups), (&mut embed, embed_groups)] {
        for (i, g) in pairs {
            list[i].groups.push(g);
        }
        list.par_iter_mut().for_each(|ident| {
            ident.groups.sort_unstable();
            ident.groups.dedup();
        });
    }
    Index {
        groups,
        users,
        embed,
        group_by_name,
        group_by_lower,
        user_by_lower,
        embed_by_ext,
        resolved,
    }
}

impl Index<'_> {
    fn subject(&self, who: Who) -> Subject {
        match who {
            Who::User(i) => {
                let u = &self.users[i];
                Subject {
                    kind: SubjectType::User,
                    id: Some(u.resource.id().to_owned()),
                    user_name: u.user_name.map(str::to_owned),
                    embed_external_id: None,
                    embed_entity: None,
                    display: None,
                }
            }
            Who::Embed(i) => {
                let u = &self.embed[i];
                Subject {
                    kind: SubjectType::EmbedUser,
                    id: Some(u.resource.id().to_owned()),
                    user_name: u.user_name.map(str::to_owned),
                    embed_external_id: u.external_id.map(str::to_owned),
                    embed_entity: u.entity.map(str::to_owned),
                    display: None,
                }
            }
        }
    }

    /// A hint when `name` matches no live group exactly but one case-insensitively.
    fn case_hint(&self, name: &str) -> Option<String> {
        if self.group_by_name.contains_key(name) {
            return None;
        }
        let idx = self.group_by_lower.get(&name.to_lowercase())?;
        let live = &self.groups[*idx.first()?].name;
        Some(format!(
            "a live group `{live}` differs only in case (group names are case-sensitive)"
        ))
    }
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

struct Draft {
    kind: FindingKind,
    rule: String,
    severity: Severity,
    group: Option<String>,
    subject: Option<Subject>,
    message: String,
    policy: Option<PolicyLocation>,
}

impl Draft {
    fn finish(self) -> Finding {
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

fn describe(subject: &Subject) -> String {
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

fn group_subject(name: &str, id: Option<&str>) -> Subject {
    Subject {
        kind: SubjectType::Group,
        id: id.map(str::to_owned),
        user_name: None,
        embed_external_id: None,
        embed_entity: None,
        display: Some(name.to_owned()),
    }
}

/// A group reference with its matches against every live group precomputed
/// (for exact names and globs; templates are resolved per subject).
struct Ref<'p> {
    pat: &'p GroupPattern,
    live: Option<Vec<bool>>,
}

fn matches_name(pat: &GroupPattern, name: &str) -> bool {
    match &pat.kind {
        PatternKind::Exact(e) => e == name,
        PatternKind::Glob(re) => re.is_match(name),
        PatternKind::Template(_) => false,
    }
}

impl<'p> Ref<'p> {
    fn new(pat: &'p GroupPattern, index: &Index<'_>) -> Self {
        let live = match &pat.kind {
            PatternKind::Template(_) => None,
            _ => Some(
                index
                    .groups
                    .iter()
                    .map(|g| matches_name(pat, g.name))
                    .collect(),
            ),
        };
        Ref { pat, live }
    }
}

/// What a reference means for one subject.
enum Target<'a> {
    /// A bitmap over live groups.
    Live(&'a [bool]),
    /// Resolved exact name (template).
    Name(String),
    /// Resolved glob (template).
    Glob(Option<regex::Regex>),
    /// The template's attribute is absent.
    Missing(String),
}

impl Target<'_> {
    fn matches(&self, gi: usize, index: &Index<'_>) -> bool {
        match self {
            Target::Live(bits) => bits[gi],
            Target::Name(n) => index.groups[gi].name == *n,
            Target::Glob(re) => re
                .as_ref()
                .is_some_and(|re| re.is_match(index.groups[gi].name)),
            Target::Missing(_) => false,
        }
    }
}

struct CompiledRule<'p> {
    rule: &'p Rule,
    must_be_in: Vec<Ref<'p>>,
    must_not_be_in: Vec<Ref<'p>>,
    only_in: Option<Vec<Ref<'p>>>,
    needs_value: bool,
    /// For a `where: 'embedEntity eq "x"'` rule: `x`. Subjects whose
    /// (ASCII) entity differs cannot match, so the filter is not evaluated
    /// for them; everything else goes through the filter as usual.
    entity_key: Option<String>,
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

impl<'p> CompiledRule<'p> {
    fn new(rule: &'p Rule, index: &Index<'_>) -> Self {
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
            rule,
            must_be_in,
            must_not_be_in,
            only_in,
            needs_value: rule.filter.is_some() || any_template,
            entity_key: rule.filter.as_ref().and_then(entity_key),
        }
    }
}

fn target<'a>(r: &'a Ref<'_>, value: Option<&serde_json::Value>) -> Target<'a> {
    if let Some(bits) = &r.live {
        return Target::Live(bits);
    }
    let PatternKind::Template(t) = &r.pat.kind else {
        return Target::Missing(String::new());
    };
    let null = serde_json::Value::Null;
    match t.resolve(value.unwrap_or(&null)) {
        Resolved::Exact(n) => Target::Name(n),
        Resolved::Glob(body) => Target::Glob(pattern::compile_resolved_glob(&body)),
        Resolved::Missing(attr) => Target::Missing(attr),
    }
}

/// The attributes the rules' `where` filters and `${attr}` templates read:
/// each subject is decoded on them only, once, when a rule first needs them.
fn projection<'p>(rules: impl Iterator<Item = &'p Rule>) -> Projection {
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
    errors: Vec<(usize, String)>,
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
            match &c.entity_key {
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
) -> SubjectOutcome {
    let mut out = SubjectOutcome::default();
    let mut value: Option<serde_json::Value> = None;
    for (ri, c) in rules {
        if let (Some(key), Some(entity)) = (&c.entity_key, &ident.entity)
            && entity.is_ascii()
            && !entity.eq_ignore_ascii_case(key)
        {
            continue;
        }
        if c.needs_value && value.is_none() {
            value = Some(ident.resource.project(projection));
        }
        if let Some(f) = &c.rule.filter {
            match f.evaluate(value.as_ref().unwrap_or(&serde_json::Value::Null)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    out.errors.push((*ri, e.to_string()));
                    continue;
                }
            }
        }
        out.governed = true;
        let subject = || index.subject(who);
        let rule = c.rule;
        // An unresolvable template names no group: the finding is then
        // about the subject alone.
        let mk = |kind, group: String, message: String| Draft {
            kind,
            rule: rule.id.clone(),
            severity: rule.severity,
            group: (!group.is_empty()).then_some(group),
            subject: Some(subject()),
            message,
            policy: Some(rule.at.clone()),
        };
        // Built only when a finding needs it: most subjects have none.
        let who_text = || describe(&subject());
        for r in &c.must_be_in {
            let t = target(r, value.as_ref());
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
        let forbidden: Vec<Target> = c
            .must_not_be_in
            .iter()
            .map(|r| target(r, value.as_ref()))
            .collect();
        let allowed: Option<Vec<Target>> = c
            .only_in
            .as_ref()
            .map(|list| list.iter().map(|r| target(r, value.as_ref())).collect());
        for &g in &ident.groups {
            let gi = g as usize;
            let name = index.groups[gi].name;
            if let Some((t, r)) = forbidden
                .iter()
                .zip(&c.must_not_be_in)
                .find(|(t, _)| t.matches(gi, index))
            {
                let _ = t;
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

/// Every subject rule on every subject of its kind, in parallel over
/// subjects: appends the findings to `drafts` (subject order), marks the
/// governed subjects, and returns per rule how many subjects its `where`
/// could not be evaluated on, with the first error.
fn evaluate_rules(
    index: &Index<'_>,
    policies: &Policies,
    drafts: &mut Vec<Draft>,
    [user_governed, embed_governed]: [&mut Vec<bool>; 2],
) -> BTreeMap<usize, (usize, String)> {
    let mut eval_errors: BTreeMap<usize, (usize, String)> = BTreeMap::new();
    for (kind, idents, governed) in [
        (SubjectKind::User, &index.users, user_governed),
        (SubjectKind::EmbedUser, &index.embed, embed_governed),
    ] {
        let rules: Vec<(usize, CompiledRule<'_>)> = policies
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.subjects == kind)
            .map(|(i, r)| (i, CompiledRule::new(r, index)))
            .collect();
        if rules.is_empty() {
            continue;
        }
        let projection = projection(rules.iter().map(|(_, c)| c.rule));
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
                evaluate_subject(who, ident, applicable, &projection, index)
            })
            .collect();
        for (i, o) in outcomes.into_iter().enumerate() {
            governed[i] |= o.governed;
            drafts.extend(o.findings);
            for (ri, e) in o.errors {
                let entry = eval_errors.entry(ri).or_insert((0, e));
                entry.0 += 1;
            }
        }
    }
    eval_errors
}

/// The phases of [`check`] one at a time, for the benchmarks
/// (`benches/engine.rs`) that time each hot path on its own. Not a stable
/// interface.
#[doc(hidden)]
pub mod phases {
    use super::{Index, Policies, Snapshot, build_index, evaluate_rules};

    /// The live data indexed: identities by id, name and external id, group
    /// memberships resolved.
    pub struct Indexed<'s>(Index<'s>);

    impl std::fmt::Debug for Indexed<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Indexed")
                .field("groups", &self.0.groups.len())
                .field("users", &self.0.users.len())
                .field("embed_users", &self.0.embed.len())
                .finish()
        }
    }

    /// Builds the index [`super::check`] starts with.
    pub fn index(snapshot: &Snapshot) -> Indexed<'_> {
        let mut problems = Vec::new();
        Indexed(build_index(snapshot, &mut problems))
    }

    impl Indexed<'_> {
        /// Users plus embed users indexed, plus resolved memberships.
        pub fn size(&self) -> usize {
            self.0.users.len()
                + self.0.embed.len()
                + self.0.resolved.iter().map(Vec::len).sum::<usize>()
        }

        /// Evaluates every subject rule on every subject; returns the number
        /// of findings.
        pub fn evaluate_rules(&self, policies: &Policies) -> usize {
            let mut drafts = Vec::new();
            let mut users = vec![false; self.0.users.len()];
            let mut embed = vec![false; self.0.embed.len()];
            let _ = evaluate_rules(&self.0, policies, &mut drafts, [&mut users, &mut embed]);
            drafts.len()
        }
    }
}

/// Checks a snapshot against policies at `opts.now`. Pure and deterministic:
/// the same inputs give the same report, whatever the order of the
/// snapshot's arrays or of the policy files.
pub fn check(snapshot: &Snapshot, policies: &Policies, opts: &CheckOptions) -> Report {
    let mut reasons: Vec<String> = Vec::new();
    if !snapshot.complete {
        if snapshot.incomplete_reasons.is_empty() {
            reasons.push("the snapshot is marked incomplete".to_owned());
        }
        reasons.extend(snapshot.incomplete_reasons.iter().cloned());
    }
    let mut problems = Vec::new();
    let index = build_index(snapshot, &mut problems);
    reasons.extend(problems);
    let settings = &policies.settings;
    let mut drafts: Vec<Draft> = Vec::new();
    let mut user_governed = vec![false; index.users.len()];
    let mut embed_governed = vec![false; index.embed.len()];
    let mut guard: Vec<String> = Vec::new();
    let mut diffs: Vec<MembershipDiff> = Vec::new();

    // Declarations.
    let mut declared_live = vec![false; index.groups.len()];
    for decl in &policies.groups {
        let rule = decl.rule_id();
        let live = index
            .group_by_name
            .get(decl.name.as_str())
            .and_then(|v| v.first())
            .copied();
        let mk = |kind, subject: Option<Subject>, message: String, policy: &PolicyLocation| Draft {
            kind,
            rule: rule.clone(),
            severity: decl.severity,
            group: Some(decl.name.clone()),
            subject,
            message,
            policy: Some(policy.clone()),
        };
        if let Some(gi) = live {
            for &g in &index.group_by_name[decl.name.as_str()] {
                declared_live[g] = true;
            }
            let _ = gi;
        } else {
            let hint = index
                .case_hint(&decl.name)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            drafts.push(mk(
                FindingKind::GroupMissing,
                Some(group_subject(&decl.name, None)),
                format!("declared group `{}` does not exist live{hint}", decl.name),
                &decl.at,
            ));
        }
        let check_members = decl.members != MembersMode::Unmanaged;
        let mut declared: BTreeSet<Who> = BTreeSet::new();
        let mut missing = 0usize;
        let members_of = live.map(|gi| &index.resolved[gi]);
        let is_member = |who: Who| members_of.is_some_and(|m| m.contains(&Some(who)));
        for (list, kind) in [
            (&decl.users, SubjectKind::User),
            (&decl.embed_users, SubjectKind::EmbedUser),
        ] {
            for m in list {
                let who = match kind {
                    SubjectKind::User => index
                        .user_by_lower
                        .get(&m.name.to_lowercase())
                        .map(|&i| Who::User(i)),
                    SubjectKind::EmbedUser => index
                        .embed_by_ext
                        .get(m.name.as_str())
                        .map(|&i| Who::Embed(i)),
                };
                let Some(who) = who else {
                    missing += 1;
                    let subject = match kind {
                        SubjectKind::User => Subject {
                            kind: SubjectType::User,
                            id: None,
                            user_name: Some(m.name.clone()),
                            embed_external_id: None,
                            embed_entity: None,
                            display: None,
                        },
                        SubjectKind::EmbedUser => Subject {
                            kind: SubjectType::EmbedUser,
                            id: None,
                            user_name: None,
                            embed_external_id: Some(m.name.clone()),
                            embed_entity: None,
                            display: None,
                        },
                    };
                    let message = format!(
                        "{} is declared in `{}` but does not exist live",
                        describe(&subject),
                        decl.name
                    );
                    drafts.push(mk(
                        FindingKind::MemberUnresolved,
                        Some(subject),
                        message,
                        &m.at,
                    ));
                    continue;
                };
                match who {
                    Who::User(i) => user_governed[i] = true,
                    Who::Embed(i) => embed_governed[i] = true,
                }
                declared.insert(who);
                if check_members && live.is_some() && !is_member(who) {
                    missing += 1;
                    let subject = index.subject(who);
                    let message = format!(
                        "{} is declared in `{}` but is not a member",
                        describe(&subject),
                        decl.name
                    );
                    drafts.push(mk(
                        FindingKind::MemberMissing,
                        Some(subject),
                        message,
                        &m.at,
                    ));
                }
            }
        }
        let declared_count = decl.users.len() + decl.embed_users.len();
        if check_members && declared_count >= 10 {
            #[expect(
                clippy::cast_precision_loss,
                reason = "member counts are far below 2^52"
            )]
            let ratio = missing as f64 / declared_count as f64;
            if ratio > settings.max_missing_ratio {
                guard.push(format!(
                    "{missing} of {declared_count} declared members of `{}` are missing (more than {}%): this looks like a broken fetch or the wrong instance, not drift; pass --accept-mass-drift if it is real",
                    decl.name,
                    (settings.max_missing_ratio * 100.0).round()
                ));
            }
        }
        let Some(gi) = live else { continue };
        let live_group = &index.groups[gi];
        if decl.members == MembersMode::Exact {
            let before = drafts.len();
            for who in index.resolved[gi].iter().flatten() {
                if !declared.contains(who) {
                    let subject = index.subject(*who);
                    let message = format!(
                        "{} is a member of `{}` but is not declared",
                        describe(&subject),
                        decl.name
                    );
                    drafts.push(mk(
                        FindingKind::MemberUnexpected,
                        Some(subject),
                        message,
                        &decl.at,
                    ));
                }
            }
            if drafts.len() > before || missing > 0 {
                diffs.push(membership_diff(decl, gi, &index));
            }
        }
        let size = live_group.members.len() as u64;
        let too_small = decl.min_members.is_some_and(|min| size < min);
        let too_big = decl.max_members.is_some_and(|max| size > max);
        if too_small || too_big {
            let bound = if too_small {
                format!("at least {}", decl.min_members.unwrap_or_default())
            } else {
                format!("at most {}", decl.max_members.unwrap_or_default())
            };
            drafts.push(mk(
                FindingKind::GroupSize,
                Some(group_subject(&decl.name, Some(live_group.id))),
                format!(
                    "`{}` has {size} members; the policy allows {bound}",
                    decl.name
                ),
                &decl.at,
            ));
        }
    }

    // Live groups: unmanaged, names, dangling members.
    let mut coverage = Coverage {
        groups_live: index.groups.len() as u64,
        users_live: index.users.len() as u64,
        embed_users_live: index.embed.len() as u64,
        ..Coverage::default()
    };
    let settings_at = settings.at.clone();
    for (gi, g) in index.groups.iter().enumerate() {
        let ignored = settings
            .ignore_groups
            .iter()
            .any(|p| matches_name(p, g.name));
        if declared_live[gi] {
            coverage.groups_declared += 1;
        } else if ignored {
            coverage.groups_ignored += 1;
        } else {
            coverage.groups_unmanaged += 1;
            if settings.unmanaged_groups == UnmanagedGroups::Report {
                drafts.push(Draft {
                    kind: FindingKind::GroupUnmanaged,
                    rule: "settings".to_owned(),
                    severity: Severity::Warning,
                    group: Some(g.name.to_owned()),
                    subject: Some(group_subject(g.name, Some(g.id))),
                    message: format!(
                        "live group `{}` ({} members) is not declared by any policy",
                        g.name,
                        g.members.len()
                    ),
                    policy: settings_at.clone(),
                });
            }
        }
        if ignored && !declared_live[gi] {
            continue;
        }
        let chars = g.name.chars().count();
        let bad_pattern = settings
            .group_name_pattern
            .as_ref()
            .is_some_and(|re| !re.is_match(g.name));
        if chars > 64 || bad_pattern {
            let why = if chars > 64 {
                format!("is {chars} characters long (Omni's limit is 64)")
            } else {
                format!(
                    "does not match `group_name_pattern` `{}`",
                    settings
                        .group_name_pattern
                        .as_ref()
                        .map(regex::Regex::as_str)
                        .unwrap_or("")
                )
            };
            drafts.push(Draft {
                kind: FindingKind::GroupNameInvalid,
                rule: "settings".to_owned(),
                severity: Severity::Error,
                group: Some(g.name.to_owned()),
                subject: Some(group_subject(g.name, Some(g.id))),
                message: format!("group name `{}` {why}", g.name),
                policy: settings_at.clone(),
            });
        }
        let mut displays: Option<Vec<String>> = None;
        for (k, (m, who)) in g.members.iter().zip(&index.resolved[gi]).enumerate() {
            if who.is_none() {
                let display = displays.get_or_insert_with(|| g.member_displays())[k].clone();
                drafts.push(Draft {
                    kind: FindingKind::MemberDangling,
                    rule: format!("group:{}", g.name),
                    severity: Severity::Warning,
                    group: Some(g.name.to_owned()),
                    subject: Some(Subject {
                        kind: SubjectType::User,
                        id: Some(m.to_string()),
                        user_name: None,
                        embed_external_id: None,
                        embed_entity: None,
                        display: Some(display.clone()),
                    }),
                    message: format!(
                        "member `{display}` (id `{}`) of `{}` matches no user or embed user",
                        m, g.name
                    ),
                    policy: policies
                        .groups
                        .iter()
                        .find(|d| d.name == g.name)
                        .map(|d| d.at.clone()),
                });
            }
        }
    }

    // Rules, per subject kind, in parallel over subjects.
    let eval_errors = evaluate_rules(
        &index,
        policies,
        &mut drafts,
        [&mut user_governed, &mut embed_governed],
    );
    for (ri, (count, first)) in eval_errors {
        reasons.push(format!(
            "rule `{}`: the `where` filter could not be evaluated for {count} subject(s): {first}",
            policies.rules[ri].id
        ));
    }
    coverage.users_governed = user_governed.iter().filter(|g| **g).count() as u64;
    coverage.embed_users_governed = embed_governed.iter().filter(|g| **g).count() as u64;

    // Separation of duties.
    for sod in &policies.separation_of_duties {
        let refs: Vec<Ref<'_>> = sod.groups.iter().map(|p| Ref::new(p, &index)).collect();
        let mut hits: BTreeMap<Who, (BTreeSet<usize>, BTreeSet<usize>)> = BTreeMap::new();
        for (ei, r) in refs.iter().enumerate() {
            let Some(bits) = &r.live else { continue };
            for (gi, hit) in bits.iter().enumerate() {
                if !hit {
                    continue;
                }
                for who in index.resolved[gi].iter().flatten() {
                    let e = hits.entry(*who).or_default();
                    e.0.insert(ei);
                    e.1.insert(gi);
                }
            }
        }
        for (who, (entries, groups)) in hits {
            if entries.len() < 2 {
                continue;
            }
            let mut names: Vec<&str> = groups.iter().map(|&g| index.groups[g].name).collect();
            names.sort_unstable();
            names.dedup();
            let subject = index.subject(who);
            let list = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            drafts.push(Draft {
                kind: FindingKind::SeparationOfDuties,
                rule: sod.id.clone(),
                severity: sod.severity,
                group: None,
                message: format!(
                    "{} is in {list}, which separation of duties forbids combining",
                    describe(&subject)
                ),
                subject: Some(subject),
                policy: Some(sod.at.clone()),
            });
        }
    }

    let mut findings: Vec<Finding> = drafts.into_iter().map(Draft::finish).collect();
    apply_exceptions(&mut findings, policies, &index, opts);

    if !opts.accept_mass_drift {
        for (list, what, declares) in [
            (&snapshot.groups, "groups", !policies.groups.is_empty()),
            (
                &snapshot.users,
                "users",
                policies.groups.iter().any(|g| !g.users.is_empty()),
            ),
            (
                &snapshot.embed_users,
                "embed users",
                policies.groups.iter().any(|g| !g.embed_users.is_empty()),
            ),
        ] {
            if list.is_empty() && declares {
                guard.push(format!(
                    "the snapshot has no {what} while the policies declare some: this looks like a broken fetch; pass --accept-mass-drift if it is real"
                ));
            }
        }
        reasons.extend(guard);
    }

    sort_findings(&mut findings);
    let threshold = opts.fail_on.threshold();
    let mut summary = Summary {
        total: findings.len() as u64,
        coverage,
        ..Summary::default()
    };
    for f in &findings {
        *summary.by_kind.entry(f.kind).or_default() += 1;
        if f.exception.is_some() {
            summary.excused += 1;
            continue;
        }
        *summary.by_severity.entry(f.severity).or_default() += 1;
        if threshold.is_some_and(|t| f.severity >= t) {
            summary.failing += 1;
        }
    }
    let status = if !reasons.is_empty() {
        Status::Incomplete
    } else if summary.failing > 0 {
        Status::Drift
    } else {
        Status::Clean
    };
    Report {
        schema: REPORT_SCHEMA.to_owned(),
        status,
        generated_at: opts.now.to_string(),
        tool: ToolInfo {
            name: "scimdrift".to_owned(),
            version: opts.tool_version.clone(),
        },
        fail_on: threshold,
        source: opts.source.clone(),
        policies: policies.files.clone(),
        policies_commit: None,
        summary,
        evaluated: evaluated_rules(policies),
        membership_diffs: {
            diffs.sort();
            diffs
        },
        findings,
        incomplete_reasons: reasons,
    }
}

fn member_label(index: &Index<'_>, who: Who) -> String {
    match who {
        Who::User(i) => {
            let u = &index.users[i];
            u.user_name.unwrap_or(u.resource.id()).to_lowercase()
        }
        Who::Embed(i) => {
            let u = &index.embed[i];
            format!("{} (embed)", u.external_id.unwrap_or(u.resource.id()))
        }
    }
}

fn membership_diff(decl: &crate::model::GroupDecl, gi: usize, index: &Index<'_>) -> MembershipDiff {
    let mut expected: Vec<String> = decl
        .users
        .iter()
        .map(|m| m.name.to_lowercase())
        .chain(
            decl.embed_users
                .iter()
                .map(|m| format!("{} (embed)", m.name)),
        )
        .collect();
    let group = &index.groups[gi];
    let mut displays: Option<Vec<String>> = None;
    let mut live: Vec<String> = index.resolved[gi]
        .iter()
        .enumerate()
        .map(|(k, who)| match who {
            Some(who) => member_label(index, *who),
            None => format!(
                "? {}",
                displays.get_or_insert_with(|| group.member_displays())[k]
            ),
        })
        .collect();
    expected.sort();
    expected.dedup();
    live.sort();
    live.dedup();
    MembershipDiff {
        group: decl.name.to_owned(),
        expected,
        live,
    }
}

/// Every declaration and rule, sorted by position, for reports that list what passed.
fn evaluated_rules(policies: &Policies) -> Vec<EvaluatedRule> {
    let mut out: Vec<EvaluatedRule> = Vec::new();
    let mut push = |rule: String, kind: RuleKind, at: &PolicyLocation| {
        out.push(EvaluatedRule {
            rule,
            kind,
            policy: at.clone(),
        });
    };
    if let Some(at) = &policies.settings.at {
        push("settings".to_owned(), RuleKind::Settings, at);
    }
    for g in &policies.groups {
        push(g.rule_id(), RuleKind::Group, &g.at);
    }
    for r in &policies.rules {
        let kind = match r.subjects {
            SubjectKind::User => RuleKind::UserRule,
            SubjectKind::EmbedUser => RuleKind::EmbedUserRule,
        };
        push(r.id.clone(), kind, &r.at);
    }
    for s in &policies.separation_of_duties {
        push(s.id.clone(), RuleKind::SeparationOfDuties, &s.at);
    }
    for e in &policies.exceptions {
        push(format!("exception:{}", e.rule), RuleKind::Exception, &e.at);
    }
    out.sort_by(|a, b| (&a.policy, &a.rule).cmp(&(&b.policy, &b.rule)));
    out
}

/// Sorts findings by group, rule, kind, subject and id (stable), building
/// each subject's key once rather than on every comparison.
fn sort_findings(findings: &mut Vec<Finding>) {
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
    let next = date.checked_add(jiff::Span::new().days(1)).ok()?;
    next.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

fn apply_exceptions(
    findings: &mut Vec<Finding>,
    policies: &Policies,
    index: &Index<'_>,
    opts: &CheckOptions,
) {
    let settings = &policies.settings;
    let mut extra = Vec::new();
    let mut exceptions: Vec<&crate::model::Exception> = policies.exceptions.iter().collect();
    exceptions.sort_by(|a, b| a.at.cmp(&b.at));
    let mut used = vec![false; exceptions.len()];
    let mut expired = vec![false; exceptions.len()];
    for (i, e) in exceptions.iter().enumerate() {
        let end = expiry_instant(e.expires);
        expired[i] = end.is_none_or(|end| opts.now >= end);
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
            let left = end.duration_since(opts.now);
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

fn exception_subject(name: &str, kind: Option<SubjectKind>, index: &Index<'_>) -> Subject {
    let user = || {
        index
            .user_by_lower
            .get(&name.to_lowercase())
            .map(|&i| index.subject(Who::User(i)))
    };
    let embed = || {
        index
            .embed_by_ext
            .get(name)
            .map(|&i| index.subject(Who::Embed(i)))
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

/// Warnings that need the live data: literal group names in the policies that
/// match no live group exactly but one case-insensitively.
pub fn lint_against_snapshot(
    snapshot: &Snapshot,
    policies: &Policies,
    files: &[PolicySource],
) -> Vec<Diagnostic> {
    let mut live: BTreeMap<String, String> = BTreeMap::new();
    let mut exact: BTreeSet<String> = BTreeSet::new();
    for g in &snapshot.groups {
        if let Ok(core) = g.core() {
            let name = core.display_name.as_deref().unwrap_or("").to_owned();
            live.entry(name.to_lowercase())
                .or_insert_with(|| name.clone());
            exact.insert(name);
        }
    }
    let mut refs: Vec<(&str, &PolicyLocation)> = policies
        .groups
        .iter()
        .map(|g| (g.name.as_str(), &g.at))
        .collect();
    let patterns = policies
        .rules
        .iter()
        .flat_map(|r| {
            r.must_be_in
                .iter()
                .chain(&r.must_not_be_in)
                .chain(r.only_in.iter().flatten())
        })
        .chain(policies.separation_of_duties.iter().flat_map(|s| &s.groups))
        .chain(&policies.settings.ignore_groups);
    refs.extend(patterns.filter_map(|p| p.exact().map(|n| (n, &p.at))));
    let mut out = Vec::new();
    for (name, at) in refs {
        if exact.contains(name) {
            continue;
        }
        let Some(live_name) = live.get(&name.to_lowercase()) else {
            continue;
        };
        let excerpt = files
            .iter()
            .find(|f| f.path == at.file)
            .and_then(|f| f.contents.lines().nth((at.line as usize).saturating_sub(1)))
            .map(str::to_owned);
        out.push(Diagnostic {
            level: Level::Warning,
            file: at.file.clone(),
            line: at.line,
            column: at.column,
            len: 1,
            message: format!(
                "group `{name}` matches no live group, but `{live_name}` differs only in case"
            ),
            hint: Some(format!(
                "group names are case-sensitive: did you mean `{live_name}`?"
            )),
            excerpt,
            related: None,
        });
    }
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    out.dedup();
    out
}
