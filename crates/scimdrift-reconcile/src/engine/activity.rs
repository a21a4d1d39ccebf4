//! When a subject last logged in (Omni's `lastLogin`), or when it was
//! created if it never did: read once per subject, for the rules with
//! `inactive_for`, straight from the two values in the resource's text (the
//! same answer a case-insensitive reading of the resource gives).

use jiff::Timestamp;
use scimdrift_proto::filter::AttrPath;
use scimdrift_proto::scim::OMNI_USER_EXTENSION_URN;
use scimdrift_proto::{Projection, Resource};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A subject's activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Activity {
    /// Its last login.
    LastLogin(Timestamp),
    /// It never logged in (no or null `lastLogin`); `meta.created`.
    Never {
        /// When it was created.
        created: Timestamp,
    },
}

impl Activity {
    /// Whether the subject is idle since before `cutoff`.
    pub(super) fn inactive_before(self, cutoff: Timestamp) -> bool {
        match self {
            Activity::LastLogin(at) => at < cutoff,
            Activity::Never { created } => created < cutoff,
        }
    }

    /// The text findings of an `inactive_for` rule end with: "last login
    /// 2026-06-02, 183 days before now" or "never logged in, created
    /// 2025-11-04".
    pub(super) fn describe(self, now: Timestamp) -> String {
        match self {
            Activity::LastLogin(at) => {
                let days = now.duration_since(at).as_secs().max(0) / 86_400;
                let unit = if days == 1 { "day" } else { "days" };
                format!("last login {}, {days} {unit} before now", day(at))
            }
            Activity::Never { created } => {
                format!("never logged in, created {}", day(created))
            }
        }
    }
}

/// The UTC day of a timestamp, `YYYY-MM-DD`.
fn day(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

/// What [`read`] looks at (the Omni extension's `lastLogin`,
/// `meta.created`), as a projection.
fn projection() -> Projection {
    let mut projection = Projection::none();
    projection.add(&AttrPath {
        urn: Some(OMNI_USER_EXTENSION_URN.to_owned()),
        name: "lastLogin".to_owned(),
        sub: None,
    });
    projection.add(&AttrPath {
        urn: None,
        name: "meta".to_owned(),
        sub: Some("created".to_owned()),
    });
    projection
}

/// Reads a subject's activity: straight from the two values it is dated by
/// when the resource writes them unambiguously
/// ([`Resource::last_login_value`], [`Resource::created_value`]), else from
/// the resource projected on what [`read`] looks at (attribute names match
/// case-insensitively, as in filters). Both readings give the same answer
/// (`props::reading_without_a_projection_changes_nothing`). The error says
/// what is wrong, for the run's incomplete-data reasons.
pub(super) fn read_resource(resource: &Resource) -> Result<Activity, String> {
    let direct = || {
        let last_login = resource.last_login_value()?;
        if let Some(found) = from_last_login(raw_view(last_login)) {
            return Some(found);
        }
        Some(from_created(raw_view(resource.created_value()?)))
    };
    direct().unwrap_or_else(|| read(&resource.project(&projection())))
}

/// Reads a subject's activity from its value, or a projection of it that
/// keeps what [`projection`] names (attribute names match
/// case-insensitively, as in filters).
pub(super) fn read(value: &Value) -> Result<Activity, String> {
    let last_login = get(value, OMNI_USER_EXTENSION_URN).and_then(|ext| get(ext, "lastLogin"));
    if let Some(found) = from_last_login(value_view(last_login)) {
        return found;
    }
    from_created(value_view(
        get(value, "meta").and_then(|m| get(m, "created")),
    ))
}

/// What an activity attribute holds, as the readings below need it.
enum View<'a> {
    /// Absent or `null`.
    Null,
    /// A string.
    Str(Cow<'a, str>),
    /// Anything else: its type, for the error.
    Other(&'static str),
}

fn value_view(value: Option<&Value>) -> View<'_> {
    match value {
        None | Some(Value::Null) => View::Null,
        Some(Value::String(s)) => View::Str(Cow::Borrowed(s)),
        Some(other) => View::Other(type_name(other)),
    }
}

/// A raw JSON value's view, without decoding a plain string.
fn raw_view(raw: Option<&RawValue>) -> View<'_> {
    let Some(text) = raw.map(|r| r.get().trim()) else {
        return View::Null;
    };
    match text.as_bytes().first() {
        Some(b'"') if !text.contains('\\') && text.len() >= 2 => {
            View::Str(Cow::Borrowed(&text[1..text.len() - 1]))
        }
        _ => match serde_json::from_str::<Value>(text) {
            Ok(Value::String(s)) => View::Str(Cow::Owned(s)),
            Ok(Value::Null) => View::Null,
            Ok(other) => View::Other(type_name(&other)),
            // A raw value is valid JSON: this cannot happen.
            Err(_) => View::Other("not JSON"),
        },
    }
}

