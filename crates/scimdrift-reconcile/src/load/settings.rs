//! The `settings` section (one per policy set).

use super::ctx::{Ctx, did_you_mean};
use super::keys;
use crate::model::{Settings, UnmanagedGroups};
use crate::yaml::{Node, NodeKind, Style};
use scimdrift_report::PolicyLocation;

impl Ctx<'_> {
    /// Decodes `settings`; `at` is where its key is.
    pub(super) fn settings(&mut self, node: &Node, at: PolicyLocation) -> Option<Settings> {
        let map = self.mapping(node, keys::SETTINGS, "settings")?;
        let mut s = Settings {
            at: Some(at),
            ..Settings::default()
        };
        let mut ok = true;
        if let Some((_, v)) = map.get("unmanaged_groups") {
            match self.string(v, "unmanaged_groups").as_deref() {
                Some("report") => s.unmanaged_groups = UnmanagedGroups::Report,
                Some("ignore") => s.unmanaged_groups = UnmanagedGroups::Ignore,
                Some(other) => {
                    let hint = did_you_mean(other, &["report", "ignore"])
                        .unwrap_or_else(|| "use `report` or `ignore`".to_owned());
                    self.at(
                        v.pos,
                        format!("unknown `unmanaged_groups` value `{other}`"),
                        Some(hint),
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some((_, v)) = map.get("ignore_groups") {
            match self.patterns(v, "ignore_groups") {
                Some(p) => s.ignore_groups = p,
                None => ok = false,
            }
        }
        if let Some((_, v)) = map.get("group_name_pattern") {
            if let Some(text) = self.string(v, "group_name_pattern") {
                match regex::Regex::new(&text) {
                    Ok(re) => s.group_name_pattern = Some(re),
                    Err(err) => {
                        let detail = match &err {
                            regex::Error::Syntax(msg) => msg
                                .lines()
                                .rev()
                                .find(|l| l.starts_with("error:"))
                                .unwrap_or("syntax error")
                                .trim_start_matches("error: ")
                                .to_owned(),
                            other => other.to_string(),
                        };
                        self.at(
                            v.pos,
                            format!("invalid `group_name_pattern` regex: {detail}"),
                            Some("the pattern uses Rust `regex` syntax; quote it with single quotes in YAML".to_owned()),
                        );
                        ok = false;
                    }
                }
            } else {
                ok = false;
            }
        }
        if let Some((_, v)) = map.get("expiring_within_days") {
            match self.uint(v, "expiring_within_days") {
                Some(n) => s.expiring_within_days = u32::try_from(n).unwrap_or(u32::MAX),
                None => ok = false,
            }
        }
        if let Some((_, v)) = map.get("max_missing_ratio") {
            let parsed = match &v.kind {
                NodeKind::Scalar(sc) if sc.style == Style::Plain => sc.value.parse::<f64>().ok(),
                _ => None,
            };
            match parsed {
                Some(r) if (0.0..=1.0).contains(&r) => s.max_missing_ratio = r,
                _ => {
                    self.at(
                        v.pos,
                        "`max_missing_ratio` must be a number between 0 and 1".to_owned(),
                        Some("e.g. `0.5`: more than half of a group's declared members missing looks like a broken fetch".to_owned()),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(s)
    }
}
