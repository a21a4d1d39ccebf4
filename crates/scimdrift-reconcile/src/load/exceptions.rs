//! Exceptions (`exceptions:`): rule, subject, reason, expiry date.

use super::ctx::{Ctx, loc};
use super::keys;
use crate::model::Exception;
use crate::yaml::Node;

impl Ctx<'_> {
    /// Decodes one entry of `exceptions`.
    pub(super) fn exception(&mut self, node: &Node) -> Option<Exception> {
        let map = self.mapping(node, keys::EXCEPTION, "an exception")?;
        let required = |ctx: &mut Self, key: &str| -> Option<String> {
            match map.get(key) {
                Some((_, v)) => ctx.non_empty_string(v, key),
                None => {
                    ctx.at(
                        node.pos,
                        format!("exception without `{key}`"),
                        Some(
                            "exceptions need `rule`, `subject`, `reason` and `expires`".to_owned(),
                        ),
                    );
                    None
                }
            }
        };
        let rule = required(self, "rule");
        let subject = required(self, "subject");
        let reason = required(self, "reason");
        let expires_text = required(self, "expires");
        let group = map.get("group").and_then(|(_, v)| self.string(v, "group"));
        let ticket = map
            .get("ticket")
            .and_then(|(_, v)| self.string(v, "ticket"));
        let owner = map.get("owner").and_then(|(_, v)| self.string(v, "owner"));
        // Checked for presence above; decoded (and its format checked) here.
        let expires = expires_text
            .and_then(|_| map.get("expires"))
            .and_then(|(_, v)| self.date(v, "expires"));
        Some(Exception {
            rule: rule?,
            subject: subject?,
            group,
            reason: reason?,
            ticket,
            owner,
            expires: expires?,
            at: loc(self.file, node.pos),
        })
    }
}
