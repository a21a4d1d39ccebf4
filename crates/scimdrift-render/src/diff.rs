//! The difference between two snapshots: who joined or left which group,
//! groups created, deleted or renamed (same id, new name), identities added,
//! removed, activated or deactivated.
//!
//! Groups and identities are matched by id, so a rename is a rename and not
//! a delete plus a create. Everything is sorted (groups by name then id,
//! identities by label then id), so the same two snapshots always give the
//! same text.

use scimdrift_proto::{EmbedUser, Group, Resource, Snapshot, User};
use scimdrift_report::short_sha;
use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The `schema` value of a diff's JSON.
pub const DIFF_SCHEMA: &str = "scimdrift.diff/v1";

/// A snapshot resource that cannot be read as what its list says it is.
#[derive(Debug, thiserror::Error)]
#[error("{list} resource `{id}` is malformed")]
pub struct DiffError {
    /// `groups`, `users` or `embed_users`.
    pub list: &'static str,
    /// The resource id.
    pub id: String,
    /// Why.
    #[source]
    pub source: serde_json::Error,
}

/// Which snapshot is which, for the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotRef {
    /// The file as the user named it.
    pub path: String,
    /// sha256 of the file's bytes.
    pub sha256: String,
    /// When it was fetched, if recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
}

/// A group, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GroupRef {
    /// Display name.
    pub name: String,
    /// Live id.
    pub id: String,
}

/// A group whose name changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Rename {
    /// The id both snapshots share.
    pub id: String,
    /// The old name.
    pub from: String,
    /// The new name.
    pub to: String,
}

/// A user or embed user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Identity {
    /// `userName` for users, `embedExternalId (entity)` for embed users,
    /// the member's `display` (or id) when the id matches no identity.
    pub label: String,
    /// `user`, `embed_user`, or `unknown` (a member id matching nothing).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Live id.
    pub id: String,
}

/// Who joined and left one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The group (its name in the newer snapshot).
    pub group: GroupRef,
    /// Members in the newer snapshot only.
    pub joined: Vec<Identity>,
    /// Members in the older snapshot only.
    pub left: Vec<Identity>,
    /// Sorted member labels before, for the line diff.
    #[serde(skip)]
    before: Vec<String>,
    /// Sorted member labels after.
    #[serde(skip)]
    after: Vec<String>,
}

/// Everything that changed between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotDiff {
    /// Always [`DIFF_SCHEMA`].
    pub schema: &'static str,
    /// The older snapshot.
    pub from: SnapshotRef,
    /// The newer snapshot.
    pub to: SnapshotRef,
    /// Groups only in the newer snapshot.
    pub groups_created: Vec<GroupRef>,
    /// Groups only in the older snapshot.
    pub groups_deleted: Vec<GroupRef>,
    /// Groups with the same id and a new name.
    pub groups_renamed: Vec<Rename>,
    /// Per group with a membership change (created and deleted groups
    /// included: all their members joined or left).
    pub memberships: Vec<Membership>,
    /// Identities only in the newer snapshot.
    pub identities_added: Vec<Identity>,
    /// Identities only in the older snapshot.
    pub identities_removed: Vec<Identity>,
    /// `active` went from false to true.
    pub activated: Vec<Identity>,
    /// `active` went from true to false.
    pub deactivated: Vec<Identity>,
}

impl SnapshotDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.groups_created.is_empty()
            && self.groups_deleted.is_empty()
            && self.groups_renamed.is_empty()
            && self.memberships.is_empty()
            && self.identities_added.is_empty()
            && self.identities_removed.is_empty()
            && self.activated.is_empty()
            && self.deactivated.is_empty()
    }
}

#[derive(Debug, Clone)]
struct Person {
    identity: Identity,
    active: bool,
}

struct Side {
    groups: BTreeMap<String, Group>,
    people: BTreeMap<String, Person>,
}

fn decode<T: serde::de::DeserializeOwned>(
    list: &'static str,
    resources: &[Resource],
) -> Result<Vec<T>, DiffError> {
    resources
        .iter()
        .map(|r| {
            r.decode().map_err(|source| DiffError {
                list,
                id: r.id().to_owned(),
                source,
            })
        })
        .collect()
}

