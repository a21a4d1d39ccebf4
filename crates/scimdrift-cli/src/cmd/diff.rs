//! `scimdrift diff`: what changed between two snapshots.

use crate::error::CliError;
use crate::exit::Exit;
use crate::input::snapshot::{read_snapshot, snapshot_env_help};
use scimdrift_render::diff;
use std::io::Write as _;
use std::path::PathBuf;

/// Arguments of `scimdrift diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = snapshot_env_help())]
pub struct DiffArgs {
    /// The older snapshot (written by `scimdrift fetch -o FILE`).
    pub from: PathBuf,
    /// The newer snapshot.
    pub to: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
}

/// Output formats of `scimdrift diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Summary plus a `+`/`-` line diff of each changed group's members.
    Human,
    /// `scimdrift.diff/v1` JSON.
    Json,
}

/// Runs `scimdrift diff`. Exits 0 whether or not anything changed.
pub fn run(args: DiffArgs) -> Result<Exit, CliError> {
    let (a, a_ref) = read_snapshot(&args.from)?;
    let (b, b_ref) = read_snapshot(&args.to)?;
    let d = diff::diff((&a, a_ref), (&b, b_ref)).map_err(|err| {
        CliError::from_error(Exit::Invalid, err)
            .with_hint("a snapshot's resources must be SCIM resources as Omni serves them")
    })?;
    let text = match args.format {
        DiffFormat::Human => diff::render_human(&d),
        DiffFormat::Json => diff::render_json(&d),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Exit::Clean)
}
