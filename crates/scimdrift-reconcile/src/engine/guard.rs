//! The mass-drift guard: drift so large it more likely means a broken fetch
//! or the wrong instance makes the data incomplete instead
//! (`--accept-mass-drift` skips it).

use crate::model::{MembersMode, Policies};
use scimdrift_proto::Snapshot;

/// The guard's incomplete-data reasons: checked groups with more than
/// `max_missing_ratio` of their (at least ten) declared members missing,
/// then empty snapshot lists the policies declare entries for. `missing` is
/// per declaration, in policy order (from the declarations phase).
pub(super) fn mass_drift(
    snapshot: &Snapshot,
    policies: &Policies,
    missing: &[usize],
) -> Vec<String> {
    let settings = &policies.settings;
    let mut guard: Vec<String> = Vec::new();
    for (decl, &missing) in policies.groups.iter().zip(missing) {
        let check_members = decl.members != MembersMode::Unmanaged;
        let declared_count = decl.users.len() + decl.embed_users.len();
        if check_members && declared_count >= 10 {
            #[expect(
                clippy::cast_precision_loss,
                reason = "member counts are far below 2^52"
            )]
            let ratio = missing as f64 / declared_count as f64;
            if ratio > settings.max_missing_ratio {
                guard.push(format!(
                    "{missing} of {declared_count} declared members of `{}` are missing (more than {}%): this looks like a broken fetch or the wrong instance, not drift; pass --accept-mass-drift if it is real",
                    decl.name,
                    (settings.max_missing_ratio * 100.0).round()
                ));
            }
        }
    }
    for (list, what, declares) in [
        (&snapshot.groups, "groups", !policies.groups.is_empty()),
        (
            &snapshot.users,
            "users",
            policies.groups.iter().any(|g| !g.users.is_empty()),
        ),
        (
            &snapshot.embed_users,
            "embed users",
            policies.groups.iter().any(|g| !g.embed_users.is_empty()),
        ),
    ] {
        if list.is_empty() && declares {
            guard.push(format!(
                "the snapshot has no {what} while the policies declare some: this looks like a broken fetch; pass --accept-mass-drift if it is real"
            ));
        }
    }
    guard
}
