//! Decoding only the attributes a filter or template reads.
//!
//! Parsing a whole resource into a [`serde_json::Value`] allocates every
//! attribute (`schemas`, `meta`, `emails`, `groups`, extension objects…) while
//! a policy's `where: 'active eq true and userName sw "a"'` reads two. A
//! [`Projection`] lists the attributes some filters and templates use; a
//! resource projected on it evaluates every one of those filters exactly as
//! the whole resource does (attribute names match case-insensitively, names
//! without a URN are also found inside extension objects, as in
//! [`crate::filter`]).

use crate::filter::AttrPath;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// The top-level attributes to keep when decoding a resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// Keep every attribute (the same as [`crate::Resource::to_value`]).
    everything: bool,
    /// Attribute names kept at the top level and, when `in_extensions`, inside
    /// extension objects (compared ASCII case-insensitively, like the filter
    /// evaluator does).
    names: Vec<String>,
    /// Extension URNs whose whole object is kept.
    urns: Vec<String>,
    /// Whether some path has no URN, so that its name may also be found in
    /// any extension object (`urn:…` key).
    in_extensions: bool,
}

impl Projection {
    /// A projection that keeps nothing (add paths with [`Projection::add`]).
    pub fn none() -> Self {
        Projection::default()
    }

    /// A projection that keeps every attribute.
    pub fn everything() -> Self {
        Projection {
            everything: true,
            ..Projection::default()
        }
    }

    /// The attributes the given paths read.
    pub fn of_paths<'a>(paths: impl IntoIterator<Item = &'a AttrPath>) -> Self {
        let mut p = Projection::none();
        for path in paths {
            p.add(path);
        }
        p
    }

    /// Also keeps what `path` reads.
    pub fn add(&mut self, path: &AttrPath) {
        push_unique(&mut self.names, &path.name);
        match &path.urn {
            Some(urn) => push_unique(&mut self.urns, urn),
            None => self.in_extensions = true,
        }
    }

    /// Whether nothing at all is kept.
    pub fn is_empty(&self) -> bool {
        !self.everything && self.names.is_empty()
    }

    fn keeps_name(&self, key: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(key))
    }

    fn is_extension(key: &str) -> bool {
        key.len() > 4 && key[..4].eq_ignore_ascii_case("urn:")
    }

    /// Decodes `json` (a resource's raw text) keeping only the projected
    /// attributes. Text that is not a JSON object gives `null`, as a resource
    /// never is.
    pub(crate) fn apply(&self, json: &str) -> Value {
        if self.everything {
            return serde_json::from_str(json).unwrap_or(Value::Null);
        }
        let mut de = serde_json::Deserializer::from_str(json);
        match Seed(self).deserialize(&mut de) {
            Ok(map) => Value::Object(map),
            Err(_) => Value::Null,
        }
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|n| n.eq_ignore_ascii_case(item)) {
        list.push(item.to_owned());
    }
}

