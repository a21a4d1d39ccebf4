//! When a subject last logged in (Omni's `lastLogin`), or when it was
//! created if it never did: read once per subject, from the same projected
//! value the `where` filters see, for the rules with `inactive_for`.

use jiff::Timestamp;
use scimdrift_proto::Projection;
use scimdrift_proto::filter::AttrPath;
use scimdrift_proto::scim::OMNI_USER_EXTENSION_URN;
use serde_json::Value;

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

/// Adds what [`read`] looks at (the Omni extension's `lastLogin`,
/// `meta.created`) to a projection.
pub(super) fn project(projection: &mut Projection) {
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
}

/// Reads a subject's activity from its projected value (attribute names
/// match case-insensitively, as in filters). The error says what is wrong,
/// for the run's incomplete-data reasons.
pub(super) fn read(value: &Value) -> Result<Activity, String> {
    let last_login = get(value, OMNI_USER_EXTENSION_URN).and_then(|ext| get(ext, "lastLogin"));
    match last_login {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            return timestamp(s)
                .map(Activity::LastLogin)
                .ok_or_else(|| format!("`lastLogin` {} is not an RFC 3339 timestamp", quoted(s)));
        }
        Some(other) => {
            return Err(format!(
                "`lastLogin` is {}, not an RFC 3339 timestamp",
                type_name(other)
            ));
        }
    }
    match get(value, "meta").and_then(|m| get(m, "created")) {
        Some(Value::String(s)) => match timestamp(s) {
            Some(created) => Ok(Activity::Never { created }),
            None => Err(format!(
                "never logged in, and `meta.created` {} is not an RFC 3339 timestamp",
                quoted(s)
            )),
        },
        None | Some(Value::Null) => {
            Err("never logged in, and has no `meta.created` to date it by".to_owned())
        }
        Some(other) => Err(format!(
            "never logged in, and `meta.created` is {}, not an RFC 3339 timestamp",
            type_name(other)
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
