//! `scimdrift render`.

use crate::exit::Exit;

/// Arguments of `scimdrift render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {}

/// Runs `scimdrift render`.
pub fn run(_args: RenderArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`scimdrift render` is not available in this build yet")
}
