//! Making one group's change: the precondition read, the write, what a lost
//! answer means, and the verification read afterwards.
//!
//! The decisions are pure functions of the plan entry and the live group
//! ([`precondition`], [`after_lost`], [`unmet`]), tested without a server;
//! the async functions around them only read, send and record.
//!
//! A write is sent again only when the live state shows it did not take
//! effect: after a 429 (refused before it was processed), after a failed
//! connect (never sent), or after a re-read that finds the group exactly as
//! the plan found it. Anything else (the change holds; the group is in
//! neither state) is decided from the re-read, never by resending.

use std::collections::BTreeSet;

use scimdrift_fetch::retry::{StatusClass, classify_status};
use scimdrift_plan::{ChangeOp, GroupAction, GroupChange};

use crate::error::ApplyError;
use crate::journal::timestamp;
use crate::writer::{LiveGroup, Sent, Writer};
use crate::{GroupReport, Outcome};

/// What the precondition read decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pre {
    /// The group is as the plan found it: send the write.
    Write,
    /// Every planned change already holds: nothing to send.
    AlreadyTrue,
    /// The group changed since the plan: leave it alone.
    Skip(String),
}

/// What a re-read after a lost answer decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterLost {
    /// Every planned change holds: the write took effect.
    TookEffect,
    /// The group is exactly as the plan found it: the write did not take
    /// effect, and may be sent again.
    NotApplied,
    /// Neither: the journal says what the group looks like.
    Unknown(String),
}

/// The planned changes that do not hold in `members` (`+id` missing, `-id`
/// still there).
pub fn unmet(group: &GroupChange, members: &BTreeSet<String>) -> Vec<String> {
    group
        .changes
        .iter()
        .filter(|c| match c.op {
            ChangeOp::Add => !members.contains(&c.member.id),
            ChangeOp::Remove => members.contains(&c.member.id),
        })
        .map(|c| format!("{}{}", c.op.sign(), c.member.id))
        .collect()
}

fn before_set(group: &GroupChange) -> BTreeSet<String> {
    group
        .before
        .as_ref()
        .map(|b| b.members.iter().cloned().collect())
        .unwrap_or_default()
}

