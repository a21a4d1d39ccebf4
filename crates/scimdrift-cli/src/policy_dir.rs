//! The policy-directory walk: which files of a policies directory are
//! policies, in which order, within which limits.

use scimdrift_reconcile::{MAX_POLICY_FILE_BYTES, PolicySource};
use std::path::{Path, PathBuf};

/// Most policy files one directory may hold.
pub const MAX_FILES: usize = 10_000;
/// Deepest directory nesting followed.
pub const MAX_DEPTH: usize = 16;

/// Why a policies directory cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PolicyDirError {
    /// The directory does not exist (or is not a directory).
    #[error("policies directory `{}` does not exist", .0.display())]
    Missing(PathBuf),
    /// No `*.yaml`/`*.yml` file anywhere under it.
    #[error("no `*.yaml` or `*.yml` files under `{}`", .0.display())]
    Empty(PathBuf),
    /// Directories nested deeper than [`MAX_DEPTH`].
    #[error("`{}` is nested more than {MAX_DEPTH} directories deep", .0.display())]
    TooDeep(PathBuf),
    /// More than [`MAX_FILES`] policy files.
    #[error("more than {MAX_FILES} policy files")]
    TooMany,
    /// A directory or file cannot be read.
    #[error("cannot read `{path}`")]
    Read {
        /// The directory as given, or the file relative to the policies
        /// directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file larger than [`MAX_POLICY_FILE_BYTES`].
    #[error("policy file `{0}` is larger than {kib} KiB", kib = MAX_POLICY_FILE_BYTES / 1024)]
    TooLarge(String),
    /// A file that is not UTF-8.
    #[error("policy file `{0}` is not valid UTF-8")]
    NotUtf8(String),
}

/// Reads every `*.yaml`/`*.yml` file under `dir`, recursively, sorted by
/// path (relative to `dir`, with `/` separators). Entries whose name starts
/// with `.` are skipped; a directory without any policy file is an error.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir(dir.path().join("teams"))?;
/// std::fs::write(dir.path().join("teams/b.yml"), "version: 1\n")?;
/// std::fs::write(dir.path().join("a.yaml"), "version: 1\n")?;
/// std::fs::write(dir.path().join("notes.txt"), "not a policy")?;
/// let files = scimdrift_cli::read_policy_dir(dir.path())?;
/// let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
/// assert_eq!(paths, ["a.yaml", "teams/b.yml"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_policy_dir(dir: &Path) -> Result<Vec<PolicySource>, PolicyDirError> {
    if !dir.is_dir() {
        return Err(PolicyDirError::Missing(dir.to_owned()));
    }
    let mut out = Vec::new();
    walk(dir, dir, 0, &mut out)?;
    if out.is_empty() {
        return Err(PolicyDirError::Empty(dir.to_owned()));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    out: &mut Vec<PolicySource>,
) -> Result<(), PolicyDirError> {
    if depth > MAX_DEPTH {
        return Err(PolicyDirError::TooDeep(dir.to_owned()));
    }
    let unreadable = |source| PolicyDirError::Read {
        path: dir.display().to_string(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        paths.push(entry.map_err(unreadable)?.path());
    }
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, depth + 1, out)?;
            continue;
        }
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml");
        if !is_yaml {
            continue;
        }
        if out.len() >= MAX_FILES {
            return Err(PolicyDirError::TooMany);
        }
        let shown = relative(root, &path);
        let unreadable = |source| PolicyDirError::Read {
            path: shown.clone(),
            source,
        };
        let meta = std::fs::metadata(&path).map_err(unreadable)?;
        if meta.len() > MAX_POLICY_FILE_BYTES as u64 {
            return Err(PolicyDirError::TooLarge(shown));
        }
        let bytes = std::fs::read(&path).map_err(unreadable)?;
        let Ok(contents) = String::from_utf8(bytes) else {
            return Err(PolicyDirError::NotUtf8(shown));
        };
        out.push(PolicySource {
            path: shown,
            contents,
        });
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
