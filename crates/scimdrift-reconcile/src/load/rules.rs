//! Subject rules (`users:` and `embed_users:`): id, `where` filter,
//! `inactive_for`, group references, severity.

use super::ctx::{Ctx, loc};
use super::keys;
use crate::model::{InactiveFor, Rule, SubjectKind};
use crate::pattern::GroupPattern;
use crate::yaml::{self, Node, NodeKind, Style};
use scimdrift_proto::Filter;
use scimdrift_report::Severity;
use std::collections::BTreeMap;

impl Ctx<'_> {
    /// Decodes one entry of `users` or `embed_users` (`section`).
    pub(super) fn rule(
        &mut self,
        node: &Node,
        subjects: SubjectKind,
        section: &str,
    ) -> Option<Rule> {
        let what = format!("a rule in `{section}`");
        let before = self.diags.len();
        let map = self.mapping(node, keys::RULE, &what)?;
        let key_errors = self.diags.len() > before;
        let id = self.rule_id(&map, node);
        let mut ok = id.is_some();
        let description = map
            .get("description")
            .and_then(|(_, v)| self.string(v, "description"));
        let mut filter = None;
        let where_at = map.get("where").map(|(_, v)| loc(self.file, v.pos));
        if let Some((_, v)) = map.get("where") {
            match self.string(v, "where") {
                Some(text) => match Filter::parse(&text) {
                    Ok(f) => filter = Some(f),
                    Err(err) => {
                        let span = err.span();
                        let start = text.get(..span.start).map_or(0, |s| s.chars().count());
                        let len = text
                            .get(span.clone())
                            .map_or(1, |s| s.chars().count().max(1));
                        let pos = yaml::scalar_offset_pos(v, self.source, start, len);
                        self.at(
                            pos,
                            format!("invalid `where` filter: {}", err.message()),
                            err.hint().map(str::to_owned),
                        );
                        ok = false;
                    }
                },
                None => ok = false,
            }
        }
        if let (Some(f), Some((_, v))) = (&filter, map.get("where")) {
            self.warn_where_attributes(f, v, subjects, id.as_deref().unwrap_or("?"));
            self.warn_where_types(f, v, subjects, id.as_deref().unwrap_or("?"));
        }
        let inactive_for = match map.get("inactive_for") {
            Some((_, v)) => {
                let parsed = self.inactive_for(v);
                ok &= parsed.is_some();
                parsed
            }
            None => None,
        };
        let mut list = |ctx: &mut Self, key: &str| -> Option<Vec<GroupPattern>> {
            let (_, v) = map.get(key)?;
            let p = ctx.patterns(v, key);
            if p.is_none() {
                ok = false;
            }
            p
        };
        let must_be_in = list(self, "must_be_in").unwrap_or_default();
        let must_not_be_in = list(self, "must_not_be_in").unwrap_or_default();
        let only_in = list(self, "only_in");
        if !map.contains_key("must_be_in")
            && !map.contains_key("must_not_be_in")
            && !map.contains_key("only_in")
            && !key_errors
        {
            self.at(
                node.pos,
                format!("rule `{}` checks nothing", id.as_deref().unwrap_or("?")),
                Some("give `must_be_in`, `must_not_be_in` or `only_in`".to_owned()),
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
        Some(Rule {
            id: id?,
            subjects,
            description,
            filter,
            where_at,
            inactive_for,
            must_be_in,
            must_not_be_in,
            only_in,
            severity: severity?,
            at: loc(self.file, node.pos),
        })
    }

    /// A rule's `inactive_for`: whole days (`90d`) or weeks (`13w`).
    fn inactive_for(&mut self, node: &Node) -> Option<InactiveFor> {
        const MAX_DAYS: u64 = 36_525;
        let hint = "write a number of days or weeks, e.g. `90d` or `13w`";
        let text = match &node.kind {
            NodeKind::Scalar(s) if s.style == Style::Plain && s.value.parse::<u64>().is_ok() => {
                self.at(
                    node.pos,
                    format!("`inactive_for: {}` has no unit", s.value),
                    Some(format!(
                        "add a unit: `{}d` for days, or weeks such as `13w`",
                        s.value
                    )),
                );
                return None;
            }
            _ => self.non_empty_string(node, "inactive_for")?,
        };
        let trimmed = text.trim();
        let (number, per_unit) = match trimmed.char_indices().last() {
            Some((i, 'd')) => (&trimmed[..i], 1),
            Some((i, 'w')) => (&trimmed[..i], 7),
            _ => {
                self.at(
                    node.pos,
                    format!("`inactive_for` must be a duration, found `{text}`"),
                    Some(hint.to_owned()),
                );
                return None;
            }
        };
        let amount = if number.bytes().all(|b| b.is_ascii_digit()) {
            number.parse::<u64>().ok()
        } else {
            None
        };
        let Some(amount) = amount else {
            self.at(
                node.pos,
                format!("`inactive_for` must be a duration, found `{text}`"),
                Some(hint.to_owned()),
            );
            return None;
        };
        let days = amount.saturating_mul(per_unit);
        if days == 0 || days > MAX_DAYS {
            self.at(
                node.pos,
                format!("`inactive_for: {text}` is out of range"),
                Some(format!(
                    "give between 1 day and {MAX_DAYS} days (100 years), e.g. `90d`"
                )),
            );
            return None;
        }
        Some(InactiveFor {
            days: u32::try_from(days).ok()?,
            text: trimmed.to_owned(),
            at: loc(self.file, node.pos),
        })
    }

    /// A rule's `id` (subject rules and separation of duties).
    pub(super) fn rule_id(
        &mut self,
        map: &BTreeMap<&str, (&Node, &Node)>,
        node: &Node,
    ) -> Option<String> {
        let Some((_, v)) = map.get("id") else {
            self.at(
                node.pos,
                "rule without `id`".to_owned(),
                Some("add `id: <lowercase-words-with-dashes>`".to_owned()),
            );
            return None;
        };
        let id = self.string(v, "id")?;
        let mut chars = id.chars();
        let valid = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            let fixed: String = id
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .trim_matches('-')
                .to_owned();
            let hint = if fixed.is_empty() {
                "rule ids match `[a-z0-9][a-z0-9-]*`".to_owned()
            } else {
                format!("rule ids match `[a-z0-9][a-z0-9-]*`, e.g. `{fixed}`")
            };
            self.at(v.pos, format!("invalid rule id `{id}`"), Some(hint));
            return None;
        }
        Some(id)
    }
}
