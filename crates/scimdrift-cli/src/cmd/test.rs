//! `scimdrift test`: run the policy tests under `--tests DIR` (default
//! `policy-tests/` beside the policies directory) against the policies, and
//! report each case like a test runner, or as JUnit XML.

use crate::PolicyDirError;
use crate::error::CliError;
use crate::exit::Exit;
use crate::input::policies;
use scimdrift_reconcile::{Level, load_tests, render_all, run_case};
use scimdrift_render::policy_tests::{self, FileOutcome};
use std::io::Write as _;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  # Run policy-tests/ against policies/ (exit 0 all pass, 2 a case fails)
  scimdrift test

  # Other directories, and JUnit XML for a CI test view
  scimdrift test --tests acme/policy-tests --format junit > policy-tests.xml

A test file (YAML, never loaded as a policy):
  version: 1
  now: 2027-01-01T00:00:00Z
  tests:
    - name: an admin idle for half a year loses Admins
      org:
        users:
          - userName: bob@blobsrus.co
            lastLogin: 2026-04-02T17:12:00Z
            groups: [Admins]
      rules: [stale-privileged]        # optional: look only at these rules' findings
      expect:
        - {kind: membership_forbidden, group: Admins, subject: bob@blobsrus.co}
      only: true                       # nothing else may be reported
    - name: nobody idle, nothing to say
      org: {users: [{userName: ann@blobsrus.co, lastLogin: 2026-12-30T08:00:00Z}]}
      rules: [stale-privileged]
      clean: true";

/// How `scimdrift test` prints its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// One line per case; a failing case's findings as a diff.
    Human,
    /// JUnit XML: a suite per test file, a test case per case.
    Junit,
}

/// Arguments of `scimdrift test`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct TestArgs {
    /// The policies directory (every *.yaml/*.yml file under it, recursively).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    /// The directory of test files (every *.yaml/*.yml file under it);
    /// default: `policy-tests/` beside the policies directory.
    #[arg(long, value_name = "DIR")]
    pub tests: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TestFormat,
}

/// Runs `scimdrift test`: exit 0 when every case passes, 2 when one fails,
/// 4 when a test file or the policies are invalid.
pub fn run(args: TestArgs) -> Result<Exit, CliError> {
    let tests_dir = args.tests.clone().unwrap_or_else(|| beside(&args.policies));
    if let (Ok(tests), Ok(policies)) = (tests_dir.canonicalize(), args.policies.canonicalize())
        && tests.starts_with(&policies)
    {
        return Err(CliError::invalid(format!(
            "the tests directory `{}` is inside the policies directory `{}`: its files would be loaded as policies",
            tests_dir.display(),
            args.policies.display()
        ))
        .with_hint("keep the tests beside the policies, e.g. `policy-tests/` next to `policies/`"));
    }
    let (_files, loaded) = policies::load_dir(&args.policies)?;
    let sources = crate::read_policy_dir(&tests_dir).map_err(|err| match err {
        PolicyDirError::Missing(dir) => CliError::invalid(format!(
            "tests directory `{}` does not exist",
            dir.display()
        ))
        .with_hint("pass --tests DIR, or create `policy-tests/` beside `policies/`"),
        PolicyDirError::Empty(dir) => CliError::invalid(format!(
            "no `*.yaml` or `*.yml` test files under `{}`",
            dir.display()
        ))
        .with_hint("a test file starts with `version: 1`, then `tests:`"),
        other => CliError::from_error(Exit::Invalid, other),
    })?;
    let files = load_tests(&sources).map_err(|diags| {
        let errors = diags.iter().filter(|d| d.level == Level::Error).count();
        CliError::invalid(format!(
            "{errors} error(s) in the test files under `{}`",
            tests_dir.display()
        ))
        .with_diagnostics(render_all(&diags))
    })?;
    let outcomes: Vec<FileOutcome> = files
        .iter()
        .map(|file| FileOutcome {
            path: file.path.clone(),
            cases: file
                .cases
                .iter()
                .map(|case| run_case(case, &loaded.policies))
                .collect(),
        })
        .collect();
    let text = match args.format {
        TestFormat::Human => policy_tests::human(&outcomes),
        TestFormat::Junit => policy_tests::junit(&outcomes),
    };
    let mut stdout = anstream::stdout();
    write!(stdout, "{text}")?;
    let (_, failed) = policy_tests::counts(&outcomes);
    Ok(if failed == 0 {
        Exit::Clean
    } else {
        Exit::Drift
    })
}

/// `policy-tests/` beside the policies directory (`--policies .` has no
/// useful parent: the tests are then `./policy-tests`).
fn beside(policies: &Path) -> PathBuf {
    if policies.file_name().is_none() {
        return policies.join("policy-tests");
    }
    match policies.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join("policy-tests"),
        _ => PathBuf::from("policy-tests"),
    }
}
