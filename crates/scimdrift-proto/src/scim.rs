//! Serde types mirroring SCIM 2.0 resources as Omni serves them.
//!
//! Input is read leniently: unknown fields are ignored (the raw JSON of every
//! resource is kept separately in [`crate::Resource`], so nothing is lost) and
//! almost every field is optional. Output is exact: absent optional fields are
//! not written.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// URN of the SCIM core User schema.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the SCIM core Group schema.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the SCIM list response envelope.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// URN of the SCIM error message.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// URN of the SCIM PATCH request message.
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// URN of Omni's custom user attribute extension.
pub const OMNI_USER_ATTRIBUTE_URN: &str = "urn:omni:params:1.0:UserAttribute";
/// URN of Omni's user extension (holds `lastLogin`).
pub const OMNI_USER_EXTENSION_URN: &str = "urn:omni:params:scim:schemas:extension:user:2.0";

/// Resource metadata (`meta`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Creation time, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last modification time, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// `User` or `Group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The resource's canonical URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Entity tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A group member: `{value: <user id>, display: <email>}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's user id.
    pub value: String,
    /// The member's display value (Omni: the email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// URI of the member resource.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `User` or `Group`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A group as served by `/groups`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Opaque group id (e.g. `mEhXj6ZI`).
    pub id: String,
    /// Display name (Omni caps it at 64 characters).
    #[serde(default)]
    pub display_name: String,
    /// Members; absent when the server omits them (e.g. `excludedAttributes=members`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Schema URNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
}

/// An email address of a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The address.
    #[serde(default)]
    pub value: String,
    /// Whether this is the primary address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// `work`, `home`, ...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A human-readable label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// Omni's user extension (`urn:omni:params:scim:schemas:extension:user:2.0`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OmniUserExtension {
    /// When the user last logged in (RFC 3339); absent or null if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<String>,
}

/// A user's group reference: `{value: <group id>, display: <group name>}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    /// The group id.
    pub value: String,
    /// The group's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// URI of the group resource.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A standard user as served by `/users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id (a UUID on Omni).
    pub id: String,
    /// Login name (an email on Omni).
    #[serde(default)]
    pub user_name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the user is active; absent means active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    /// Groups the user belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupRef>,
    /// Identifier set by the provisioning client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Omni's custom user attributes (`urn:omni:params:1.0:UserAttribute`):
    /// attribute reference → string, number, boolean, array or null.
    #[serde(
        rename = "urn:omni:params:1.0:UserAttribute",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_attributes: Option<BTreeMap<String, Value>>,
    /// Omni's user extension (holds `lastLogin`).
    #[serde(
        rename = "urn:omni:params:scim:schemas:extension:user:2.0",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub omni: Option<OmniUserExtension>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Schema URNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
}

/// An embed user as served by `/embed/users`: a user plus the embed fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbedUser {
    /// User id.
    pub id: String,
    /// A generated address, not a real email.
    #[serde(default)]
    pub user_name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the user is active; absent means active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    /// Groups the user belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupRef>,
    /// The embedding application's id for the person (case-sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_external_id: Option<String>,
    /// The tenant; may be absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_entity: Option<String>,
    /// The person's email; may be null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_email: Option<String>,
    /// Omni's custom user attributes (`urn:omni:params:1.0:UserAttribute`):
    /// attribute reference → string, number, boolean, array or null.
    #[serde(
        rename = "urn:omni:params:1.0:UserAttribute",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_attributes: Option<BTreeMap<String, Value>>,
    /// Omni's user extension (holds `lastLogin`).
    #[serde(
        rename = "urn:omni:params:scim:schemas:extension:user:2.0",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub omni: Option<OmniUserExtension>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Schema URNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
}

/// The SCIM list response envelope. `Resources` may be absent when empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// Schema URNs (the list response URN).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Total number of results across all pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_results: Option<u64>,
    /// 1-based index of the first result on this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    /// Number of results on this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_per_page: Option<u64>,
    /// The page's resources.
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
}

