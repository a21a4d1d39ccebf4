//! `scimdrift review`.

use crate::exit::Exit;

/// Arguments of `scimdrift review`.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {}

/// Runs `scimdrift review`.
pub fn run(_args: ReviewArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`scimdrift review` is not available in this build yet")
}
