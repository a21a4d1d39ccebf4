//! The `scimdrift` binary: parses the command line, runs one subcommand, and
//! maps its outcome to the documented exit codes (see [`exit::Exit`]).
//! Every subcommand returns `Result<Exit, CliError>`; an error is printed
//! here, once (see [`error`]).

mod cmd;
mod connect;
mod error;
mod exit;
mod input;
mod output;
mod pr;
mod state;
mod write;

use clap::{Parser, Subcommand};
use exit::Exit;
use std::process::ExitCode;

/// Checks an Omni instance's live identity state (SCIM 2.0) against declarative
/// YAML policies and reports drift.
///
/// Exit codes: 0 clean, 1 runtime failure, 2 drift, 3 incomplete live data,
/// 4 invalid input.
#[derive(Debug, Parser)]
#[command(
    name = "scimdrift",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch live (or read --snapshot), reconcile against policies, render findings.
    Check(cmd::check::CheckArgs),
    /// Read every group, user and embed user into a snapshot file.
    Fetch(cmd::fetch::FetchArgs),
    /// Load and lint the policies only; no network.
    Validate(cmd::validate::ValidateArgs),
    /// Compliance access review of embed users, with evidence metadata.
    Review(cmd::review::ReviewArgs),
    /// Compare two snapshots: who joined or left which group.
    Diff(cmd::diff::DiffArgs),
    /// Re-render a saved JSON report in another format.
    Render(cmd::render::RenderArgs),
    /// Parse or evaluate a SCIM filter (test `where:` selectors).
    #[command(subcommand)]
    Filter(cmd::filter::FilterCommand),
    /// Plan the SCIM changes that fix the drift (read-only; `apply` makes them).
    Plan(cmd::plan::PlanArgs),
    /// Write the live state (or --snapshot) as a starting policy set that checks clean.
    Init(cmd::init::InitArgs),
    /// Print the JSON Schema of the policy files (for editor validation).
    Schema(cmd::schema::SchemaArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap exits 2 on usage errors by default, which would read as
            // "drift" to a CI system: map usage errors to 4 instead.
            let code = if err.use_stderr() {
                Exit::Invalid
            } else {
                Exit::Clean
            };
            let _ = err.print();
            return code.into();
        }
    };
    let result = match cli.command {
        Command::Check(args) => cmd::check::run(args),
        Command::Fetch(args) => cmd::fetch::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Review(args) => cmd::review::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Render(args) => cmd::render::run(args),
        Command::Filter(command) => cmd::filter::run(command),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Init(args) => cmd::init::run(args),
        Command::Plan(args) => cmd::plan::run(args),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => err.print().into(),
    }
}
