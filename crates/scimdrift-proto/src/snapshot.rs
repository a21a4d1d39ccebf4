//! The `scimdrift.snapshot/v1` file format.
//!
//! A snapshot holds the raw SCIM resources exactly as served (as JSON text, so
//! every attribute, including extension attributes, stays available to
//! filters) plus metadata about the fetch. Hand-written snapshots need only
//! `schema`, `groups`, `users` and `embed_users`; everything else has defaults.

use serde::de::{DeserializeOwned, DeserializeSeed, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::sync::Arc;

use crate::projection::{Projection, Str};
use crate::scim::OMNI_USER_EXTENSION_URN;
use rayon::prelude::*;

/// The `schema` value of a v1 snapshot.
pub const SNAPSHOT_SCHEMA: &str = "scimdrift.snapshot/v1";

/// Which kind of server a snapshot was read from.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Omni: users, groups and embed users.
    #[default]
    Omni,
    /// A generic SCIM 2.0 server: users and groups only.
    Scim,
}

/// Where a snapshot came from. Never holds credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSource {
    /// The provider.
    #[serde(default)]
    pub provider: Provider,
    /// The base URL, without credentials, query or fragment.
    #[serde(default)]
    pub base_url: Option<String>,
}

/// Counters describing the fetch that produced a snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchStats {
    /// HTTP requests sent, retries included.
    #[serde(default)]
    pub requests: u64,
    /// Requests that were retries.
    #[serde(default)]
    pub retries: u64,
    /// Answers with status 429.
    #[serde(default)]
    pub rate_limited: u64,
    /// List pages received successfully.
    #[serde(default)]
    pub pages: u64,
    /// Wall time of the whole fetch, in milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// When the fetch started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When the fetch ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

fn default_true() -> bool {
    true
}

/// A snapshot of an org's identity state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_SCHEMA`].
    pub schema: String,
    /// Where the data came from.
    #[serde(default)]
    pub source: SnapshotSource,
    /// When the fetch finished (RFC 3339).
    #[serde(default)]
    pub fetched_at: Option<String>,
    /// Whether every resource was read and every consistency check passed.
    #[serde(default = "default_true")]
    pub complete: bool,
    /// Why the snapshot is incomplete; empty when complete.
    #[serde(default)]
    pub incomplete_reasons: Vec<String>,
    /// Fetch counters.
    #[serde(default)]
    pub stats: FetchStats,
    /// Raw group resources, sorted by id.
    #[serde(default)]
    pub groups: Vec<Resource>,
    /// Raw standard-user resources, sorted by id.
    #[serde(default)]
    pub users: Vec<Resource>,
    /// Raw embed-user resources, sorted by id.
    #[serde(default)]
    pub embed_users: Vec<Resource>,
}

impl Snapshot {
    /// An empty, complete snapshot.
    pub fn new(source: SnapshotSource) -> Self {
        Snapshot {
            schema: SNAPSHOT_SCHEMA.to_owned(),
            source,
            fetched_at: None,
            complete: true,
            incomplete_reasons: Vec::new(),
            stats: FetchStats::default(),
            groups: Vec::new(),
            users: Vec::new(),
            embed_users: Vec::new(),
        }
    }

    /// Sorts every resource list by id (byte order), as the format requires.
    pub fn sort(&mut self) {
        for list in [&mut self.groups, &mut self.users, &mut self.embed_users] {
            list.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }

    /// Marks the snapshot incomplete with a reason.
    pub fn mark_incomplete(&mut self, reason: impl Into<String>) {
        self.complete = false;
        self.incomplete_reasons.push(reason.into());
    }
}

/// Why a JSON value is not a usable SCIM resource.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// The JSON text is not valid JSON.
    #[error("invalid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The resource is not an object or has no string `id`.
    #[error("resource has no string `id`")]
    MissingId,
}

/// The attributes every check reads, decoded once when a resource is wrapped
/// (in the same pass that extracts its `id`), so that nothing has to parse
/// the raw JSON again just to learn a name or a membership.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Core {
    /// `userName` (users and embed users).
    pub user_name: Option<Box<str>>,
    /// `displayName` (groups; users carry one too).
    pub display_name: Option<Box<str>>,
    /// `embedExternalId` (embed users).
    pub embed_external_id: Option<Box<str>>,
    /// `embedEntity` (embed users).
    pub embed_entity: Option<Box<str>>,
    /// The `value` (user id) of each entry of `members` (groups), in order.
    pub members: Option<Vec<Box<str>>>,
}

