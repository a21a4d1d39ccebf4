//! The refusals: everything that stops a plan before a single request is
//! sent, checked without the network (pure: the time is passed in).
//!
//! A plan is refused when it cannot be read or its checksum does not match
//! ([`load_plan`]), and by [`check`] when it was computed on another
//! instance or on no live instance at all, when it is older than the allowed
//! age, when a request body is not the one its changes describe, or when it
//! removes more than the deletion budget allows.

use scimdrift_fetch::{FetchOptions, ResourceKind};
use scimdrift_plan::{ChangeOp, GroupAction, GroupChange, PLAN_SCHEMA, Plan};
use std::collections::BTreeSet;
use std::time::Duration;

/// A group may lose at most this share of its members without
/// `--allow-mass-removal`.
pub const MAX_REMOVAL_SHARE: f64 = 0.25;
/// A plan may remove at most this many memberships in total without
/// `--allow-mass-removal`.
pub const MAX_REMOVALS: u64 = 100;
/// How far in the future a plan's time may lie (clocks disagree a little).
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// The guards' settings.
#[derive(Debug, Clone, Copy)]
pub struct Guards {
    /// The time the plan's age is measured at.
    pub now: jiff::Timestamp,
    /// The oldest plan accepted.
    pub max_age: Duration,
    /// Lift the deletion budget (never the rule against emptying a group).
    pub allow_mass_removal: bool,
}

/// Why a plan is refused. Each refusal means exit 4 and nothing sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The file is not a plan.
    #[error("`{path}`:{line}:{column}: not a scimdrift plan: {reason}")]
    Unreadable {
        /// The plan file as given.
        path: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// The plan has another schema.
    #[error("`{path}` has schema `{schema}`, expected `{PLAN_SCHEMA}`")]
    Schema {
        /// The plan file.
        path: String,
        /// The schema it names.
        schema: String,
    },
    /// The checksum does not match the content.
    #[error("`{path}` was changed after it was written: {source}")]
    Checksum {
        /// The plan file.
        path: String,
        /// The mismatch.
        #[source]
        source: ChecksumMismatch,
    },
    /// The plan was computed on a snapshot that names no live instance.
    #[error("the plan names no live instance (it was made from a snapshot without a base URL)")]
    NoLiveSource,
    /// The plan was computed on another instance or dialect.
    #[error(
        "the plan was computed on `{planned}` ({planned_provider}), not on the target `{target}` ({target_provider})"
    )]
    SourceDiffers {
        /// The plan's base URL.
        planned: String,
        /// The plan's provider.
        planned_provider: String,
        /// The connection's base URL.
        target: String,
        /// The connection's provider.
        target_provider: String,
    },
    /// The plan is older than allowed.
    #[error("the plan is {age} old (computed at {at}), older than the allowed {max}")]
    TooOld {
        /// The plan's time.
        at: String,
        /// Its age, for people.
        age: String,
        /// The limit, for people.
        max: String,
    },
    /// The plan's time lies in the future.
    #[error("the plan's time {at} lies after the apply time {now}")]
    FromTheFuture {
        /// The plan's time.
        at: String,
        /// The apply time.
        now: String,
    },
    /// The plan's time is not a timestamp.
    #[error("the plan's time `{0}` is not an RFC 3339 timestamp")]
    BadTime(String),
    /// A request body is not the one its listed changes describe.
    #[error(
        "the request body for `{group}` is not the one its changes describe: the plan was edited"
    )]
    BodyMismatch {
        /// The group.
        group: String,
    },
    /// A group entry is inconsistent (a patch without id or before state, a
    /// duplicate change).
    #[error("the plan's entry for `{group}` is inconsistent: {reason}")]
    Inconsistent {
        /// The group.
        group: String,
        /// What is wrong.
        reason: String,
    },
    /// A group would lose more than the budget allows.
    #[error(
        "`{group}` would lose {removals} of its {members} members (more than {}%)",
        (MAX_REMOVAL_SHARE * 100.0) as u32
    )]
    GroupBudget {
        /// The group.
        group: String,
        /// Members it would lose.
        removals: usize,
        /// Members it has.
        members: usize,
    },
    /// The plan removes too many memberships in total.
    #[error("the plan removes {0} memberships, more than {MAX_REMOVALS}")]
    TotalBudget(u64),
    /// A non-empty group would be left empty, and the policies do not
    /// declare it empty.
    #[error("`{group}` would be left without members, and the policies do not declare it empty")]
    WouldEmpty {
        /// The group.
        group: String,
    },
}

