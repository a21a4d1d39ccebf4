//! `scimdrift schema`: print the JSON Schema of the policy files.

use crate::exit::Exit;
use std::io::Write as _;

/// Arguments of `scimdrift schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {}

/// Prints the JSON Schema (draft 2020-12) of one policy file to stdout.
pub fn run(_args: SchemaArgs) -> anyhow::Result<Exit> {
    let schema = scimdrift_reconcile::policy_json_schema();
    let mut stdout = anstream::stdout();
    writeln!(stdout, "{}", serde_json::to_string_pretty(&schema)?)?;
    Ok(Exit::Clean)
}
