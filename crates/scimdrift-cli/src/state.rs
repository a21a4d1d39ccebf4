//! `check --state-dir DIR`: keeps the last snapshot and report, and marks
//! each finding `new`, `persisting` or `resolved` since the last run.
//!
//! An incomplete run never replaces the saved state: the next run compares
//! against the last trustworthy one.

use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use crate::write::write_atomic;
use scimdrift_reconcile::{Report, Status};
use std::path::Path;

/// The saved report.
pub const REPORT_FILE: &str = "last-report.json";
/// The saved snapshot.
pub const SNAPSHOT_FILE: &str = "last-snapshot.json";

/// Marks the findings against the previous run's report, if there is one
/// (see [`Report::mark_since_last_run`]). Returns whether there was a
/// previous run.
pub fn annotate(report: &mut Report, dir: &Path) -> Result<bool, CliError> {
    let path = dir.join(REPORT_FILE);
    if !path.exists() {
        report.mark_since_last_run(None);
        return Ok(false);
    }
    let previous = crate::input::report::read_report(&path).map_err(|err| {
        CliError::caused_by(Exit::Invalid, "the saved state is unreadable", err).with_hint(format!(
            "delete `{}` to start the history afresh",
            path.display()
        ))
    })?;
    report.mark_since_last_run(Some(&previous));
    Ok(true)
}

/// Saves this run's snapshot and report, unless the run is incomplete.
/// Returns whether the state was saved.
pub fn save(report: &Report, snapshot_bytes: &[u8], dir: &Path) -> Result<bool, CliError> {
    if report.status == Status::Incomplete {
        return Ok(false);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    write_state(&dir.join(SNAPSHOT_FILE), snapshot_bytes)?;
    write_state(
        &dir.join(REPORT_FILE),
        scimdrift_render::json::render(report).as_bytes(),
    )?;
    Ok(true)
}

/// Writes one state file atomically, so a crash never leaves a half-written
/// one.
fn write_state(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    write_atomic(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}
