//! The live data indexed once: groups sorted by id, identities by id,
//! lowercase userName and embedExternalId, every group's members resolved,
//! and each identity's groups.

use crate::model::SubjectKind;
use foldhash::{HashMap, HashMapExt as _};
use rayon::prelude::*;
use scimdrift_proto::{Resource, Snapshot};
use scimdrift_report::{Subject, SubjectType};
use serde::Deserialize;

/// The live data of one snapshot, indexed for the checks.
pub(super) struct Index<'s> {
    pub(super) groups: Vec<LiveGroup<'s>>,
    pub(super) users: Vec<Ident<'s>>,
    pub(super) embed: Vec<Ident<'s>>,
    pub(super) group_by_name: HashMap<&'s str, Vec<usize>>,
    pub(super) group_by_lower: HashMap<String, Vec<usize>>,
    pub(super) user_by_lower: HashMap<String, usize>,
    pub(super) embed_by_ext: HashMap<&'s str, usize>,
    /// Per group: its members resolved (dangling ones as `None`).
    pub(super) resolved: Vec<Vec<Option<Who>>>,
}

/// Indexes a snapshot; resources that are not valid SCIM are left out and
/// described in `problems`.
pub(super) fn build_index<'s>(snapshot: &'s Snapshot, problems: &mut Vec<String>) -> Index<'s> {
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
    /// The identity a policy names: a standard user by userName (any case),
    /// an embed user by embedExternalId (exact).
    pub(super) fn named(&self, kind: SubjectKind, name: &str) -> Option<Who> {
        match kind {
            SubjectKind::User => self
                .user_by_lower
                .get(&name.to_lowercase())
                .map(|&i| Who::User(i)),
            SubjectKind::EmbedUser => self.embed_by_ext.get(name).map(|&i| Who::Embed(i)),
        }
    }

    /// The report's subject for an identity.
    pub(super) fn subject(&self, who: Who) -> Subject {
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
    pub(super) fn case_hint(&self, name: &str) -> Option<String> {
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

/// An identity: a position in [`Index::users`] or [`Index::embed`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Who {
    /// A standard user.
    User(usize),
    /// An embed user.
    Embed(usize),
}

/// A user or embed user with the attributes the checks read.
pub(super) struct Ident<'s> {
    pub(super) resource: &'s Resource,
    pub(super) user_name: Option<&'s str>,
    pub(super) external_id: Option<&'s str>,
    pub(super) entity: Option<&'s str>,
    /// Indexes of live groups this identity is in, sorted, deduplicated.
    pub(super) groups: Vec<u32>,
}

/// A live group with the attributes the checks read.
pub(super) struct LiveGroup<'s> {
    resource: &'s Resource,
    pub(super) id: &'s str,
    pub(super) name: &'s str,
    /// Member ids, in the order served.
    pub(super) members: &'s [Box<str>],
}

impl LiveGroup<'_> {
    /// Each member's display text (its `display`, else its id), in order:
    /// the group's JSON is decoded again, once, only for groups with a
    /// dangling member.
    pub(super) fn member_displays(&self) -> Vec<String> {
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

/// A user or embed user decoded on the attributes the checks read.
pub(super) fn ident(resource: &Resource) -> Result<Ident<'_>, String> {
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
