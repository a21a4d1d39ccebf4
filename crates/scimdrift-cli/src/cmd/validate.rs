//! `scimdrift validate`: load and lint the policies only; no network. With
//! `--snapshot`, `where` literals are also checked against the attribute
//! types the snapshot shows.

use crate::error::CliError;
use crate::exit::Exit;
use crate::input::{policies, snapshot};
use scimdrift_reconcile::SeenTypes;
use std::io::Write as _;
use std::path::PathBuf;

/// Arguments of `scimdrift validate`.
#[derive(Debug, clap::Args)]
#[command(after_help = snapshot::snapshot_env_help())]
pub struct ValidateArgs {
    /// The policies directory (every *.yaml/*.yml file under it, recursively).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    /// A snapshot file whose data shows the types of attributes no known
    /// schema types (Omni's custom attributes, other extensions), so a
    /// `where` literal of a type the data never holds is warned about too.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
}

/// Runs `scimdrift validate`: exit 0 when the policies load (warnings are
/// printed to stderr), 4 otherwise.
pub fn run(args: ValidateArgs) -> Result<Exit, CliError> {
    let seen = match &args.snapshot {
        Some(path) => SeenTypes::learn(&snapshot::read_snapshot(path)?.0),
        None => SeenTypes::default(),
    };
    let (files, loaded) = policies::load_dir_seeing(&args.policies, &seen)?;
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