/// The activity a `lastLogin` gives, `None` when it says "never logged in"
/// (absent or `null`).
fn from_last_login(last_login: View<'_>) -> Option<Result<Activity, String>> {
    match last_login {
        View::Null => None,
        View::Str(s) => Some(
            timestamp(&s)
                .map(Activity::LastLogin)
                .ok_or_else(|| format!("`lastLogin` {} is not an RFC 3339 timestamp", quoted(&s))),
        ),
        View::Other(kind) => Some(Err(format!(
            "`lastLogin` is {kind}, not an RFC 3339 timestamp"
        ))),
    }
}

/// The activity of a subject that never logged in, from its `meta.created`.
fn from_created(created: View<'_>) -> Result<Activity, String> {
    match created {
        View::Str(s) => match timestamp(&s) {
            Some(created) => Ok(Activity::Never { created }),
            None => Err(format!(
                "never logged in, and `meta.created` {} is not an RFC 3339 timestamp",
                quoted(&s)
            )),
        },
        View::Null => Err("never logged in, and has no `meta.created` to date it by".to_owned()),
        View::Other(kind) => Err(format!(
            "never logged in, and `meta.created` is {kind}, not an RFC 3339 timestamp"
        )),
    }
}

/// An attribute of an object, its name matched ASCII case-insensitively.
fn get<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let Value::Object(map) = value else {
        return None;
    };
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// An RFC 3339 timestamp (`2026-06-02T09:15:00Z`, any offset).
fn timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let shaped = b.len() >= 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't');
    if !shaped {
        return None;
    }
    s.parse().ok()
}

