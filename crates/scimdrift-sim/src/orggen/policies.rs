//! The benchmark policy set that goes with a generated org.
//!
//! Used by `cargo xtask bench-engine` (written to `policies/bench.yaml`, with
//! `spec.json` for the Python baseline) and by the criterion benches of the
//! engine and the renderers, so every benchmark checks the same policies.

use super::OrgSpec;
use scimdrift_proto::Snapshot;
use std::fmt::Write as _;

/// A benchmark workload of issue 7: an org (seed 0, as `cargo xtask gen-org`
/// writes it by default) and the size of its policy set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchWorkload {
    /// `S`, `M` or `L`.
    pub name: &'static str,
    /// The org.
    pub org: OrgSpec,
    /// Rules (see [`bench_policies`]).
    pub rules: usize,
    /// Exceptions.
    pub exceptions: usize,
}

const fn workload(
    name: &'static str,
    users: usize,
    embed_users: usize,
    groups: usize,
    rules: usize,
    exceptions: usize,
) -> BenchWorkload {
    BenchWorkload {
        name,
        org: OrgSpec {
            users,
            embed_users,
            groups,
            seed: 0,
        },
        rules,
        exceptions,
    }
}

/// S, M and L.
pub const BENCH_WORKLOADS: [BenchWorkload; 3] = [
    workload("S", 500, 2_000, 100, 20, 20),
    workload("M", 20_000, 100_000, 2_000, 100, 200),
    workload("L", 50_000, 1_000_000, 5_000, 100, 500),
];

impl BenchWorkload {
    /// The workload called `name` (`S`, `M` or `L`).
    pub fn named(name: &str) -> Option<&'static BenchWorkload> {
        BENCH_WORKLOADS.iter().find(|w| w.name == name)
    }

    /// Its policy set, for an org whose groups are `group_names`.
    pub fn policies(&self, group_names: &[String]) -> BenchPolicies {
        bench_policies(group_names, self.rules, self.exceptions)
    }
}

/// A policy set and the same checks described for the Python baseline
/// (`xtask/bench/check_baseline.py`).
#[derive(Debug, Clone, PartialEq)]
pub struct BenchPolicies {
    /// One policy file (`bench.yaml`).
    pub yaml: String,
    /// What the baseline checks: `declared`, `ignore_prefixes`,
    /// `entity_rules`, `user_rules`, `sod`, `exceptions`.
    pub spec: serde_json::Value,
}

/// The `displayName` of every group of `snapshot`, in the snapshot's order
/// (sorted by id in a generated org): the input of [`bench_policies`].
pub fn group_names(snapshot: &Snapshot) -> Vec<String> {
    snapshot
        .groups
        .iter()
        .filter_map(|g| g.core().ok()?.display_name.as_deref().map(str::to_owned))
        .collect()
}

