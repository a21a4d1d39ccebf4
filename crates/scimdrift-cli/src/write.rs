//! The one way the binary writes a file: [`write_atomic`] (or [`write_new`],
//! which never replaces one). Snapshots, reports, reviews, the `--state-dir`
//! state and `init`'s policies all go through them.

use std::io::Write as _;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk (`fsync`), then renamed over the destination.
/// A crash or a full disk never leaves a half-written file where a previous
/// good one was, and readers never see a partial file. The parent directory
/// must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file = synced_temp(path, bytes)?;
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Like [`write_atomic`], but never replaces anything: if `path` exists
/// (even if it appeared while the bytes were being written), the error is
/// [`std::io::ErrorKind::AlreadyExists`] and the existing file is untouched.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file = synced_temp(path, bytes)?;
    file.persist_noclobber(path).map_err(|err| err.error)?;
    Ok(())
}

/// `bytes` in a new temporary file beside `path`, flushed to disk.
fn synced_temp(path: &Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".scimdrift-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"]);
    }

    #[test]
    fn write_new_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.yaml");
        write_new(&path, b"first").unwrap();
        let err = write_new(&path, b"second").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["groups.yaml"], "no temporary file is left behind");
    }

    #[test]
    fn a_missing_directory_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("out.json");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        assert!(!path.exists());
    }
}