/// A resource's top-level attributes as [`decode_core`] reads them. A
/// hand-written visitor (not a derived one) so that the same pass can also
/// note where the attributes a subject's activity is dated by lie (see
/// [`ActivityText`]) without making a duplicate `meta` an error.
struct CoreText<'a> {
    id: Option<Cow<'a, str>>,
    user_name: Option<Box<str>>,
    display_name: Option<Box<str>>,
    embed_external_id: Option<Box<str>>,
    embed_entity: Option<Box<str>>,
    members: Option<Vec<MemberValue>>,
    activity: ActivityText,
}

/// Where a resource's Omni user extension object and its `meta` object lie
/// in its text (byte ranges), when each is written once under its exact
/// name: then a reader of `lastLogin` or `meta.created` can decode that
/// small object alone instead of projecting the resource. `ambiguous` when
/// a name occurs twice or in another case, so that only the
/// case-insensitive reading (a projection) can say which one counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ActivityText {
    extension: Option<std::ops::Range<usize>>,
    meta: Option<std::ops::Range<usize>>,
    ambiguous: bool,
}

impl ActivityText {
    /// Notes `value` (a slice of `text`) as the attribute `key`, if it is
    /// one of the two.
    fn note(&mut self, key: &str, text: &str, value: &RawValue) {
        let slot = if key == OMNI_USER_EXTENSION_URN {
            &mut self.extension
        } else if key == "meta" {
            &mut self.meta
        } else {
            self.ambiguous = true;
            return;
        };
        let start = (value.get().as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        let range = start..start + value.get().len();
        if slot.is_some() || text.get(range.clone()) != Some(value.get()) {
            self.ambiguous = true;
        }
        *slot = Some(range);
    }

    /// Whether `key` names one of the two attributes, in any case.
    fn names(key: &str) -> bool {
        key.eq_ignore_ascii_case(OMNI_USER_EXTENSION_URN) || key.eq_ignore_ascii_case("meta")
    }
}

/// The value of the member `name` of the JSON object `text`: `Some(None)`
/// when it has none (or `text` is not an object), `None` when `name` occurs
/// twice or in another case.
fn unique_member<'a>(text: &'a str, name: &str) -> Option<Option<&'a RawValue>> {
    struct Member<'n>(&'n str);
    impl<'de> Visitor<'de> for Member<'_> {
        type Value = Option<Option<&'de RawValue>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            let mut ambiguous = false;
            while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
                if *key == *self.0 {
                    ambiguous |= found.is_some();
                    found = Some(map.next_value::<&'de RawValue>()?);
                } else {
                    ambiguous |= key.eq_ignore_ascii_case(self.0);
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok((!ambiguous).then_some(found))
        }
    }
    if !text.trim_start().starts_with('{') {
        return Some(None);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde::Deserializer::deserialize_map(&mut de, Member(name)).ok()?
}

/// Reads [`CoreText`] from one resource's text.
struct CoreSeed<'a>(&'a str);

