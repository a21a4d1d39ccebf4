//! `check --snapshot FILE --refresh`: the snapshot's freshness checked, the
//! groups a policy change can affect read live and laid over it, and the
//! refresh recorded in the report.
//!
//! Fails closed: a snapshot marked incomplete, without a `fetched_at`, or
//! older than `--max-snapshot-age`, and a refresh that cannot complete, all
//! make the data incomplete with the reason (exit 3); the first three send no
//! request at all. Which groups to read is decided by
//! [`scimdrift_reconcile::refresh_scope`] (it knows what the engine reads);
//! reading them is [`scimdrift_fetch::refresh`] (GET only).

use std::io::Write as _;

use scimdrift_fetch::GroupSelection;
use scimdrift_reconcile::{RefreshInfo, RefreshScope};

use crate::connect::{self, ConnectArgs};
use crate::error::{CliError, Context as _};
use crate::input::Input;

/// `--max-snapshot-age`: `90m`, `24h`, `2d`, `3600s`.
pub fn parse_age(value: &str) -> Result<jiff::SignedDuration, String> {
    let text = value.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| "expected a duration such as `24h`, `90m` or `2d`".to_owned())?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err("expected a duration such as `24h`, `90m` or `2d`".to_owned()),
    };
    if n <= 0 {
        return Err("the maximum age must be positive".to_owned());
    }
    n.checked_mul(seconds)
        .map(jiff::SignedDuration::from_secs)
        .ok_or_else(|| "that duration is too long".to_owned())
}

/// The age limit as the user wrote it, for messages.
fn show_age(age: jiff::SignedDuration) -> String {
    let secs = age.as_secs();
    match secs {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Why the snapshot cannot be refreshed, if it cannot: incomplete, no or an
/// unreadable `fetched_at`, or older than `max_age` at `now` (the real
/// clock: the age is how far the snapshot lags the live data it is combined
/// with, whatever `--now` the policies are evaluated at).
fn unusable(input: &Input, now: jiff::Timestamp, max_age: jiff::SignedDuration) -> Option<String> {
    let name = input
        .source
        .snapshot_path
        .as_deref()
        .unwrap_or("the snapshot");
    if !input.snapshot.complete {
        return Some(format!(
            "--refresh needs a complete snapshot, and `{name}` is marked incomplete"
        ));
    }
    let Some(fetched_at) = input.snapshot.fetched_at.as_deref() else {
        return Some(format!(
            "`{name}` has no fetched_at, so its age is unknown; --refresh needs a snapshot written by `scimdrift fetch`"
        ));
    };
    let Ok(at) = fetched_at.parse::<jiff::Timestamp>() else {
        return Some(format!(
            "`{name}` has an unreadable fetched_at `{fetched_at}`, so its age is unknown"
        ));
    };
    let age = now.duration_since(at);
    if age > max_age {
        let hours = age.as_secs() / 3600;
        let minutes = (age.as_secs() % 3600) / 60;
        return Some(format!(
            "`{name}` was fetched at {fetched_at}, {hours}h{minutes:02}m ago: older than --max-snapshot-age {}",
            show_age(max_age)
        ));
    }
    None
}

/// Refreshes `input` in place: `scope` is what the policy change can affect
/// (`None`: no base, every group). On success the snapshot holds the live
/// groups, `input.bytes` its new encoding and `input.source.refresh` the
/// record; a refused or incomplete refresh marks the snapshot incomplete
/// with the reason and says it on stderr.
pub fn apply(
    input: &mut Input,
    scope: Option<RefreshScope>,
    connect_args: &ConnectArgs,
    max_age: jiff::SignedDuration,
) -> Result<(), CliError> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the CLI edge owns the clock: a snapshot's age is measured against it"
    )]
    let now = jiff::Timestamp::now();
    if let Some(reason) = unusable(input, now, max_age) {
        let _ = writeln!(anstream::stderr(), "error: cannot refresh: {reason}");
        input.snapshot.mark_incomplete(reason);
        return Ok(());
    }
    let snapshot_fetched_at = input.snapshot.fetched_at.clone().unwrap_or_default();
    let (selection, because) = match scope {
        None => (GroupSelection::All, None),
        Some(RefreshScope::AllGroups { why }) => (GroupSelection::All, Some(why)),
        Some(RefreshScope::Groups(names)) => (GroupSelection::Named(names), None),
    };
    if connect_args.base_url.is_none() {
        return Err(CliError::invalid("--refresh reads groups live, and no base URL is given")
            .with_hint("set OMNI_BASE_URL or pass --base-url, with the API key in OMNI_API_TOKEN or --token-file"));
    }
    let runtime = connect::runtime()?;
    let (refreshed, finished) = runtime.block_on(connect::refresh_groups(
        connect_args,
        &selection,
        &input.snapshot,
    ))?;
    let mut groups: Vec<String> = refreshed
        .groups
        .iter()
        .filter_map(|g| g.core().ok()?.display_name.as_deref().map(str::to_owned))
        .collect();
    groups.sort();
    groups.dedup();
    let groups_not_found = match &selection {
        GroupSelection::All => Vec::new(),
        GroupSelection::Named(names) => names
            .iter()
            .filter(|n| groups.binary_search(n).is_err())
            .cloned()
            .collect(),
    };
    let info = RefreshInfo {
        all_groups: selection == GroupSelection::All,
        all_groups_because: because,
        groups,
        groups_not_found,
        identities_fetched: (refreshed.users.len() + refreshed.embed_users.len()) as u64,
        requests: refreshed.stats.requests,
        refreshed_at: finished.to_string(),
        snapshot_fetched_at,
    };
    if !connect_args.quiet {
        let _ = writeln!(
            anstream::stderr(),
            "{} ({} requests, {} identities fetched by id)",
            info.summary_line(),
            info.requests,
            info.identities_fetched
        );
    }
    let complete = refreshed.complete();
    if !complete {
        let mut stderr = anstream::stderr();
        let _ = writeln!(
            stderr,
            "error: the refresh could not complete; results built on it are not trustworthy:"
        );
        for reason in &refreshed.incomplete_reasons {
            let _ = writeln!(stderr, "  - {reason}");
        }
    }
    refreshed.overlay(&mut input.snapshot);
    let json =
        scimdrift_fetch::snapshot_json(&input.snapshot).context("cannot encode the snapshot")?;
    input.bytes =
        std::sync::Arc::new(String::from_utf8(json).context("the encoded snapshot is not UTF-8")?);
    input.source.refresh = Some(info);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("24h"), Ok(jiff::SignedDuration::from_hours(24)));
        assert_eq!(parse_age("90m"), Ok(jiff::SignedDuration::from_mins(90)));
        assert_eq!(parse_age("2d"), Ok(jiff::SignedDuration::from_hours(48)));
        assert_eq!(parse_age("30s"), Ok(jiff::SignedDuration::from_secs(30)));
        assert!(parse_age("0h").is_err());
        assert!(parse_age("h").is_err());
        assert!(parse_age("3w").is_err());
        assert_eq!(show_age(jiff::SignedDuration::from_hours(24)), "24h");
        assert_eq!(show_age(jiff::SignedDuration::from_mins(90)), "90m");
    }
}
