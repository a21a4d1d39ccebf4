//! Helpers shared by the integration-test binary (`it`) and the fixture-case
//! harness (`cases`).

use scimdrift_reconcile::PolicySource;
use std::path::{Path, PathBuf};

/// `tests/fixtures` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Reads one fixture: a single YAML file, or a policies directory read as
/// the binary reads one (`scimdrift_cli::read_policy_dir`).
pub fn read_policies(path: &Path) -> Vec<PolicySource> {
    if path.is_file() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        return vec![PolicySource {
            path: name,
            contents: std::fs::read_to_string(path).unwrap(),
        }];
    }
    scimdrift_cli::read_policy_dir(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}