impl<'de: 'a, 'a> DeserializeSeed<'de> for CoreSeed<'a> {
    type Value = CoreText<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for CoreSeed<'a> {
    type Value = CoreText<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a SCIM resource object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // Which attributes were seen (a `null` counts), for the duplicate
        // attribute error a derived decoder gives.
        let mut seen = 0u8;
        let mut once = |bit: u8, name: &'static str| {
            if seen & bit != 0 {
                return Err(A::Error::duplicate_field(name));
            }
            seen |= bit;
            Ok(())
        };
        let mut out = CoreText {
            id: None,
            user_name: None,
            display_name: None,
            embed_external_id: None,
            embed_entity: None,
            members: None,
            activity: ActivityText::default(),
        };
        while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
            match &*key {
                "id" => {
                    once(1, "id")?;
                    out.id = map.next_value::<Option<Str<'de>>>()?.map(|s| s.0);
                }
                "userName" => {
                    once(2, "userName")?;
                    out.user_name = map.next_value()?;
                }
                "displayName" => {
                    once(4, "displayName")?;
                    out.display_name = map.next_value()?;
                }
                "embedExternalId" => {
                    once(8, "embedExternalId")?;
                    out.embed_external_id = map.next_value()?;
                }
                "embedEntity" => {
                    once(16, "embedEntity")?;
                    out.embed_entity = map.next_value()?;
                }
                "members" => {
                    once(32, "members")?;
                    out.members = map.next_value()?;
                }
                other if ActivityText::names(other) => {
                    let value: &'de RawValue = map.next_value()?;
                    out.activity.note(other, self.0, value);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
struct MemberValue {
    value: Box<str>,
}

/// One SCIM resource, kept byte-exact as served, with its id and [`Core`]
/// attributes extracted.
#[derive(Clone)]
pub struct Resource {
    id: String,
    text: Text,
    /// The core attributes, or why they have the wrong shape (a `userName`
    /// that is not a string, a member without a `value`, a duplicate key).
    core: Result<Core, String>,
    /// Where its activity attributes lie in `text`.
    activity: ActivityText,
}

/// A resource's JSON text: its own copy, or a slice of the snapshot file it
/// was read from (shared by all the file's resources, so a large file is held
/// in memory once, not twice).
#[derive(Clone)]
enum Text {
    Owned(Box<RawValue>),
    Shared {
        file: Arc<String>,
        start: usize,
        end: usize,
    },
}

impl Text {
    fn get(&self) -> &str {
        match self {
            Text::Owned(raw) => raw.get(),
            Text::Shared { file, start, end } => file.get(*start..*end).unwrap_or("null"),
        }
    }
}

impl std::fmt::Debug for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Resource").field(&self.text.get()).finish()
    }
}

impl PartialEq for Resource {
    /// Two resources are equal when their JSON is equal as values (key order
    /// and whitespace do not matter).
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.to_value() == other.to_value()
    }
}

#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
}

impl Resource {
    /// Wraps raw JSON text, which must be an object with a string `id`.
    pub fn from_raw(raw: Box<RawValue>) -> Result<Self, ResourceError> {
        let (id, core, activity) = decode_core(raw.get())?;
        Ok(Resource {
            id,
            text: Text::Owned(raw),
            core,
            activity,
        })
    }

    /// Wraps `file[start..end]`, the valid JSON text of one resource inside
    /// a snapshot file, without copying it.
    fn from_shared(file: &Arc<String>, start: usize, end: usize) -> Result<Self, ResourceError> {
        let text = file.get(start..end).ok_or(ResourceError::MissingId)?;
        let (id, core, activity) = decode_core(text)?;
        Ok(Resource {
            id,
            text: Text::Shared {
                file: Arc::clone(file),
                start,
                end,
            },
            core,
            activity,
        })
    }

    /// Parses JSON text into a resource.
    pub fn from_json(text: &str) -> Result<Self, ResourceError> {
        let raw: Box<RawValue> = serde_json::from_str(text).map_err(ResourceError::Json)?;
        Self::from_raw(raw)
    }

    /// Builds a resource from a JSON value.
    pub fn from_value(value: &serde_json::Value) -> Result<Self, ResourceError> {
        let text = serde_json::to_string(value).map_err(ResourceError::Json)?;
        Self::from_json(&text)
    }

    /// The resource's `id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The core attributes, or why they have the wrong shape (the serde
    /// message, e.g. "invalid type: integer `5`, expected a string at line 1
    /// column 40").
    pub fn core(&self) -> Result<&Core, &str> {
        self.core.as_ref().map_err(String::as_str)
    }

    /// The raw JSON text exactly as served.
    pub fn json(&self) -> &str {
        self.text.get()
    }

    /// Parses the whole resource into a JSON value (for filters).
    pub fn to_value(&self) -> serde_json::Value {
        // The raw text was valid JSON when it was wrapped, so this cannot fail;
        // fall back to null rather than panic.
        serde_json::from_str(self.json()).unwrap_or(serde_json::Value::Null)
    }

    /// Parses only the attributes `projection` names into a JSON value: a
    /// filter or template that reads only those attributes gives the same
    /// answer on it as on [`Resource::to_value`], for a fraction of the cost.
    pub fn project(&self, projection: &Projection) -> serde_json::Value {
        projection.apply(self.json())
    }

