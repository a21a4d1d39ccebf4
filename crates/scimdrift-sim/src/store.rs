//! The in-memory org: one list per resource kind in creation order, an index
//! by id, and the mutation API tests use to change state between requests.

use scimdrift_proto::{Resource, Snapshot};
use serde::Deserialize;
use std::collections::HashMap;

/// The three resource collections Omni serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `/users`
    Users,
    /// `/groups`
    Groups,
    /// `/embed/users`
    EmbedUsers,
}

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 3] = [Kind::Users, Kind::Groups, Kind::EmbedUsers];

    fn slot(self) -> usize {
        match self {
            Kind::Users => 0,
            Kind::Groups => 1,
            Kind::EmbedUsers => 2,
        }
    }

    /// The lowercase path below the SCIM base (`users`, `groups`, `embed/users`).
    pub fn path(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Groups => "groups",
            Kind::EmbedUsers => "embed/users",
        }
    }
}

/// One collection: resources in creation order plus an id index.
#[derive(Debug, Default)]
struct Collection {
    items: Vec<Resource>,
    index: HashMap<Box<str>, u32>,
}

impl Collection {
    fn from_resources(items: Vec<Resource>) -> Self {
        let mut c = Collection {
            items: sort_by_creation(items),
            index: HashMap::new(),
        };
        c.reindex();
        c
    }

    fn reindex(&mut self) {
        self.index.clear();
        self.index.reserve(self.items.len());
        for (i, r) in self.items.iter().enumerate() {
            // A duplicate id keeps its first position for get-by-id; listing
            // still serves both, as a broken server would.
            self.index
                .entry(r.id().into())
                .or_insert(u32::try_from(i).unwrap_or(u32::MAX));
        }
    }
}

#[derive(Deserialize)]
struct CreatedProbe<'a> {
    #[serde(borrow, default)]
    meta: Option<MetaProbe<'a>>,
}

#[derive(Deserialize)]
struct MetaProbe<'a> {
    #[serde(borrow, default)]
    created: Option<std::borrow::Cow<'a, str>>,
}

fn created_of(r: &Resource) -> Option<String> {
    serde_json::from_str::<CreatedProbe<'_>>(r.json())
        .ok()
        .and_then(|p| p.meta)
        .and_then(|m| m.created)
        .map(|c| c.into_owned())
}

/// Orders resources by `meta.created` (Omni lists in creation order);
/// resources without it keep their relative order and go last. RFC 3339
/// timestamps in the same offset sort correctly as text.
fn sort_by_creation(items: Vec<Resource>) -> Vec<Resource> {
    let mut keyed: Vec<(Option<String>, usize, Resource)> = items
        .into_iter()
        .enumerate()
        .map(|(i, r)| (created_of(&r), i, r))
        .collect();
    keyed.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y).then(a.1.cmp(&b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.1.cmp(&b.1),
    });
    keyed.into_iter().map(|(_, _, r)| r).collect()
}

/// The simulated org.
#[derive(Debug, Default)]
pub struct Store {
    collections: [Collection; 3],
    inserted: u64,
}

impl Store {
    /// Loads an org from a snapshot, ordering each collection by creation time.
    pub fn from_snapshot(snapshot: Snapshot) -> Self {
        let Snapshot {
            groups,
            users,
            embed_users,
            ..
        } = snapshot;
        Store {
            collections: [
                Collection::from_resources(users),
                Collection::from_resources(groups),
                Collection::from_resources(embed_users),
            ],
            inserted: 0,
        }
    }

    fn col(&self, kind: Kind) -> &Collection {
        &self.collections[kind.slot()]
    }

    fn col_mut(&mut self, kind: Kind) -> &mut Collection {
        &mut self.collections[kind.slot()]
    }

    /// How many resources of `kind` exist.
    pub fn len(&self, kind: Kind) -> usize {
        self.col(kind).items.len()
    }

    /// Whether the org has no resources at all.
    pub fn is_empty(&self) -> bool {
        self.collections.iter().all(|c| c.items.is_empty())
    }

    /// All resources of `kind` in creation order.
    pub fn list(&self, kind: Kind) -> &[Resource] {
        &self.col(kind).items
    }

    /// The resource of `kind` with this id.
    pub fn get(&self, kind: Kind, id: &str) -> Option<&Resource> {
        let c = self.col(kind);
        c.index
            .get(id)
            .and_then(|&i| c.items.get(usize::try_from(i).ok()?))
    }

    /// Appends a resource (the newest, so it lists last).
    pub fn push(&mut self, kind: Kind, resource: Resource) {
        let c = self.col_mut(kind);
        let pos = u32::try_from(c.items.len()).unwrap_or(u32::MAX);
        c.index.entry(resource.id().into()).or_insert(pos);
        c.items.push(resource);
    }