struct Seed<'p>(&'p Projection);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SCIM resource object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let p = self.0;
        let mut out = Map::new();
        while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
            if p.keeps_name(&key) || p.urns.iter().any(|u| u.eq_ignore_ascii_case(&key)) {
                out.insert(key.into_owned(), map.next_value::<Value>()?);
            } else if p.in_extensions && Projection::is_extension(&key) {
                // Only the projected names inside an extension object count.
                let mut value = map.next_value::<Value>()?;
                if let Value::Object(ext) = &mut value {
                    ext.retain(|k, _| p.keeps_name(k));
                }
                out.insert(key.into_owned(), value);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A string (an object key, or a value), borrowed from the input when it
/// has no escapes. Shared with the snapshot's core decoder.
pub(crate) struct Str<'de>(pub(crate) Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(StrVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Filter, Resource};

    fn project(filter: &str, json: &str) -> Value {
        let f = Filter::parse(filter).unwrap();
        let paths = f.attribute_paths();
        Resource::from_json(json)
            .unwrap()
            .project(&Projection::of_paths(&paths))
    }

    #[test]
    fn keeps_only_named_attributes_case_insensitively() {
        let v = project(
            r#"active eq true and USERNAME sw "a""#,
            r#"{"id":"1","userName":"ann","active":true,"emails":[{"value":"x"}],"meta":{"created":"2020-01-01T00:00:00Z"}}"#,
        );
        assert_eq!(v, serde_json::json!({"userName":"ann","active":true}));
    }

    #[test]
    fn unqualified_names_are_kept_inside_extensions() {
        let v = project(
            r#"region eq "emea""#,
            r#"{"id":"1","urn:x:ext":{"region":"emea","other":1},"urn:y":[1]}"#,
        );
        assert_eq!(
            v,
            serde_json::json!({"urn:x:ext":{"region":"emea"},"urn:y":[1]})
        );
    }

    #[test]
    fn qualified_paths_keep_their_extension_only() {
        let v = project(
            r#"urn:x:ext:region eq "emea""#,
            r#"{"id":"1","urn:x:ext":{"region":"emea","other":1},"urn:y":{"region":"x"},"region":"top"}"#,
        );
        assert_eq!(
            v,
            serde_json::json!({"urn:x:ext":{"region":"emea","other":1},"region":"top"})
        );
    }

    #[test]
    fn everything_is_the_whole_value() {
        let r = Resource::from_json(r#"{"id":"1","a":{"b":[1,2]}}"#).unwrap();
        assert_eq!(r.project(&Projection::everything()), r.to_value());
        assert!(Projection::none().is_empty());
        assert!(!Projection::everything().is_empty());
    }

    mod props {
        use crate::filter::AttrPath;
        use crate::{Filter, Projection, Resource};
        use proptest::prelude::*;
        use serde_json::{Map, Value};

        const KEYS: &[&str] = &[
            "userName",
            "USERNAME",
            "active",
            "emails",
            "type",
            "value",
            "region",
            "meta",
            "created",
            "urn:x:ext",
            "URN:X:EXT",
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "manager",
        ];

        const ATOMS: &[&str] = &[
            r#"userName sw "a""#,
            r#"username eq "Ann""#,
            "active eq true",
            "active pr",
            r#"emails[type eq "work" and value co "a"]"#,
            r#"emails.value ew "x""#,
            r#"region eq "emea""#,
            "urn:x:ext:region pr",
            r#"URN:X:EXT:region eq "emea""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ann""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
            r#"meta.created gt "2020-06-01T00:00:00Z""#,
            r#"manager.value eq "x""#,
            r#"value eq "x""#,
            "type pr",
        ];

        fn leaf() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                (0i64..3).prop_map(Value::from),
                proptest::sample::select(vec![
                    "ann",
                    "Ann",
                    "x",
                    "emea",
                    "work",
                    "abc",
                    "2021-01-01T00:00:00Z"
                ])
                .prop_map(Value::from),
            ]
        }

        fn json() -> impl Strategy<Value = Value> {
            leaf().prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                    proptest::collection::vec(
                        (proptest::sample::select(KEYS.to_vec()), inner),
                        0..4
                    )
                    .prop_map(|kv| Value::Object(
                        kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                    )),
                ]
            })
        }

        fn resource() -> impl Strategy<Value = Resource> {
            proptest::collection::vec((proptest::sample::select(KEYS.to_vec()), json()), 0..8)
                .prop_map(|kv| {
                    let mut map: Map<String, Value> =
                        kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                    map.insert("id".to_owned(), Value::from("1"));
                    Resource::from_value(&Value::Object(map)).unwrap()
                })
        }

        fn filter() -> impl Strategy<Value = String> {
            let atom = proptest::sample::select(ATOMS.to_vec()).prop_map(str::to_owned);
            atom.prop_recursive(3, 8, 2, |inner| {
                prop_oneof![
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
                    inner.prop_map(|a| format!("not ({a})")),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            /// A filter gives the same answer (or the same error) on the
            /// resource projected on its own attributes as on the whole
            /// resource, and every path looks up the same values.
            #[test]
            fn projection_never_changes_a_filter_result(r in resource(), text in filter()) {
                let f = Filter::parse(&text).unwrap();
                let paths = f.attribute_paths();
                let projected = r.project(&Projection::of_paths(&paths));
                let full = r.to_value();
                prop_assert_eq!(
                    f.evaluate(&projected).map_err(|e| e.to_string()),
                    f.evaluate(&full).map_err(|e| e.to_string()),
                    "filter {} on {} (projected {})", text, full, projected
                );
                for path in &paths {
                    let top = AttrPath { sub: None, ..path.clone() };
                    for p in [path, &top] {
                        prop_assert_eq!(p.lookup(&projected), p.lookup(&full), "path {}", p);
                    }
                }
            }
        }
    }
}
