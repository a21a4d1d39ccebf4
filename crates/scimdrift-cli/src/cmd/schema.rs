//! `scimdrift schema`: print the JSON Schema of the policy files.

use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use std::io::Write as _;

/// Arguments of `scimdrift schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {}

/// Prints the JSON Schema (draft 2020-12) of one policy file to stdout.
pub fn run(_args: SchemaArgs) -> Result<Exit, CliError> {
    let schema = scimdrift_reconcile::policy_json_schema();
    let text = serde_json::to_string_pretty(&schema).context("cannot encode the schema")?;
    let mut stdout = anstream::stdout();
    writeln!(stdout, "{text}")?;
    Ok(Exit::Clean)
}
