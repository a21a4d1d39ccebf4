//! Omni's documented group writes (see `shared/design/omni-scim-api.md`):
//!
//! - `PATCH /groups/{id}` with a PatchOp body: `add` `members` `[{value}]`,
//!   `remove` with the path `members[value eq "<id>"]`, `replace` `members`
//!   (the whole list) or `displayName`; op names in any case;
//! - `POST /groups` with `displayName` and optional `members`: 201, or 409
//!   when a group already has that name.
//!
//! A PATCH is all or nothing: every operation is checked against a working
//! copy before the org changes. Membership stays visible from both sides: a
//! member added or removed also gains or loses the group in its own
//! `groups`, and a rename updates those entries. Member ids must name a user
//! or an embed user (a remove may also name a current member that points at
//! nobody, so a dangling member can be cleaned up); removing a user that is
//! not a member changes nothing. Errors are SCIM errors with a `scimType`:
//! `invalidSyntax` (not a PatchOp), `invalidPath` (a path Omni does not
//! document, a malformed remove path), `invalidValue` (a bad value, an
//! unknown member id), `uniqueness` (409, a duplicate name).

use super::reply::Answer;
use super::state::{Shared, lock, write};
use crate::store::{Entry, Kind, Store};
use axum::http::StatusCode;
use scimdrift_proto::Resource;
use scimdrift_proto::scim::{GROUP_URN, PATCH_OP_URN};
use serde_json::{Map, Value, json};

/// Omni caps group display names at this many characters.
const MAX_DISPLAY_NAME: usize = 64;

/// `PATCH /groups/{id}`: applies every operation of `body`, or none.
pub(super) fn patch_group(shared: &Shared, id: &str, body: &[u8]) -> Answer {
    let ops = match parse_patch(body) {
        Ok(ops) => ops,
        Err(a) => return a,
    };
    let mut store = write(&shared.store);
    let Some(group) = store.get(Kind::Groups, id).map(Entry::to_value) else {
        return Answer::scim_error(
            StatusCode::NOT_FOUND,
            None,
            &format!("Resource {id} not found"),
        );
    };
    let before = member_ids(&group);
    let mut members = before.clone();
    let old_name = group["displayName"].as_str().unwrap_or("").to_owned();
    let mut name = old_name.clone();
    for op in ops {
        let checked = match op {
            Op::Add(ids) => known_members(&store, &ids, &[]).map(|()| {
                for id in ids {
                    if !members.contains(&id) {
                        members.push(id);
                    }
                }
            }),
            Op::Remove(id) => known_members(&store, std::slice::from_ref(&id), &members)
                .map(|()| members.retain(|m| *m != id)),
            Op::ReplaceMembers(ids) => known_members(&store, &ids, &[]).map(|()| {
                members.clear();
                for id in ids {
                    if !members.contains(&id) {
                        members.push(id);
                    }
                }
            }),
            Op::Rename(new) => unique_name(&store, &new, Some(id)).map(|()| name = new),
        };
        if let Err(a) = checked {
            return a;
        }
    }
    let group = rewrite_group(&store, group, &before, &members, &name);
    let text = group.to_string();
    relink(&mut store, id, &before, &members, (&old_name, &name));
    if let Ok(r) = Resource::from_value(&group) {
        store.replace(Kind::Groups, r);
    }
    Answer::json(StatusCode::OK, text)
}

/// `POST /groups`: creates the group, members optional.
pub(super) fn create_group(shared: &Shared, body: &[u8]) -> Answer {
    let (name, ids) = match parse_create(body) {
        Ok(parsed) => parsed,
        Err(a) => return a,
    };
    let mut store = write(&shared.store);
    if let Err(a) = unique_name(&store, &name, None).and_then(|()| known_members(&store, &ids, &[]))
    {
        return a;
    }
    let id = {
        let mut rt = lock(&shared.runtime);
        loop {
            rt.groups_created += 1;
            let id = format!("sim-group-{}", rt.groups_created);
            if store.get(Kind::Groups, &id).is_none() {
                break id;
            }
        }
    };
    let mut members: Vec<String> = Vec::new();
    for m in ids {
        if !members.contains(&m) {
            members.push(m);
        }
    }
    let group = json!({
        "schemas": [GROUP_URN],
        "id": id,
        "displayName": name,
        "members": members.iter().map(|m| member_entry(&store, m)).collect::<Vec<_>>(),
        "meta": {"resourceType": "Group"},
    });
    let text = group.to_string();
    relink(&mut store, &id, &[], &members, (&name, &name));
    if let Ok(r) = Resource::from_value(&group) {
        store.push(Kind::Groups, r);
    }
    Answer::json(StatusCode::CREATED, text)
}

/// One PATCH operation, checked for shape.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Add(Vec<String>),
    Remove(String),
    ReplaceMembers(Vec<String>),
    Rename(String),
}

fn bad(scim_type: &str, detail: &str) -> Answer {
    Answer::scim_error(StatusCode::BAD_REQUEST, Some(scim_type), detail)
}

