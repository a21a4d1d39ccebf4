//! `scimdrift validate`.

use crate::exit::Exit;

/// Arguments of `scimdrift validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {}

/// Runs `scimdrift validate`.
pub fn run(_args: ValidateArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`scimdrift validate` is not available in this build yet")
}
