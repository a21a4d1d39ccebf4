//! `scimdrift validate`: load and lint the policies only; no network.

use crate::error::CliError;
use crate::exit::Exit;
use crate::input::policies;
use std::io::Write as _;
use std::path::PathBuf;

/// Arguments of `scimdrift validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The policies directory (every *.yaml/*.yml file under it, recursively).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
}

/// Runs `scimdrift validate`: exit 0 when the policies load (warnings are
/// printed to stderr), 4 otherwise.
pub fn run(args: ValidateArgs) -> Result<Exit, CliError> {
    let (files, loaded) = policies::load_dir(&args.policies)?;
    let p = &loaded.policies;
    let rules = p.rules.len() + p.separation_of_duties.len();
    let mut stdout = anstream::stdout();
    writeln!(
        stdout,
        "ok: {} file(s), {} group declaration(s), {rules} rule(s), {} exception(s), {} warning(s)",
        files.len(),
        p.groups.len(),
        p.exceptions.len(),
        loaded.warnings.len()
    )?;
    Ok(Exit::Clean)
}