/// A SCIM error message. `status` is accepted as a string or a number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimError {
    /// Schema URNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// HTTP status code.
    #[serde(
        default,
        deserialize_with = "status_from_string_or_number",
        serialize_with = "status_as_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<u16>,
    /// SCIM error type (`invalidFilter`, `tooMany`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Non-SCIM error bodies seen from Omni: `{"error": …, "message": …}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// See [`ScimError::error`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ScimError {
    /// The most useful human-readable text the body carries, if any:
    /// `detail`, else `message`, else `error`.
    pub fn summary(&self) -> Option<&str> {
        [&self.detail, &self.message, &self.error]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
    }
}

/// RFC 7644 §3.12: `status` is the HTTP status code as a JSON string.
fn status_as_string<S: Serializer>(status: &Option<u16>, s: S) -> Result<S::Ok, S::Error> {
    match status {
        Some(code) => s.serialize_str(&code.to_string()),
        None => s.serialize_none(),
    }
}

fn status_from_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(match value {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A SCIM PATCH request (`urn:ietf:params:scim:api:messages:2.0:PatchOp`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOp {
    /// Schema URNs (the PatchOp URN).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The operations, applied in order (`Operations`; `operations` accepted).
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchOp {
    /// A PATCH request with the PatchOp schema URN.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        PatchOp {
            schemas: vec![PATCH_OP_URN.to_owned()],
            operations,
        }
    }
}

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `remove` or `replace` (servers vary in case).
    pub op: String,
    /// Attribute path, possibly with a value filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value to add or replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_status_as_string_or_number() {
        let a: ScimError = serde_json::from_str(r#"{"status":"404","detail":"x"}"#).unwrap();
        let b: ScimError = serde_json::from_str(r#"{"status":404}"#).unwrap();
        let c: ScimError = serde_json::from_str(r#"{"error":"nope","message":"m"}"#).unwrap();
        assert_eq!(a.status, Some(404));
        assert_eq!(b.status, Some(404));
        assert_eq!(c.status, None);
    }

    #[test]
    fn list_response_without_resources() {
        let r: ListResponse<Group> =
            serde_json::from_str(r#"{"schemas":[],"totalResults":0}"#).unwrap();
        assert!(r.resources.is_empty());
        assert_eq!(r.total_results, Some(0));
    }

    #[test]
    fn embed_user_lenient() {
        let u: EmbedUser = serde_json::from_str(
            r#"{"id":"u1","userName":"x@embed","embedExternalId":"E1","embedEmail":null,"weird":1}"#,
        )
        .unwrap();
        assert_eq!(u.embed_external_id.as_deref(), Some("E1"));
        assert_eq!(u.embed_email, None);
        assert_eq!(u.embed_entity, None);
    }

    #[test]
    fn omni_user_decodes_leniently_and_encodes_exactly() {
        let text = r#"{
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "9f3c2a10-0000-4000-8000-000000000001",
            "userName": "ann@acme.com",
            "displayName": "Ann",
            "active": true,
            "emails": [{"primary": true, "value": "ann@acme.com"}],
            "groups": [{"display": "Admins", "value": "mEhXj6ZI"}],
            "meta": {"created": "2024-01-15T10:30:00Z", "lastModified": "2024-06-01T12:00:00Z", "resourceType": "User"},
            "urn:omni:params:1.0:UserAttribute": {"region": "eu", "level": 3, "tags": ["a"], "none": null},
            "urn:omni:params:scim:schemas:extension:user:2.0": {"lastLogin": null},
            "somethingNew": {"x": 1}
        }"#;
        let u: User = serde_json::from_str(text).unwrap();
        assert_eq!(u.groups[0].value, "mEhXj6ZI");
        assert_eq!(u.omni, Some(OmniUserExtension { last_login: None }));
        let attrs = u.user_attributes.as_ref().unwrap();
        assert_eq!(attrs["level"], serde_json::json!(3));
        insta::assert_snapshot!(serde_json::to_string(&u).unwrap(), @r#"{"id":"9f3c2a10-0000-4000-8000-000000000001","userName":"ann@acme.com","displayName":"Ann","active":true,"emails":[{"value":"ann@acme.com","primary":true}],"groups":[{"value":"mEhXj6ZI","display":"Admins"}],"urn:omni:params:1.0:UserAttribute":{"level":3,"none":null,"region":"eu","tags":["a"]},"urn:omni:params:scim:schemas:extension:user:2.0":{},"meta":{"created":"2024-01-15T10:30:00Z","lastModified":"2024-06-01T12:00:00Z","resourceType":"User"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}"#);
    }

    #[test]
    fn group_and_embed_user_minimal_shapes() {
        let g: Group = serde_json::from_str(
            r#"{"id":"a_b-1","displayName":"Tenant 17","members":[{"display":"x@y.z","value":"u1"}],"meta":{"resourceType":"Group"}}"#,
        )
        .unwrap();
        assert_eq!(g.members[0].display.as_deref(), Some("x@y.z"));
        let g: Group = serde_json::from_str(r#"{"id":"g"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            r#"{"id":"g","displayName":""}"#
        );
        let e: EmbedUser = serde_json::from_str(
            r#"{"id":"e","userName":"gen@embed","embedExternalId":"P-9","embedEntity":"tenant-17","urn:omni:params:scim:schemas:extension:user:2.0":{"lastLogin":"2024-06-30T23:59:59Z"}}"#,
        )
        .unwrap();
        assert_eq!(e.embed_entity.as_deref(), Some("tenant-17"));
        assert_eq!(
            e.omni.and_then(|o| o.last_login).as_deref(),
            Some("2024-06-30T23:59:59Z")
        );
    }

    #[test]
    fn error_bodies_of_every_observed_shape() {
        let scim: ScimError = serde_json::from_str(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"bad"}"#,
        )
        .unwrap();
        assert_eq!(scim.scim_type.as_deref(), Some("invalidFilter"));
        assert_eq!(scim.summary(), Some("bad"));
        // Exact out: RFC 7644 §3.12 writes `status` as a string.
        assert_eq!(
            serde_json::to_string(&scim).unwrap(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"bad"}"#
        );
        let omni: ScimError =
            serde_json::from_str(r#"{"error":"Unauthorized","message":"  "}"#).unwrap();
        assert_eq!(omni.summary(), Some("Unauthorized"));
        let odd: ScimError = serde_json::from_str(r#"{"status":"nope","detail":null}"#).unwrap();
        assert_eq!((odd.status, odd.summary()), (None, None));
    }

    #[test]
    fn patch_op_round_trip() {
        let p: PatchOp = serde_json::from_str(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"op":"Remove","path":"members[value eq \"u1\"]"}]}"#,
        )
        .unwrap();
        assert_eq!(p.operations[0].op, "Remove");
        let built = PatchOp::new(vec![PatchOperation {
            op: "add".into(),
            path: Some("members".into()),
            value: Some(serde_json::json!([{"value": "u2"}])),
        }]);
        assert_eq!(
            serde_json::to_string(&built).unwrap(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"u2"}]}]}"#
        );
        // A PATCH path with a value filter parses with the filter grammar.
        let path = p.operations[0].path.as_deref().unwrap();
        let inner = &path[path.find('[').unwrap()..];
        assert!(crate::Filter::parse(&format!("members{inner}")).is_ok());
    }

    #[test]
    fn list_response_of_raw_resources() {
        let r: ListResponse<Box<serde_json::value::RawValue>> = serde_json::from_str(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"startIndex":1,"itemsPerPage":2,"Resources":[{"id":"a"},{"id":"b","x":[1]}]}"#,
        )
        .unwrap();
        assert_eq!(r.resources.len(), 2);
        assert_eq!(r.resources[1].get(), r#"{"id":"b","x":[1]}"#);
    }
}
