//! The attributes known SCIM schemas define and the JSON types of their
//! values, for "unknown attribute" and "literal of the wrong type" warnings;
//! and the types a snapshot shows ([`SeenTypes`]), for attributes no schema
//! types (Omni's per-organisation custom attributes, other extensions).

use crate::load::suggest;
use crate::model::SubjectKind;
use scimdrift_proto::filter::AttrPath;
use scimdrift_proto::scim::{OMNI_USER_ATTRIBUTE_URN, OMNI_USER_EXTENSION_URN, USER_URN};
use scimdrift_proto::{Projection, Snapshot};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The enterprise extension (RFC 7643 §4.3); scimdrift-proto has no
/// constant for it because nothing else reads it.
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A set of JSON value types an attribute holds (a multi-valued attribute:
/// its values; a complex attribute compared without a sub-attribute: its
/// `value`, as the evaluator compares it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Types(u8);

impl Types {
    /// Strings.
    pub(crate) const STRING: Types = Types(1);
    /// Numbers.
    pub(crate) const NUMBER: Types = Types(2);
    /// Booleans.
    pub(crate) const BOOLEAN: Types = Types(4);
    /// Strings holding RFC 3339 timestamps (SCIM's dateTime).
    pub(crate) const DATE_TIME: Types = Types(8 | 1);
    /// Something no literal is compared with: an object without a scalar
    /// `value`, an array inside an array. A set holding it is never linted.
    const OTHER: Types = Types(16);

    fn union(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    pub(crate) fn has(self, other: Types) -> bool {
        self.0 & other.0 == other.0
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The types in words, plural: `booleans`, `numbers and strings`.
    pub(crate) fn describe(self) -> String {
        let mut words = Vec::new();
        if self.has(Types::BOOLEAN) {
            words.push("booleans");
        }
        if self.has(Types::DATE_TIME) {
            words.push("dateTimes");
        } else if self.has(Types::STRING) {
            words.push("strings");
        }
        if self.has(Types::NUMBER) {
            words.push("numbers");
        }
        match words.as_slice() {
            [] => "nothing".to_owned(),
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }
}

/// One attribute of a known schema: its name, the type it compares as, and
/// its sub-attributes with theirs (empty: a simple attribute).
struct Attr {
    name: &'static str,
    /// `None` for a complex attribute without `value` (`name`, `meta`):
    /// compared whole, it matches nothing, so no literal type is wrong.
    ty: Option<Types>,
    subs: &'static [(&'static str, Types)],
}

const S: Types = Types::STRING;
const B: Types = Types::BOOLEAN;
const DT: Types = Types::DATE_TIME;

const fn simple(name: &'static str, ty: Types) -> Attr {
    Attr {
        name,
        ty: Some(ty),
        subs: &[],
    }
}

/// The sub-attributes of the multi-valued `emails`, `phoneNumbers`, `roles`.
const MULTI: &[(&str, Types)] = &[("value", S), ("type", S), ("primary", B), ("display", S)];

/// Core User attributes (RFC 7643 §4.1).
const USER_ATTRS: &[Attr] = &[
    simple("id", S),
    simple("externalId", S),
    simple("userName", S),
    simple("displayName", S),
    simple("nickName", S),
    simple("title", S),
    simple("userType", S),
    simple("locale", S),
    simple("timezone", S),
    simple("active", B),
    simple("schemas", S),
    Attr {
        name: "name",
        ty: None,
        subs: &[
            ("formatted", S),
            ("familyName", S),
            ("givenName", S),
            ("middleName", S),
            ("honorificPrefix", S),
            ("honorificSuffix", S),
        ],
    },
    Attr {
        name: "emails",
        ty: Some(S),
        subs: MULTI,
    },
    Attr {
        name: "phoneNumbers",
        ty: Some(S),
        subs: MULTI,
    },
    Attr {
        name: "groups",
        ty: Some(S),
        subs: &[("value", S), ("display", S), ("$ref", S), ("type", S)],
    },
    Attr {
        name: "roles",
        ty: Some(S),
        subs: MULTI,
    },
    Attr {
        name: "meta",
        ty: None,
        subs: &[
            ("created", DT),
            ("lastModified", DT),
            ("resourceType", S),
            ("location", S),
            ("version", S),
        ],
    },
];
/// Omni's embed-user attributes (`omni-scim-api.md`).
const EMBED_ATTRS: &[Attr] = &[
    simple("embedExternalId", S),
    simple("embedEntity", S),
    simple("embedEmail", S),
];
/// The enterprise extension's attributes (RFC 7643 §4.3).
const ENTERPRISE_ATTRS: &[Attr] = &[
    simple("employeeNumber", S),
    simple("costCenter", S),
    simple("organization", S),
    simple("division", S),
    simple("department", S),
    Attr {
        name: "manager",
        ty: Some(S),
        subs: &[("value", S), ("$ref", S), ("displayName", S)],
    },
];
/// Omni's user extension (`omni-scim-api.md`).
const OMNI_EXTENSION_ATTRS: &[Attr] = &[simple("lastLogin", DT)];

/// The attribute table a path's URN selects: `Ok(None)` for Omni's custom
/// attributes (any name goes), `Err(hint)` for an unknown URN.
fn table(path: &AttrPath, kind: SubjectKind) -> Result<Option<Vec<&'static Attr>>, String> {
    let urn = path.urn.as_deref();
    let is = |known: &str| urn.is_some_and(|u| u.eq_ignore_ascii_case(known));
    Ok(Some(match urn {
        None => {
            let mut t: Vec<&Attr> = USER_ATTRS.iter().collect();
            if kind == SubjectKind::EmbedUser {
                t.extend(EMBED_ATTRS);
            }
            t
        }
        Some(_) if is(USER_URN) => USER_ATTRS.iter().collect(),
        Some(_) if is(ENTERPRISE_URN) => ENTERPRISE_ATTRS.iter().collect(),
        // Omni's custom attributes are defined per organisation: any name goes.
        Some(_) if is(OMNI_USER_ATTRIBUTE_URN) => return Ok(None),
        Some(_) if is(OMNI_USER_EXTENSION_URN) => OMNI_EXTENSION_ATTRS.iter().collect(),
        Some(_) => {
            return Err(format!(
                "known schema URNs: {OMNI_USER_ATTRIBUTE_URN}, {OMNI_USER_EXTENSION_URN}, {USER_URN}, {ENTERPRISE_URN}"
            ));
        }
    }))
}

/// `None` when the path exists in a known schema; otherwise `Some(hint)`
/// (possibly `Some(None)`-like: a hint may be absent, so the inner option).
pub fn unknown(path: &AttrPath, kind: SubjectKind) -> Option<Option<String>> {
    let table = match table(path, kind) {
        Ok(Some(t)) => t,
        Ok(None) => return None,
        Err(hint) => return Some(Some(hint)),
    };
    let found = table
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(&path.name));
    let Some(attr) = found else {
        let names: Vec<&str> = table.iter().map(|a| a.name).collect();
        return Some(suggest(&path.name, &names).map(|c| format!("did you mean `{c}`?")));
    };
    match &path.sub {
        None => None,
        Some(sub) if attr.subs.iter().any(|(s, _)| s.eq_ignore_ascii_case(sub)) => None,
        Some(sub) => Some(if attr.subs.is_empty() {
            Some(format!("`{}` has no sub-attributes", path.name))
        } else {
            let names: Vec<&str> = attr.subs.iter().map(|(n, _)| *n).collect();
            suggest(sub, &names).map(|c| format!("did you mean `{}.{c}`?", path.name))
        }),
    }
}