/// The two checksums of a plan that does not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("recorded `{recorded}`, computed `{computed}`")]
pub struct ChecksumMismatch {
    /// The `checksum` field.
    pub recorded: String,
    /// What the content hashes to.
    pub computed: String,
}

impl Refusal {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Refusal::Unreadable { .. } | Refusal::Schema { .. } => {
                "give the file `scimdrift plan --out` wrote".to_owned()
            }
            Refusal::Checksum { .. } | Refusal::BodyMismatch { .. } | Refusal::Inconsistent { .. } => {
                "a plan is applied as reviewed or not at all: run `scimdrift plan` again instead of editing it".to_owned()
            }
            Refusal::NoLiveSource => {
                "plan against the live instance (`scimdrift plan --base-url URL`), or from a snapshot `scimdrift fetch` wrote".to_owned()
            }
            Refusal::SourceDiffers { .. } => {
                "point --base-url and --provider at the instance the plan was computed on, or plan again against this one".to_owned()
            }
            Refusal::TooOld { .. } | Refusal::FromTheFuture { .. } | Refusal::BadTime(_) => {
                "run `scimdrift plan` again, or raise --max-plan-age".to_owned()
            }
            Refusal::GroupBudget { .. } | Refusal::TotalBudget(_) => {
                "check the plan: so many removals more likely mean wrong policies; if they are meant, pass --allow-mass-removal".to_owned()
            }
            Refusal::WouldEmpty { .. } => {
                "declare the group empty in the policies (`members: exact` with no members) if that is meant".to_owned()
            }
        })
    }
}

/// Reads a plan file's text and verifies its checksum. `path` names it in
/// errors.
pub fn load_plan(text: &str, path: &str) -> Result<Plan, Refusal> {
    // The schema first, so that another file kind gets the right message.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text)
        && let Some(schema) = value.get("schema").and_then(|s| s.as_str())
        && schema != PLAN_SCHEMA
    {
        return Err(Refusal::Schema {
            path: path.to_owned(),
            schema: schema.to_owned(),
        });
    }
    let plan: Plan = serde_json::from_str(text).map_err(|e| Refusal::Unreadable {
        path: path.to_owned(),
        line: e.line().max(1),
        column: e.column().max(1),
        reason: strip_position(&e.to_string()),
    })?;
    if plan.schema != PLAN_SCHEMA {
        return Err(Refusal::Schema {
            path: path.to_owned(),
            schema: plan.schema,
        });
    }
    scimdrift_plan::checksum::verify(&plan).map_err(|e| match e {
        scimdrift_plan::checksum::ChecksumError::Mismatch { recorded, computed } => {
            Refusal::Checksum {
                path: path.to_owned(),
                source: ChecksumMismatch { recorded, computed },
            }
        }
    })?;
    Ok(plan)
}

/// serde_json's message without its trailing ` at line L column C` (the
/// error names the position itself).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Every refusal that needs no network: the source, the age, the bodies and
/// the deletion budget.
pub fn check(plan: &Plan, target: &FetchOptions, guards: &Guards) -> Result<(), Refusal> {
    check_source(plan, target)?;
    check_age(plan, guards)?;
    for group in &plan.groups {
        check_entry(group)?;
    }
    check_budget(plan, guards.allow_mass_removal)
}

