//! Helpers shared by the CLI tests: run the binary, find fixtures, copy the
//! demo into a temporary directory, make git commits.

#![allow(dead_code, reason = "each test module uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture under the workspace's `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// Copies the directory tree `from` to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// An evaluation time at which the demo shows every kind of exception
/// finding (one expired, one expiring within the 180-day window).
pub const DEMO_NOW: &str = "2027-03-25T09:00:00Z";

/// A temporary copy of the demo: `policies/` and `org.json`.
pub fn demo() -> tempfile::TempDir {
    demo_copy("org.json")
}

/// A temporary copy of the demo, outside any git repository: the
/// checkout's `policies/`, and `demo/org.json` at `org` (a relative path).
pub fn demo_copy(org: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("policies"), &dir.path().join("policies"));
    let org = dir.path().join(org);
    std::fs::create_dir_all(org.parent().unwrap()).unwrap();
    std::fs::copy(root().join("demo/org.json"), org).unwrap();
    dir
}

/// The `scimdrift` binary, run from `dir` with a clean environment for the
/// variables it reads.
pub fn scimdrift(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scimdrift"));
    cmd.current_dir(dir)
        .env_remove("OMNI_BASE_URL")
        .env_remove("OMNI_API_TOKEN")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        // `check` and `review` record the git commit of the policies: a
        // temporary directory is inside a repository only if a test made it
        // one, never because the temporary directory sits in a checkout.
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir());
    cmd
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the binary runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Runs `scimdrift ARGS` from the workspace root (tests that pass absolute
/// paths); returns (exit code, stdout, stderr).
pub fn scimdrift_run(args: &[&str]) -> (i32, String, String) {
    run(scimdrift(&root()).args(args))
}

/// Runs `git` in `dir` with a throwaway identity and fixed dates (so the
/// same tree always makes the same commit), asserting it succeeds; returns
/// its trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