/// The types a known schema gives the path's values; `None` for a path no
/// known schema types.
pub(crate) fn known_types(path: &AttrPath, kind: SubjectKind) -> Option<Types> {
    let table = table(path, kind).ok()??;
    let attr = table
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(&path.name))?;
    match &path.sub {
        None => attr.ty,
        Some(sub) => attr
            .subs
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(sub))
            .map(|(_, t)| *t),
    }
}

/// A path as [`SeenTypes`] keys it: URN, name and sub-attribute, lowercased
/// (SCIM names are case-insensitive); the core User URN is no URN.
type Key = (Option<String>, String, Option<String>);

fn key(urn: Option<&str>, name: &str, sub: Option<&str>) -> Key {
    let urn = urn.filter(|u| !u.eq_ignore_ascii_case(USER_URN));
    (
        urn.map(str::to_ascii_lowercase),
        name.to_ascii_lowercase(),
        sub.map(str::to_ascii_lowercase),
    )
}

/// The types each attribute path holds in a snapshot, per kind of subject,
/// so `validate --snapshot` can lint comparisons with attributes no schema
/// types.
///
/// ```
/// use scimdrift_proto::{Resource, Snapshot, SnapshotSource};
/// use scimdrift_reconcile::{PolicySource, SeenTypes, load_policies, load_policies_seeing};
///
/// let mut snapshot = Snapshot::new(SnapshotSource::default());
/// snapshot.embed_users.push(Resource::from_json(
///     r#"{"id":"u1","userName":"a","urn:omni:params:1.0:UserAttribute":{"seats":3}}"#,
/// )?);
/// let seen = SeenTypes::learn(&snapshot);
/// let policy = PolicySource {
///     path: "embed.yaml".into(),
///     contents: "version: 1\nembed_users:\n  - id: big\n    where: 'urn:omni:params:1.0:UserAttribute:seats eq \"3\"'\n    must_be_in: [Big]\n".into(),
/// };
/// let loaded = load_policies_seeing(&[policy.clone()], &seen).expect("loads, with a warning");
/// assert_eq!(
///     loaded.warnings[0].hint.as_deref(),
///     Some("did you mean `urn:omni:params:1.0:UserAttribute:seats eq 3`?")
/// );
/// // Without the data nothing is known about `seats`.
/// assert!(load_policies(&[policy]).expect("loads").warnings.is_empty());
/// # Ok::<(), scimdrift_proto::snapshot::ResourceError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SeenTypes {
    users: BTreeMap<Key, Types>,
    embed_users: BTreeMap<Key, Types>,
}