    /// The raw JSON value of the Omni user extension's `lastLogin` (`None`
    /// inside when absent), read without decoding the rest of the resource:
    /// what a subject's activity is dated by. `None` when the extension,
    /// `meta`, or `lastLogin` is written twice or also in another case
    /// (`Meta`, `lastlogin`), or the resource did not decode: then only a
    /// case-insensitive reading of the whole resource (a [`Projection`]) can
    /// say which value counts.
    pub fn last_login_value(&self) -> Option<Option<&RawValue>> {
        self.activity_member(&self.activity.extension, "lastLogin")
    }

    /// The raw JSON value of `meta.created`, as [`Resource::last_login_value`]
    /// reads `lastLogin`.
    pub fn created_value(&self) -> Option<Option<&RawValue>> {
        self.activity_member(&self.activity.meta, "created")
    }

    fn activity_member(
        &self,
        range: &Option<std::ops::Range<usize>>,
        name: &str,
    ) -> Option<Option<&RawValue>> {
        if self.activity.ambiguous {
            return None;
        }
        match range {
            None => Some(None),
            Some(r) => unique_member(self.json().get(r.clone())?, name),
        }
    }

    /// Decodes the resource into a typed view such as [`crate::Group`].
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.json())
    }
}

/// One pass over a resource's text for its id and core attributes; only a
/// resource whose core attributes have the wrong shape is read a second time.
fn decode_core(text: &str) -> Result<(String, Result<Core, String>, ActivityText), ResourceError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let decoded = CoreSeed(text)
        .deserialize(&mut de)
        .and_then(|decoded| de.end().map(|()| decoded));
    match decoded {
        Ok(decoded) => {
            let id = decoded.id.ok_or(ResourceError::MissingId)?.into_owned();
            let core = Core {
                user_name: decoded.user_name,
                display_name: decoded.display_name,
                embed_external_id: decoded.embed_external_id,
                embed_entity: decoded.embed_entity,
                members: decoded
                    .members
                    .map(|list| list.into_iter().map(|m| m.value).collect()),
            };
            Ok((id, Ok(core), decoded.activity))
        }
        Err(err) => {
            let probe: IdOnly<'_> =
                serde_json::from_str(text).map_err(|_| ResourceError::MissingId)?;
            let id = probe.id.ok_or(ResourceError::MissingId)?.into_owned();
            let ambiguous = ActivityText {
                ambiguous: true,
                ..ActivityText::default()
            };
            Ok((id, Err(err.to_string()), ambiguous))
        }
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.text {
            Text::Owned(raw) => raw.serialize(s),
            Text::Shared { .. } => {
                let raw: &RawValue =
                    serde_json::from_str(self.json()).map_err(serde::ser::Error::custom)?;
                raw.serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        Resource::from_raw(raw).map_err(D::Error::custom)
    }
}

/// A snapshot file's fields, with its resources still as text.
#[derive(Deserialize)]
struct SnapshotText<'a> {
    schema: String,
    #[serde(default, deserialize_with = "object")]
    source: SnapshotSource,
    #[serde(default)]
    fetched_at: Option<String>,
    #[serde(default = "default_true")]
    complete: bool,
    #[serde(default)]
    incomplete_reasons: Vec<String>,
    #[serde(default, deserialize_with = "object")]
    stats: FetchStats,
    #[serde(borrow, default)]
    groups: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    users: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    embed_users: Vec<&'a RawValue>,
}

fn check_size(len: usize, max_mb: u64) -> Result<(), SnapshotLoadError> {
    let limit = max_mb.saturating_mul(1024 * 1024);
    if u64::try_from(len).unwrap_or(u64::MAX) > limit {
        return Err(SnapshotLoadError::TooLarge { limit_mb: max_mb });
    }
    Ok(())
}

/// Where the first invalid UTF-8 byte is.
fn utf8_error(bytes: &[u8], err: &std::str::Utf8Error) -> SnapshotLoadError {
    let (line, column) = line_column(bytes, err.valid_up_to());
    SnapshotLoadError::Json {
        line,
        column,
        message: "invalid UTF-8 (a snapshot is UTF-8 JSON text)".to_owned(),
    }
}

