//! Everything the commands read: snapshots ([`snapshot`], or a live fetch
//! with the connection flags), policies ([`policies`]), saved reports
//! ([`report`]) and the evaluation time; plus the evidence that goes with
//! them (sha256, a path that does not leak the local file system, the
//! policies' git commit).

pub mod policies;
pub mod report;
pub mod snapshot;

use crate::connect::{self, ConnectArgs};
use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::ReportSource;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The data to check, with its provenance.
#[derive(Debug)]
pub struct Input {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// Its text as read or as it would be written.
    pub bytes: std::sync::Arc<String>,
    /// For the report header.
    pub source: ReportSource,
}

/// Reads `--snapshot FILE`, or fetches live when it is absent.
pub fn load(snapshot: Option<&Path>, connect_args: &ConnectArgs) -> Result<Input, CliError> {
    if let Some(path) = snapshot {
        let (snapshot, reference, bytes) = snapshot::read_snapshot_bytes(path)?;
        return Ok(Input {
            source: ReportSource {
                base_url: None,
                snapshot_path: Some(display_path(path)),
                snapshot_sha256: reference.sha256,
                fetched_at: reference.fetched_at,
                refresh: None,
            },
            snapshot,
            bytes,
        });
    }
    if connect_args.base_url.is_none() {
        return Err(CliError::invalid(
            "no data to check: give --snapshot FILE, or a live instance with --base-url URL (or OMNI_BASE_URL)",
        )
        .with_hint("and the API token in OMNI_API_TOKEN or --token-file FILE"));
    }
    let runtime = connect::runtime()?;
    let snapshot = runtime.block_on(connect::fetch_snapshot(connect_args))?;
    if !snapshot.complete {
        connect::report_incomplete(&snapshot);
    }
    let json = scimdrift_fetch::snapshot_json(&snapshot).context("cannot encode the snapshot")?;
    let bytes =
        std::sync::Arc::new(String::from_utf8(json).context("the encoded snapshot is not UTF-8")?);
    Ok(Input {
        source: ReportSource {
            base_url: snapshot.source.base_url.clone(),
            snapshot_path: None,
            snapshot_sha256: sha256(bytes.as_bytes()),
            fetched_at: snapshot.fetched_at.clone(),
            refresh: None,
        },
        snapshot,
        bytes,
    })
}

/// Lowercase hex sha256.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A path for evidence and reports: relative paths as given; absolute ones
/// relative to the working directory when inside it, else the file name
/// alone (the local directory layout is nobody's business).
pub fn display_path(path: &Path) -> String {
    let shown: PathBuf = if path.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
            .or_else(|| path.file_name().map(PathBuf::from))
            .unwrap_or_else(|| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    shown.to_string_lossy().replace('\\', "/")
}

/// The policies' git commit (`HEAD` of the repository holding `dir`), with
/// `-dirty` when the directory has uncommitted changes; `None` outside git.
pub fn policies_commit(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--verify", "-q", "HEAD"])?;
    if commit.is_empty() {
        return None;
    }
    // Policies the repository does not track (an ignored or brand-new
    // directory inside a work tree) were not read at any commit.
    if git(&["ls-files", "--", "."]).is_none_or(|files| files.is_empty()) {
        return None;
    }
    let dirty = git(&["status", "--porcelain", "--", "."]).is_some_and(|s| !s.is_empty());
    Some(if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    })
}

/// `--now`, or the real clock (read here, at the edge, exactly once).
pub fn parse_now(now: Option<&str>) -> Result<jiff::Timestamp, CliError> {
    match now {
        Some(text) => text.parse::<jiff::Timestamp>().map_err(|err| {
            CliError::caused_by(
                Exit::Invalid,
                format!("`--now {text}` is not an RFC 3339 timestamp"),
                err,
            )
            .with_hint("e.g. `--now 2026-11-26T12:00:00Z`")
        }),
        None => {
            #[expect(
                clippy::disallowed_methods,
                reason = "the CLI edge is the one place that reads the clock"
            )]
            let now = jiff::Timestamp::now();
            Ok(now)
        }
    }
}