impl SeenTypes {
    /// Reads every user and embed user of the snapshot once.
    pub fn learn(snapshot: &Snapshot) -> SeenTypes {
        let everything = Projection::everything();
        let mut seen = SeenTypes::default();
        for (resources, map) in [
            (&snapshot.users, &mut seen.users),
            (&snapshot.embed_users, &mut seen.embed_users),
        ] {
            for r in resources {
                if let Value::Object(obj) = r.project(&everything) {
                    learn_resource(&obj, map);
                }
            }
        }
        seen
    }

    /// The types the snapshot shows at `path` for subjects of `kind`; `None`
    /// when it shows none, or something no literal is compared with.
    pub(crate) fn types(&self, path: &AttrPath, kind: SubjectKind) -> Option<Types> {
        let map = match kind {
            SubjectKind::User => &self.users,
            SubjectKind::EmbedUser => &self.embed_users,
        };
        let t = *map.get(&key(path.urn.as_deref(), &path.name, path.sub.as_deref()))?;
        (!t.is_empty() && !t.has(Types::OTHER)).then_some(t)
    }
}

/// Records one resource's attributes, as the evaluator finds them: top-level
/// names, names inside extension objects under their URN, and (when the
/// top level lacks them) extension names without their URN.
fn learn_resource(obj: &Map<String, Value>, map: &mut BTreeMap<Key, Types>) {
    for (k, v) in obj {
        let is_urn = k.len() > 4 && k[..4].eq_ignore_ascii_case("urn:");
        match v {
            Value::Object(ext) if is_urn => {
                for (name, ev) in ext {
                    learn_attr(Some(k), name, ev, map);
                    if !obj.keys().any(|top| top.eq_ignore_ascii_case(name)) {
                        learn_attr(None, name, ev, map);
                    }
                }
            }
            _ => learn_attr(None, k, v, map),
        }
    }
}

/// Records an attribute's own types and its sub-attributes' types.
fn learn_attr(urn: Option<&str>, name: &str, v: &Value, map: &mut BTreeMap<Key, Types>) {
    add(map, key(urn, name, None), compared(v, true));
    let mut subs = |item: &Value| {
        if let Value::Object(o) = item {
            for (sub, sv) in o {
                add(map, key(urn, name, Some(sub)), compared(sv, false));
            }
        }
    };
    match v {
        Value::Array(items) => items.iter().for_each(&mut subs),
        v => subs(v),
    }
}

fn add(map: &mut BTreeMap<Key, Types>, key: Key, t: Types) {
    if !t.is_empty() {
        let e = map.entry(key).or_default();
        *e = e.union(t);
    }
}

/// The types a value compares as: arrays flattened (one level), `null`
/// nothing, an object (at the attribute level) its scalar `value`.
fn compared(v: &Value, top: bool) -> Types {
    match v {
        Value::Null => Types::default(),
        Value::String(_) => Types::STRING,
        Value::Number(_) => Types::NUMBER,
        Value::Bool(_) => Types::BOOLEAN,
        Value::Array(items) => items.iter().fold(Types::default(), |acc, item| {
            acc.union(match item {
                Value::Array(_) => Types::OTHER,
                item => compared(item, top),
            })
        }),
        Value::Object(o) if top => match o.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")) {
            Some((_, inner @ (Value::String(_) | Value::Number(_) | Value::Bool(_)))) => {
                compared(inner, false)
            }
            _ => Types::OTHER,
        },
        Value::Object(_) => Types::OTHER,
    }
}
