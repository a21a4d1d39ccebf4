//! The in-memory org: one list per resource kind in creation order, an index
//! by id, and the mutation API tests use to change state between requests.

use scimdrift_proto::scim::{GROUP_URN, USER_URN};
use scimdrift_proto::snapshot::line_column;
use scimdrift_proto::{Resource, SNAPSHOT_SCHEMA, Snapshot};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

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

    fn field(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Groups => "groups",
            Kind::EmbedUsers => "embed_users",
        }
    }
}

/// Where an entry's JSON text and id live: slices of the org file it was
/// loaded from (no copy, no allocation per resource: a million embed users
/// load in seconds) or their own allocations (resources added later).
#[derive(Clone)]
enum Text {
    Shared {
        buf: Arc<String>,
        json: Range<usize>,
        id: Range<usize>,
    },
    Owned {
        json: Box<str>,
        id: Box<str>,
    },
}

/// One served resource: its id and its JSON text, served byte-exact.
#[derive(Clone)]
pub struct Entry {
    text: Text,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Entry").field(&self.json()).finish()
    }
}

impl Entry {
    /// The resource's id.
    pub fn id(&self) -> &str {
        match &self.text {
            Text::Shared { buf, id, .. } => buf.get(id.clone()).unwrap_or(""),
            Text::Owned { id, .. } => id,
        }
    }

    /// The JSON text exactly as served.
    pub fn json(&self) -> &str {
        match &self.text {
            Text::Shared { buf, json, .. } => buf.get(json.clone()).unwrap_or(""),
            Text::Owned { json, .. } => json,
        }
    }

    /// Parses the JSON (for filters).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.json()).unwrap_or(serde_json::Value::Null)
    }

    /// The entry as a snapshot resource.
    pub fn to_resource(&self) -> Option<Resource> {
        Resource::from_json(self.json()).ok()
    }
}

impl From<Resource> for Entry {
    fn from(r: Resource) -> Self {
        Entry {
            text: Text::Owned {
                json: r.json().into(),
                id: r.id().into(),
            },
        }
    }
}

impl From<&Resource> for Entry {
    fn from(r: &Resource) -> Self {
        Entry {
            text: Text::Owned {
                json: r.json().into(),
                id: r.id().into(),
            },
        }
    }
}

/// Why an org file cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not JSON, or not shaped like a snapshot.
    #[error("{line}:{column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json said, without its own position suffix.
        message: String,
    },
    /// The `schema` field names another format.
    #[error("unsupported schema `{found}`, expected `{SNAPSHOT_SCHEMA}`")]
    Schema {
        /// The schema found.
        found: String,
    },
    /// A resource is not an object with a string `id`.
    #[error("{line}:{column}: `{field}[{index}]` has no string `id`")]
    MissingId {
        /// The array (`groups`, `users`, `embed_users`).
        field: &'static str,
        /// Position in the array.
        index: usize,
        /// 1-based line of the resource.
        line: usize,
        /// 1-based column of the resource.
        column: usize,
    },
}

impl LoadError {
    fn from_serde(e: &serde_json::Error) -> Self {
        let full = e.to_string();
        // serde_json appends " at line L column C"; the position fields hold it.
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m)
            .to_owned();
        LoadError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

#[derive(Deserialize)]
struct OrgFile<'a> {
    schema: String,
    #[serde(borrow, default)]
    groups: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    users: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    embed_users: Vec<&'a RawValue>,
}

/// A string borrowed from the input when it has no escapes. (serde's own
/// `Cow<str>` always copies when wrapped in an `Option`.)
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow, default)]
    id: Option<Str<'a>>,
    #[serde(borrow, default)]
    meta: Option<MetaProbe<'a>>,
}

#[derive(Deserialize)]
struct MetaProbe<'a> {
    #[serde(borrow, default)]
    created: Option<Str<'a>>,
}

/// `(id, meta.created)` of a resource's JSON text, borrowed when unescaped.
fn probe(json: &str) -> Option<(Cow<'_, str>, Option<Cow<'_, str>>)> {
    let p: Probe<'_> = serde_json::from_str(json).ok()?;
    Some((p.id?.0, p.meta.and_then(|m| m.created).map(|c| c.0)))
}

