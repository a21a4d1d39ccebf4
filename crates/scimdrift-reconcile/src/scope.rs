//! Which live groups a policy change can affect: the base and head policies
//! compared (group declarations by name, rules and separation-of-duties rules
//! by id, settings, exceptions), for `check --base … --snapshot … --refresh`.
//!
//! It lives here, beside the model and the engine, because the answer depends
//! on what the engine reads: a declaration of `G` reads only `G`'s members, a
//! rule naming literal groups reads only those groups, but a glob, a template
//! or `only_in` (every group a subject is in) and the settings (which groups
//! are ignored, unmanaged, or well named) read any group. Pure: no IO.
//!
//! Source locations are not compared: moving a declaration to another line or
//! file changes no finding's data. Exceptions change which findings are
//! excused, never which data they are computed on, so they refresh nothing.

use std::collections::BTreeSet;

use crate::model::{DeclaredMember, GroupDecl, Policies, Rule, Settings, SodRule};
use crate::pattern::{GroupPattern, PatternKind};

/// The groups to re-read live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshScope {
    /// Every group: the change can affect any of them (`why` says which).
    AllGroups {
        /// The first change that needs every group, e.g. "rule `x` uses a glob".
        why: String,
    },
    /// Exactly these groups, by display name (possibly none).
    Groups(BTreeSet<String>),
}

/// The groups whose live state the difference between `base` and `head`
/// can affect.
pub fn refresh_scope(base: &Policies, head: &Policies) -> RefreshScope {
    if settings_key(&base.settings) != settings_key(&head.settings) {
        return RefreshScope::AllGroups {
            why: "the settings changed".to_owned(),
        };
    }
    let mut names = BTreeSet::new();
    // Declarations, by name: a rename is a removal and an addition, so both
    // names are refreshed.
    for (name, b, h) in pair_up(&base.groups, &head.groups, |d| d.name.clone()) {
        if b.map(decl_key) != h.map(decl_key) {
            names.insert(name);
        }
    }
    for (id, b, h) in pair_up(&base.rules, &head.rules, |r| r.id.clone()) {
        if b.map(rule_key) == h.map(rule_key) {
            continue;
        }
        for rule in b.into_iter().chain(h) {
            if rule.only_in.is_some() {
                return RefreshScope::AllGroups {
                    why: format!("rule `{id}` changed and has `only_in`"),
                };
            }
            let patterns = rule.must_be_in.iter().chain(&rule.must_not_be_in);
            if let Err(why) = literal_names(patterns, &mut names) {
                return RefreshScope::AllGroups {
                    why: format!("rule `{id}` changed and {why}"),
                };
            }
        }
    }
    for (id, b, h) in pair_up(
        &base.separation_of_duties,
        &head.separation_of_duties,
        |r| r.id.clone(),
    ) {
        if b.map(sod_key) == h.map(sod_key) {
            continue;
        }
        for rule in b.into_iter().chain(h) {
            if let Err(why) = literal_names(rule.groups.iter(), &mut names) {
                return RefreshScope::AllGroups {
                    why: format!("separation-of-duties rule `{id}` changed and {why}"),
                };
            }
        }
    }
    RefreshScope::Groups(names)
}

/// Every key of either list with its item on each side (the first one, if
/// a key repeats: the loader refuses duplicates anyway).
fn pair_up<'a, T>(
    base: &'a [T],
    head: &'a [T],
    key: impl Fn(&T) -> String,
) -> Vec<(String, Option<&'a T>, Option<&'a T>)> {
    let keys: BTreeSet<String> = base.iter().chain(head).map(&key).collect();
    keys.into_iter()
        .map(|k| {
            let b = base.iter().find(|x| key(x) == k);
            let h = head.iter().find(|x| key(x) == k);
            (k, b, h)
        })
        .collect()
}

/// Adds the names of exact patterns; `Err` names the first that is not.
fn literal_names<'a>(
    patterns: impl Iterator<Item = &'a GroupPattern>,
    names: &mut BTreeSet<String>,
) -> Result<(), String> {
    for pattern in patterns {
        match &pattern.kind {
            PatternKind::Exact(name) => {
                names.insert(name.clone());
            }
            PatternKind::Glob(_) => return Err(format!("uses the glob `{}`", pattern.text)),
            PatternKind::Template(_) => {
                return Err(format!("uses the template `{}`", pattern.text));
            }
        }
    }
    Ok(())
}

fn patterns_key(patterns: &[GroupPattern]) -> Vec<&str> {
    patterns.iter().map(|p| p.text.as_str()).collect()
}

