//! The snapshot as the planner reads it: groups by display name (with their
//! members and `meta.version`), identities by id, userName and
//! embedExternalId.

use crate::model::MemberRef;
use scimdrift_proto::Snapshot;
use scimdrift_report::SubjectType;
use std::collections::{BTreeMap, HashMap};

/// One live group.
#[derive(Debug)]
pub(crate) struct LiveGroup<'s> {
    pub id: &'s str,
    /// Member ids, sorted, deduplicated.
    pub members: Vec<String>,
    /// `meta.version`, when the server sent one.
    pub version: Option<String>,
}

/// The snapshot indexed for planning.
#[derive(Debug)]
pub(crate) struct Live<'s> {
    groups: BTreeMap<&'s str, Vec<LiveGroup<'s>>>,
    by_id: HashMap<&'s str, MemberRef>,
    users_by_lower: HashMap<String, &'s str>,
    embed_by_ext: HashMap<&'s str, &'s str>,
}

impl<'s> Live<'s> {
    pub(crate) fn new(snapshot: &'s Snapshot) -> Self {
        let mut groups: BTreeMap<&str, Vec<LiveGroup<'_>>> = BTreeMap::new();
        for g in &snapshot.groups {
            let Ok(core) = g.core() else { continue };
            let mut members: Vec<String> = core
                .members
                .iter()
                .flatten()
                .map(|m| m.to_string())
                .collect();
            members.sort();
            members.dedup();
            let version = g
                .to_value()
                .pointer("/meta/version")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            groups
                .entry(core.display_name.as_deref().unwrap_or(""))
                .or_default()
                .push(LiveGroup {
                    id: g.id(),
                    members,
                    version,
                });
        }
        let mut by_id = HashMap::new();
        let mut users_by_lower = HashMap::new();
        let mut embed_by_ext = HashMap::new();
        for u in &snapshot.users {
            let Ok(core) = u.core() else { continue };
            let name = core.user_name.as_deref().unwrap_or(u.id());
            users_by_lower.entry(name.to_lowercase()).or_insert(u.id());
            by_id.insert(
                u.id(),
                MemberRef {
                    id: u.id().to_owned(),
                    kind: SubjectType::User,
                    name: name.to_owned(),
                },
            );
        }
        for e in &snapshot.embed_users {
            let Ok(core) = e.core() else { continue };
            let ext = core
                .embed_external_id
                .as_deref()
                .or(core.user_name.as_deref())
                .unwrap_or(e.id());
            if let Some(ext) = core.embed_external_id.as_deref() {
                embed_by_ext.entry(ext).or_insert(e.id());
            }
            by_id.insert(
                e.id(),
                MemberRef {
                    id: e.id().to_owned(),
                    kind: SubjectType::EmbedUser,
                    name: ext.to_owned(),
                },
            );
        }
        Live {
            groups,
            by_id,
            users_by_lower,
            embed_by_ext,
        }
    }

    /// Every live group with exactly this display name.
    pub(crate) fn groups_named(&self, name: &str) -> &[LiveGroup<'s>] {
        self.groups.get(name).map_or(&[], Vec::as_slice)
    }

    /// The live group with this id.
    pub(crate) fn group(&self, name: &str, id: &str) -> Option<&LiveGroup<'s>> {
        self.groups_named(name).iter().find(|g| g.id == id)
    }

    /// A user or embed user by id.
    pub(crate) fn identity(&self, id: &str) -> Option<&MemberRef> {
        self.by_id.get(id)
    }

    /// A standard user by userName (case-insensitive, as the engine matches).
    pub(crate) fn user_by_name(&self, name: &str) -> Option<&MemberRef> {
        self.users_by_lower
            .get(&name.to_lowercase())
            .and_then(|id| self.by_id.get(id))
    }

    /// An embed user by embedExternalId.
    pub(crate) fn embed_by_ext(&self, ext: &str) -> Option<&MemberRef> {
        self.embed_by_ext.get(ext).and_then(|id| self.by_id.get(id))
    }
}
