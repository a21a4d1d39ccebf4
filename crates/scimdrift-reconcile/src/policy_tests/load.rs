//! Decoding test files: YAML → spanned tree → [`TestFile`]s, with the policy
//! loader's accessors, so every error is reported at once at its
//! `file:line:column` with a caret and a hint.

use super::{Expect, Expected, TestCase, TestFile};
use crate::diag::{Diagnostic, Level, Related};
use crate::load::PolicySource;
use crate::load::ctx::{Ctx, did_you_mean, loc};
use crate::schema_attrs::SeenTypes;
use crate::yaml::{self, Node, NodeKind, Style};
use scimdrift_proto::scim::OMNI_USER_EXTENSION_URN;
use scimdrift_proto::{Resource, Snapshot, SnapshotSource};
use scimdrift_report::FindingKind;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const TOP: &[&str] = &["version", "now", "tests"];
const CASE: &[&str] = &[
    "name",
    "now",
    "rules",
    "org",
    "expect",
    "only",
    "clean",
    "incomplete",
];
const ORG: &[&str] = &["groups", "users", "embed_users"];
const GROUP: &[&str] = &["name", "dangling"];
const USER: &[&str] = &["userName", "active", "lastLogin", "meta", "groups"];
const EMBED_USER: &[&str] = &[
    "embedExternalId",
    "embedEntity",
    "userName",
    "active",
    "lastLogin",
    "meta",
    "groups",
];
const META: &[&str] = &["created"];
const EXPECTED: &[&str] = &["kind", "group", "subject"];

/// Largest test file accepted, in bytes (the policy files' limit).
const MAX_BYTES: usize = crate::load::MAX_POLICY_FILE_BYTES;

/// Decodes test files (each a [`PolicySource`]: a path and its text). On
/// failure, returns every error found, sorted by file and position.
///
/// ```
/// use scimdrift_reconcile::{PolicySource, load_tests};
///
/// let file = PolicySource {
///     path: "admins.yaml".into(),
///     contents: r#"
/// version: 1
/// now: 2027-01-01T00:00:00Z
/// tests:
///   - name: bob may not be an admin
///     org:
///       users:
///         - userName: bob@x.co
///           groups: [Admins]
///     expect:
///       - kind: member_unexpected
///         group: Admins
///         subject: bob@x.co
/// "#
///     .into(),
/// };
/// let files = load_tests(&[file]).expect("the test file loads");
/// assert_eq!(files[0].cases[0].name, "bob may not be an admin");
/// assert_eq!(files[0].cases[0].snapshot.groups.len(), 1);
/// ```
pub fn load_tests(files: &[PolicySource]) -> Result<Vec<TestFile>, Vec<Diagnostic>> {
    let mut sorted: Vec<&PolicySource> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let seen = SeenTypes::default();
    let mut diags = Vec::new();
    let mut out = Vec::new();
    for file in sorted {
        let contents = file
            .contents
            .strip_prefix('\u{feff}')
            .unwrap_or(&file.contents);
        let mut ctx = Ctx {
            file: &file.path,
            source: contents,
            diags: &mut diags,
            seen: &seen,
        };
        if file.contents.len() > MAX_BYTES {
            ctx.whole_file(
                format!("test file is larger than {} KiB", MAX_BYTES / 1024),
                Some("split the tests into several files".to_owned()),
            );
            continue;
        }
        match yaml::parse(contents) {
            Ok(Some(root)) => {
                if let Some(cases) = ctx.test_file(&root) {
                    out.push(TestFile {
                        path: file.path.clone(),
                        cases,
                    });
                }
            }
            Ok(None) => ctx.whole_file(
                "test file is empty".to_owned(),
                Some("start the file with `version: 1`, then `tests:`".to_owned()),
            ),
            Err(err) => ctx.at(err.pos, err.message, err.hint),
        }
    }
    diags.sort_by(|a, b| {
        (a.level, &a.file, a.line, a.column, &a.message)
            .cmp(&(b.level, &b.file, b.line, b.column, &b.message))
    });
    diags.dedup();
    if diags.iter().any(|d| d.level == Level::Error) {
        return Err(diags);
    }
    Ok(out)
}

