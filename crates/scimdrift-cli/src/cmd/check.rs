//! `scimdrift check`: reconcile a snapshot against the policies and render
//! the report. Exit 0 clean, 2 drift, 3 incomplete, 4 invalid input.

use crate::exit::{Exit, invalid};
use scimdrift_reconcile::{
    CheckOptions, FailOn, Report, ReportSource, Status, check, lint_against_snapshot, render_all,
};
use scimdrift_report::human::HumanOptions;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOnArg {
    /// Errors fail the run.
    Error,
    /// Warnings and errors fail the run.
    Warning,
    /// Every finding fails the run.
    Note,
    /// No finding fails the run (incomplete data still exits 3).
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(arg: FailOnArg) -> Self {
        match arg {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Note => FailOn::Note,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

/// `--format` values of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Grouped by group and rule, for a terminal.
    Human,
    /// The `scimdrift.report/v1` JSON contract.
    Json,
}

/// Arguments of `scimdrift check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// A snapshot file to check instead of fetching live.
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,
    /// The policies directory (every *.yaml/*.yml file under it, recursively).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    /// The evaluation time (RFC 3339), for reproducible runs; default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The lowest severity that fails the run (exit 2).
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    pub fail_on: FailOnArg,
    /// Output format (stdout).
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Report mass drift as drift instead of `incomplete` (exit 3).
    #[arg(long)]
    pub accept_mass_drift: bool,
}

/// Runs `scimdrift check`.
pub fn run(args: CheckArgs) -> anyhow::Result<Exit> {
    let now = parse_now(args.now.as_deref())?;
    let (snapshot, reference) = super::diff::read_snapshot(&args.snapshot)?;
    let (files, loaded) = match super::policies::load_dir(&args.policies) {
        Ok(ok) => ok,
        Err(code) => return Ok(code),
    };
    let lints = lint_against_snapshot(&snapshot, &loaded.policies, &files);
    if !lints.is_empty() {
        let _ = write!(anstream::stderr(), "{}", render_all(&lints));
    }
    let mut opts = CheckOptions::new(
        now,
        ReportSource {
            base_url: None,
            snapshot_path: Some(reference.path),
            snapshot_sha256: reference.sha256,
            fetched_at: reference.fetched_at,
        },
    );
    opts.fail_on = args.fail_on.into();
    opts.accept_mass_drift = args.accept_mass_drift;
    opts.tool_version = env!("CARGO_PKG_VERSION").to_owned();
    let report = check(&snapshot, &loaded.policies, &opts);
    let text = match args.format {
        CheckFormat::Json => scimdrift_report::json::render(&report),
        CheckFormat::Human => scimdrift_report::human::render(
            &report,
            &HumanOptions {
                color: stdout_color(),
                width: 80,
            },
        ),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(exit_for(&report))
}

/// The exit code a report maps to.
pub fn exit_for(report: &Report) -> Exit {
    match report.status {
        Status::Clean => Exit::Clean,
        Status::Drift => Exit::Drift,
        Status::Incomplete => Exit::Incomplete,
    }
}

/// Colour on stdout: only on a terminal, never with `NO_COLOR` set.
pub fn stdout_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// `--now`, or the real clock (read here, at the edge, exactly once).
pub fn parse_now(now: Option<&str>) -> anyhow::Result<jiff::Timestamp> {
    match now {
        Some(text) => text.parse::<jiff::Timestamp>().map_err(|err| {
            invalid(
                format!("`--now {text}` is not an RFC 3339 timestamp: {err}"),
                Some("e.g. `--now 2026-11-26T12:00:00Z`".to_owned()),
            )
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
