//! Writing snapshots: atomically, so a crash or a full disk never leaves a
//! half-written file where a previous good snapshot was.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use scimdrift_proto::Snapshot;

/// Why a snapshot could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the snapshot to `{}`", path.display())]
pub struct WriteError {
    /// The destination.
    pub path: PathBuf,
    /// The IO or encoding error.
    #[source]
    pub source: std::io::Error,
}

/// Serializes a snapshot (pretty at the top level; each resource exactly as
/// served), sorted by id, with a trailing newline.
pub fn snapshot_json(snapshot: &Snapshot) -> Result<Vec<u8>, serde_json::Error> {
    let mut sorted;
    let snapshot = if is_sorted(snapshot) {
        snapshot
    } else {
        sorted = snapshot.clone();
        sorted.sort();
        &sorted
    };
    let mut out = serde_json::to_vec_pretty(snapshot)?;
    out.push(b'\n');
    Ok(out)
}

fn is_sorted(s: &Snapshot) -> bool {
    [&s.groups, &s.users, &s.embed_users]
        .iter()
        .all(|list| list.windows(2).all(|w| w[0].id() <= w[1].id()))
}

/// Writes a snapshot to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the destination.
pub fn write_snapshot(path: &Path, snapshot: &Snapshot) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        path: path.to_owned(),
        source,
    };
    let json = snapshot_json(snapshot).map_err(|e| fail(std::io::Error::other(e)))?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".scimdrift-snapshot-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    file.write_all(&json).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimdrift_proto::{Resource, SnapshotSource};

    #[test]
    fn writes_sorted_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.json");
        std::fs::write(&path, "old").unwrap();
        let mut s = Snapshot::new(SnapshotSource::default());
        s.users = vec![
            Resource::from_json(r#"{"id":"b","userName":"b@x"}"#).unwrap(),
            Resource::from_json(r#"{"id":"a","userName":"a@x"}"#).unwrap(),
        ];
        write_snapshot(&path, &s).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        insta::assert_snapshot!(text, @r#"
        {
          "schema": "scimdrift.snapshot/v1",
          "source": {
            "provider": "omni",
            "base_url": null
          },
          "fetched_at": null,
          "complete": true,
          "incomplete_reasons": [],
          "stats": {
            "requests": 0,
            "retries": 0,
            "rate_limited": 0,
            "pages": 0,
            "duration_ms": 0
          },
          "groups": [],
          "users": [
            {"id":"a","userName":"a@x"},
            {"id":"b","userName":"b@x"}
          ],
          "embed_users": []
        }
        "#);
        // Only the destination is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["snap.json"]);
    }

    #[test]
    fn unwritable_destination_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("snap.json");
        let err = write_snapshot(&path, &Snapshot::new(SnapshotSource::default())).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot write the snapshot to `"),
            "{err}"
        );
        assert!(!path.exists());
    }
}