/// A struct written as a JSON object only (serde would also take the
/// positional array form, `"stats": [1]`, which no snapshot writer produces).
fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    if !value.is_object() {
        return Err(D::Error::custom("expected a JSON object"));
    }
    T::deserialize(value).map_err(D::Error::custom)
}

/// The 1-based line and column just after `part`, a slice of `body` (where
/// serde_json reports an error in a value it has just read).
fn end_position(body: &[u8], part: &str) -> (usize, usize) {
    let start = (part.as_ptr() as usize).saturating_sub(body.as_ptr() as usize);
    line_column(body, start + part.len())
}

/// The 1-based line and column of byte `offset` of `text` (the column counts
/// bytes; an offset past the end is the end). The one line/column lookup of
/// the workspace: snapshot load errors and the simulator's org loader use it.
///
/// ```
/// use scimdrift_proto::snapshot::line_column;
/// assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
/// ```
pub fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, before.len() - line_start + 1)
}

/// Default largest snapshot file accepted, in MiB (raise it with
/// `SCIMDRIFT_MAX_SNAPSHOT_MB`; the CLI reads that variable).
pub const DEFAULT_MAX_SNAPSHOT_MB: u64 = 1024;

/// Why snapshot bytes are not a usable snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotLoadError {
    /// The file is larger than the configured limit.
    #[error(
        "snapshot is larger than the {limit_mb} MiB limit; raise it with SCIMDRIFT_MAX_SNAPSHOT_MB"
    )]
    TooLarge {
        /// The limit, in MiB.
        limit_mb: u64,
    },
    /// Not JSON, or JSON of the wrong shape (serde_json also refuses nesting
    /// deeper than 128 levels here).
    #[error("{line}:{column}: not a valid snapshot: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The `schema` field names another format.
    #[error("unsupported snapshot schema `{0}` (expected `{SNAPSHOT_SCHEMA}`)")]
    Schema(String),
}

