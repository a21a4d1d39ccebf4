//! Separation of duties: no identity may be in groups matched by two
//! different entries of one `separation_of_duties` rule.

use super::findings::{Draft, describe};
use super::index::{Index, Who};
use super::refs::Ref;
use crate::model::Policies;
use scimdrift_report::FindingKind;
use std::collections::{BTreeMap, BTreeSet};

/// Checks every separation-of-duties rule; appends the findings to
/// `drafts` (rule order, then subject order).
pub(super) fn check_separation_of_duties(
    index: &Index<'_>,
    policies: &Policies,
    drafts: &mut Vec<Draft>,
) {
    for sod in &policies.separation_of_duties {
        let refs: Vec<Ref<'_>> = sod.groups.iter().map(|p| Ref::new(p, index)).collect();
        let mut hits: BTreeMap<Who, (BTreeSet<usize>, BTreeSet<usize>)> = BTreeMap::new();
        for (ei, r) in refs.iter().enumerate() {
            let Some(bits) = &r.live else { continue };
            for (gi, hit) in bits.iter().enumerate() {
                if !hit {
                    continue;
                }
                for who in index.resolved[gi].iter().flatten() {
                    let e = hits.entry(*who).or_default();
                    e.0.insert(ei);
                    e.1.insert(gi);
                }
            }
        }
        for (who, (entries, groups)) in hits {
            if entries.len() < 2 {
                continue;
            }
            let mut names: Vec<&str> = groups.iter().map(|&g| index.groups[g].name).collect();
            names.sort_unstable();
            names.dedup();
            let subject = index.subject(who);
            let list = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            drafts.push(Draft {
                kind: FindingKind::SeparationOfDuties,
                rule: sod.id.clone(),
                severity: sod.severity,
                group: None,
                message: format!(
                    "{} is in {list}, which separation of duties forbids combining",
                    describe(&subject)
                ),
                subject: Some(subject),
                policy: Some(sod.at.clone()),
            });
        }
    }
}
