//! The library half of `scimdrift-cli`: the whole command line. The binary
//! (`main.rs`) only calls [`run`]; `cargo xtask man` and the completion
//! scripts read the same [`command`]. The policy-directory walk
//! ([`read_policy_dir`]) is public too: the engine's fixture tests read
//! their policies with it, so they cannot drift from the binary.
//!
//! Every subcommand returns `Result<Exit, CliError>`; an error is printed
//! in [`run`], once (see `error.rs`).

mod cmd;
mod connect;
mod error;
mod exit;
mod input;
mod output;
mod policy_dir;
mod pr;
mod refresh;
mod state;
mod write;

pub use policy_dir::{MAX_DEPTH, MAX_FILES, PolicyDirError, read_policy_dir};

use clap::{CommandFactory as _, Parser, Subcommand};
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
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::completions::CompletionsArgs),
}

/// The command-line definition, for generated documentation: the man pages
/// (`cargo xtask man`) and the shell completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses the process's arguments, runs one subcommand, and maps its
/// outcome to the documented exit codes (0 clean, 1 failure, 2 drift,
/// 3 incomplete, 4 invalid input).
pub fn run() -> ExitCode {
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
        Command::Completions(args) => cmd::completions::run(args),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => err.print().into(),
    }
}