fn side(snapshot: &Snapshot) -> Result<Side, DiffError> {
    let groups = decode::<Group>("groups", &snapshot.groups)?
        .into_iter()
        .map(|g| (g.id.clone(), g))
        .collect();
    let mut people = BTreeMap::new();
    for u in decode::<User>("users", &snapshot.users)? {
        people.insert(
            u.id.clone(),
            Person {
                identity: Identity {
                    label: u.user_name,
                    kind: "user",
                    id: u.id,
                },
                active: u.active.unwrap_or(true),
            },
        );
    }
    for u in decode::<EmbedUser>("embed_users", &snapshot.embed_users)? {
        let name = u.embed_external_id.clone().unwrap_or(u.user_name);
        let label = match &u.embed_entity {
            Some(entity) => format!("{name} ({entity})"),
            None => name,
        };
        people.insert(
            u.id.clone(),
            Person {
                identity: Identity {
                    label,
                    kind: "embed_user",
                    id: u.id,
                },
                active: u.active.unwrap_or(true),
            },
        );
    }
    Ok(Side { groups, people })
}

impl Side {
    fn member(&self, value: &str, display: Option<&str>) -> Identity {
        self.people.get(value).map_or_else(
            || Identity {
                label: display.unwrap_or(value).to_owned(),
                kind: "unknown",
                id: value.to_owned(),
            },
            |p| p.identity.clone(),
        )
    }

