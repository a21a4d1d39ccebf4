//! `scimdrift check`.

use crate::exit::Exit;

/// Arguments of `scimdrift check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

/// Runs `scimdrift check`.
pub fn run(_args: CheckArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`scimdrift check` is not available in this build yet")
}