/// FNV-1a: ids are short and trusted enough for a test double; collisions
/// are resolved by comparing the ids themselves.
fn hash_id(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One collection: resources in creation order plus an id index (sorted
/// `(hash, position)` pairs: 12 bytes and no allocation per resource).
#[derive(Debug, Default, Clone)]
struct Collection {
    items: Vec<Entry>,
    index: Vec<(u64, u32)>,
}

impl Collection {
    fn from_keyed<K: Ord>(keyed: Vec<(Option<K>, Entry)>) -> Self {
        let mut c = Collection {
            items: sort_by_creation(keyed),
            index: Vec::new(),
        };
        c.reindex();
        c
    }

    fn reindex(&mut self) {
        self.index = self
            .items
            .iter()
            .enumerate()
            .map(|(i, e)| (hash_id(e.id()), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        self.index.sort_unstable();
    }

    /// The position of the first resource with this id. A duplicate id
    /// resolves to its first position for get-by-id; listing still serves
    /// both, as a broken server would.
    fn position(&self, id: &str) -> Option<usize> {
        let h = hash_id(id);
        let lo = self.index.partition_point(|&(x, _)| x < h);
        self.index[lo..]
            .iter()
            .take_while(|&&(x, _)| x == h)
            .filter_map(|&(_, pos)| usize::try_from(pos).ok())
            .find(|&pos| self.items.get(pos).is_some_and(|e| e.id() == id))
    }
}

/// Orders resources by `meta.created` (Omni lists in creation order);
/// resources without it keep their relative order and go last. RFC 3339
/// timestamps in the same offset sort correctly as text.
fn sort_by_creation<K: Ord>(keyed: Vec<(Option<K>, Entry)>) -> Vec<Entry> {
    let mut keyed: Vec<(Option<K>, usize, Entry)> = keyed
        .into_iter()
        .enumerate()
        .map(|(i, (c, e))| (c, i, e))
        .collect();
    // Positions are unique, so an unstable sort is deterministic.
    keyed.sort_unstable_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y).then(a.1.cmp(&b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.1.cmp(&b.1),
    });
    keyed.into_iter().map(|(_, _, r)| r).collect()
}

/// The simulated org.
#[derive(Debug, Default, Clone)]
pub struct Store {
    collections: [Collection; 3],
    inserted: u64,
}

impl Store {
    /// Loads an org from a snapshot, ordering each collection by creation time.
    pub fn from_snapshot(snapshot: &Snapshot) -> Self {
        let keyed = |list: &[Resource]| -> Vec<(Option<String>, Entry)> {
            list.iter()
                .map(|r| {
                    let created = probe(r.json()).and_then(|(_, c)| c).map(Cow::into_owned);
                    (created, Entry::from(r))
                })
                .collect()
        };
        Store {
            collections: [
                Collection::from_keyed(keyed(&snapshot.users)),
                Collection::from_keyed(keyed(&snapshot.groups)),
                Collection::from_keyed(keyed(&snapshot.embed_users)),
            ],
            inserted: 0,
        }
    }

    /// Loads an org from the text of a `scimdrift.snapshot/v1` file. The
    /// resources stay slices of `text` (one allocation for the whole org).
    pub fn from_json(text: impl Into<String>) -> Result<Self, LoadError> {
        // `Arc<String>`, not `Arc<str>`: converting would copy the whole file.
        let buf: Arc<String> = Arc::new(text.into());
        let file: OrgFile<'_> =
            serde_json::from_str(&buf).map_err(|e| LoadError::from_serde(&e))?;
        if file.schema != SNAPSHOT_SCHEMA {
            return Err(LoadError::Schema { found: file.schema });
        }
        let base = buf.as_ptr() as usize;
        let offset = |text: &str| (text.as_ptr() as usize).saturating_sub(base);
        let collect = |kind: Kind, list: &[&RawValue]| {
            let mut keyed = Vec::with_capacity(list.len());
            for (index, raw) in list.iter().enumerate() {
                let json = raw.get();
                let start = offset(json);
                let Some((id, created)) = probe(json) else {
                    let (line, column) = line_column(buf.as_bytes(), start);
                    return Err(LoadError::MissingId {
                        field: kind.field(),
                        index,
                        line,
                        column,
                    });
                };
                let text = match id {
                    Cow::Borrowed(id) => Text::Shared {
                        buf: Arc::clone(&buf),
                        json: start..start + json.len(),
                        id: offset(id)..offset(id) + id.len(),
                    },
                    // An id with escapes: decoded, so it needs its own copy.
                    Cow::Owned(id) => Text::Owned {
                        json: json.into(),
                        id: id.into(),
                    },
                };
                keyed.push((created, Entry { text }));
            }
            Ok(Collection::from_keyed(keyed))
        };
        Ok(Store {
            collections: [
                collect(Kind::Users, &file.users)?,
                collect(Kind::Groups, &file.groups)?,
                collect(Kind::EmbedUsers, &file.embed_users)?,
            ],
            inserted: 0,
        })
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
    pub fn list(&self, kind: Kind) -> &[Entry] {
        &self.col(kind).items
    }

    /// The resource of `kind` with this id.
    pub fn get(&self, kind: Kind, id: &str) -> Option<&Entry> {
        let c = self.col(kind);
        c.items.get(c.position(id)?)
    }

    /// Appends a resource (the newest, so it lists last).
    pub fn push(&mut self, kind: Kind, resource: impl Into<Entry>) {
        let entry = resource.into();
        let c = self.col_mut(kind);
        let key = (
            hash_id(entry.id()),
            u32::try_from(c.items.len()).unwrap_or(u32::MAX),
        );
        let at = c.index.partition_point(|e| *e < key);
        c.index.insert(at, key);
        c.items.push(entry);
    }

    /// Inserts a resource at the front of the listing, shifting every later
    /// page by one (what a scan sees when a resource appears before its cursor).
    pub fn insert_front(&mut self, kind: Kind, resource: impl Into<Entry>) {
        let c = self.col_mut(kind);
        c.items.insert(0, resource.into());
        c.reindex();
    }

    /// Replaces the resource with the same id in place; false when absent.
    pub fn replace(&mut self, kind: Kind, resource: impl Into<Entry>) -> bool {
        let entry = resource.into();
        let c = self.col_mut(kind);
        let Some(i) = c.position(entry.id()) else {
            return false;
        };
        match c.items.get_mut(i) {
            Some(slot) => {
                *slot = entry;
                true
            }
            None => false,
        }
    }

    /// Removes the resource with this id; returns it when it existed.
    pub fn remove(&mut self, kind: Kind, id: &str) -> Option<Entry> {
        let c = self.col_mut(kind);
        let i = c.position(id)?;
        let r = c.items.remove(i);
        c.reindex();
        Some(r)
    }

    /// Removes up to `n` resources from the front of the listing.
    pub fn remove_front(&mut self, kind: Kind, n: usize) -> Vec<Entry> {
        let c = self.col_mut(kind);
        let n = n.min(c.items.len());
        let removed: Vec<Entry> = c.items.drain(..n).collect();
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
                    "schemas": [GROUP_URN],
                    "meta": {"resourceType": "Group"},
                }),
                Kind::Users | Kind::EmbedUsers => serde_json::json!({
                    "id": id,
                    "userName": format!("inserted-{k}@sim.invalid"),
                    "displayName": format!("Inserted during scan {k}"),
                    "active": true,
                    "schemas": [USER_URN],
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
        let all = |kind| {
            self.list(kind)
                .iter()
                .filter_map(Entry::to_resource)
                .collect()
        };
        s.users = all(Kind::Users);
        s.groups = all(Kind::Groups);
        s.embed_users = all(Kind::EmbedUsers);
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
        store.list(kind).iter().map(Entry::id).collect()
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
        let store = Store::from_snapshot(&snap);
        assert_eq!(ids(&store, Kind::Users), ["b", "d", "a", "c"]);
        assert_eq!(store.get(Kind::Users, "a").map(Entry::id), Some("a"));
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
        assert_eq!(store.get(Kind::Groups, "g2").map(Entry::id), Some("g2"));
        assert_eq!(store.remove_front(Kind::Groups, 5).len(), 2);
        assert!(store.is_empty());
        store.insert_front_synthetic(Kind::Users, 2);
        assert_eq!(
            ids(&store, Kind::Users),
            ["sim-inserted-2", "sim-inserted-1"]
        );
    }

    #[test]
    fn loads_from_text_without_copying_and_reports_positions() {
        let text = r#"{"schema":"scimdrift.snapshot/v1","groups":[{"id":"g","displayName":"G"}],
"users":[{"id":"b","meta":{"created":"2024-02-01T00:00:00Z"}},{"id":"a","meta":{"created":"2024-01-01T00:00:00Z"}}]}"#;
        let store = Store::from_json(text).unwrap();
        assert_eq!(ids(&store, Kind::Users), ["a", "b"]);
        assert_eq!(
            store.get(Kind::Groups, "g").unwrap().json(),
            r#"{"id":"g","displayName":"G"}"#
        );
        let err = |t: &str| Store::from_json(t).unwrap_err().to_string();
        assert_eq!(
            err("{\"schema\":\"scimdrift.snapshot/v1\",\n \"users\":[{\"id\":1}]}"),
            "2:11: `users[0]` has no string `id`"
        );
        assert_eq!(
            err(r#"{"schema":"x/v9"}"#),
            "unsupported schema `x/v9`, expected `scimdrift.snapshot/v1`"
        );
        assert_eq!(err("{\"schema\":"), "1:10: EOF while parsing a value");
    }

    #[test]
    fn escaped_and_duplicate_ids() {
        let text = r#"{"schema":"scimdrift.snapshot/v1","users":[{"id":"a\u0062"},{"id":"x"},{"id":"x","n":2}]}"#;
        let mut store = Store::from_json(text).unwrap();
        assert_eq!(
            store.get(Kind::Users, "ab").unwrap().json(),
            r#"{"id":"a\u0062"}"#
        );
        assert_eq!(store.get(Kind::Users, "x").unwrap().json(), r#"{"id":"x"}"#);
        assert_eq!(store.list(Kind::Users).len(), 3);
        let shared = |e: &Entry| matches!(e.text, Text::Shared { .. });
        assert!(!shared(&store.list(Kind::Users)[0]), "escaped id: own copy");
        assert!(
            shared(&store.list(Kind::Users)[1]),
            "plain id: a slice of the file"
        );
        store.push(Kind::Users, res(r#"{"id":"y"}"#));
        assert_eq!(store.get(Kind::Users, "y").map(Entry::id), Some("y"));
        assert!(store.get(Kind::Users, "z").is_none());
        assert!(store.replace(Kind::Users, res(r#"{"id":"x","n":3}"#)));
        assert_eq!(ids(&store, Kind::Users), ["ab", "x", "x", "y"]);
        assert!(store.list(Kind::Users)[1].json().contains("3"));
    }
}