/// A value from the data, JSON-quoted and cut to a readable length.
fn quoted(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{}…", Value::String(cut))
    } else {
        Value::String(s.to_owned()).to_string()
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn reads_last_login_then_created() {
        let u = json!({"urn:omni:params:scim:schemas:extension:user:2.0": {"lastLogin": "2026-06-02T09:15:00Z"}});
        assert_eq!(
            read(&u),
            Ok(Activity::LastLogin(ts("2026-06-02T09:15:00Z")))
        );
        let u = json!({"URN:OMNI:params:scim:schemas:extension:user:2.0": {"lastlogin": null}, "meta": {"created": "2025-11-04T00:00:00+01:00"}});
        assert_eq!(
            read(&u),
            Ok(Activity::Never {
                created: ts("2025-11-03T23:00:00Z")
            })
        );
    }

    #[test]
    fn malformed_values_say_what_is_wrong() {
        let bad = |v: Value| read(&v).unwrap_err();
        assert_eq!(
            bad(
                json!({"urn:omni:params:scim:schemas:extension:user:2.0": {"lastLogin": "yesterday"}})
            ),
            "`lastLogin` \"yesterday\" is not an RFC 3339 timestamp"
        );
        assert_eq!(
            bad(
                json!({"urn:omni:params:scim:schemas:extension:user:2.0": {"lastLogin": 1_700_000_000}})
            ),
            "`lastLogin` is a number, not an RFC 3339 timestamp"
        );
        assert_eq!(
            bad(json!({})),
            "never logged in, and has no `meta.created` to date it by"
        );
        assert_eq!(
            bad(json!({"meta": {"created": "2025-13-01T00:00:00Z"}})),
            "never logged in, and `meta.created` \"2025-13-01T00:00:00Z\" is not an RFC 3339 timestamp"
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// A JSON member `"name": value` among the spellings and values a
        /// hostile server could send.
        fn member(names: &'static [&'static str], values: Vec<String>) -> BoxedStrategy<String> {
            (
                proptest::sample::select(names),
                proptest::sample::select(values),
            )
                .prop_map(|(n, v)| format!("{}:{v}", Value::String(n.to_owned())))
                .boxed()
        }

        fn object(members: Vec<String>) -> String {
            format!("{{{}}}", members.join(","))
        }

        fn resource() -> impl Strategy<Value = String> {
            let stamps = || {
                vec![
                    r#""2026-06-02T09:15:00Z""#.to_owned(),
                    r#""2025-11-04T00:00:00+01:00""#.to_owned(),
                    r#""yesterday""#.to_owned(),
                    "null".to_owned(),
                    "17".to_owned(),
                    "[]".to_owned(),
                    "true".to_owned(),
                    "{}".to_owned(),
                    r#""2026-06-02T09:15:00\u005A""#.to_owned(),
                    r#""say \"hi\"""#.to_owned(),
                ]
            };
            let last_login = member(&["lastLogin", "lastlogin", "other"], stamps());
            let created = member(&["created", "Created", "lastModified"], stamps());
            let ext = proptest::collection::vec(last_login, 0..3).prop_map(object);
            let meta = proptest::collection::vec(created, 0..3).prop_map(object);
            let ext = (
                proptest::sample::select(vec![
                    OMNI_USER_EXTENSION_URN.to_owned(),
                    OMNI_USER_EXTENSION_URN.to_uppercase(),
                    "urn:other:ext".to_owned(),
                ]),
                prop_oneof![ext, Just("\"x\"".to_owned())],
            )
                .prop_map(|(n, v)| format!("{}:{v}", Value::String(n)));
            let meta = (proptest::sample::select(vec!["meta", "Meta", "id2"]), meta)
                .prop_map(|(n, v)| format!("{}:{v}", Value::String(n.to_owned())));
            proptest::collection::vec(prop_oneof![ext, meta], 0..4).prop_map(|mut members| {
                members.insert(0, r#""id":"u""#.to_owned());
                object(members)
            })
        }

        proptest! {
            /// Reading the activity straight from the resource's text gives
            /// what reading its projected value (and its whole value) gives.
            #[test]
            fn reading_without_a_projection_changes_nothing(json in resource()) {
                let resource = Resource::from_json(&json).unwrap();
                let projected = resource.project(&projection());
                let fast = read_resource(&resource);
                prop_assert_eq!(&fast, &read(&projected), "{}", json);
                prop_assert_eq!(&fast, &read(&resource.to_value()), "{}", json);
            }
        }
    }

    #[test]
    fn describes_days_before_now() {
        let now = ts("2026-12-02T12:00:00Z");
        assert_eq!(
            Activity::LastLogin(ts("2026-06-02T13:00:00Z")).describe(now),
            "last login 2026-06-02, 182 days before now"
        );
        assert_eq!(
            Activity::LastLogin(ts("2026-12-01T12:00:00Z")).describe(now),
            "last login 2026-12-01, 1 day before now"
        );
        assert_eq!(
            Activity::Never {
                created: ts("2025-11-04T08:00:00Z")
            }
            .describe(now),
            "never logged in, created 2025-11-04"
        );
    }
}
