//! The live state as the engine resolves it: groups, identities and
//! memberships, indexed the same way `check` indexes them (sorted by id,
//! member ids resolved among standard users first, then embed users; a
//! userName names the first user by id with that lowercase name, an
//! embedExternalId the first embed user with it).
//!
//! Init must predict exactly what `check` will find, so every rule here
//! mirrors the engine; the round-trip tests hold the two together.

use crate::AdoptError;
use scimdrift_proto::{Resource, Snapshot};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A user or embed user.
#[derive(Debug)]
pub(crate) struct Ident<'s> {
    pub id: &'s str,
    /// userName (standard users) or embedExternalId (embed users), when it
    /// names this identity unambiguously in a policy.
    pub name: Option<&'s str>,
    /// The userName or embedExternalId as served, when not blank (exceptions
    /// match it as text, so a shared one still names this identity there).
    pub raw_name: Option<&'s str>,
    /// Why [`Ident::name`] is `None`.
    pub unnamed_why: &'static str,
    /// `embedEntity`, when present and non-empty.
    pub entity: Option<&'s str>,
    /// Indexes of the live groups it is in, sorted, deduplicated.
    pub groups: Vec<usize>,
}

/// A live group.
#[derive(Debug)]
pub(crate) struct LiveGroup<'s> {
    pub id: &'s str,
    pub name: &'s str,
    /// Resolved members, distinct, in id order.
    pub users: BTreeSet<usize>,
    pub embed: BTreeSet<usize>,
    /// Member ids that match no user or embed user, with their display text.
    pub dangling: Vec<(String, &'s str)>,
}

/// The indexed snapshot.
#[derive(Debug)]
pub(crate) struct Live<'s> {
    pub groups: Vec<LiveGroup<'s>>,
    pub users: Vec<Ident<'s>>,
    pub embed: Vec<Ident<'s>>,
    /// Live group indexes by display name.
    pub by_name: BTreeMap<&'s str, Vec<usize>>,
}

fn idents<'s>(list: &'s [Resource], embed: bool, problems: &mut Vec<String>) -> Vec<Ident<'s>> {
    let mut out: Vec<Ident<'s>> = Vec::with_capacity(list.len());
    for r in list {
        match r.core() {
            Ok(core) => {
                let name = if embed {
                    core.embed_external_id.as_deref()
                } else {
                    core.user_name.as_deref()
                };
                out.push(Ident {
                    id: r.id(),
                    name,
                    raw_name: name.filter(|n| !n.trim().is_empty()),
                    unnamed_why: "",
                    entity: core.embed_entity.as_deref().filter(|e| !e.is_empty()),
                    groups: Vec::new(),
                });
            }
            Err(e) => problems.push(format!("user `{}` is not a valid SCIM user: {e}", r.id())),
        }
    }
    out.sort_by(|a, b| a.id.cmp(b.id));
    // A name the loader accepts (not blank) that resolves back to this
    // identity: the engine takes the first identity by id with that name.
    let mut first: HashMap<String, usize> = HashMap::with_capacity(out.len());
    for (i, ident) in out.iter().enumerate() {
        if let Some(name) = ident.name {
            let key = if embed {
                name.to_owned()
            } else {
                name.to_lowercase()
            };
            first.entry(key).or_insert(i);
        }
    }
    for (i, ident) in out.iter_mut().enumerate() {
        let Some(name) = ident.name else {
            ident.unnamed_why = if embed {
                "has no embedExternalId"
            } else {
                "has no userName"
            };
            continue;
        };
        if name.trim().is_empty() {
            ident.name = None;
            ident.unnamed_why = if embed {
                "has a blank embedExternalId"
            } else {
                "has a blank userName"
            };
            continue;
        }
        let key = if embed {
            name.to_owned()
        } else {
            name.to_lowercase()
        };
        if first.get(&key) != Some(&i) {
            ident.name = None;
            ident.unnamed_why = if embed {
                "shares its embedExternalId with another embed user"
            } else {
                "shares its userName with another user"
            };
        }
    }
    out
}

/// Display texts of a group's members, for the dangling ones.
fn displays(group: &Resource) -> Vec<Option<String>> {
    let value = group.to_value();
    value
        .get("members")
        .and_then(|m| m.as_array())
        .map(|list| {
            list.iter()
                .map(|m| m.get("display").and_then(|d| d.as_str()).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl<'s> Live<'s> {
    /// Indexes `snapshot`; fails when it is incomplete or holds resources
    /// `check` could not read (it would report `incomplete` too).
    pub fn new(snapshot: &'s Snapshot) -> Result<Self, AdoptError> {
        let mut problems: Vec<String> = Vec::new();
        if !snapshot.complete {
            if snapshot.incomplete_reasons.is_empty() {
                problems.push("the snapshot is marked incomplete".to_owned());
            }
            problems.extend(snapshot.incomplete_reasons.iter().cloned());
        }
        let mut raw_groups: Vec<(&Resource, &str, &[Box<str>])> = Vec::new();
        for g in &snapshot.groups {
            match g.core() {
                Ok(core) => raw_groups.push((
                    g,
                    core.display_name.as_deref().unwrap_or(""),
                    core.members.as_deref().unwrap_or(&[]),
                )),
                Err(e) => {
                    problems.push(format!("group `{}` is not a valid SCIM group: {e}", g.id()));
                }
            }
        }
        raw_groups.sort_by(|a, b| a.0.id().cmp(b.0.id()));
        let mut users = idents(&snapshot.users, false, &mut problems);
        let mut embed = idents(&snapshot.embed_users, true, &mut problems);
        if !problems.is_empty() {
            return Err(AdoptError::Incomplete(problems));
        }
        let user_by_id: HashMap<&str, usize> =
            users.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let embed_by_id: HashMap<&str, usize> =
            embed.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut groups = Vec::with_capacity(raw_groups.len());
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (gi, (resource, name, members)) in raw_groups.into_iter().enumerate() {
            let mut group = LiveGroup {
                id: resource.id(),
                name,
                users: BTreeSet::new(),
                embed: BTreeSet::new(),
                dangling: Vec::new(),
            };
            let mut shown: Option<Vec<Option<String>>> = None;
            for (k, m) in members.iter().enumerate() {
                if let Some(&u) = user_by_id.get(&**m) {
                    group.users.insert(u);
                } else if let Some(&e) = embed_by_id.get(&**m) {
                    group.embed.insert(e);
                } else {
                    let display = shown
                        .get_or_insert_with(|| displays(resource))
                        .get(k)
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| m.to_string());
                    group.dangling.push((display, &**m));
                }
            }
            for &u in &group.users {
                users[u].groups.push(gi);
            }
            for &e in &group.embed {
                embed[e].groups.push(gi);
            }
            by_name.entry(name).or_default().push(gi);
            groups.push(group);
        }
        Ok(Live {
            groups,
            users,
            embed,
            by_name,
        })
    }

    /// The names of the groups `ident` is in, distinct.
    pub fn group_names(&self, ident: &Ident<'_>) -> BTreeSet<&'s str> {
        ident.groups.iter().map(|&g| self.groups[g].name).collect()
    }
}