/// How `live` differs from `before`: `+id` joined, `-id` left (at most a
/// few named).
fn difference(before: &BTreeSet<String>, live: &BTreeSet<String>) -> String {
    let mut diff: Vec<String> = live
        .difference(before)
        .map(|id| format!("+{id}"))
        .chain(before.difference(live).map(|id| format!("-{id}")))
        .collect();
    let more = diff.len().saturating_sub(5);
    diff.truncate(5);
    let mut text = diff.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// The precondition of a patch: the live group against the plan's before
/// state.
pub fn precondition(group: &GroupChange, live: Option<&LiveGroup>) -> Pre {
    let Some(live) = live else {
        return Pre::Skip("the group no longer exists".into());
    };
    let before = before_set(group);
    if live.members == before {
        return Pre::Write;
    }
    if unmet(group, &live.members).is_empty() {
        return Pre::AlreadyTrue;
    }
    Pre::Skip(format!(
        "its members changed since the plan ({} since)",
        difference(&before, &live.members)
    ))
}

/// The precondition of a create: the groups already named so.
pub fn precondition_create(group: &GroupChange, found: &[LiveGroup]) -> Pre {
    match found {
        [] => Pre::Write,
        [one] if unmet(group, &one.members).is_empty() => Pre::AlreadyTrue,
        _ => Pre::Skip(format!(
            "a group named `{}` exists since the plan",
            group.display_name
        )),
    }
}

/// What a re-read says about a patch whose answer was lost.
pub fn after_lost(group: &GroupChange, live: Option<&LiveGroup>) -> AfterLost {
    let Some(live) = live else {
        return AfterLost::Unknown("the group no longer exists".into());
    };
    if unmet(group, &live.members).is_empty() {
        return AfterLost::TookEffect;
    }
    let before = before_set(group);
    if live.members == before {
        return AfterLost::NotApplied;
    }
    AfterLost::Unknown(format!(
        "the group is neither as planned nor as before ({} against the before state)",
        difference(&before, &live.members)
    ))
}

/// What a re-read says about a create whose answer was lost.
pub fn after_lost_create(group: &GroupChange, found: &[LiveGroup]) -> AfterLost {
    match found {
        [] => AfterLost::NotApplied,
        [one] if unmet(group, &one.members).is_empty() => AfterLost::TookEffect,
        [_] => AfterLost::Unknown(format!(
            "a group named `{}` exists, without every planned member",
            group.display_name
        )),
        _ => AfterLost::Unknown(format!("several groups are named `{}`", group.display_name)),
    }
}

/// The request line of a group's write, for people and the journal.
pub fn request_line(writer: &Writer, group: &GroupChange) -> String {
    match (group.action, &group.id) {
        (GroupAction::Patch, Some(id)) => format!("PATCH {}", writer.group_url(id).path()),
        _ => format!("POST {}", writer.groups_url().path()),
    }
}

/// A report with the group's facts filled in and the outcome still to set.
fn report(group: &GroupChange) -> GroupReport {
    GroupReport {
        display_name: group.display_name.clone(),
        id: group.id.clone(),
        action: group.action,
        changes: group
            .changes
            .iter()
            .map(|c| format!("{}{}", c.op.sign(), c.member.id))
            .collect(),
        outcome: Outcome::Failed,
        detail: None,
        sent_at: None,
        attempts: 0,
        status: None,
        verified: None,
        verify_detail: None,
    }
}

/// Runs one group's operation. `Err` only for what stops the whole apply
/// (the token refused).
pub async fn run(writer: &Writer, group: &GroupChange) -> Result<GroupReport, ApplyError> {
    let mut r = report(group);
    match (group.action, group.id.clone()) {
        (GroupAction::Patch, Some(id)) => {
            let live = writer.read_group(&id).await?;
            match precondition(group, live.as_ref()) {
                Pre::Write => {}
                Pre::AlreadyTrue => {
                    r.outcome = Outcome::AlreadyTrue;
                    return Ok(r);
                }
                Pre::Skip(why) => {
                    r.outcome = Outcome::SkippedPrecondition;
                    r.detail = Some(why);
                    return Ok(r);
                }
            }
            write_loop(writer, group, &mut r).await?;
        }
        (GroupAction::Create, _) => {
            let found = writer.find_groups(&group.display_name).await?;
            match precondition_create(group, &found) {
                Pre::Write => {}
                Pre::AlreadyTrue => {
                    r.outcome = Outcome::AlreadyTrue;
                    r.id = found.first().map(|g| g.id.clone());
                    return Ok(r);
                }
                Pre::Skip(why) => {
                    r.outcome = Outcome::SkippedPrecondition;
                    r.detail = Some(why);
                    return Ok(r);
                }
            }
            write_loop(writer, group, &mut r).await?;
        }
        (GroupAction::Patch, None) => {
            r.detail = Some("a patch without a group id".into());
        }
    }
    Ok(r)
}

/// Sends the write until it is answered or the live state decides it.
async fn write_loop(
    writer: &Writer,
    group: &GroupChange,
    r: &mut GroupReport,
) -> Result<(), ApplyError> {
    let create = group.action == GroupAction::Create;
    let mut last = String::new();
    for attempt in 0..=writer.max_retries() {
        if r.sent_at.is_none() {
            r.sent_at = Some(timestamp());
        }
        r.attempts += 1;
        let sent = match (&group.id, create) {
            (Some(id), false) => {
                let if_match = group.before.as_ref().and_then(|b| b.version.as_deref());
                writer.patch(id, &group.body, if_match).await
            }
            _ => writer.create(&group.body).await,
        };
        let url = writer.groups_url().clone();
        let wait = match sent {
            Sent::Answered { status, body, .. } if (200..300).contains(&status) => {
                r.status = Some(status);
                r.outcome = Outcome::Applied;
                if create
                    && let Some(g) = serde_json::from_str(&body)
                        .ok()
                        .and_then(|v| LiveGroup::from_json(&v))
                {
                    r.id = Some(g.id);
                }
                return Ok(());
            }
            Sent::Answered {
                status,
                body,
                retry_after,
            } => {
                r.status = Some(status);
                last = format!("HTTP {status}");
                match (status, classify_status(status)) {
                    (412, _) => {
                        r.outcome = Outcome::SkippedPrecondition;
                        r.detail = Some(
                            "the server refused the write: the group's version changed since the plan (HTTP 412)"
                                .into(),
                        );
                        return Ok(());
                    }
                    (404, _) if !create => {
                        r.outcome = Outcome::SkippedPrecondition;
                        r.detail = Some("the group no longer exists (HTTP 404)".into());
                        return Ok(());
                    }
                    (409, _) if create => {
                        // Someone (or a lost earlier attempt) created it.
                        let found = writer.find_groups(&group.display_name).await?;
                        settle_conflict(group, r, &found, attempt);
                        return Ok(());
                    }
                    (_, StatusClass::RateLimited) => {
                        // Refused before it was processed: the limiter
                        // holds the next attempt back.
                        writer.after_error(status, &body, retry_after, attempt, &url)?;
                        continue;
                    }
                    (_, StatusClass::Unauthorized) => {
                        writer.after_error(status, &body, retry_after, attempt, &url)?;
                        return Ok(());
                    }
                    (
                        _,
                        StatusClass::Unavailable
                        | StatusClass::ServerError
                        | StatusClass::Transient,
                    ) => writer
                        .after_error(status, &body, retry_after, attempt, &url)?
                        .unwrap_or_default(),
                    _ => {
                        r.outcome = Outcome::Failed;
                        r.detail = Some(format!(
                            "the server refused the write (HTTP {status}): {}",
                            writer.detail(&body)
                        ));
                        return Ok(());
                    }
                }
            }
            Sent::Lost(problem) => {
                last = problem;
                std::time::Duration::ZERO
            }
            Sent::NotSent(problem) => {
                // It never reached the server: send again after the backoff.
                last = problem;
                if attempt < writer.max_retries() {
                    tokio::time::sleep(writer.backoff_delay(attempt)).await;
                }
                continue;
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        // The answer was lost or an error came back after the request was
        // sent: the live state decides.
        let decided = if create {
            after_lost_create(group, &writer.find_groups(&group.display_name).await?)
        } else {
            let id = group.id.as_deref().unwrap_or_default();
            after_lost(group, writer.read_group(id).await?.as_ref())
        };
        match decided {
            AfterLost::TookEffect => {
                r.outcome = Outcome::Applied;
                r.detail = Some(format!(
                    "the answer was lost ({last}); a re-read shows the change took effect"
                ));
                if create {
                    let found = writer.find_groups(&group.display_name).await?;
                    r.id = found.first().map(|g| g.id.clone());
                }
                return Ok(());
            }
            AfterLost::NotApplied => {
                tracing::info!(group = %group.display_name, problem = %last, "the write did not take effect; sending it again");
            }
            AfterLost::Unknown(why) => {
                r.outcome = Outcome::Failed;
                r.detail = Some(format!("the answer was lost ({last}) and {why}"));
                return Ok(());
            }
        }
    }
    r.outcome = Outcome::Failed;
    r.detail = Some(format!(
        "gave up after {} attempts (last: {last}); a re-read showed the change did not take effect",
        r.attempts
    ));
    Ok(())
}

/// A 409 on a create: the group exists. As planned: created by an earlier
/// attempt whose answer was lost (applied) or by someone else (already
/// true); otherwise skipped.
fn settle_conflict(group: &GroupChange, r: &mut GroupReport, found: &[LiveGroup], attempt: u32) {
    match after_lost_create(group, found) {
        AfterLost::TookEffect => {
            r.outcome = if attempt > 0 {
                Outcome::Applied
            } else {
                Outcome::AlreadyTrue
            };
            r.id = found.first().map(|g| g.id.clone());
            r.detail = Some("the group exists as planned (HTTP 409 on the create)".into());
        }
        AfterLost::NotApplied | AfterLost::Unknown(_) => {
            r.outcome = Outcome::SkippedPrecondition;
            r.detail = Some(format!(
                "a group named `{}` was created by someone else since the plan (HTTP 409)",
                group.display_name
            ));
        }
    }
}

/// Re-reads a group after the writes: `(verified, detail)`.
pub async fn verify(
    writer: &Writer,
    group: &GroupChange,
    r: &GroupReport,
) -> Result<(bool, Option<String>), ApplyError> {
    let live = match &r.id {
        Some(id) => writer.read_group(id).await?,
        None => {
            let found = writer.find_groups(&group.display_name).await?;
            match <[LiveGroup; 1]>::try_from(found) {
                Ok([one]) => Some(one),
                Err(_) => None,
            }
        }
    };
    let Some(live) = live else {
        return Ok((false, Some("the group cannot be found".into())));
    };
    let unmet = unmet(group, &live.members);
    if unmet.is_empty() {
        Ok((true, None))
    } else {
        Ok((
            false,
            Some(format!("these changes do not hold: {}", unmet.join(", "))),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{create, patch};

    fn live(members: &[&str]) -> LiveGroup {
        LiveGroup {
            id: "g1".into(),
            display_name: "group g1".into(),
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            version: None,
        }
    }

    #[test]
    fn preconditions() {
        let g = patch("g1", &["a", "b"], &["-a", "+c"]);
        assert_eq!(precondition(&g, Some(&live(&["b", "a"]))), Pre::Write);
        assert_eq!(precondition(&g, Some(&live(&["b", "c"]))), Pre::AlreadyTrue);
        assert_eq!(
            precondition(&g, Some(&live(&["a", "b", "x"]))),
            Pre::Skip("its members changed since the plan (+x since)".into())
        );
        assert_eq!(
            precondition(&g, Some(&live(&["a"]))),
            Pre::Skip("its members changed since the plan (-b since)".into())
        );
        assert_eq!(
            precondition(&g, None),
            Pre::Skip("the group no longer exists".into())
        );
        let c = create("new", &["a"]);
        assert_eq!(precondition_create(&c, &[]), Pre::Write);
        assert_eq!(precondition_create(&c, &[live(&["a"])]), Pre::AlreadyTrue);
        assert_eq!(
            precondition_create(&c, &[live(&[])]),
            Pre::Skip("a group named `new` exists since the plan".into())
        );
    }

    #[test]
    fn lost_answers_are_settled_by_the_live_state() {
        let g = patch("g1", &["a", "b"], &["-a", "+c"]);
        assert_eq!(
            after_lost(&g, Some(&live(&["b", "c"]))),
            AfterLost::TookEffect
        );
        // Someone else's change beside ours still means ours took effect.
        assert_eq!(
            after_lost(&g, Some(&live(&["b", "c", "x"]))),
            AfterLost::TookEffect
        );
        assert_eq!(
            after_lost(&g, Some(&live(&["a", "b"]))),
            AfterLost::NotApplied
        );
        assert_eq!(
            after_lost(&g, Some(&live(&["b"]))),
            AfterLost::Unknown(
                "the group is neither as planned nor as before (-a against the before state)"
                    .into()
            )
        );
        let c = create("new", &["a", "b"]);
        assert_eq!(after_lost_create(&c, &[]), AfterLost::NotApplied);
        assert_eq!(
            after_lost_create(&c, &[live(&["a", "b"])]),
            AfterLost::TookEffect
        );
        assert!(matches!(
            after_lost_create(&c, &[live(&["a"])]),
            AfterLost::Unknown(_)
        ));
    }

    #[test]
    fn unmet_changes() {
        let g = patch("g1", &["a", "b"], &["-a", "+c"]);
        let set = |m: &[&str]| m.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
        assert_eq!(unmet(&g, &set(&["a", "b"])), ["-a", "+c"]);
        assert!(unmet(&g, &set(&["b", "c"])).is_empty());
    }
}