/// Policies for a generated org whose groups are `group_names` (in id order):
///
/// - every `Entity X` group and "All Embed Users" declared;
/// - embed users: one rule for all (`must_be_in: All Embed Users`), then
///   `rules / 2` entity-scoped rules (`where: embedEntity eq "X"`, with
///   `Entity ${embedEntity}` templates in `must_be_in` and `only_in`);
/// - users: a rule for deactivated users (`only_in: []`), then rules
///   `active eq true and userName sw "a"` (`b`, … cycling through the
///   alphabet) that keep users out of embed groups, `rules - rules / 2 - 2`
///   of them;
/// - two separation-of-duties rules over department groups;
/// - `exceptions` exceptions (for subjects that do not exist, expiring 2030).
pub fn bench_policies(group_names: &[String], rules: usize, exceptions: usize) -> BenchPolicies {
    let entities: Vec<&str> = group_names
        .iter()
        .filter_map(|g| g.strip_prefix("Entity "))
        .collect();
    let depts: Vec<&String> = group_names
        .iter()
        .filter(|g| !g.starts_with("Entity ") && *g != "All Embed Users")
        .collect();
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut y = String::from(
        "version: 1\nsettings:\n  unmanaged_groups: report\ngroups:\n  - name: All Embed Users\n",
    );
    let mut declared = vec!["All Embed Users".to_owned()];
    for e in &entities {
        let _ = writeln!(y, "  - name: {}", q(&format!("Entity {e}")));
        declared.push(format!("Entity {e}"));
    }
    y.push_str("embed_users:\n  - id: every-embed\n    must_be_in: [\"All Embed Users\"]\n");
    let mut entity_rules = Vec::new();
    let scoped = rules / 2;
    for k in 0..scoped {
        let Some(e) = entities.get(k % entities.len().max(1)) else {
            break;
        };
        let id = format!("entity-{k}");
        let where_ = format!("embedEntity eq {}", q(e));
        let _ = write!(
            y,
            "  - id: {id}\n    where: {}\n    must_be_in: [\"Entity ${{embedEntity}}\"]\n    only_in: [\"All Embed Users\", \"Entity ${{embedEntity}}\"]\n",
            q(&where_)
        );
        entity_rules.push(serde_json::json!({"id": id, "entity": e}));
    }
    y.push_str("users:\n  - id: deactivated\n    where: 'active eq false'\n    only_in: []\n");
    let mut user_rules = Vec::new();
    for k in 0..rules.saturating_sub(scoped + 2) {
        let prefix = char::from(b'a' + u8::try_from(k % 26).unwrap_or(0)).to_string();
        let id = format!("no-embed-groups-{k}");
        let _ = write!(
            y,
            "  - id: {id}\n    where: 'active eq true and userName sw \"{prefix}\"'\n    must_not_be_in: [\"All Embed Users\", \"Entity *\"]\n"
        );
        user_rules.push(serde_json::json!({"id": id, "prefix": prefix}));
    }
    let mut sod = Vec::new();
    y.push_str("separation_of_duties:\n");
    for (k, pair) in depts.chunks(2).take(2).enumerate() {
        if let [a, b] = pair {
            let _ = write!(y, "  - id: sod-{k}\n    groups: [{}, {}]\n", q(a), q(b));
            sod.push(serde_json::json!([a, b]));
        }
    }
    if sod.is_empty() {
        y.push_str("  []\n");
    }
    let mut excused = Vec::new();
    y.push_str("exceptions:\n");
    for i in 0..exceptions {
        let rule = if entity_rules.is_empty() {
            "every-embed".to_owned()
        } else {
            format!("entity-{}", i % entity_rules.len())
        };
        let subject = format!("no-such-embed-user-{i}");
        let _ = write!(
            y,
            "  - rule: {rule}\n    subject: {subject}\n    reason: benchmark\n    expires: 2030-01-01\n"
        );
        excused.push(serde_json::json!({"rule": rule, "subject": subject}));
    }
    let spec = serde_json::json!({
        "declared": declared,
        "ignore_prefixes": [],
        "entity_rules": entity_rules,
        "user_rules": user_rules,
        "sod": sod,
        "exceptions": excused,
    });
    BenchPolicies { yaml: y, spec }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orggen::{OrgSpec, generate};

    #[test]
    fn counts_rules_and_exceptions_as_asked() {
        let org = generate(&OrgSpec {
            users: 60,
            embed_users: 200,
            groups: 30,
            seed: 1,
        });
        let names = group_names(&org);
        assert_eq!(names.len(), org.groups.len());
        let p = bench_policies(&names, 20, 7);
        // every-embed + 10 entity rules, deactivated + 8 user rules.
        assert_eq!(p.yaml.matches("\n  - id: entity-").count(), 10);
        assert_eq!(p.yaml.matches("\n  - id: no-embed-groups-").count(), 8);
        assert_eq!(p.yaml.matches("\n  - id: sod-").count(), 2);
        assert_eq!(p.yaml.matches("\n  - rule: ").count(), 7);
        assert_eq!(p.spec["entity_rules"].as_array().map(Vec::len), Some(10));
        assert_eq!(p.spec["user_rules"].as_array().map(Vec::len), Some(8));
        assert_eq!(p.spec["exceptions"].as_array().map(Vec::len), Some(7));
        assert_eq!(p.spec["sod"].as_array().map(Vec::len), Some(2));
        let first = names
            .iter()
            .find_map(|g| g.strip_prefix("Entity "))
            .unwrap();
        assert!(p.yaml.contains(&format!(
            "  - id: entity-0\n    where: \"embedEntity eq \\\"{first}\\\"\"\n"
        )));
        assert!(
            p.yaml
                .contains("where: 'active eq true and userName sw \"h\"'")
        );
    }

    #[test]
    fn workloads_by_name() {
        assert_eq!(
            BenchWorkload::named("M").map(|w| w.org.embed_users),
            Some(100_000)
        );
        assert_eq!(BenchWorkload::named("L").map(|w| w.exceptions), Some(500));
        assert_eq!(BenchWorkload::named("XL"), None);
    }

    #[test]
    fn without_entities_exceptions_name_the_catch_all_rule() {
        let p = bench_policies(&["Sales".to_owned()], 4, 2);
        assert!(!p.yaml.contains("entity-"));
        assert!(p.yaml.contains("separation_of_duties:\n  []\n"));
        assert_eq!(p.yaml.matches("rule: every-embed\n").count(), 2);
    }
}
