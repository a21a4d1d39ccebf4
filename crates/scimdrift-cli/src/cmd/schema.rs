//! `scimdrift schema`.

use crate::exit::Exit;

/// Arguments of `scimdrift schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {}

/// Runs `scimdrift schema`.
pub fn run(_args: SchemaArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`scimdrift schema` is not available in this build yet")
}