fn parse_patch(body: &[u8]) -> Result<Vec<Op>, Answer> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad("invalidSyntax", &format!("the body is not JSON: {e}")))?;
    let is_patch = v["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(PATCH_OP_URN)));
    if !is_patch {
        return Err(bad(
            "invalidSyntax",
            &format!("`schemas` must hold `{PATCH_OP_URN}`"),
        ));
    }
    let ops = v["Operations"]
        .as_array()
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| bad("invalidSyntax", "`Operations` must be a non-empty array"))?;
    ops.iter().map(parse_op).collect()
}

fn parse_op(op: &Value) -> Result<Op, Answer> {
    let name = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
    let path = op["path"].as_str().map(str::trim);
    let is = |p: Option<&str>, want: &str| p.is_some_and(|p| p.eq_ignore_ascii_case(want));
    match name.as_str() {
        "add" if is(path, "members") => member_values(&op["value"]).map(Op::Add),
        "remove" => path.and_then(remove_path).map(Op::Remove).ok_or_else(|| {
            bad(
                "invalidPath",
                &format!(
                    "remove needs the path `members[value eq \"<id>\"]`, got {}",
                    path.map_or("none".to_owned(), |p| format!("`{p}`"))
                ),
            )
        }),
        "replace" if is(path, "members") => member_values(&op["value"]).map(Op::ReplaceMembers),
        "replace" if is(path, "displayName") => display_name(&op["value"]).map(Op::Rename),
        "add" | "replace" => Err(bad(
            "invalidPath",
            &format!(
                "unsupported path {} for `{name}`",
                path.map_or("none".to_owned(), |p| format!("`{p}`"))
            ),
        )),
        _ => Err(bad(
            "invalidSyntax",
            &format!("unknown op `{}`", op["op"].as_str().unwrap_or("")),
        )),
    }
}

/// The id in `members[value eq "<id>"]` (names and `eq` in any case, the id
/// a JSON string).
fn remove_path(path: &str) -> Option<String> {
    let head = path.get(..8)?;
    if !head.eq_ignore_ascii_case("members[") {
        return None;
    }
    let inner = path.get(8..)?.strip_suffix(']')?.trim();
    let (attr, rest) = inner.split_once(char::is_whitespace)?;
    let (op, literal) = rest.trim_start().split_once(char::is_whitespace)?;
    if !attr.eq_ignore_ascii_case("value") || !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    serde_json::from_str::<String>(literal.trim())
        .ok()
        .filter(|id| !id.is_empty())
}

/// `[{"value": "<id>", "display": …}, …]` to the ids.
fn member_values(v: &Value) -> Result<Vec<String>, Answer> {
    let invalid = || {
        bad(
            "invalidValue",
            "`members` must be an array of objects with a string `value`",
        )
    };
    v.as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|m| {
            m["value"]
                .as_str()
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .ok_or_else(invalid)
        })
        .collect()
}

fn display_name(v: &Value) -> Result<String, Answer> {
    match v.as_str().map(str::trim) {
        Some(name) if !name.is_empty() && name.chars().count() <= MAX_DISPLAY_NAME => {
            Ok(name.to_owned())
        }
        _ => Err(bad(
            "invalidValue",
            &format!(
                "`displayName` must be a non-empty string of at most {MAX_DISPLAY_NAME} characters"
            ),
        )),
    }
}

fn parse_create(body: &[u8]) -> Result<(String, Vec<String>), Answer> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad("invalidSyntax", &format!("the body is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad("invalidSyntax", "the body must be a JSON object"));
    }
    let name = display_name(&v["displayName"])?;
    let members = match &v["members"] {
        Value::Null => Vec::new(),
        m => member_values(m)?,
    };
    Ok((name, members))
}

/// `Ok` when every id names a user or an embed user, or one of `members`.
fn known_members(store: &Store, ids: &[String], members: &[String]) -> Result<(), Answer> {
    match ids
        .iter()
        .find(|id| !members.contains(id) && person(store, id).is_none())
    {
        None => Ok(()),
        Some(id) => Err(bad(
            "invalidValue",
            &format!("no user or embed user has the id `{id}`"),
        )),
    }
}

/// `Ok` unless another group (not `except`) already has this name.
fn unique_name(store: &Store, name: &str, except: Option<&str>) -> Result<(), Answer> {
    let taken = store
        .list(Kind::Groups)
        .iter()
        .any(|g| Some(g.id()) != except && g.to_value()["displayName"].as_str() == Some(name));
    if taken {
        Err(Answer::scim_error(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            &format!("a group named `{name}` already exists"),
        ))
    } else {
        Ok(())
    }
}

/// The kind and resource of a user or embed user.
fn person<'s>(store: &'s Store, id: &str) -> Option<(Kind, &'s Entry)> {
    [Kind::Users, Kind::EmbedUsers]
        .into_iter()
        .find_map(|k| store.get(k, id).map(|e| (k, e)))
}

