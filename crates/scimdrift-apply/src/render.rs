//! An apply and a dry run for people: one line per group saying what was
//! (or would be) done, then a summary line.

use crate::{ApplyReport, DryGroup, DryStep, GroupReport, Outcome};
use scimdrift_plan::GroupAction;
use std::fmt::Write as _;

fn name(display_name: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{display_name} ({id})"),
        None => display_name.to_owned(),
    }
}

fn changes(changes: &[String]) -> String {
    let adds = changes.iter().filter(|c| c.starts_with('+')).count();
    let removes = changes.len() - adds;
    match (adds, removes) {
        (0, r) => format!("-{r}"),
        (a, 0) => format!("+{a}"),
        (a, r) => format!("-{r} +{a}"),
    }
}

fn label(g: &GroupReport) -> &'static str {
    match (g.outcome, g.action) {
        (Outcome::Applied, GroupAction::Create) => "created",
        (Outcome::Applied, GroupAction::Patch) => "applied",
        (Outcome::AlreadyTrue, _) => "already true",
        (Outcome::SkippedPrecondition, _) => "skipped",
        (Outcome::Failed, _) => "failed",
    }
}

/// The terminal text of an apply.
pub fn human(report: &ApplyReport) -> String {
    let mut out = String::new();
    for g in &report.groups {
        let _ = write!(
            out,
            "{:<13}{}: {}",
            label(g),
            name(&g.display_name, g.id.as_deref()),
            changes(&g.changes)
        );
        match g.verified {
            Some(true) => out.push_str(", verified"),
            Some(false) => {
                let _ = write!(
                    out,
                    ", NOT verified: {}",
                    g.verify_detail.as_deref().unwrap_or("")
                );
            }
            None => {}
        }
        if let Some(d) = &g.detail
            && g.outcome != Outcome::AlreadyTrue
        {
            let _ = write!(out, "\n             {d}");
        }
        out.push('\n');
    }
    let count = |o: Outcome| report.groups.iter().filter(|g| g.outcome == o).count();
    let done = report.groups.iter().filter(|g| g.done()).count();
    let unverified = report
        .groups
        .iter()
        .filter(|g| g.verified == Some(false))
        .count();
    let _ = write!(
        out,
        "\napply: {done} of {} groups done and verified",
        report.groups.len()
    );
    for (n, what) in [
        (count(Outcome::AlreadyTrue), "already true"),
        (count(Outcome::SkippedPrecondition), "skipped"),
        (count(Outcome::Failed), "failed"),
        (unverified, "unverified"),
    ] {
        if n > 0 {
            let _ = write!(out, ", {n} {what}");
        }
    }
    let c = report.counts;
    let _ = writeln!(
        out,
        "; {} requests ({} writes, {} rate-limited)",
        c.requests, c.writes, c.rate_limited
    );
    out
}

/// The terminal text of a dry run: every request exactly as it would be
/// sent.
pub fn dry_run(groups: &[DryGroup]) -> String {
    let mut out = String::from("dry run: nothing is sent without --confirm\n");
    let (mut send, mut already, mut skip) = (0, 0, 0);
    for g in groups {
        let _ = write!(
            out,
            "\n{}: {}\n",
            name(&g.display_name, g.id.as_deref()),
            changes(&g.changes)
        );
        match &g.step {
            DryStep::Send {
                request,
                if_match,
                body,
            } => {
                send += 1;
                let _ = writeln!(out, "  {request}");
                if let Some(v) = if_match {
                    let _ = writeln!(out, "  If-Match: {v}");
                }
                let _ = writeln!(out, "  {body}");
            }
            DryStep::AlreadyTrue => {
                already += 1;
                out.push_str("  already true: nothing to send\n");
            }
            DryStep::Skip(why) => {
                skip += 1;
                let _ = writeln!(out, "  would be skipped: {why}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\ndry run: {send} writes would be sent, {already} groups already true, {skip} would be skipped; run again with --confirm to apply"
    );
    out
}
