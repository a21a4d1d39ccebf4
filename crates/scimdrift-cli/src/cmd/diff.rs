//! `scimdrift diff`: what changed between two snapshots.

use crate::exit::{Exit, invalid};
use anyhow::Context as _;
use scimdrift_proto::{SNAPSHOT_SCHEMA, Snapshot};
use scimdrift_report::diff::{self, SnapshotRef};
use sha2::{Digest as _, Sha256};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `scimdrift diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older snapshot (written by `scimdrift fetch -o FILE`).
    pub from: PathBuf,
    /// The newer snapshot.
    pub to: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
}

/// Output formats of `scimdrift diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Summary plus a `+`/`-` line diff of each changed group's members.
    Human,
    /// `scimdrift.diff/v1` JSON.
    Json,
}

/// Runs `scimdrift diff`. Exits 0 whether or not anything changed.
pub fn run(args: DiffArgs) -> anyhow::Result<Exit> {
    let (a, a_ref) = read_snapshot(&args.from)?;
    let (b, b_ref) = read_snapshot(&args.to)?;
    let d = diff::diff((&a, a_ref), (&b, b_ref)).map_err(|err| {
        invalid(
            format!("{err}: {}", err.source),
            Some("a snapshot's resources must be SCIM resources as Omni serves them".into()),
        )
    })?;
    let text = match args.format {
        DiffFormat::Human => diff::render_human(&d),
        DiffFormat::Json => diff::render_json(&d),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Exit::Clean)
}

/// Reads and parses a snapshot file, with its sha256. Bad JSON or a wrong
/// schema is invalid input (exit 4) naming the file, line and column.
pub fn read_snapshot(path: &Path) -> anyhow::Result<(Snapshot, SnapshotRef)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let snapshot: Snapshot = serde_json::from_slice(&bytes).map_err(|err| {
        invalid(
            json_error(path, &err, "not a valid snapshot"),
            Some("a snapshot is written by `scimdrift fetch -o FILE`".into()),
        )
    })?;
    if snapshot.schema != SNAPSHOT_SCHEMA {
        return Err(invalid(
            format!(
                "{}: unsupported snapshot schema `{}` (expected `{SNAPSHOT_SCHEMA}`)",
                path.display(),
                snapshot.schema
            ),
            None,
        ));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let reference = SnapshotRef {
        path: path.display().to_string(),
        sha256,
        fetched_at: snapshot.fetched_at.clone(),
    };
    Ok((snapshot, reference))
}

/// `FILE:LINE:COLUMN: WHAT: message` for a JSON error, without serde_json's
/// own "at line L column C" suffix.
pub fn json_error(path: &Path, err: &serde_json::Error, what: &str) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    format!(
        "{}:{}:{}: {what}: {message}",
        path.display(),
        err.line(),
        err.column()
    )
}
