//! Separation-of-duties rules (`separation_of_duties:`).

use super::ctx::{Ctx, loc};
use super::keys;
use crate::model::SodRule;
use crate::yaml::Node;
use scimdrift_report::Severity;

impl Ctx<'_> {
    /// Decodes one entry of `separation_of_duties`.
    pub(super) fn sod(&mut self, node: &Node) -> Option<SodRule> {
        let map = self.mapping(node, keys::SOD, "a separation_of_duties rule")?;
        let id = self.rule_id(&map, node);
        let groups = match map.get("groups") {
            Some((_, v)) => {
                let g = self.patterns(v, "groups");
                if let Some(list) = &g
                    && list.len() < 2
                {
                    self.at(
                        v.pos,
                        "separation of duties needs at least two groups".to_owned(),
                        None,
                    );
                    None
                } else {
                    g
                }
            }
            None => {
                self.at(
                    node.pos,
                    "separation_of_duties rule without `groups`".to_owned(),
                    Some("list the mutually exclusive groups".to_owned()),
                );
                None
            }
        };
        let severity = match map.get("severity") {
            Some((_, v)) => self.severity(v),
            None => Some(Severity::Error),
        };
        Some(SodRule {
            id: id?,
            groups: groups?,
            severity: severity?,
            at: loc(self.file, node.pos),
        })
    }
}