    fn members(&self, group: Option<&Group>) -> BTreeMap<String, Identity> {
        group
            .map(|g| {
                g.members
                    .iter()
                    .map(|m| (m.value.clone(), self.member(&m.value, m.display.as_deref())))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Compares two snapshots.
pub fn diff(
    from: (&Snapshot, SnapshotRef),
    to: (&Snapshot, SnapshotRef),
) -> Result<SnapshotDiff, DiffError> {
    let a = side(from.0)?;
    let b = side(to.0)?;
    let mut out = SnapshotDiff {
        schema: DIFF_SCHEMA,
        from: from.1,
        to: to.1,
        groups_created: Vec::new(),
        groups_deleted: Vec::new(),
        groups_renamed: Vec::new(),
        memberships: Vec::new(),
        identities_added: Vec::new(),
        identities_removed: Vec::new(),
        activated: Vec::new(),
        deactivated: Vec::new(),
    };

    let ids: BTreeSet<&String> = a.groups.keys().chain(b.groups.keys()).collect();
    for id in ids {
        let (ga, gb) = (a.groups.get(id), b.groups.get(id));
        let group = match (ga, gb) {
            (None, Some(g)) => {
                out.groups_created.push(group_ref(g));
                group_ref(g)
            }
            (Some(g), None) => {
                out.groups_deleted.push(group_ref(g));
                group_ref(g)
            }
            (Some(old), Some(new)) => {
                if old.display_name != new.display_name {
                    out.groups_renamed.push(Rename {
                        id: id.clone(),
                        from: old.display_name.clone(),
                        to: new.display_name.clone(),
                    });
                }
                group_ref(new)
            }
            (None, None) => continue,
        };
        let before = a.members(ga);
        let after = b.members(gb);
        let mut joined: Vec<Identity> = after
            .iter()
            .filter(|(id, _)| !before.contains_key(*id))
            .map(|(_, i)| i.clone())
            .collect();
        let mut left: Vec<Identity> = before
            .iter()
            .filter(|(id, _)| !after.contains_key(*id))
            .map(|(_, i)| i.clone())
            .collect();
        if joined.is_empty() && left.is_empty() {
            continue;
        }
        joined.sort();
        left.sort();
        out.memberships.push(Membership {
            group,
            joined,
            left,
            before: sorted_labels(&before),
            after: sorted_labels(&after),
        });
    }
    out.groups_created.sort();
    out.groups_deleted.sort();
    out.groups_renamed
        .sort_by(|x, y| (&x.to, &x.id).cmp(&(&y.to, &y.id)));
    out.memberships.sort_by(|x, y| x.group.cmp(&y.group));

    let ids: BTreeSet<&String> = a.people.keys().chain(b.people.keys()).collect();
    for id in ids {
        match (a.people.get(id), b.people.get(id)) {
            (None, Some(p)) => out.identities_added.push(p.identity.clone()),
            (Some(p), None) => out.identities_removed.push(p.identity.clone()),
            (Some(old), Some(new)) if !old.active && new.active => {
                out.activated.push(new.identity.clone());
            }
            (Some(old), Some(new)) if old.active && !new.active => {
                out.deactivated.push(new.identity.clone());
            }
            _ => {}
        }
    }
    for list in [
        &mut out.identities_added,
        &mut out.identities_removed,
        &mut out.activated,
        &mut out.deactivated,
    ] {
        list.sort();
    }
    Ok(out)
}

fn group_ref(g: &Group) -> GroupRef {
    GroupRef {
        name: g.display_name.clone(),
        id: g.id.clone(),
    }
}

fn sorted_labels(members: &BTreeMap<String, Identity>) -> Vec<String> {
    let mut labels: Vec<String> = members.values().map(|i| i.label.clone()).collect();
    labels.sort();
    labels
}

/// The diff as pretty JSON with a trailing newline.
pub fn render_json(diff: &SnapshotDiff) -> String {
    let mut text = serde_json::to_string_pretty(diff).unwrap_or_else(|err| format!("\"{err}\""));
    text.push('\n');
    text
}

/// The diff for a terminal: a summary of group and identity changes, then a
/// line diff of each changed group's members (`+` joined, `-` left).
pub fn render_human(diff: &SnapshotDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "--- {} (sha256 {})",
        diff.from.path,
        short_sha(&diff.from.sha256)
    );
    let _ = writeln!(
        out,
        "+++ {} (sha256 {})",
        diff.to.path,
        short_sha(&diff.to.sha256)
    );
    if diff.is_empty() {
        let _ = writeln!(out, "\nNo differences.");
        return out;
    }
    let section = |out: &mut String, title: &str, lines: Vec<String>| {
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{title} ({}):", lines.len());
        for line in lines {
            let _ = writeln!(out, "  {line}");
        }
    };
    let group = |g: &GroupRef| format!("{} [{}]", g.name, g.id);
    let ident = |i: &Identity| format!("{} [{} {}]", i.label, i.kind, i.id);
    section(
        &mut out,
        "Groups created",
        diff.groups_created
            .iter()
            .map(|g| format!("+ {}", group(g)))
            .collect(),
    );
    section(
        &mut out,
        "Groups deleted",
        diff.groups_deleted
            .iter()
            .map(|g| format!("- {}", group(g)))
            .collect(),
    );
    section(
        &mut out,
        "Groups renamed",
        diff.groups_renamed
            .iter()
            .map(|r| format!("~ {} -> {} [{}]", r.from, r.to, r.id))
            .collect(),
    );
    section(
        &mut out,
        "Identities added",
        diff.identities_added
            .iter()
            .map(|i| format!("+ {}", ident(i)))
            .collect(),
    );
    section(
        &mut out,
        "Identities removed",
        diff.identities_removed
            .iter()
            .map(|i| format!("- {}", ident(i)))
            .collect(),
    );
    section(
        &mut out,
        "Activated",
        diff.activated
            .iter()
            .map(|i| format!("+ {}", ident(i)))
            .collect(),
    );
    section(
        &mut out,
        "Deactivated",
        diff.deactivated
            .iter()
            .map(|i| format!("- {}", ident(i)))
            .collect(),
    );
    if !diff.memberships.is_empty() {
        let joined: usize = diff.memberships.iter().map(|m| m.joined.len()).sum();
        let left: usize = diff.memberships.iter().map(|m| m.left.len()).sum();
        let _ = writeln!(
            out,
            "\nMembership ({} groups, {joined} joined, {left} left):",
            diff.memberships.len()
        );
        for m in &diff.memberships {
            let _ = writeln!(out, "\n  {}:", group(&m.group));
            let before = lines(&m.before);
            let after = lines(&m.after);
            let text = TextDiff::from_lines(&before, &after);
            for change in text.iter_all_changes() {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    // Unchanged members are context; only changes are shown.
                    ChangeTag::Equal => continue,
                };
                let _ = write!(out, "  {sign} {}", change.value());
            }
        }
    }
    out
}

fn lines(labels: &[String]) -> String {
    let mut text = String::new();
    for l in labels {
        text.push_str(&l.replace(['\r', '\n'], " "));
        text.push('\n');
    }
    text
}