impl Snapshot {
    /// Parses a snapshot file's bytes: refuses more than `max_mb` MiB, skips a
    /// UTF-8 byte-order mark, checks the schema, and fails closed on
    /// implausible content: duplicate ids within a resource type, ids reused
    /// across users and embed users, or `complete: true` with incompleteness
    /// reasons all mark the snapshot incomplete (with the reason) so that no
    /// clean report is ever built on it.
    ///
    /// The file is split into resources in one pass; the resources are then
    /// wrapped (id and [`Core`] attributes decoded) on every core.
    ///
    /// ```
    /// use scimdrift_proto::{Snapshot, SnapshotLoadError};
    ///
    /// let file = br#"{
    ///   "schema": "scimdrift.snapshot/v1",
    ///   "users": [{"id": "u1", "userName": "ann@acme.com"}],
    ///   "groups": [{"id": "g1", "displayName": "Admins", "members": [{"value": "u1"}]}]
    /// }"#;
    /// let snapshot = Snapshot::from_json_bytes(file, 1)?;
    /// assert!(snapshot.complete);
    /// assert_eq!(snapshot.users[0].id(), "u1");
    /// let core = snapshot.users[0].core().unwrap();
    /// assert_eq!(core.user_name.as_deref(), Some("ann@acme.com"));
    /// // Resources are kept byte-exact as they were in the file.
    /// assert_eq!(snapshot.users[0].json(), r#"{"id": "u1", "userName": "ann@acme.com"}"#);
    ///
    /// // The same id twice cannot be trusted: the snapshot is marked incomplete.
    /// let twice = br#"{"schema": "scimdrift.snapshot/v1", "users": [{"id": "u1"}, {"id": "u1"}]}"#;
    /// let snapshot = Snapshot::from_json_bytes(twice, 1)?;
    /// assert!(!snapshot.complete);
    /// assert_eq!(snapshot.incomplete_reasons, ["duplicate id `u1` in `users`"]);
    ///
    /// // Errors name the line and column.
    /// let err = Snapshot::from_json_bytes(b"{\"schema\": \"other/v2\"}", 1).unwrap_err();
    /// assert!(matches!(err, SnapshotLoadError::Schema(ref s) if s == "other/v2"));
    /// let err = Snapshot::from_json_bytes(b"{\n  \"users\": [}", 1).unwrap_err();
    /// assert!(err.to_string().starts_with("2:13: not a valid snapshot: "), "{err}");
    /// # Ok::<(), SnapshotLoadError>(())
    /// ```
    pub fn from_json_bytes(bytes: &[u8], max_mb: u64) -> Result<Snapshot, SnapshotLoadError> {
        check_size(bytes.len(), max_mb)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Snapshot::from_json_text(Arc::new(text.to_owned()), max_mb),
            Err(err) => Err(utf8_error(bytes, &err)),
        }
    }

    /// [`Snapshot::from_json_bytes`] on text already in memory, without
    /// copying it: every resource is a slice of `text` (which the snapshot
    /// then shares).
    ///
    /// ```
    /// use scimdrift_proto::Snapshot;
    /// use std::sync::Arc;
    ///
    /// let text = Arc::new(r#"{"schema": "scimdrift.snapshot/v1", "embed_users": [
    ///     {"id": "e1", "userName": "a@embed", "embedEntity": "Acme"}]}"#.to_owned());
    /// let snapshot = Snapshot::from_json_text(Arc::clone(&text), 1)?;
    /// let e1 = &snapshot.embed_users[0];
    /// assert_eq!(e1.core().unwrap().embed_entity.as_deref(), Some("Acme"));
    /// // The resource is a slice of `text`, not a copy.
    /// assert!(text.contains(e1.json()));
    /// # Ok::<(), scimdrift_proto::SnapshotLoadError>(())
    /// ```
    pub fn from_json_text(text: Arc<String>, max_mb: u64) -> Result<Snapshot, SnapshotLoadError> {
        check_size(text.len(), max_mb)?;
        let whole: &str = &text;
        let body = whole.strip_prefix('\u{feff}').unwrap_or(whole);
        let parsed: SnapshotText<'_> = serde_json::from_str(body).map_err(|err| {
            let text = err.to_string();
            let suffix = format!(" at line {} column {}", err.line(), err.column());
            SnapshotLoadError::Json {
                line: err.line(),
                column: err.column(),
                message: text.strip_suffix(&suffix).unwrap_or(&text).to_owned(),
            }
        })?;
        if parsed.schema != SNAPSHOT_SCHEMA {
            return Err(SnapshotLoadError::Schema(parsed.schema));
        }
        let base = whole.as_ptr() as usize;
        let wrap = |list: Vec<&RawValue>| -> Result<Vec<Resource>, SnapshotLoadError> {
            list.into_par_iter()
                .map(|raw| {
                    let start = (raw.get().as_ptr() as usize).saturating_sub(base);
                    Resource::from_shared(&text, start, start + raw.get().len()).map_err(|err| {
                        let (line, column) = end_position(body.as_bytes(), raw.get());
                        SnapshotLoadError::Json {
                            line,
                            column,
                            message: err.to_string(),
                        }
                    })
                })
                .collect()
        };
        let groups = wrap(parsed.groups)?;
        let users = wrap(parsed.users)?;
        let embed_users = wrap(parsed.embed_users)?;
        let mut snapshot = Snapshot {
            schema: parsed.schema,
            source: parsed.source,
            fetched_at: parsed.fetched_at,
            complete: parsed.complete,
            incomplete_reasons: parsed.incomplete_reasons,
            stats: parsed.stats,
            groups,
            users,
            embed_users,
        };
        snapshot.check_plausible();
        Ok(snapshot)
    }

    /// Marks the snapshot incomplete when its content cannot be trusted.
    fn check_plausible(&mut self) {
        let mut reasons = Vec::new();
        if self.complete && !self.incomplete_reasons.is_empty() {
            reasons.push("the snapshot says it is complete but lists reasons it is not".to_owned());
        }
        // Ids sorted (a fetched snapshot already is), so that duplicates are
        // neighbours and ids shared by users and embed users meet in one
        // merge: no hashing of a million ids.
        fn sorted(list: &[Resource]) -> Vec<&str> {
            let mut ids: Vec<&str> = list.iter().map(Resource::id).collect();
            if !ids.is_sorted() {
                ids.par_sort_unstable();
            }
            ids
        }
        fn duplicates(ids: &[&str], kind: &str, reasons: &mut Vec<String>) {
            let mut k = 0;
            while k < ids.len() {
                let run = ids[k..].iter().take_while(|id| **id == ids[k]).count();
                if run > 1 {
                    reasons.push(format!("duplicate id `{}` in `{kind}`", ids[k]));
                }
                k += run;
            }
        }
        let (groups, (users, embed)) = rayon::join(
            || sorted(&self.groups),
            || rayon::join(|| sorted(&self.users), || sorted(&self.embed_users)),
        );
        duplicates(&groups, "groups", &mut reasons);
        duplicates(&users, "users", &mut reasons);
        let (mut i, mut j) = (0, 0);
        while let (Some(u), Some(e)) = (users.get(i), embed.get(j)) {
            match u.cmp(e) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    reasons.push(format!(
                        "id `{u}` is both a user and an embed user: group members are ambiguous"
                    ));
                    while users.get(i) == Some(u) {
                        i += 1;
                    }
                    while embed.get(j) == Some(e) {
                        j += 1;
                    }
                }
            }
        }
        duplicates(&embed, "embed_users", &mut reasons);
        for reason in reasons {
            self.mark_incomplete(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_snapshot_has_defaults() {
        let s: Snapshot = serde_json::from_str(
            r#"{"schema":"scimdrift.snapshot/v1","groups":[{"id":"g","displayName":"G"}],"users":[],"embed_users":[]}"#,
        )
        .unwrap();
        assert!(s.complete);
        assert_eq!(s.groups[0].id(), "g");
        assert_eq!(s.groups[0].json(), r#"{"id":"g","displayName":"G"}"#);
    }

    #[test]
    fn resource_without_id_is_rejected() {
        assert!(Resource::from_json(r#"{"displayName":"G"}"#).is_err());
        assert!(Resource::from_json(r#"[1]"#).is_err());
        assert!(Resource::from_json(r#"{"id":5}"#).is_err());
    }

    #[test]
    fn activity_values_are_read_only_when_unambiguous() {
        const EXT: &str = "urn:omni:params:scim:schemas:extension:user:2.0";
        let values = |json: &str| {
            let r = Resource::from_json(json).unwrap();
            let raw = |v: Option<Option<&RawValue>>| v.map(|v| v.map(|v| v.get().to_owned()));
            raw(r.last_login_value()).zip(raw(r.created_value()))
        };
        let both = format!(
            r#"{{"id":"u","{EXT}":{{"lastLogin":"2026-06-02T09:15:00Z","x":1}},"meta":{{"created":null}}}}"#
        );
        assert_eq!(
            values(&both),
            Some((
                Some(r#""2026-06-02T09:15:00Z""#.into()),
                Some("null".into())
            ))
        );
        assert_eq!(values(r#"{"id":"u"}"#), Some((None, None)));
        assert_eq!(
            values(&format!(r#"{{"id":"u","{EXT}":"x","meta":[]}}"#)),
            Some((None, None))
        );
        // Another spelling, or a repeat, of any of the four names: undecided.
        for json in [
            format!(r#"{{"id":"u","{}":{{}}}}"#, EXT.to_uppercase()),
            r#"{"id":"u","Meta":{"created":"2020-01-01T00:00:00Z"}}"#.to_owned(),
            r#"{"id":"u","meta":{},"meta":{}}"#.to_owned(),
            r#"{"id":"u","meta":{"created":"a","Created":"b"}}"#.to_owned(),
            format!(r#"{{"id":"u","{EXT}":{{"lastLogin":1,"lastLogin":2}}}}"#),
            r#"{"id":"u","userName":5}"#.to_owned(),
        ] {
            assert_eq!(values(&json), None, "{json}");
        }
    }

    #[test]
    fn core_decoding_keeps_its_errors() {
        let core = |json: &str| {
            Resource::from_json(json)
                .unwrap()
                .core()
                .map(|_| ())
                .map_err(str::to_owned)
        };
        assert_eq!(
            core(r#"{"id":"u","userName":null,"userName":"a"}"#),
            Err("duplicate field `userName` at line 1 column 36".into())
        );
        assert_eq!(
            core(r#"{"id":"u","userName":5}"#),
            Err("invalid type: integer `5`, expected a string at line 1 column 22".into())
        );
        // Repeated activity attributes are not a core error.
        assert_eq!(core(r#"{"id":"u","meta":{},"meta":{}}"#), Ok(()));
        // An escaped id is decoded, not refused.
        assert_eq!(
            Resource::from_json(r#"{"id":"a\u0062"}"#).unwrap().id(),
            "ab"
        );
    }

    #[test]
    fn raw_survives_round_trip() {
        let text = r#"{"schema":"scimdrift.snapshot/v1","groups":[{"id":"b","x":{"y":[1,2.50]}},{"id":"a"}]}"#;
        let mut s: Snapshot = serde_json::from_str(text).unwrap();
        s.sort();
        let out = serde_json::to_string(&s).unwrap();
        assert!(
            out.contains(r#"[{"id":"a"},{"id":"b","x":{"y":[1,2.50]}}]"#),
            "{out}"
        );
    }

    #[test]
    fn loaded_resources_share_the_file_and_serialize_as_read() {
        let text = "{\"schema\":\"scimdrift.snapshot/v1\",\"groups\":[{\"id\":\"g\", \"members\":[{\"value\":\"u\"}]}],\n\"users\":[{\"id\":\"u\",\"userName\":\"Ann\",\"x\":[1,2.50]}]}";
        let shared = Snapshot::from_json_bytes(text.as_bytes(), 1).unwrap();
        let owned: Snapshot = serde_json::from_str(text).unwrap();
        assert_eq!(
            shared.users[0].json(),
            r#"{"id":"u","userName":"Ann","x":[1,2.50]}"#
        );
        assert_eq!(
            shared.groups[0].json(),
            r#"{"id":"g", "members":[{"value":"u"}]}"#
        );
        assert_eq!(
            serde_json::to_string(&shared).unwrap(),
            serde_json::to_string(&owned).unwrap()
        );
        assert_eq!(shared.users, owned.users);
        let core = shared.users[0].core().unwrap();
        assert_eq!(core.user_name.as_deref(), Some("Ann"));
        assert_eq!(
            shared.groups[0].core().unwrap().members.as_deref(),
            Some(&["u".into()][..])
        );
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_position() {
        let mut bytes = b"{\"schema\":\"scimdrift.snapshot/v1\",\n\"users\":[{\"id\":\"".to_vec();
        bytes.extend_from_slice(&[0xff, b'"', b'}', b']', b'}']);
        let err = Snapshot::from_json_bytes(&bytes, 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2:17: not a valid snapshot: invalid UTF-8 (a snapshot is UTF-8 JSON text)"
        );
    }

    #[test]
    fn a_missing_id_is_reported_where_the_resource_ends() {
        let text = "{\"schema\":\"scimdrift.snapshot/v1\",\n  \"groups\": [{\"id\":\"g\"},\n {\"displayName\":\"x\"}]}";
        let err = Snapshot::from_json_bytes(text.as_bytes(), 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "3:21: not a valid snapshot: resource has no string `id`"
        );
    }

    #[test]
    fn duplicate_and_shared_ids_are_named_once_each_in_id_order() {
        let text = r#"{"schema":"scimdrift.snapshot/v1",
            "groups":[{"id":"g"},{"id":"g"}],
            "users":[{"id":"u2"},{"id":"x"},{"id":"u1"},{"id":"u2"},{"id":"u2"}],
            "embed_users":[{"id":"x"},{"id":"e"},{"id":"u1"},{"id":"e"}]}"#;
        let s = Snapshot::from_json_bytes(text.as_bytes(), 1).unwrap();
        assert!(!s.complete);
        assert_eq!(
            s.incomplete_reasons,
            [
                "duplicate id `g` in `groups`",
                "duplicate id `u2` in `users`",
                "id `u1` is both a user and an embed user: group members are ambiguous",
                "id `x` is both a user and an embed user: group members are ambiguous",
                "duplicate id `e` in `embed_users`",
            ]
        );
    }

    #[test]
    fn metadata_objects_are_objects() {
        for field in ["stats", "source"] {
            let text = format!(r#"{{"schema":"scimdrift.snapshot/v1","{field}":[1]}}"#);
            let err = Snapshot::from_json_bytes(text.as_bytes(), 1).unwrap_err();
            assert!(err.to_string().contains("expected a JSON object"), "{err}");
        }
    }
}