fn check_source(plan: &Plan, target: &FetchOptions) -> Result<(), Refusal> {
    let Some(base) = plan.source.base_url.as_deref() else {
        return Err(Refusal::NoLiveSource);
    };
    let planned = url::Url::parse(base).map_err(|_| Refusal::NoLiveSource)?;
    let planned = FetchOptions::new(planned, plan.source.provider);
    // The same groups endpoint is the same instance: an instance URL and its
    // `/api/scim/v2` base name the same place.
    let same = plan.source.provider == target.provider
        && planned.endpoint(ResourceKind::Groups) == target.endpoint(ResourceKind::Groups);
    if same {
        return Ok(());
    }
    Err(Refusal::SourceDiffers {
        planned: planned.redacted_base_url(),
        planned_provider: provider_name(plan.source.provider),
        target: target.redacted_base_url(),
        target_provider: provider_name(target.provider),
    })
}

fn provider_name(p: scimdrift_proto::Provider) -> String {
    match p {
        scimdrift_proto::Provider::Omni => "omni",
        scimdrift_proto::Provider::Scim => "scim",
    }
    .to_owned()
}

fn check_age(plan: &Plan, guards: &Guards) -> Result<(), Refusal> {
    let at: jiff::Timestamp = plan
        .now
        .parse()
        .map_err(|_| Refusal::BadTime(plan.now.clone()))?;
    let age = guards.now.duration_since(at);
    let skew = jiff::SignedDuration::try_from(CLOCK_SKEW).unwrap_or_default();
    if age < -skew {
        return Err(Refusal::FromTheFuture {
            at: plan.now.clone(),
            now: guards.now.to_string(),
        });
    }
    let max = jiff::SignedDuration::try_from(guards.max_age).unwrap_or(jiff::SignedDuration::MAX);
    if age > max {
        return Err(Refusal::TooOld {
            at: plan.now.clone(),
            age: human_duration(age.unsigned_abs()),
            max: human_duration(guards.max_age),
        });
    }
    Ok(())
}

/// `2h 5m`, `45m`, `30s`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

/// A group's entry is what `plan` writes: a patch names its id and before
/// state, each member changes once, and the body is exactly the one its
/// changes describe (so what the budget counts is what is sent).
fn check_entry(group: &GroupChange) -> Result<(), Refusal> {
    let name = &group.display_name;
    let inconsistent = |reason: &str| Refusal::Inconsistent {
        group: name.clone(),
        reason: reason.to_owned(),
    };
    let mut seen = BTreeSet::new();
    for c in &group.changes {
        if !seen.insert(&c.member.id) {
            return Err(inconsistent("a member changes twice"));
        }
    }
    let expected = match group.action {
        GroupAction::Patch => {
            if group.id.as_deref().is_none_or(str::is_empty) {
                return Err(inconsistent("a patch without a group id"));
            }
            if group.before.is_none() {
                return Err(inconsistent("a patch without the group's before state"));
            }
            if group.changes.is_empty() {
                return Err(inconsistent("a patch without changes"));
            }
            scimdrift_plan::patch_body(&group.changes)
        }
        GroupAction::Create => {
            if group.id.is_some() || group.before.is_some() {
                return Err(inconsistent("a create names an existing group"));
            }
            if group.of(ChangeOp::Remove).next().is_some() {
                return Err(inconsistent("a create removes members"));
            }
            scimdrift_plan::create_body(&group.display_name, &group.changes)
        }
    };
    if expected != group.body {
        return Err(Refusal::BodyMismatch {
            group: name.clone(),
        });
    }
    Ok(())
}

