//! `scimdrift render`: re-render a saved JSON report.

use crate::cmd::diff::json_error;
use crate::cmd::output::OutputArgs;
use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use scimdrift_reconcile::{REPORT_SCHEMA, Report};
use std::path::PathBuf;

/// Arguments of `scimdrift render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// A JSON report (`scimdrift check --format json` or `--output json=PATH`).
    pub report: PathBuf,
    /// The policies directory the report's policy paths are relative to, as
    /// the repository sees it (for SARIF and annotation file paths).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `scimdrift render`. Exits 0: the report's status was decided when it
/// was made.
pub fn run(args: RenderArgs) -> Result<Exit, CliError> {
    let report = read_report(&args.report)?;
    let opts = args.output.render_options(&args.policies);
    args.output.emit(&report, &opts)?;
    Ok(Exit::Clean)
}

/// Reads a saved JSON report; a malformed one is invalid input (exit 4).
pub fn read_report(path: &std::path::Path) -> Result<Report, CliError> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let report: Report = serde_json::from_str(&text).map_err(|err| {
        CliError::invalid(json_error(path, &err, "not a valid report"))
            .with_hint("a report is written by `scimdrift check --output json=PATH`")
    })?;
    if report.schema != REPORT_SCHEMA {
        return Err(CliError::invalid(format!(
            "{}: unsupported report schema `{}` (expected `{REPORT_SCHEMA}`)",
            path.display(),
            report.schema
        )));
    }
    Ok(report)
}
