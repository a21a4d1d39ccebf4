//! `scimdrift apply`: the one part of scimdrift that writes. It makes a
//! reviewed plan's changes, and nothing else.
//!
//! Phases: the plan is read and its checksum verified ([`load_plan`]); the
//! guards refuse it without a request when it was computed elsewhere, is
//! too old, was edited, or removes more than the deletion budget allows
//! ([`check`]); then, group by group, a precondition read compares the live
//! group with the plan's before state (a changed group is skipped, the others
//! go ahead), the exact request body of the plan is sent once, and a lost
//! answer is settled by reading the group again ([`execute`]); every
//! operation is appended to the journal and fsynced ([`Journal`]); finally
//! every touched group is read again and each planned change verified.
//! [`dry_run`] does the reads only and says what it would send.
//!
//! Architecture invariant: all writing code lives here, behind [`Writer`];
//! the fetch crate stays GET-only and this crate uses only its read-side
//! helpers (the token, the endpoints, the rate limiter, the retry
//! classification).

mod error;
pub mod execute;
#[cfg(test)]
mod fixture;
mod guard;
mod journal;
pub mod render;
mod writer;

pub use error::ApplyError;
pub use guard::{
    CLOCK_SKEW, ChecksumMismatch, Guards, MAX_REMOVAL_SHARE, MAX_REMOVALS, Refusal, check,
    human_duration, load_plan,
};
pub use journal::{Entry, Journal, default_path as default_journal_path};
pub use writer::{Counts, LiveGroup, Sent, Writer};

use scimdrift_plan::{GroupAction, Plan};
use serde::Serialize;

/// What came of one group's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The write was sent and took effect.
    Applied,
    /// Every planned change already held: nothing was sent.
    AlreadyTrue,
    /// The group changed since the plan (or the server refused the plan's
    /// version): nothing was sent, or the write was refused.
    SkippedPrecondition,
    /// The write was refused, or its effect could not be settled.
    Failed,
}

impl Outcome {
    /// The snake_case name used in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::AlreadyTrue => "already_true",
            Outcome::SkippedPrecondition => "skipped_precondition",
            Outcome::Failed => "failed",
        }
    }
}

/// One group's operation, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupReport {
    /// The display name.
    pub display_name: String,
    /// The id (a created group's new id, when known).
    pub id: Option<String>,
    /// Patch or create.
    pub action: GroupAction,
    /// `+id` / `-id`, as planned.
    pub changes: Vec<String>,
    /// What came of it.
    pub outcome: Outcome,
    /// Why, in words.
    pub detail: Option<String>,
    /// When the first write was sent.
    pub sent_at: Option<String>,
    /// Writes sent.
    pub attempts: u32,
    /// The last HTTP status of the write.
    pub status: Option<u16>,
    /// Whether the verification read found every change holding (`None`:
    /// not verified because nothing was applied).
    pub verified: Option<bool>,
    /// What the verification found wrong.
    pub verify_detail: Option<String>,
}

impl GroupReport {
    /// Applied (or already true) and verified.
    pub fn done(&self) -> bool {
        matches!(self.outcome, Outcome::Applied | Outcome::AlreadyTrue)
            && self.verified == Some(true)
    }
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// The plan's checksum.
    pub plan: String,
    /// One entry per group of the plan, in plan order.
    pub groups: Vec<GroupReport>,
    /// Requests sent.
    pub counts: Counts,
}

/// How an apply ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every group applied (or already true) and verified: exit 0.
    Done,
    /// Some group skipped or unverified: exit 3.
    Partial,
    /// Some group's write failed: exit 1.
    Failed,
}

impl ApplyReport {
    /// How it ended.
    pub fn ending(&self) -> Ending {
        if self.groups.iter().any(|g| g.outcome == Outcome::Failed) {
            Ending::Failed
        } else if self.groups.iter().all(GroupReport::done) {
            Ending::Done
        } else {
            Ending::Partial
        }
    }
}

