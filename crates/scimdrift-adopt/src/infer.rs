//! What to declare and which rules hold today: a [`Plan`] computed from the
//! indexed live state, before any text is written.
//!
//! The one principle: never infer what would be false for even one identity.
//! A rule is inferred only when it holds for every subject, or when the few
//! subjects it does not hold for can be named in an exception each.

use crate::Options;
use crate::escape::{self, GroupRef};
use crate::live::{Ident, Live};
use crate::summary::{Examples, Summary};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Rule ids of the generated rules.
pub const BASELINE_RULE: &str = "embed-users-baseline";
/// See [`BASELINE_RULE`].
pub const ENTITY_RULE: &str = "embed-users-entity";
/// The reason of every generated exception.
pub const EXCEPTION_REASON: &str = "present when scimdrift init ran: review";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Exact,
    AtLeast,
    Unmanaged,
}

/// A group declaration to write.
#[derive(Debug)]
pub(crate) struct Decl<'s> {
    pub name: &'s str,
    pub mode: Mode,
    pub users: Vec<&'s str>,
    pub embed: Vec<&'s str>,
    /// Comment lines (already one-line safe).
    pub comments: Vec<String>,
    /// Whether embed users are members (then it goes with the embed rules).
    pub has_embed: bool,
}

/// A group that cannot be declared and is listed in `ignore_groups`.
#[derive(Debug)]
pub(crate) struct Ignored {
    pub reference: GroupRef,
    pub comment: String,
}

/// A rule to write.
#[derive(Debug)]
pub(crate) struct RuleOut {
    pub id: &'static str,
    pub description: String,
    pub comments: Vec<String>,
    pub must_be_in: Vec<String>,
    pub must_not_be_in: Vec<String>,
    pub only_in: Option<Vec<String>>,
}

/// An exception to write.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ExceptionOut<'s> {
    pub subject: &'s str,
    pub group: String,
    pub comment: String,
}

/// Everything init writes, before formatting.
#[derive(Debug, Default)]
pub(crate) struct Plan<'s> {
    pub ignored: Vec<Ignored>,
    pub groups: Vec<Decl<'s>>,
    pub rules: Vec<RuleOut>,
    pub exceptions: Vec<ExceptionOut<'s>>,
    /// `expiring_within_days`, when the default would flag the new exceptions.
    pub expiring_within_days: Option<u32>,
    pub summary: Summary,
}

