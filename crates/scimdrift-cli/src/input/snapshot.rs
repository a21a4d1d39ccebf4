//! Reading a snapshot file: the size limit (`SCIMDRIFT_MAX_SNAPSHOT_MB`),
//! its sha256 (the evidence of what was checked), and load errors that name
//! the file, line and column.

use crate::error::{CliError, Context as _};
use scimdrift_proto::{DEFAULT_MAX_SNAPSHOT_MB, Snapshot, SnapshotLoadError};
use scimdrift_render::diff::SnapshotRef;
use sha2::{Digest as _, Sha256};
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

/// Reads and parses a snapshot file, with its sha256. Bad JSON or a wrong
/// schema is invalid input (exit 4) naming the file, line and column.
pub fn read_snapshot(path: &Path) -> Result<(Snapshot, SnapshotRef), CliError> {
    let (snapshot, reference, _) = read_snapshot_bytes(path)?;
    Ok((snapshot, reference))
}

/// The largest snapshot file read, in MiB: `SCIMDRIFT_MAX_SNAPSHOT_MB` or
/// [`DEFAULT_MAX_SNAPSHOT_MB`].
pub fn max_snapshot_mb() -> Result<u64, CliError> {
    match std::env::var("SCIMDRIFT_MAX_SNAPSHOT_MB") {
        Err(_) => Ok(DEFAULT_MAX_SNAPSHOT_MB),
        Ok(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                CliError::invalid(format!(
                    "SCIMDRIFT_MAX_SNAPSHOT_MB=`{v}`: expected a positive number of MiB"
                ))
                .with_hint(format!("the default is {DEFAULT_MAX_SNAPSHOT_MB}"))
            }),
    }
}

/// The `Environment:` section of the `--help` of every command that reads a
/// snapshot file (`check`, `review`, `diff`, `filter eval`), so the size limit
/// is documented where clap users look. Styled like clap's own headings (the
/// styling is stripped when colour is off).
pub fn snapshot_env_help() -> clap::builder::StyledStr {
    let header = *clap::builder::Styles::default().get_header();
    format!(
        "{header}Environment:{header:#}\n  SCIMDRIFT_MAX_SNAPSHOT_MB  \
         The largest snapshot file read, in MiB [default: {DEFAULT_MAX_SNAPSHOT_MB}]"
    )
    .into()
}

/// [`read_snapshot`], also returning the text read (which the snapshot's
/// resources share rather than copy). Reads at most the size limit (plus one
/// byte), so a huge file is refused without loading it.
pub fn read_snapshot_bytes(path: &Path) -> Result<(Snapshot, SnapshotRef, Arc<String>), CliError> {
    let max_mb = max_snapshot_mb()?;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    // Sized from the file's length (when known) so the bytes are read once,
    // without the copies of a growing buffer.
    let hint = file.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(usize::try_from(hint.saturating_add(1)).unwrap_or(0));
    file.take(max_mb.saturating_mul(1024 * 1024).saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => Arc::new(text),
        // Not UTF-8: the loader says where.
        Err(err) => {
            return Err(load_error(
                path,
                Snapshot::from_json_bytes(err.as_bytes(), max_mb).err(),
            ));
        }
    };
    // The digest is computed on another thread while the snapshot is parsed.
    let (sha256, parsed) = std::thread::scope(|scope| {
        let digest = scope.spawn(|| hex::encode(Sha256::digest(text.as_bytes())));
        let parsed = Snapshot::from_json_text(Arc::clone(&text), max_mb);
        (digest.join(), parsed)
    });
    let snapshot = parsed.map_err(|err| load_error(path, Some(err)))?;
    let sha256 = sha256.map_err(|_| CliError::failure("the sha256 thread panicked"))?;
    let reference = SnapshotRef {
        path: path.display().to_string(),
        sha256,
        fetched_at: snapshot.fetched_at.clone(),
    };
    Ok((snapshot, reference, text))
}

/// The invalid-input error for a snapshot file that does not load.
fn load_error(path: &Path, err: Option<SnapshotLoadError>) -> CliError {
    let Some(err) = err else {
        return CliError::invalid(format!("{}: not a valid snapshot", path.display()));
    };
    let (sep, hint) = match err {
        SnapshotLoadError::TooLarge { .. } => (
            " ",
            Some("e.g. `SCIMDRIFT_MAX_SNAPSHOT_MB=4096 scimdrift check ...`"),
        ),
        SnapshotLoadError::Json { .. } => (
            "",
            Some("a snapshot is written by `scimdrift fetch -o FILE`"),
        ),
        SnapshotLoadError::Schema(_) => (" ", None),
    };
    // The loader's message is a location and what is wrong there (it has
    // no cause): the file name goes in front, as a compiler's would.
    CliError::invalid(format!("{}:{sep}{err}", path.display())).with_hint_opt(hint)
}
