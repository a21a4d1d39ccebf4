//! Reading a saved JSON report (`render`, and `check --state-dir`'s last
//! run).

use crate::error::{CliError, Context as _};
use scimdrift_reconcile::{REPORT_SCHEMA, Report};
use std::path::Path;

/// Reads a saved JSON report; a malformed one is invalid input (exit 4).
pub fn read_report(path: &Path) -> Result<Report, CliError> {
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

/// `FILE:LINE:COLUMN: WHAT: message` for a JSON error, without serde_json's
/// own "at line L column C" suffix.
fn json_error(path: &Path, err: &serde_json::Error, what: &str) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    format!(
        "{}:{}:{}: {what}: {message}",
        path.display(),
        err.line(),
        err.column()
    )
}
