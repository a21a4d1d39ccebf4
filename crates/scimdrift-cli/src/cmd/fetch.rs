//! `scimdrift fetch`.

use crate::exit::Exit;

/// Arguments of `scimdrift fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {}

/// Runs `scimdrift fetch`.
pub fn run(_args: FetchArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`scimdrift fetch` is not available in this build yet")
}
