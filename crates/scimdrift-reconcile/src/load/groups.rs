//! Group declarations (`groups:`): name, members mode, declared members,
//! size bounds.

use super::ctx::{Ctx, did_you_mean, loc};
use super::keys;
use crate::diag::Level;
use crate::model::{DeclaredMember, GroupDecl, MembersMode};
use crate::yaml::Node;
use scimdrift_report::Severity;

impl Ctx<'_> {
    /// Decodes one entry of `groups`.
    pub(super) fn group(&mut self, node: &Node) -> Option<GroupDecl> {
        let map = self.mapping(node, keys::GROUP, "a group declaration")?;
        let name = match map.get("name") {
            Some((_, v)) => self.non_empty_string(v, "name"),
            None => {
                self.at(
                    node.pos,
                    "group declaration without `name`".to_owned(),
                    Some("add `name: <the group's exact display name>`".to_owned()),
                );
                None
            }
        };
        let mut ok = name.is_some();
        if let Some(n) = &name
            && n.chars().count() > 64
            && let Some((_, v)) = map.get("name")
        {
            self.at(
                v.pos,
                format!("group name is {} characters long", n.chars().count()),
                Some("Omni caps group names at 64 characters".to_owned()),
            );
            ok = false;
        }
        let owner = map.get("owner").and_then(|(_, v)| self.string(v, "owner"));
        let users = map
            .get("users")
            .map(|(_, v)| self.members_list(v, "users"))
            .unwrap_or_default();
        let embed_users = map
            .get("embed_users")
            .map(|(_, v)| self.members_list(v, "embed_users"))
            .unwrap_or_default();
        let listed = map.contains_key("users") || map.contains_key("embed_users");
        let members = match map.get("members") {
            None if listed => MembersMode::Exact,
            None => MembersMode::Unmanaged,
            Some((_, v)) => match self.string(v, "members").as_deref() {
                Some("exact") => MembersMode::Exact,
                Some("at_least") => MembersMode::AtLeast,
                Some("unmanaged") => MembersMode::Unmanaged,
                Some(other) => {
                    let hint = did_you_mean(other, &["exact", "at_least", "unmanaged"])
                        .unwrap_or_else(|| "use `exact`, `at_least` or `unmanaged`".to_owned());
                    self.at(
                        v.pos,
                        format!("unknown `members` mode `{other}`"),
                        Some(hint),
                    );
                    ok = false;
                    MembersMode::Unmanaged
                }
                None => {
                    ok = false;
                    MembersMode::Unmanaged
                }
            },
        };
        let explicit_unmanaged = map
            .get("members")
            .and_then(|(_, v)| v.as_scalar())
            .is_some_and(|s| s.value == "unmanaged");
        if explicit_unmanaged
            && listed
            && let Some((k, _)) = map.get("members")
        {
            self.at(
                k.pos,
                "`members: unmanaged` with a `users` or `embed_users` list".to_owned(),
                Some("use `exact` or `at_least` to check the list, or drop the list".to_owned()),
            );
            ok = false;
        }
        let min_members = map
            .get("min_members")
            .and_then(|(_, v)| self.uint(v, "min_members"));
        let max_members = map
            .get("max_members")
            .and_then(|(_, v)| self.uint(v, "max_members"));
        if let (Some(min), Some(max)) = (min_members, max_members)
            && min > max
            && let Some((_, v)) = map.get("min_members")
        {
            self.at(
                v.pos,
                format!("`min_members` ({min}) is larger than `max_members` ({max})"),
                None,
            );
            ok = false;
        }
        let severity = match map.get("severity") {
            Some((_, v)) => self.severity(v),
            None => Some(Severity::Error),
        };
        ok &= severity.is_some();
        if !ok {
            return None;
        }
        Some(GroupDecl {
            name: name?,
            owner,
            members,
            users,
            embed_users,
            min_members,
            max_members,
            severity: severity?,
            at: loc(self.file, node.pos),
        })
    }

    pub(super) fn members_list(&mut self, node: &Node, what: &str) -> Vec<DeclaredMember> {
        let Some(items) = self.seq(node, what) else {
            return Vec::new();
        };
        let mut out: Vec<DeclaredMember> = Vec::new();
        for item in items {
            let Some(name) = self.non_empty_string(item, what) else {
                continue;
            };
            let dup = if what == "users" {
                out.iter().any(|m| m.name.eq_ignore_ascii_case(&name))
            } else {
                out.iter().any(|m| m.name == name)
            };
            if dup {
                self.push(
                    Level::Warning,
                    item.pos,
                    format!("`{name}` is listed twice in `{what}`"),
                    Some("remove the duplicate".to_owned()),
                );
                continue;
            }
            out.push(DeclaredMember {
                name,
                at: loc(self.file, item.pos),
            });
        }
        out
    }
}