fn q(name: &str) -> String {
    format!("`{}`", escape::comment_text(name))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Declarations for the live groups named in `only` (all when `None`).
pub(crate) fn declarations<'s>(
    live: &Live<'s>,
    opts: &Options,
    only: Option<&BTreeSet<String>>,
    plan: &mut Plan<'s>,
) {
    let mut above = Examples::default();
    let mut shared = Examples::default();
    let mut unnamed = Examples::default();
    let mut long = Examples::default();
    let mut blank = Examples::default();
    for (&name, indexes) in &live.by_name {
        if only.is_some_and(|only| !only.contains(name)) {
            continue;
        }
        let has_embed = indexes.iter().any(|&g| !live.groups[g].embed.is_empty());
        if name.is_empty() {
            plan.summary.undeclarable += indexes.len();
            continue;
        }
        let chars = name.chars().count();
        if chars > 64 || name.trim().is_empty() {
            let why = if chars > 64 {
                long.push(name);
                format!(
                    "{chars} characters: longer than Omni's limit of 64, so it cannot be declared"
                )
            } else {
                blank.push(name);
                "a blank name cannot be declared".to_owned()
            };
            if only.is_some() {
                // Merging never touches settings: say so instead.
                plan.summary.undeclarable += indexes.len();
                continue;
            }
            if let Some(reference) = escape::group_ref(name) {
                plan.summary.ignored += indexes.len();
                plan.ignored.push(Ignored {
                    reference,
                    comment: why,
                });
            }
            continue;
        }
        let mut decl = Decl {
            name,
            mode: Mode::Unmanaged,
            users: Vec::new(),
            embed: Vec::new(),
            comments: Vec::new(),
            has_embed,
        };
        if indexes.len() > 1 {
            shared.push(name);
            decl.comments.push(format!(
                "unmanaged: {} live groups share this name (ids {}); a declaration is checked against one of them only",
                indexes.len(),
                indexes
                    .iter()
                    .map(|&g| q(live.groups[g].id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            plan.summary.unmanaged += 1;
            plan.groups.push(decl);
            continue;
        }
        let g = &live.groups[indexes[0]];
        let size = g.users.len() + g.embed.len();
        let counts = member_counts(g.users.len(), g.embed.len());
        if size > opts.max_exact_members {
            above.push(name);
            decl.comments.push(format!(
                "unmanaged: {counts}, more than --max-exact-members {}",
                opts.max_exact_members
            ));
            plan.summary.unmanaged += 1;
            plan.groups.push(decl);
            continue;
        }
        let mut missing: Vec<String> = Vec::new();
        let mut take = |idents: &[Ident<'s>], set: &BTreeSet<usize>, out: &mut Vec<&'s str>| {
            for &i in set {
                match idents[i].name {
                    Some(n) => out.push(n),
                    None => missing.push(format!("{} {}", q(idents[i].id), idents[i].unnamed_why)),
                }
            }
        };
        take(&live.users, &g.users, &mut decl.users);
        take(&live.embed, &g.embed, &mut decl.embed);
        decl.users.sort_by_cached_key(|n| (n.to_lowercase(), *n));
        decl.embed.sort_unstable();
        if !g.dangling.is_empty() {
            decl.comments.push(format!(
                "{} match no user and cannot be declared (`check` reports them as member_dangling)",
                plural(g.dangling.len(), "member", "members")
            ));
        }
        if missing.is_empty() {
            decl.mode = Mode::Exact;
            decl.comments.insert(0, format!("{counts} today"));
            if decl.users.is_empty() || decl.embed.is_empty() {
                plan.summary.exact += 1;
            } else {
                plan.summary.both_lists += 1;
            }
        } else if decl.users.is_empty() && decl.embed.is_empty() {
            unnamed.push(name);
            decl.comments.insert(
                0,
                format!("unmanaged: {counts}, none of whom can be named unambiguously"),
            );
            plan.summary.unmanaged += 1;
        } else {
            unnamed.push(name);
            decl.mode = Mode::AtLeast;
            decl.comments.insert(
                0,
                format!(
                    "at_least, not exact: {counts}, of whom {} cannot be named unambiguously ({})",
                    missing.len(),
                    missing.join("; ")
                ),
            );
            plan.summary.at_least += 1;
        }
        plan.groups.push(decl);
    }
    let s = &mut plan.summary;
    above.note(
        &mut s.not_inferred,
        &format!(
            "more than --max-exact-members {} members: declared unmanaged (membership not checked)",
            opts.max_exact_members
        ),
    );
    shared.note(
        &mut s.not_inferred,
        "a name several live groups share: declared unmanaged",
    );
    unnamed.note(
        &mut s.not_inferred,
        "members no userName or embedExternalId names unambiguously: declared at_least or unmanaged",
    );
    let fate = if only.is_some() {
        "not declared (add them to `settings.ignore_groups`)"
    } else {
        "listed in `ignore_groups`"
    };
    long.note(
        &mut s.not_inferred,
        &format!("names longer than Omni's 64 characters: {fate}"),
    );
    blank.note(&mut s.not_inferred, &format!("blank names: {fate}"));
    if s.undeclarable > 0 {
        s.not_inferred.push(format!(
            "{} cannot be declared: `check` reports them as group_unmanaged",
            plural(
                s.undeclarable,
                "group without a usable name",
                "groups without a usable name"
            )
        ));
    }
    for g in &live.groups {
        if only.is_some_and(|only| !only.contains(g.name)) {
            continue;
        }
        for (display, id) in &g.dangling {
            s.dangling.push(format!(
                "{} in {}: {} (id {})",
                "member",
                q(g.name),
                q(display),
                q(id)
            ));
        }
    }
    // A merge considers only the groups it was asked about.
    s.groups_live = live
        .groups
        .iter()
        .filter(|g| only.is_none_or(|only| only.contains(g.name)))
        .count();
}

fn member_counts(users: usize, embed: usize) -> String {
    match (users, embed) {
        (0, 0) => "no members".to_owned(),
        (u, 0) => plural(u, "user", "users"),
        (0, e) => plural(e, "embed user", "embed users"),
        (u, e) => format!(
            "{} and {}",
            plural(u, "user", "users"),
            plural(e, "embed user", "embed users")
        ),
    }
}

/// Per group name: distinct embed members and standard members.
struct NameStats {
    embed: BTreeSet<usize>,
    users: BTreeSet<usize>,
}

fn name_stats<'s>(live: &Live<'s>) -> BTreeMap<&'s str, NameStats> {
    live.by_name
        .iter()
        .map(|(&name, idx)| {
            let mut s = NameStats {
                embed: BTreeSet::new(),
                users: BTreeSet::new(),
            };
            for &g in idx {
                s.embed.extend(&live.groups[g].embed);
                s.users.extend(&live.groups[g].users);
            }
            (name, s)
        })
        .collect()
}

/// The embed-user rules and the exceptions for today's deviations.
pub(crate) fn rules<'s>(live: &Live<'s>, opts: &Options, plan: &mut Plan<'s>) {
    let total = live.embed.len();
    if total == 0 {
        plan.summary
            .not_inferred
            .push("there are no embed users: no embed-user rules".to_owned());
        return;
    }
    let stats = name_stats(live);
    let names: Vec<&str> = stats.keys().copied().collect();
    // Groups every embed user is in.
    let mut must_be_in = Vec::new();
    let mut common: BTreeSet<&str> = BTreeSet::new();
    if total >= 2 {
        for (&name, s) in &stats {
            if s.embed.len() == total
                && let Some(r) = escape::group_ref(name)
            {
                common.insert(name);
                must_be_in.push(r.text);
            }
        }
    } else {
        plan.summary.not_inferred.push(
            "there is only one embed user: no group is inferred as required for all".to_owned(),
        );
    }
    // Internal groups: standard users only. A glob reference must not also
    // match a group that has embed users.
    let mut must_not_be_in = Vec::new();
    let mut internal = 0usize;
    let mut skipped = Examples::default();
    for (&name, s) in &stats {
        if !s.embed.is_empty() || s.users.is_empty() {
            continue;
        }
        let Some(r) = escape::group_ref(name) else {
            continue;
        };
        let clash = r.glob
            && names
                .iter()
                .any(|&other| r.matches(other) && !stats[other].embed.is_empty());
        if clash {
            skipped.push(name);
            continue;
        }
        internal += 1;
        must_not_be_in.push(r.text);
    }
    skipped.note(
        &mut plan.summary.not_inferred,
        "internal, but every reference to them also matches a group with embed users: not in `must_not_be_in`",
    );
    if !must_be_in.is_empty() || !must_not_be_in.is_empty() {
        let mut comments = Vec::new();
        if !must_be_in.is_empty() {
            comments.push(if must_be_in.len() == 1 {
                format!("must_be_in: all {total} embed users are in this group today")
            } else {
                format!(
                    "must_be_in: all {total} embed users are in each of these {} groups today",
                    must_be_in.len()
                )
            });
        }
        if !must_not_be_in.is_empty() {
            comments.push(format!(
                "must_not_be_in: {} only standard users and no embed user today",
                plural(internal, "group holds", "groups hold")
            ));
        }
        let mut parts = Vec::new();
        if !must_be_in.is_empty() {
            parts.push(format!(
                "must_be_in {}",
                plural(must_be_in.len(), "group", "groups")
            ));
        }
        if !must_not_be_in.is_empty() {
            parts.push(format!(
                "must_not_be_in {}",
                plural(must_not_be_in.len(), "group", "groups")
            ));
        }
        plan.summary
            .rules
            .push(format!("{BASELINE_RULE}: {}", parts.join(", ")));
        plan.rules.push(RuleOut {
            id: BASELINE_RULE,
            description: match (must_be_in.is_empty(), must_not_be_in.is_empty()) {
                (false, false) => "Every embed user is in the groups all of them are in today, and in none of the internal groups",
                (false, true) => "Every embed user is in the groups all of them are in today",
                _ => "No embed user is in an internal group",
            }
            .to_owned(),
            comments,
            must_be_in,
            must_not_be_in,
            only_in: None,
        });
    }
    entity_rule(live, opts, &stats, &common, plan);
}

/// The `prefix${embedEntity}suffix` most embed users' groups are named by,
/// with how many embed users are in the group named after their entity.
fn entity_pattern<'s>(live: &Live<'s>) -> Option<((&'s str, &'s str), usize)> {
    let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
    for u in &live.embed {
        let Some(entity) = u.entity else { continue };
        let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        for name in live.group_names(u) {
            for (at, _) in name.match_indices(entity) {
                let key = (&name[..at], &name[at + entity.len()..]);
                if seen.insert(key) {
                    *counts.entry(key).or_default() += 1;
                }
            }
        }
    }
    counts
        .into_iter()
        .filter(|((p, s), _)| escape::entity_template(p, s).is_some())
        .max_by(|((pa, sa), ca), ((pb, sb), cb)| {
            ca.cmp(cb)
                .then((pb.len() + sb.len()).cmp(&(pa.len() + sa.len())))
                .then((pb, sb).cmp(&(pa, sa)))
        })
}

fn entity_rule<'s>(
    live: &Live<'s>,
    opts: &Options,
    stats: &BTreeMap<&'s str, NameStats>,
    common: &BTreeSet<&'s str>,
    plan: &mut Plan<'s>,
) {
    let total = live.embed.len();
    let no_entity = live.embed.iter().filter(|u| u.entity.is_none()).count();
    let not = &mut plan.summary.not_inferred;
    if no_entity > 0 {
        not.push(format!(
            "{} no embedEntity: no entity rule",
            plural(no_entity, "embed user has", "embed users have")
        ));
        return;
    }
    let Some(((prefix, suffix), hits)) = entity_pattern(live) else {
        not.push("no group is named after an embed user's entity: no entity rule".to_owned());
        return;
    };
    let Some(template) = escape::entity_template(prefix, suffix) else {
        return;
    };
    let shown = escape::comment_text(&template);
    if hits * 2 <= total {
        not.push(format!(
            "only {hits} of {total} embed users are in the group named after their entity (`{shown}`): no entity rule"
        ));
        return;
    }
    let target = |entity: &str| format!("{prefix}{entity}{suffix}");
    // Groups named after an entity most of whose embed members are of that
    // entity are covered by the template; others embed users mostly belong to
    // are shared and allowed by name.
    let entities: BTreeSet<&str> = live.embed.iter().filter_map(|u| u.entity).collect();
    let mut entity_groups: BTreeSet<String> = BTreeSet::new();
    for &e in &entities {
        let name = target(e);
        let Some(s) = stats.get(name.as_str()) else {
            continue;
        };
        let own = s
            .embed
            .iter()
            .filter(|&&i| live.embed[i].entity == Some(e))
            .count();
        if own * 2 > s.embed.len() {
            entity_groups.insert(name);
        }
    }
    let mut allowed: Vec<GroupRef> = Vec::new();
    for (&name, s) in stats {
        if s.embed.is_empty() || entity_groups.contains(name) {
            continue;
        }
        if common.contains(name) || s.embed.len() >= s.users.len() {
            if name.is_empty() {
                not.push(
                    "embed users are in a group without a display name: no entity rule".to_owned(),
                );
                return;
            }
            if let Some(r) = escape::group_ref(name) {
                allowed.push(r);
            }
        }
    }
    // Deviations, exactly as `check` will find them.
    let mut exceptions: BTreeMap<(&str, String), String> = BTreeMap::new();
    let mut per_entity: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for u in &live.embed {
        let Some(entity) = u.entity else { continue };
        let own = target(entity);
        let groups = live.group_names(u);
        let counted = per_entity.entry(entity).or_default();
        counted.1 += 1;
        let mut deviations: Vec<(String, String)> = Vec::new();
        if groups.contains(own.as_str()) {
            counted.0 += 1;
        } else {
            deviations.push((own.clone(), format!("is not in {}", q(&own))));
        }
        for name in groups {
            if name == own || allowed.iter().any(|r| r.matches(name)) {
                continue;
            }
            if name.is_empty() {
                not.push(
                    "embed users are in a group without a display name: no entity rule".to_owned(),
                );
                return;
            }
            deviations.push((name.to_owned(), format!("is in {}", q(name))));
        }
        if deviations.is_empty() {
            continue;
        }
        let Some(subject) = u.raw_name else {
            not.push(format!(
                "embed user {} deviates from the entity rule but {}, so no exception can name it: no entity rule",
                q(u.id),
                u.unnamed_why
            ));
            return;
        };
        for (group, what) in deviations {
            exceptions
                .entry((subject, group))
                .or_insert_with(|| format!("embed user of entity {} {what}", q(entity)));
        }
    }
    let mut comments = vec![format!(
        "{hits} of {total} embed users are in the group named after their entity (`{shown}`); today's deviations are exceptions"
    )];
    for (e, (inside, of)) in &per_entity {
        let evidence = if inside == of {
            format!(
                "all {} of entity {} are in {}",
                plural(*of, "embed user", "embed users"),
                q(e),
                q(&target(e))
            )
        } else {
            format!(
                "{inside} of {} of entity {} are in {}",
                plural(*of, "embed user", "embed users"),
                q(e),
                q(&target(e))
            )
        };
        comments.push(evidence);
    }
    let mut only_in: Vec<String> = allowed.into_iter().map(|r| r.text).collect();
    only_in.push(template.clone());
    plan.summary.rules.push(format!(
        "{ENTITY_RULE}: must_be_in `{shown}`, only_in {} plus `{shown}`",
        plural(only_in.len() - 1, "shared group", "shared groups")
    ));
    plan.rules.push(RuleOut {
        id: ENTITY_RULE,
        description: "Each embed user is in its entity's group and only in shared groups besides"
            .to_owned(),
        comments,
        must_be_in: vec![template.clone()],
        must_not_be_in: Vec::new(),
        only_in: Some(only_in),
    });
    plan.exceptions = exceptions
        .into_iter()
        .map(|((subject, group), comment)| ExceptionOut {
            subject,
            group,
            comment,
        })
        .collect();
    if !plan.exceptions.is_empty() {
        plan.summary.exceptions = plan.exceptions.len();
        // `check` warns about exceptions within `expiring_within_days` (14 by
        // default) of expiry: new ones must not start out expiring.
        if opts.exception_days <= 14 {
            plan.expiring_within_days = Some(opts.exception_days.saturating_sub(1));
        }
    }
}