/// Applies the plan: every group in order, then the verification reads.
/// The plan must have passed [`load_plan`] and [`check`]. Every operation
/// is in the journal before the next request.
pub async fn apply(
    plan: &Plan,
    writer: &Writer,
    journal: &mut Journal,
) -> Result<ApplyReport, ApplyError> {
    journal.append(&Entry::Start {
        at: journal::timestamp(),
        plan: plan.checksum.clone(),
        target: target_of(writer),
        groups: plan.groups.len(),
    })?;
    let mut reports = Vec::with_capacity(plan.groups.len());
    for group in &plan.groups {
        let r = match execute::run(writer, group).await {
            Ok(r) => r,
            Err(e) => return Err(abort(journal, &group.display_name, e)),
        };
        tracing::info!(group = %r.display_name, outcome = r.outcome.as_str(), "group");
        journal.append(&Entry::Operation {
            plan: plan.checksum.clone(),
            group: r.display_name.clone(),
            id: r.id.clone(),
            op: execute::request_line(writer, group),
            changes: r.changes.clone(),
            sent_at: r.sent_at.clone(),
            attempts: r.attempts,
            status: r.status,
            outcome: r.outcome,
            detail: r.detail.clone(),
        })?;
        reports.push(r);
    }
    for (group, r) in plan.groups.iter().zip(reports.iter_mut()) {
        if !matches!(r.outcome, Outcome::Applied | Outcome::AlreadyTrue) {
            continue;
        }
        let (verified, detail) = match execute::verify(writer, group, r).await {
            Ok(v) => v,
            Err(e) => return Err(abort(journal, &group.display_name, e)),
        };
        r.verified = Some(verified);
        r.verify_detail = detail.clone();
        journal.append(&Entry::Verify {
            group: r.display_name.clone(),
            id: r.id.clone(),
            verified,
            detail,
        })?;
    }
    let verified = reports.iter().filter(|r| r.done()).count();
    journal.append(&Entry::End {
        at: journal::timestamp(),
        verified,
        not_done: reports.len() - verified,
    })?;
    Ok(ApplyReport {
        plan: plan.checksum.clone(),
        groups: reports,
        counts: writer.counts(),
    })
}

/// Journals why the apply stops (best effort: the error that stops it is
/// what the caller reports) and hands the error back.
fn abort(journal: &mut Journal, group: &str, error: ApplyError) -> ApplyError {
    let entry = Entry::Abort {
        at: journal::timestamp(),
        group: group.to_owned(),
        error: error.to_string(),
    };
    if let Err(e) = journal.append(&entry) {
        tracing::warn!("cannot journal why the apply stopped: {e}");
    }
    error
}

fn target_of(writer: &Writer) -> String {
    let mut url = writer.groups_url().clone();
    url.set_query(None);
    url.to_string()
}

/// What the dry run found for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DryStep {
    /// This request would be sent.
    Send {
        /// `PATCH /…/groups/ID` or `POST /…/groups`.
        request: String,
        /// The `If-Match` header, when the plan recorded a version.
        if_match: Option<String>,
        /// The exact body.
        body: serde_json::Value,
    },
    /// Every planned change already holds: nothing would be sent.
    AlreadyTrue,
    /// The group changed since the plan: it would be skipped.
    Skip(String),
}

/// One group in a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DryGroup {
    /// The display name.
    pub display_name: String,
    /// The id (patches).
    pub id: Option<String>,
    /// `+id` / `-id`, as planned.
    pub changes: Vec<String>,
    /// What would happen.
    pub step: DryStep,
}

/// A dry run: the precondition reads only, and what would be sent.
pub async fn dry_run(plan: &Plan, writer: &Writer) -> Result<Vec<DryGroup>, ApplyError> {
    let mut out = Vec::with_capacity(plan.groups.len());
    for group in &plan.groups {
        let pre = match (&group.action, &group.id) {
            (GroupAction::Patch, Some(id)) => {
                execute::precondition(group, writer.read_group(id).await?.as_ref())
            }
            _ => {
                execute::precondition_create(group, &writer.find_groups(&group.display_name).await?)
            }
        };
        let step = match pre {
            execute::Pre::Write => DryStep::Send {
                request: execute::request_line(writer, group),
                if_match: group.before.as_ref().and_then(|b| b.version.clone()),
                body: group.body.clone(),
            },
            execute::Pre::AlreadyTrue => DryStep::AlreadyTrue,
            execute::Pre::Skip(why) => DryStep::Skip(why),
        };
        out.push(DryGroup {
            display_name: group.display_name.clone(),
            id: group.id.clone(),
            changes: group
                .changes
                .iter()
                .map(|c| format!("{}{}", c.op.sign(), c.member.id))
                .collect(),
            step,
        });
    }
    Ok(out)
}
