//! Helpers shared by the integration-test binary (`it`) and the fixture-case
//! harness (`cases`).

use scimdrift_reconcile::PolicySource;
use std::path::{Path, PathBuf};

/// `tests/fixtures` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Reads one fixture: a single YAML file, or every YAML file of a directory
/// (paths relative to it, sorted).
pub fn read_policies(path: &Path) -> Vec<PolicySource> {
    if path.is_file() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        return vec![PolicySource {
            path: name,
            contents: std::fs::read_to_string(path).unwrap(),
        }];
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                let rel = p
                    .strip_prefix(path)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(PolicySource {
                    path: rel,
                    contents: std::fs::read_to_string(&p).unwrap(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}