    /// Inserts a resource at the front of the listing, shifting every later
    /// page by one (what a scan sees when a resource appears before its cursor).
    pub fn insert_front(&mut self, kind: Kind, resource: Resource) {
        let c = self.col_mut(kind);
        c.items.insert(0, resource);
        c.reindex();
    }

    /// Replaces the resource with the same id in place; false when absent.
    pub fn replace(&mut self, kind: Kind, resource: Resource) -> bool {
        let c = self.col_mut(kind);
        let Some(&i) = c.index.get(resource.id()) else {
            return false;
        };
        match usize::try_from(i).ok().and_then(|i| c.items.get_mut(i)) {
            Some(slot) => {
                *slot = resource;
                true
            }
            None => false,
        }
    }

    /// Removes the resource with this id; returns it when it existed.
    pub fn remove(&mut self, kind: Kind, id: &str) -> Option<Resource> {
        let c = self.col_mut(kind);
        let i = usize::try_from(*c.index.get(id)?).ok()?;
        let r = c.items.remove(i);
        c.reindex();
        Some(r)
    }

    /// Removes up to `n` resources from the front of the listing.
    pub fn remove_front(&mut self, kind: Kind, n: usize) -> Vec<Resource> {
        let c = self.col_mut(kind);
        let n = n.min(c.items.len());
        let removed: Vec<Resource> = c.items.drain(..n).collect();
        c.reindex();
        removed
    }

    /// Inserts `n` freshly made resources at the front (see
    /// [`Store::insert_front`]); their ids start with `sim-inserted-`.
    pub fn insert_front_synthetic(&mut self, kind: Kind, n: usize) {
        for _ in 0..n {
            self.inserted += 1;
            let k = self.inserted;
            let id = format!("sim-inserted-{k}");
            let value = match kind {
                Kind::Groups => serde_json::json!({
                    "id": id,
                    "displayName": format!("Inserted during scan {k}"),
                    "members": [],
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "meta": {"resourceType": "Group"},
                }),
                Kind::Users | Kind::EmbedUsers => serde_json::json!({
                    "id": id,
                    "userName": format!("inserted-{k}@sim.invalid"),
                    "displayName": format!("Inserted during scan {k}"),
                    "active": true,
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "meta": {"resourceType": "User"},
                }),
            };
            if let Ok(r) = Resource::from_value(&value) {
                self.insert_front(kind, r);
            }
        }
    }

    /// The whole org as a snapshot (resources sorted by id, as the format asks).
    pub fn to_snapshot(&self) -> Snapshot {
        let mut s = Snapshot::new(Default::default());
        s.users = self.list(Kind::Users).to_vec();
        s.groups = self.list(Kind::Groups).to_vec();
        s.embed_users = self.list(Kind::EmbedUsers).to_vec();
        s.sort();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(json: &str) -> Resource {
        Resource::from_json(json).unwrap()
    }

    fn ids(store: &Store, kind: Kind) -> Vec<&str> {
        store.list(kind).iter().map(Resource::id).collect()
    }

    #[test]
    fn loads_in_creation_order() {
        let mut snap = Snapshot::new(Default::default());
        snap.users = vec![
            res(r#"{"id":"a","meta":{"created":"2024-03-01T00:00:00Z"}}"#),
            res(r#"{"id":"b","meta":{"created":"2024-01-01T00:00:00Z"}}"#),
            res(r#"{"id":"c"}"#),
            res(r#"{"id":"d","meta":{"created":"2024-02-01T00:00:00Z"}}"#),
        ];
        let store = Store::from_snapshot(snap);
        assert_eq!(ids(&store, Kind::Users), ["b", "d", "a", "c"]);
        assert_eq!(store.get(Kind::Users, "a").map(Resource::id), Some("a"));
        assert!(store.get(Kind::Groups, "a").is_none());
    }

    #[test]
    fn mutations_keep_the_index_right() {
        let mut store = Store::default();
        store.push(Kind::Groups, res(r#"{"id":"g1"}"#));
        store.push(Kind::Groups, res(r#"{"id":"g2"}"#));
        store.insert_front(Kind::Groups, res(r#"{"id":"g0"}"#));
        assert_eq!(ids(&store, Kind::Groups), ["g0", "g1", "g2"]);
        assert!(store.replace(Kind::Groups, res(r#"{"id":"g1","displayName":"x"}"#)));
        assert!(
            store
                .get(Kind::Groups, "g1")
                .unwrap()
                .json()
                .contains("\"x\"")
        );
        assert_eq!(
            store.remove(Kind::Groups, "g0").map(|r| r.id().to_owned()),
            Some("g0".into())
        );
        assert_eq!(store.get(Kind::Groups, "g2").map(Resource::id), Some("g2"));
        assert_eq!(store.remove_front(Kind::Groups, 5).len(), 2);
        assert!(store.is_empty());
        store.insert_front_synthetic(Kind::Users, 2);
        assert_eq!(
            ids(&store, Kind::Users),
            ["sim-inserted-2", "sim-inserted-1"]
        );
    }
}