fn member_ids(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A group member entry: `{display: <userName>, value: <id>}` (Omni's group
/// members carry the user's email).
fn member_entry(store: &Store, id: &str) -> Value {
    let display =
        person(store, id).and_then(|(_, e)| e.to_value()["userName"].as_str().map(str::to_owned));
    match display {
        Some(d) => json!({"display": d, "value": id}),
        None => json!({"value": id}),
    }
}

/// The group with its new members and name. Entries of members that stay
/// are kept as they were (so a dangling member keeps its display text).
fn rewrite_group(
    store: &Store,
    mut group: Value,
    before: &[String],
    members: &[String],
    name: &str,
) -> Value {
    let old: Vec<Value> = group["members"].as_array().cloned().unwrap_or_default();
    let entries: Vec<Value> = members
        .iter()
        .map(|id| {
            if before.contains(id)
                && let Some(e) = old.iter().find(|m| m["value"].as_str() == Some(id))
            {
                e.clone()
            } else {
                member_entry(store, id)
            }
        })
        .collect();
    if let Some(obj) = group.as_object_mut() {
        obj.insert("members".into(), Value::Array(entries));
        obj.insert("displayName".into(), name.into());
    }
    group
}

/// Brings the members' own `groups` in line: added members gain the group,
/// removed ones lose it, and on a rename the ones that stay show the new
/// name. Users whose membership did not change are not touched.
fn relink(
    store: &mut Store,
    group_id: &str,
    before: &[String],
    after: &[String],
    names: (&str, &str),
) {
    let (old_name, new_name) = names;
    let added = after.iter().filter(|id| !before.contains(id));
    let removed = before.iter().filter(|id| !after.contains(id));
    let renamed = after
        .iter()
        .filter(|id| old_name != new_name && before.contains(id));
    let changes: Vec<(&String, Link)> = added
        .map(|id| (id, Link::Add))
        .chain(removed.map(|id| (id, Link::Remove)))
        .chain(renamed.map(|id| (id, Link::Rename)))
        .collect();
    for (id, change) in changes {
        let Some((kind, entry)) = person(store, id) else {
            continue;
        };
        let mut user = entry.to_value();
        let Some(obj) = user.as_object_mut() else {
            continue;
        };
        let groups = obj
            .entry("groups")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = groups.as_array_mut() else {
            continue;
        };
        let is_this = |g: &Value| g["value"].as_str() == Some(group_id);
        match change {
            Link::Add => {
                if !list.iter().any(is_this) {
                    let mut entry = Map::new();
                    entry.insert("display".into(), new_name.into());
                    entry.insert("value".into(), group_id.into());
                    list.push(Value::Object(entry));
                }
            }
            Link::Remove => list.retain(|g| !is_this(g)),
            Link::Rename => {
                for g in list.iter_mut().filter(|g| is_this(g)) {
                    if let Some(g) = g.as_object_mut() {
                        g.insert("display".into(), new_name.into());
                    }
                }
            }
        }
        if let Ok(r) = Resource::from_value(&user) {
            store.replace(kind, r);
        }
    }
}

/// How one member's own `groups` changes.
#[derive(Debug, Clone, Copy)]
enum Link {
    Add,
    Remove,
    Rename,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_paths() {
        let id = |p: &str| remove_path(p);
        assert_eq!(id(r#"members[value eq "u-1"]"#), Some("u-1".into()));
        assert_eq!(id(r#"Members[VALUE EQ "a b"]"#), Some("a b".into()));
        assert_eq!(id(r#"members[ value  eq  "x" ]"#), Some("x".into()));
        assert_eq!(id(r#"members[value eq u-1]"#), None);
        assert_eq!(id(r#"members[value ne "u-1"]"#), None);
        assert_eq!(id(r#"members[display eq "u-1"]"#), None);
        assert_eq!(id(r#"members[value eq "u-1"#), None);
        assert_eq!(id(r#"members"#), None);
        assert_eq!(id(r#"members[value eq ""]"#), None);
        assert_eq!(id(r#"émembers[value eq "x"]"#), None);
    }

    #[test]
    fn op_names_in_any_case() {
        let op = |v: Value| parse_op(&v).map_err(|a| a.status.as_u16());
        assert_eq!(
            op(json!({"op": "Add", "path": "members", "value": [{"value": "u"}]})),
            Ok(Op::Add(vec!["u".into()]))
        );
        assert_eq!(
            op(json!({"op": "REPLACE", "path": "displayName", "value": " New "})),
            Ok(Op::Rename("New".into()))
        );
        assert_eq!(
            op(json!({"op": "Remove", "path": r#"members[value eq "u"]"#})),
            Ok(Op::Remove("u".into()))
        );
        assert_eq!(op(json!({"op": "move", "path": "members"})), Err(400));
        assert_eq!(
            op(json!({"op": "add", "path": "emails", "value": []})),
            Err(400)
        );
        assert_eq!(
            op(json!({"op": "add", "path": "members", "value": [{}]})),
            Err(400)
        );
        assert_eq!(op(json!({"op": "remove", "path": "members"})), Err(400));
        assert_eq!(
            op(json!({"op": "replace", "path": "displayName", "value": ""})),
            Err(400)
        );
    }
}
