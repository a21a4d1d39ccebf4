//! `scimdrift diff`.

use crate::exit::Exit;

/// Arguments of `scimdrift diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {}

/// Runs `scimdrift diff`.
pub fn run(_args: DiffArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`scimdrift diff` is not available in this build yet")
}
