//! The attributes known SCIM schemas define, for "unknown attribute" warnings.

use crate::load::suggest;
use crate::model::SubjectKind;
use scimdrift_proto::filter::AttrPath;

const CORE_USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const OMNI_ATTRIBUTE_URN: &str = "urn:omni:params:1.0:UserAttribute";
const OMNI_EXTENSION_URN: &str = "urn:omni:params:scim:schemas:extension:user:2.0";

/// Core attributes with their sub-attributes (empty: simple attribute).
const USER_ATTRS: &[(&str, &[&str])] = &[
    ("id", &[]),
    ("externalId", &[]),
    ("userName", &[]),
    ("displayName", &[]),
    ("nickName", &[]),
    ("title", &[]),
    ("userType", &[]),
    ("locale", &[]),
    ("timezone", &[]),
    ("active", &[]),
    ("schemas", &[]),
    (
        "name",
        &[
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        ],
    ),
    ("emails", &["value", "type", "primary", "display"]),
    ("phoneNumbers", &["value", "type", "primary", "display"]),
    ("groups", &["value", "display", "$ref", "type"]),
    ("roles", &["value", "type", "primary", "display"]),
    (
        "meta",
        &[
            "created",
            "lastModified",
            "resourceType",
            "location",
            "version",
        ],
    ),
];
const EMBED_ATTRS: &[(&str, &[&str])] = &[
    ("embedExternalId", &[]),
    ("embedEntity", &[]),
    ("embedEmail", &[]),
];
const ENTERPRISE_ATTRS: &[(&str, &[&str])] = &[
    ("employeeNumber", &[]),
    ("costCenter", &[]),
    ("organization", &[]),
    ("division", &[]),
    ("department", &[]),
    ("manager", &["value", "$ref", "displayName"]),
];

/// `None` when the path exists in a known schema; otherwise `Some(hint)`
/// (possibly `Some(None)`-like: a hint may be absent, so the inner option).
pub fn unknown(path: &AttrPath, kind: SubjectKind) -> Option<Option<String>> {
    let table: Vec<(&str, &[&str])> = match path.urn.as_deref().map(str::to_ascii_lowercase) {
        None => {
            let mut t: Vec<_> = USER_ATTRS.to_vec();
            if kind == SubjectKind::EmbedUser {
                t.extend_from_slice(EMBED_ATTRS);
            }
            t
        }
        Some(urn) if urn == CORE_USER_URN.to_ascii_lowercase() => USER_ATTRS.to_vec(),
        Some(urn) if urn == ENTERPRISE_URN.to_ascii_lowercase() => ENTERPRISE_ATTRS.to_vec(),
        // Omni's custom attributes are defined per organisation: any name goes.
        Some(urn) if urn == OMNI_ATTRIBUTE_URN.to_ascii_lowercase() => return None,
        Some(urn) if urn == OMNI_EXTENSION_URN.to_ascii_lowercase() => {
            vec![("lastLogin", &[][..])]
        }
        Some(_) => {
            return Some(Some(format!(
                "known schema URNs: {OMNI_ATTRIBUTE_URN}, {OMNI_EXTENSION_URN}, {CORE_USER_URN}, {ENTERPRISE_URN}"
            )));
        }
    };
    let found = table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&path.name));
    let Some((_, subs)) = found else {
        let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
        return Some(suggest(&path.name, &names).map(|c| format!("did you mean `{c}`?")));
    };
    match &path.sub {
        None => None,
        Some(sub) if subs.iter().any(|s| s.eq_ignore_ascii_case(sub)) => None,
        Some(sub) => Some(if subs.is_empty() {
            Some(format!("`{}` has no sub-attributes", path.name))
        } else {
            suggest(sub, subs).map(|c| format!("did you mean `{}.{c}`?", path.name))
        }),
    }
}
