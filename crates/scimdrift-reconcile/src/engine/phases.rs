//! The phases of [`check`](super::check) one at a time, for the benchmarks
//! (`benches/engine.rs`) that time each hot path on its own. Not a stable
//! interface.

use super::index::{Index, build_index};
use super::rules::evaluate_rules;
use super::summary::Governed;
use crate::model::Policies;
use scimdrift_proto::Snapshot;

/// The live data indexed: identities by id, name and external id, group
/// memberships resolved.
pub struct Indexed<'s>(Index<'s>);

/// Builds the index [`check`](super::check) starts with.
pub fn index(snapshot: &Snapshot) -> Indexed<'_> {
    let mut problems = Vec::new();
    Indexed(build_index(snapshot, &mut problems))
}

impl Indexed<'_> {
    /// Users plus embed users indexed, plus resolved memberships.
    pub fn size(&self) -> usize {
        self.0.users.len()
            + self.0.embed.len()
            + self.0.resolved.iter().map(Vec::len).sum::<usize>()
    }

    /// Evaluates every subject rule on every subject at `now` (which dates
    /// `inactive_for` cutoffs); returns the number of findings.
    pub fn evaluate_rules(&self, policies: &Policies, now: jiff::Timestamp) -> usize {
        let mut drafts = Vec::new();
        let mut governed = Governed::new(&self.0);
        let _ = evaluate_rules(&self.0, policies, now, &mut drafts, &mut governed);
        drafts.len()
    }
}

impl std::fmt::Debug for Indexed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexed")
            .field("groups", &self.0.groups.len())
            .field("users", &self.0.users.len())
            .field("embed_users", &self.0.embed.len())
            .finish()
    }
}