fn check_budget(plan: &Plan, allow_mass_removal: bool) -> Result<(), Refusal> {
    let mut total = 0u64;
    for group in &plan.groups {
        let Some(before) = &group.before else {
            continue;
        };
        let removals = group.of(ChangeOp::Remove).count();
        total += removals as u64;
        let members = before.members.len();
        let mut after: BTreeSet<&str> = before.members.iter().map(String::as_str).collect();
        for c in &group.changes {
            match c.op {
                ChangeOp::Remove => after.remove(c.member.id.as_str()),
                ChangeOp::Add => after.insert(c.member.id.as_str()),
            };
        }
        // Never empties a non-empty group unless the policies say it is
        // meant to be empty; `--allow-mass-removal` does not lift this.
        if members > 0 && after.is_empty() && !group.declared_empty {
            return Err(Refusal::WouldEmpty {
                group: group.display_name.clone(),
            });
        }
        if !allow_mass_removal
            && removals > 0
            && removals as f64 > members as f64 * MAX_REMOVAL_SHARE
        {
            return Err(Refusal::GroupBudget {
                group: group.display_name.clone(),
                removals,
                members,
            });
        }
    }
    if !allow_mass_removal && total > MAX_REMOVALS {
        return Err(Refusal::TotalBudget(total));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{create, patch, plan};
    use scimdrift_proto::Provider;

    const BASE: &str = "https://x.omniapp.co/api/scim/v2";
    const NOW: &str = "2026-11-26T12:00:00Z";

    fn guards(now: &str) -> Guards {
        Guards {
            now: now.parse().unwrap(),
            max_age: Duration::from_secs(3600),
            allow_mass_removal: false,
        }
    }

    fn target(url: &str, provider: Provider) -> FetchOptions {
        FetchOptions::new(url::Url::parse(url).unwrap(), provider)
    }

    #[track_caller]
    fn check_refusal(p: &Plan, t: &FetchOptions, g: &Guards, want: Result<(), &str>) {
        let got = check(p, t, g).map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_owned));
    }

    #[test]
    fn source_must_be_the_target() {
        let p = plan(
            vec![patch("g1", &["a", "b", "c", "d"], &["+e"])],
            Some(BASE),
            NOW,
        );
        let g = guards(NOW);
        // The instance URL and the SCIM base name the same place.
        check_refusal(
            &p,
            &target("https://x.omniapp.co", Provider::Omni),
            &g,
            Ok(()),
        );
        check_refusal(&p, &target(BASE, Provider::Omni), &g, Ok(()));
        check_refusal(
            &p,
            &target("https://y.omniapp.co", Provider::Omni),
            &g,
            Err(
                "the plan was computed on `https://x.omniapp.co/api/scim/v2` (omni), not on the target `https://y.omniapp.co` (omni)",
            ),
        );
        check_refusal(
            &p,
            &target(BASE, Provider::Scim),
            &g,
            Err(
                "the plan was computed on `https://x.omniapp.co/api/scim/v2` (omni), not on the target `https://x.omniapp.co/api/scim/v2` (scim)",
            ),
        );
        let offline = plan(vec![], None, NOW);
        check_refusal(
            &offline,
            &target(BASE, Provider::Omni),
            &g,
            Err("the plan names no live instance (it was made from a snapshot without a base URL)"),
        );
    }

    #[test]
    fn age() {
        let p = plan(vec![], Some(BASE), NOW);
        let t = target(BASE, Provider::Omni);
        check_refusal(&p, &t, &guards("2026-11-26T13:00:00Z"), Ok(()));
        check_refusal(
            &p,
            &t,
            &guards("2026-11-26T13:00:01Z"),
            Err("the plan is 1h old (computed at 2026-11-26T12:00:00Z), older than the allowed 1h"),
        );
        check_refusal(&p, &t, &guards("2026-11-26T11:56:00Z"), Ok(()));
        check_refusal(
            &p,
            &t,
            &guards("2026-11-26T11:00:00Z"),
            Err(
                "the plan's time 2026-11-26T12:00:00Z lies after the apply time 2026-11-26T11:00:00Z",
            ),
        );
    }

    #[test]
    fn deletion_budget() {
        let t = target(BASE, Provider::Omni);
        let g = guards(NOW);
        // 1 of 4 is 25%: allowed; 2 of 4 is not.
        let ok = plan(
            vec![patch("g1", &["a", "b", "c", "d"], &["-a"])],
            Some(BASE),
            NOW,
        );
        check_refusal(&ok, &t, &g, Ok(()));
        let half = plan(
            vec![patch("g1", &["a", "b", "c", "d"], &["-a", "-b"])],
            Some(BASE),
            NOW,
        );
        check_refusal(
            &half,
            &t,
            &g,
            Err("`group g1` would lose 2 of its 4 members (more than 25%)"),
        );
        let lifted = Guards {
            allow_mass_removal: true,
            ..g
        };
        check_refusal(&half, &t, &lifted, Ok(()));
        // Emptying a group is refused even with --allow-mass-removal ...
        let empty = plan(vec![patch("g1", &["a"], &["-a"])], Some(BASE), NOW);
        check_refusal(
            &empty,
            &t,
            &lifted,
            Err(
                "`group g1` would be left without members, and the policies do not declare it empty",
            ),
        );
        // ... unless the policies declare it empty.
        let mut declared = patch("g1", &["a"], &["-a"]);
        declared.declared_empty = true;
        check_refusal(&plan(vec![declared], Some(BASE), NOW), &t, &lifted, Ok(()));
        // A swap of the only member does not empty it.
        let swap = plan(vec![patch("g1", &["a"], &["-a", "+b"])], Some(BASE), NOW);
        check_refusal(&swap, &t, &lifted, Ok(()));
        // More than 100 removals in total, each group within its share.
        let groups: Vec<_> = (0..26)
            .map(|i| {
                let members: Vec<String> = (0..16).map(|m| format!("m{i}-{m}")).collect();
                let refs: Vec<&str> = members.iter().map(String::as_str).collect();
                let removes: Vec<String> = (0..4).map(|m| format!("-m{i}-{m}")).collect();
                let removes: Vec<&str> = removes.iter().map(String::as_str).collect();
                patch(&format!("g{i}"), &refs, &removes)
            })
            .collect();
        let many = plan(groups, Some(BASE), NOW);
        check_refusal(
            &many,
            &t,
            &g,
            Err("the plan removes 104 memberships, more than 100"),
        );
        check_refusal(&many, &t, &lifted, Ok(()));
    }

    #[test]
    fn bodies_must_match_their_changes() {
        let t = target(BASE, Provider::Omni);
        let g = guards(NOW);
        let mut edited = patch("g1", &["a", "b", "c", "d"], &["+e"]);
        edited.body = scimdrift_plan::patch_body(&[crate::fixture::change(
            scimdrift_plan::ChangeOp::Remove,
            "b",
        )]);
        check_refusal(
            &plan(vec![edited], Some(BASE), NOW),
            &t,
            &g,
            Err(
                "the request body for `group g1` is not the one its changes describe: the plan was edited",
            ),
        );
        let mut renamed = create("new", &["a"]);
        renamed.display_name = "other".into();
        check_refusal(
            &plan(vec![renamed], Some(BASE), NOW),
            &t,
            &g,
            Err(
                "the request body for `other` is not the one its changes describe: the plan was edited",
            ),
        );
    }

    #[test]
    fn loading() {
        let p = plan(vec![patch("g1", &["a"], &["+b"])], Some(BASE), NOW);
        let text = serde_json::to_string_pretty(&p).unwrap();
        assert_eq!(load_plan(&text, "plan.json").unwrap(), p);
        let tampered = text.replace("\"b\"", "\"z\"");
        let err = load_plan(&tampered, "plan.json").unwrap_err();
        assert!(matches!(err, Refusal::Checksum { .. }), "{err}");
        let err = load_plan("{\"schema\": \"scimdrift.report/v1\"}", "r.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`r.json` has schema `scimdrift.report/v1`, expected `scimdrift.plan/v1`"
        );
        let err = load_plan(
            "{\n  \"schema\": \"scimdrift.plan/v1\",\n  \"nope\": 1\n}",
            "p.json",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("`p.json`:3:"), "{err}");
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30s");
        assert_eq!(human_duration(Duration::from_secs(90)), "1m 30s");
        assert_eq!(human_duration(Duration::from_secs(7500)), "2h 5m");
        assert_eq!(human_duration(Duration::from_secs(3600)), "1h");
    }
}