impl Ctx<'_> {
    fn test_file(&mut self, root: &Node) -> Option<Vec<TestCase>> {
        let before = self.diags.len();
        let map = self.mapping(root, TOP, "the test file")?;
        match map.get("version") {
            None => self.at(
                root.pos,
                "missing `version`".to_owned(),
                Some("add `version: 1` at the top of the file".to_owned()),
            ),
            Some((_, v)) => {
                let ok = matches!(&v.kind, NodeKind::Scalar(s) if s.value == "1" && s.style == Style::Plain);
                if !ok {
                    self.at(
                        v.pos,
                        "unsupported test file `version`".to_owned(),
                        Some("this scimdrift reads `version: 1`".to_owned()),
                    );
                }
            }
        }
        let default_now = map.get("now").and_then(|(_, v)| self.timestamp(v, "now"));
        let Some((_, tests)) = map.get("tests") else {
            self.at(
                root.pos,
                "missing `tests`".to_owned(),
                Some("add `tests:` with a list of cases".to_owned()),
            );
            return None;
        };
        let items = self.seq(tests, "tests")?;
        if items.is_empty() {
            self.at(
                tests.pos,
                "`tests` is empty".to_owned(),
                Some("add a case: `- name: …`, `org: …`, `expect: […]`".to_owned()),
            );
        }
        let mut names: BTreeMap<String, &Node> = BTreeMap::new();
        let mut cases = Vec::new();
        for item in items {
            if let Some(case) = self.case(item, default_now, &mut names) {
                cases.push(case);
            }
        }
        (self.diags.len() == before).then_some(cases)
    }

    fn case<'n>(
        &mut self,
        node: &'n Node,
        default_now: Option<jiff::Timestamp>,
        names: &mut BTreeMap<String, &'n Node>,
    ) -> Option<TestCase> {
        let before = self.diags.len();
        let map = self.mapping(node, CASE, "a test case")?;
        let name = match map.get("name") {
            Some((_, v)) => self.non_empty_string(v, "name"),
            None => {
                self.at(
                    node.pos,
                    "test case without `name`".to_owned(),
                    Some("add `name: <what the case shows>`".to_owned()),
                );
                None
            }
        };
        if let (Some(n), Some((_, v))) = (&name, map.get("name")) {
            if let Some(first) = names.get(n) {
                let related = Related {
                    label: "first given".to_owned(),
                    file: self.file.to_owned(),
                    line: first.pos.line,
                    column: first.pos.column,
                };
                self.at(
                    v.pos,
                    format!("duplicate test case name `{n}`"),
                    Some("give every case of a file its own name".to_owned()),
                );
                if let Some(last) = self.diags.last_mut() {
                    last.related = Some(related);
                }
            } else {
                names.insert(n.clone(), v);
            }
        }
        let now = match map.get("now") {
            Some((_, v)) => self.timestamp(v, "now"),
            None => {
                if default_now.is_none() {
                    self.at(
                        node.pos,
                        "test case without `now`".to_owned(),
                        Some(
                            "add `now: 2027-01-01T00:00:00Z` to the case, or once at the top of the file"
                                .to_owned(),
                        ),
                    );
                }
                default_now
            }
        };
        let rules = match map.get("rules") {
            Some((_, v)) => self.seq(v, "rules").map(|items| {
                items
                    .iter()
                    .filter_map(|i| self.non_empty_string(i, "rules"))
                    .collect::<Vec<_>>()
            }),
            None => None,
        };
        let snapshot = match map.get("org") {
            Some((_, v)) => self.org(v, now.unwrap_or_default()),
            None => {
                self.at(
                    node.pos,
                    "test case without `org`".to_owned(),
                    Some(
                        "add `org:` with the `groups`, `users` and `embed_users` the case needs"
                            .to_owned(),
                    ),
                );
                None
            }
        };
        let flag = |ctx: &mut Self, key: &str| match map.get(key) {
            Some((_, v)) => ctx.boolean(v, key),
            None => Some(false),
        };
        let only = flag(self, "only");
        let clean = flag(self, "clean");
        let incomplete = flag(self, "incomplete");
        let expect = match (map.get("expect"), clean) {
            (Some((key, _)), Some(true)) => {
                self.at(
                    key.pos,
                    "a test case with both `expect` and `clean: true`".to_owned(),
                    Some("`clean: true` expects no finding at all; keep one of them".to_owned()),
                );
                None
            }
            (None, Some(true)) => {
                if let (Some(true), Some((key, _))) = (only, map.get("only")) {
                    self.at(
                        key.pos,
                        "`only` without `expect`".to_owned(),
                        Some("`clean: true` already allows nothing".to_owned()),
                    );
                }
                Some(Expect::Clean)
            }
            (Some((_, v)), _) => self.expected_list(v).map(|list| Expect::Findings {
                list,
                only: only == Some(true),
            }),
            (None, _) => {
                self.at(
                    node.pos,
                    "test case without `expect` or `clean: true`".to_owned(),
                    Some(
                        "say what must happen: `expect: [{kind: …}]`, or `clean: true`".to_owned(),
                    ),
                );
                None
            }
        };
        if self.diags.len() > before {
            return None;
        }
        Some(TestCase {
            name: name?,
            at: loc(self.file, node.pos),
            now: now?,
            snapshot: snapshot?,
            rules,
            expect: expect?,
            incomplete: incomplete?,
        })
    }

    fn expected_list(&mut self, node: &Node) -> Option<Vec<Expected>> {
        let items = self.seq(node, "expect")?;
        if items.is_empty() {
            self.at(
                node.pos,
                "`expect` is empty".to_owned(),
                Some("list the findings that must occur, or write `clean: true`".to_owned()),
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match self.expected(item) {
                Some(e) => out.push(e),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn expected(&mut self, node: &Node) -> Option<Expected> {
        let map = self.mapping(node, EXPECTED, "an expected finding")?;
        let Some((_, k)) = map.get("kind") else {
            self.at(
                node.pos,
                "expected finding without `kind`".to_owned(),
                Some("add `kind: <finding kind>`, e.g. `kind: member_unexpected`".to_owned()),
            );
            return None;
        };
        let text = self.non_empty_string(k, "kind")?;
        let Some(kind) = FindingKind::ALL.into_iter().find(|f| f.as_str() == text) else {
            let names: Vec<&str> = FindingKind::ALL.iter().map(|f| f.as_str()).collect();
            let hint = did_you_mean(&text, &names)
                .unwrap_or_else(|| format!("finding kinds: {}", names.join(", ")));
            self.at(k.pos, format!("unknown finding kind `{text}`"), Some(hint));
            return None;
        };
        let group = map
            .get("group")
            .and_then(|(_, v)| self.non_empty_string(v, "group"));
        let subject = map
            .get("subject")
            .and_then(|(_, v)| self.non_empty_string(v, "subject"));
        if map.contains_key("group") && group.is_none()
            || map.contains_key("subject") && subject.is_none()
        {
            return None;
        }
        Some(Expected {
            kind,
            group,
            subject,
        })
    }

    /// The org of a case as a snapshot: groups (named in `groups`, with
    /// dangling members if any, or in a member's `groups`) get ids `g-1`, `g-2`, … in order of first mention,
    /// users `u-1`, …, embed users `e-1`, …. An identity without
    /// `meta.created` was created at the case's `now` (a new account).
    fn org(&mut self, node: &Node, now: jiff::Timestamp) -> Option<Snapshot> {
        let before = self.diags.len();
        let map = self.mapping(node, ORG, "`org`")?;
        let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
        fn group_index(groups: &mut Vec<(String, Vec<(String, String)>)>, name: &str) -> usize {
            match groups.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => {
                    groups.push((name.to_owned(), Vec::new()));
                    groups.len() - 1
                }
            }
        }
        if let Some((_, v)) = map.get("groups")
            && let Some(items) = self.seq(v, "groups")
        {
            for item in items {
                // A name, or `{name, dangling: [ids]}`: members whose ids
                // match no identity.
                let (name, dangling) = if matches!(item.kind, NodeKind::Map(_)) {
                    let Some(m) = self.mapping(item, GROUP, "a group of `org`") else {
                        continue;
                    };
                    let name = match m.get("name") {
                        Some((_, v)) => self.non_empty_string(v, "name"),
                        None => {
                            self.at(
                                item.pos,
                                "group without `name`".to_owned(),
                                Some("add `name: <display name>`".to_owned()),
                            );
                            None
                        }
                    };
                    let mut dangling = Vec::new();
                    if let Some((_, v)) = m.get("dangling")
                        && let Some(ids) = self.seq(v, "dangling")
                    {
                        for id in ids {
                            let Some(text) = self.non_empty_string(id, "dangling") else {
                                continue;
                            };
                            let generated = text.strip_prefix("u-").or(text.strip_prefix("e-"));
                            if generated.is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())) {
                                self.at(
                                    id.pos,
                                    format!("dangling member id `{text}` is an identity's id"),
                                    Some(
                                        "identities get ids `u-1`, `e-1`, …: pick another id"
                                            .to_owned(),
                                    ),
                                );
                                continue;
                            }
                            dangling.push(text);
                        }
                    }
                    (name, dangling)
                } else {
                    (self.non_empty_string(item, "groups"), Vec::new())
                };
                if let Some(name) = name {
                    if groups.iter().any(|(n, _)| *n == name) {
                        self.at(
                            item.pos,
                            format!("group `{name}` listed twice"),
                            Some("list each group once".to_owned()),
                        );
                    }
                    let gi = group_index(&mut groups, &name);
                    for id in dangling {
                        groups[gi].1.push((id.clone(), id));
                    }
                }
            }
        }
        let mut snapshot = Snapshot::new(SnapshotSource::default());
        let mut names: BTreeMap<String, ()> = BTreeMap::new();
        for (section, embed) in [("users", false), ("embed_users", true)] {
            let Some((_, v)) = map.get(section) else {
                continue;
            };
            let Some(items) = self.seq(v, section) else {
                continue;
            };
            for (k, item) in items.iter().enumerate() {
                let id = format!("{}-{}", if embed { "e" } else { "u" }, k + 1);
                let Some((value, member_of, key)) = self.person(item, embed, &id, now) else {
                    continue;
                };
                let unique = if embed {
                    key.clone()
                } else {
                    key.to_lowercase()
                };
                if names.insert(format!("{section}:{unique}"), ()).is_some() {
                    self.at(
                        item.pos,
                        format!("`{key}` appears twice in `{section}`"),
                        Some("each identity once; list all its groups in its `groups`".to_owned()),
                    );
                    continue;
                }
                let display = value
                    .get("userName")
                    .and_then(Value::as_str)
                    .unwrap_or(&key)
                    .to_owned();
                for g in member_of {
                    let gi = group_index(&mut groups, &g);
                    groups[gi].1.push((id.clone(), display.clone()));
                }
                match Resource::from_value(&value) {
                    Ok(r) if embed => snapshot.embed_users.push(r),
                    Ok(r) => snapshot.users.push(r),
                    Err(e) => self.at(item.pos, format!("cannot build this identity: {e}"), None),
                }
            }
        }
        for (gi, (name, members)) in groups.iter().enumerate() {
            let members: Vec<Value> = members
                .iter()
                .map(|(id, display)| json!({"value": id, "display": display}))
                .collect();
            let value = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": format!("g-{}", gi + 1),
                "displayName": name,
                "members": members,
            });
            match Resource::from_value(&value) {
                Ok(r) => snapshot.groups.push(r),
                Err(e) => self.at(node.pos, format!("cannot build group `{name}`: {e}"), None),
            }
        }
        snapshot.sort();
        (self.diags.len() == before).then_some(snapshot)
    }

    /// One user or embed user: its SCIM JSON, the groups it is in, and the
    /// name it goes by (userName, or embedExternalId).
    fn person(
        &mut self,
        node: &Node,
        embed: bool,
        id: &str,
        now: jiff::Timestamp,
    ) -> Option<(Value, Vec<String>, String)> {
        let before = self.diags.len();
        let what = if embed {
            "an embed user of `org`"
        } else {
            "a user of `org`"
        };
        let map = self.mapping(node, if embed { EMBED_USER } else { USER }, what)?;
        let mut obj = Map::new();
        obj.insert(
            "schemas".to_owned(),
            json!([
                "urn:ietf:params:scim:schemas:core:2.0:User",
                OMNI_USER_EXTENSION_URN
            ]),
        );
        obj.insert("id".to_owned(), json!(id));
        let required = if embed { "embedExternalId" } else { "userName" };
        let key = match map.get(required) {
            Some((_, v)) => self.non_empty_string(v, required),
            None => {
                self.at(
                    node.pos,
                    format!("{what} without `{required}`"),
                    Some(format!("add `{required}: …`")),
                );
                None
            }
        };
        let user_name = map
            .get("userName")
            .and_then(|(_, v)| self.non_empty_string(v, "userName"))
            .or_else(|| {
                key.as_ref()
                    .filter(|_| embed)
                    .map(|k| format!("{k}@embed.omniapp.co"))
            });
        if let Some(u) = &user_name {
            obj.insert("userName".to_owned(), json!(u));
        }
        let active = match map.get("active") {
            Some((_, v)) => self.boolean(v, "active"),
            None => Some(true),
        };
        obj.insert("active".to_owned(), json!(active.unwrap_or(true)));
        if embed {
            if let Some(k) = &key {
                obj.insert("embedExternalId".to_owned(), json!(k));
            }
            if let Some((_, v)) = map.get("embedEntity")
                && let Some(e) = self.non_empty_string(v, "embedEntity")
            {
                obj.insert("embedEntity".to_owned(), json!(e));
            }
        }
        if let Some((_, v)) = map.get("lastLogin") {
            // Kept as written: a malformed value is what a case may test.
            let value = if v.is_null() {
                Some(Value::Null)
            } else {
                self.string(v, "lastLogin").map(Value::String)
            };
            if let Some(value) = value {
                obj.insert(
                    OMNI_USER_EXTENSION_URN.to_owned(),
                    json!({ "lastLogin": value }),
                );
            }
        }
        let mut meta = Map::new();
        meta.insert("resourceType".to_owned(), json!("User"));
        let mut created = now.to_string();
        if let Some((_, v)) = map.get("meta")
            && let Some(m) = self.mapping(v, META, "`meta`")
            && let Some((_, c)) = m.get("created")
            && let Some(text) = self.string(c, "created")
        {
            created = text;
        }
        meta.insert("created".to_owned(), json!(created));
        obj.insert("meta".to_owned(), Value::Object(meta));
        let mut member_of = Vec::new();
        if let Some((_, v)) = map.get("groups")
            && let Some(items) = self.seq(v, "groups")
        {
            for item in items {
                if let Some(g) = self.non_empty_string(item, "groups")
                    && !member_of.contains(&g)
                {
                    member_of.push(g);
                }
            }
        }
        if self.diags.len() > before {
            return None;
        }
        Some((Value::Object(obj), member_of, key?))
    }

    /// An RFC 3339 timestamp.
    fn timestamp(&mut self, node: &Node, what: &str) -> Option<jiff::Timestamp> {
        let text = self.non_empty_string(node, what)?;
        match text.parse::<jiff::Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => {
                self.at(
                    node.pos,
                    format!("`{what}` must be an RFC 3339 timestamp, found `{text}`"),
                    Some("write e.g. `2027-01-01T00:00:00Z`".to_owned()),
                );
                None
            }
        }
    }

    /// `true` or `false`.
    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.kind {
            NodeKind::Scalar(s) if s.style == Style::Plain && s.value == "true" => Some(true),
            NodeKind::Scalar(s) if s.style == Style::Plain && s.value == "false" => Some(false),
            _ => {
                self.at(
                    node.pos,
                    format!("`{what}` must be `true` or `false`"),
                    None,
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render_all;

    fn load(text: &str) -> Result<Vec<TestFile>, String> {
        load_tests(&[PolicySource {
            path: "t.yaml".into(),
            contents: text.into(),
        }])
        .map_err(|d| render_all(&d))
    }

    #[test]
    fn created_defaults_to_now() {
        let files = load(
            "version: 1\nnow: 2027-01-01T00:00:00Z\ntests:\n  - name: a\n    org: {users: [{userName: a}]}\n    clean: true\n",
        )
        .unwrap();
        let user = files[0].cases[0].snapshot.users[0].to_value();
        assert_eq!(user["meta"]["created"], "2027-01-01T00:00:00Z");
    }

    #[test]
    fn an_org_becomes_a_snapshot() {
        let files = load(
            "version: 1\nnow: 2027-01-01T00:00:00Z\ntests:\n  - name: a\n    org:\n      groups: [Empty]\n      users:\n        - userName: Bob@x.co\n          lastLogin: null\n          meta: {created: 2025-01-01T00:00:00Z}\n          groups: [Admins]\n      embed_users:\n        - embedExternalId: acme-1\n          embedEntity: Acme\n          active: false\n          groups: [Acme, Admins]\n    clean: true\n",
        )
        .unwrap();
        let case = &files[0].cases[0];
        assert_eq!(case.expect, Expect::Clean);
        let s = &case.snapshot;
        let json = |r: &Resource| r.to_value();
        assert_eq!(
            json(&s.users[0]),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", OMNI_USER_EXTENSION_URN],
                   "id": "u-1", "userName": "Bob@x.co", "active": true,
                   OMNI_USER_EXTENSION_URN: {"lastLogin": null},
                   "meta": {"resourceType": "User", "created": "2025-01-01T00:00:00Z"}})
        );
        assert_eq!(
            json(&s.embed_users[0])["userName"],
            "acme-1@embed.omniapp.co"
        );
        let groups: Vec<(String, usize)> = s
            .groups
            .iter()
            .map(|g| {
                let v = g.to_value();
                (
                    v["displayName"].as_str().unwrap().to_owned(),
                    v["members"].as_array().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                ("Empty".to_owned(), 0),
                ("Admins".to_owned(), 2),
                ("Acme".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn every_error_is_reported() {
        let err = load(
            "version: 1\ntests:\n  - name: a\n    org: {users: [{userName: a, activ: true}]}\n    expect: [{kind: member_unexpectd}]\n  - name: a\n    now: tomorrow\n    org: {}\n    clean: true\n    expect: [{kind: group_missing}]\n",
        )
        .unwrap_err();
        insta::assert_snapshot!(err);
    }
}