fn members_key(members: &[DeclaredMember]) -> String {
    let entries: Vec<_> = members
        .iter()
        .map(|m| {
            (
                &m.name,
                m.until
                    .as_ref()
                    .map(|u| (u.date.to_string(), &u.reason, &u.ticket)),
            )
        })
        .collect();
    format!("{entries:?}")
}

fn decl_key(d: &GroupDecl) -> String {
    format!(
        "{:?}",
        (
            &d.name,
            &d.owner,
            d.members,
            members_key(&d.users),
            members_key(&d.embed_users),
            d.min_members,
            d.max_members,
            d.severity,
        )
    )
}

fn rule_key(r: &Rule) -> String {
    format!(
        "{:?}",
        (
            &r.id,
            r.subjects,
            &r.description,
            r.filter.as_ref().map(ToString::to_string),
            patterns_key(&r.must_be_in),
            patterns_key(&r.must_not_be_in),
            r.only_in.as_deref().map(patterns_key),
            r.severity,
        )
    )
}

fn sod_key(r: &SodRule) -> String {
    format!("{:?}", (&r.id, patterns_key(&r.groups), r.severity))
}

fn settings_key(s: &Settings) -> String {
    format!(
        "{:?}",
        (
            s.unmanaged_groups,
            patterns_key(&s.ignore_groups),
            s.group_name_pattern.as_ref().map(regex::Regex::as_str),
            s.expiring_within_days,
            s.max_missing_ratio.to_bits(),
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{PolicySource, load_policies};

    fn policies(text: &str) -> Policies {
        load_policies(&[PolicySource {
            path: "p.yaml".to_owned(),
            contents: text.to_owned(),
        }])
        .unwrap_or_else(|d| panic!("{}", crate::render_all(&d)))
        .policies
    }

    fn named(names: &[&str]) -> RefreshScope {
        RefreshScope::Groups(names.iter().map(|n| (*n).to_owned()).collect())
    }

    const BASE: &str = r#"version: 1
groups:
  - name: Eng
    members: exact
    users: [a@x.com]
  - name: Sales
    members: exact
    users: [b@x.com]
users:
  - id: eng-in-eng
    where: 'userName eq "a@x.com"'
    must_be_in: [Eng]
exceptions:
  - rule: eng-in-eng
    subject: a@x.com
    reason: test
    expires: 2030-01-01
"#;

    #[test]
    fn nothing_changed_refreshes_nothing() {
        assert_eq!(refresh_scope(&policies(BASE), &policies(BASE)), named(&[]));
        // Moving text around changes locations, not data.
        let moved = BASE.replace("version: 1\n", "# moved\nversion: 1\n\n");
        assert_eq!(
            refresh_scope(&policies(BASE), &policies(&moved)),
            named(&[])
        );
    }

    #[test]
    fn a_changed_declaration_refreshes_that_group_and_both_names_of_a_rename() {
        let head = BASE.replace("users: [b@x.com]", "users: [b@x.com, c@x.com]");
        assert_eq!(
            refresh_scope(&policies(BASE), &policies(&head)),
            named(&["Sales"])
        );
        let renamed = BASE.replace("name: Sales", "name: Sales EU");
        assert_eq!(
            refresh_scope(&policies(BASE), &policies(&renamed)),
            named(&["Sales", "Sales EU"])
        );
    }

    #[test]
    fn a_changed_rule_refreshes_its_literal_groups_or_everything() {
        let head = BASE.replace("must_be_in: [Eng]", "must_be_in: [Eng, Ops]");
        assert_eq!(
            refresh_scope(&policies(BASE), &policies(&head)),
            named(&["Eng", "Ops"])
        );
        let glob = BASE.replace("must_be_in: [Eng]", "must_be_in: [\"Eng*\"]");
        assert!(matches!(
            refresh_scope(&policies(BASE), &policies(&glob)),
            RefreshScope::AllGroups { why } if why.contains("glob")
        ));
        let only_in = BASE.replace("must_be_in: [Eng]", "only_in: [Eng]");
        assert!(matches!(
            refresh_scope(&policies(BASE), &policies(&only_in)),
            RefreshScope::AllGroups { why } if why.contains("only_in")
        ));
    }

    #[test]
    fn settings_refresh_everything_and_exceptions_nothing() {
        let head = format!("{BASE}settings:\n  unmanaged_groups: ignore\n");
        assert!(matches!(
            refresh_scope(&policies(BASE), &policies(&head)),
            RefreshScope::AllGroups { .. }
        ));
        let head = BASE.replace("expires: 2030-01-01", "expires: 2031-01-01");
        assert_eq!(refresh_scope(&policies(BASE), &policies(&head)), named(&[]));
    }
}
