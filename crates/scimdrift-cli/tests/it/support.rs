//! Helpers shared by the CLI tests: run the binary and snapshot what it did
//! (exit status, stdout and stderr as one block), find fixtures, copy the
//! demo into a temporary directory, make git commits.

#![allow(dead_code, reason = "each test module uses a different subset")]

use std::fmt;
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
    let Outcome {
        code,
        stdout,
        stderr,
    } = outcome(cmd);
    (code, stdout, stderr)
}

/// What one run of the binary did. Its `Display` is the block the tests
/// snapshot (see [`assert_outcome!`]):
///
/// ```text
/// --- stdout
/// …
/// --- stderr
/// error: …
/// [exit status: 4]
/// ```
///
/// The status comes last, as in jj's CLI snapshots, so that a stream's
/// trailing blank lines stay visible (insta trims the end of a snapshot);
/// a stream that does not end in a newline is marked `[no newline at end]`.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code (-1 when a signal ended the process).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` and returns what it did.
pub fn outcome(cmd: &mut Command) -> Outcome {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the binary runs");
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

impl Outcome {
    /// Asserts the exit status (showing the whole block when it differs) and
    /// returns the outcome, for tests that go on to read stdout as data.
    #[track_caller]
    pub fn status(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit status:\n{self}");
        self
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            writeln!(f, "--- {name}")?;
            f.write_str(text)?;
            if !text.is_empty() && !text.ends_with('\n') {
                writeln!(f, "\n[no newline at end]")?;
            }
        }
        write!(f, "[exit status: {}]", self.code)
    }
}

/// insta settings that redact what differs between machines and runs: the
/// workspace root (as the tests spell it and canonical) becomes `[ROOT]`, a
/// temporary directory `[TEMP]`.
pub fn redactions() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    let mut roots = vec![root().display().to_string()];
    if let Ok(canonical) = root().canonicalize() {
        roots.push(canonical.display().to_string());
    }
    for root in roots {
        settings.add_filter(&regex::escape(&root), "[ROOT]");
    }
    let temp = std::env::temp_dir();
    let mut temps = vec![temp.display().to_string()];
    if let Ok(canonical) = temp.canonicalize() {
        temps.push(canonical.display().to_string());
    }
    for temp in temps {
        let temp = regex::escape(temp.trim_end_matches('/'));
        settings.add_filter(&format!(r"{temp}/\.tmp[0-9A-Za-z]+"), "[TEMP]");
    }
    settings
}

/// Snapshots an [`Outcome`] (or anything whose `Display` is one) with
/// [`redactions`]: `assert_outcome!(outcome, @"…")` inline, or
/// `assert_outcome!("name", outcome)` to a file.
macro_rules! assert_outcome {
    ($outcome:expr, @$snapshot:literal) => {{
        let block = $outcome.to_string();
        $crate::support::redactions().bind(|| {
            insta::assert_snapshot!(block, @$snapshot);
        });
    }};
    ($name:expr, $outcome:expr) => {{
        let block = $outcome.to_string();
        $crate::support::redactions().bind(|| {
            insta::assert_snapshot!($name, block);
        });
    }};
}
pub(crate) use assert_outcome;

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

#[test]
fn an_outcome_block_shows_both_streams_and_the_status() {
    let outcome = Outcome {
        code: 4,
        stdout: String::new(),
        stderr: "error: bad\n\n".into(),
    };
    assert_eq!(
        outcome.to_string(),
        "--- stdout\n--- stderr\nerror: bad\n\n[exit status: 4]"
    );
    let outcome = Outcome {
        code: 0,
        stdout: "no newline".into(),
        stderr: String::new(),
    };
    assert_outcome!(outcome, @r"
    --- stdout
    no newline
    [no newline at end]
    --- stderr
    [exit status: 0]
    ");
}

#[test]
fn redactions_hide_the_root_and_temporary_directories() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = Outcome {
        code: 1,
        stdout: format!("{}/policies\n", root().display()),
        stderr: format!("cannot read `{}/x.json`\n", dir.path().display()),
    };
    assert_outcome!(outcome, @r"
    --- stdout
    [ROOT]/policies
    --- stderr
    cannot read `[TEMP]/x.json`
    [exit status: 1]
    ");
}
