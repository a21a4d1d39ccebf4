//! Group declarations (`groups:`): name, members mode, declared members,
//! size bounds.

use super::ctx::{Ctx, did_you_mean, loc};
use super::keys;
use crate::diag::Level;
use crate::model::{DeclaredMember, GroupDecl, MemberUntil, MembersMode};
use crate::yaml::{Node, NodeKind, Pos};
use scimdrift_report::PolicyLocation;
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
        let untils: Vec<PolicyLocation> = users
            .iter()
            .chain(&embed_users)
            .filter_map(|m| m.until.as_ref().map(|u| u.at.clone()))
            .collect();
        if explicit_unmanaged && !untils.is_empty() {
            for at in untils {
                self.at(
                    Pos {
                        line: at.line,
                        column: at.column,
                        len: 5,
                    },
                    "`until` in a group with `members: unmanaged`".to_owned(),
                    Some(
                        "an unmanaged group's membership is not checked, so nothing would expire; use `exact` or `at_least`"
                            .to_owned(),
                    ),
                );
            }
            ok = false;
        } else if explicit_unmanaged
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

    /// Decodes a group's `users` or `embed_users` (`what`): plain names, or
    /// `{name, until, reason, ticket}` mappings for time-bound members.
    pub(super) fn members_list(&mut self, node: &Node, what: &str) -> Vec<DeclaredMember> {
        let Some(items) = self.seq(node, what) else {
            return Vec::new();
        };
        let mut out: Vec<DeclaredMember> = Vec::new();
        for item in items {
            let entry = if matches!(item.kind, NodeKind::Map(_)) {
                self.time_bound_member(item, what)
            } else {
                self.non_empty_string(item, what).map(|name| (name, None))
            };
            let Some((name, until)) = entry else {
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
                until,
            });
        }
        out
    }

    /// One `{name, until, reason, ticket}` entry of `users` / `embed_users`.
    fn time_bound_member(
        &mut self,
        node: &Node,
        what: &str,
    ) -> Option<(String, Option<MemberUntil>)> {
        let map = self.mapping(node, keys::MEMBER, &format!("an entry of `{what}`"))?;
        let missing = |ctx: &mut Self, key: &str| {
            ctx.at(
                node.pos,
                format!("time-bound member without `{key}`"),
                Some(
                    "a member written as a mapping needs `name`, `until` and `reason` (`ticket` is optional)"
                        .to_owned(),
                ),
            );
        };
        let name = match map.get("name") {
            Some((_, v)) => self.non_empty_string(v, "name"),
            None => {
                missing(self, "name");
                None
            }
        };
        let date = match map.get("until") {
            Some((k, v)) => self.date(v, "until").map(|d| (d, k.pos)),
            None => {
                missing(self, "until");
                None
            }
        };
        let reason = match map.get("reason") {
            Some((_, v)) => self.non_empty_string(v, "reason"),
            None => {
                missing(self, "reason");
                None
            }
        };
        let ticket = map
            .get("ticket")
            .and_then(|(_, v)| self.string(v, "ticket"));
        let (date, pos) = date?;
        Some((
            name?,
            Some(MemberUntil {
                date,
                reason: reason?,
                ticket,
                at: loc(self.file, pos),
            }),
        ))
    }
}
