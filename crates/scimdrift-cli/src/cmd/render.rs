//! `scimdrift render`: re-render a saved JSON report.

use crate::error::CliError;
use crate::exit::Exit;
use crate::input::report::read_report;
use crate::output::OutputArgs;
use std::path::PathBuf;

/// Arguments of `scimdrift render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// A JSON report (`scimdrift check --format json` or `--output json=PATH`).
    pub report: PathBuf,
    /// The policies directory the report's policy paths are relative to, as
    /// the repository sees it (for SARIF and annotation file paths); read
    /// for `--output owners=DIR`, whose owners it declares.
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
    // Owner digests need who owns what: the policies the report was made from.
    let owners = if args.output.wants_owners() {
        let (_, loaded) = crate::input::policies::load_dir(&args.policies)?;
        Some(crate::output::owners_of(&loaded.policies))
    } else {
        None
    };
    args.output.emit(&report, &opts, owners.as_ref())?;
    Ok(Exit::Clean)
}
