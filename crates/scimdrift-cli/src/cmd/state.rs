//! `check --state-dir DIR`: keeps the last snapshot and report, and marks
//! each finding `new`, `persisting` or `resolved` since the last run.
//!
//! An incomplete run never replaces the saved state: the next run compares
//! against the last trustworthy one.

use crate::exit::invalid;
use scimdrift_reconcile::{Report, Status};
use std::path::Path;

/// The saved report.
pub const REPORT_FILE: &str = "last-report.json";
/// The saved snapshot.
pub const SNAPSHOT_FILE: &str = "last-snapshot.json";

/// Marks the findings against the previous run's report, if there is one
/// (see [`Report::mark_since_last_run`]). Returns whether there was a
/// previous run.
pub fn annotate(report: &mut Report, dir: &Path) -> anyhow::Result<bool> {
    let path = dir.join(REPORT_FILE);
    if !path.exists() {
        report.mark_since_last_run(None);
        return Ok(false);
    }
    let previous = super::render::read_report(&path).map_err(|err| {
        invalid(
            format!("the saved state is unreadable: {err:#}"),
            Some(format!(
                "delete `{}` to start the history afresh",
                path.display()
            )),
        )
    })?;
    report.mark_since_last_run(Some(&previous));
    Ok(true)
}

/// Saves this run's snapshot and report, unless the run is incomplete.
/// Returns whether the state was saved.
pub fn save(report: &Report, snapshot_bytes: &[u8], dir: &Path) -> anyhow::Result<bool> {
    if report.status == Status::Incomplete {
        return Ok(false);
    }
    std::fs::create_dir_all(dir).map_err(|err| {
        anyhow::anyhow!(err).context(format!("cannot create `{}`", dir.display()))
    })?;
    write_atomic(&dir.join(SNAPSHOT_FILE), snapshot_bytes)?;
    write_atomic(
        &dir.join(REPORT_FILE),
        scimdrift_render::json::render(report).as_bytes(),
    )?;
    Ok(true)
}

/// Writes via a temporary file and a rename, so a crash never leaves a
/// half-written state file.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)
        .map_err(|err| anyhow::anyhow!(err).context(format!("cannot write `{}`", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|err| {
        anyhow::anyhow!(err).context(format!("cannot replace `{}`", path.display()))
    })?;
    Ok(())
}
