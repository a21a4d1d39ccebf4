//! The library half of `scimdrift-cli`: the whole command line. The binary
//! (`main.rs`) only calls [`run`]; `cargo xtask man` and the completion
//! scripts read the same [`command`]. The policy-directory walk
//! ([`read_policy_dir`]) is public too: the engine's fixture tests read
//! their policies with it, so they cannot drift from the binary.
//!
//! Every subcommand returns `Result<Exit, CliError>`; an error is printed
//! in [`run`], once (see `error.rs`). Before a command runs, the
//! configuration file fills in the flags that were not given (`config`).

mod cmd;
mod config;
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

use clap::{ArgMatches, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};
use error::CliError;
use exit::Exit;
use std::ffi::OsString;
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
    #[command(flatten)]
    config: config::ConfigFlags,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch live (or read --snapshot), reconcile against policies, render findings.
    Check(cmd::check::CheckArgs),
    /// Read every group, user and embed user into a snapshot file.
    Fetch(cmd::fetch::FetchArgs),
    /// Load and lint the policies only; no network.
    Validate(cmd::validate::ValidateArgs),
    /// Run the policy tests (policy-tests/): hand-written orgs and the findings they must give.
    Test(cmd::test::TestArgs),
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
    /// Make a plan's changes (the one command that writes; a dry run without --confirm).
    Apply(cmd::apply::ApplyArgs),
    /// Write the live state (or --snapshot) as a starting policy set that checks clean.
    Init(cmd::init::InitArgs),
    /// Print the JSON Schema of the policy files (for editor validation).
    Schema(cmd::schema::SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::completions::CompletionsArgs),
    /// Print the settings `check` would use and where each came from.
    Config(cmd::config::ConfigArgs),
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
    let (cli, matches) = match parse(std::env::args_os()) {
        Ok(parsed) => parsed,
        Err(code) => return code.into(),
    };
    let result = match &cli.command {
        Command::Config(args) => show_config(&cli.config, args),
        _ => configure(cli, &matches).and_then(dispatch),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => err.print().into(),
    }
}

/// Parses a command line; a usage error (or `--help`) is printed here.
fn parse<I, T>(argv: I) -> Result<(Cli, ArgMatches), Exit>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let parsed = Cli::command()
        .try_get_matches_from(argv)
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    parsed.map_err(|err| {
        // clap exits 2 on usage errors by default, which would read as
        // "drift" to a CI system: map usage errors to 4 instead.
        let code = if err.use_stderr() {
            Exit::Invalid
        } else {
            Exit::Clean
        };
        let _ = err.print();
        code
    })
}

/// Reads the configuration file (for the commands that have settings in
/// it) and fills in every flag that was not given.
fn configure(mut cli: Cli, matches: &ArgMatches) -> Result<Cli, CliError> {
    configure_with(&mut cli, matches)?;
    Ok(cli)
}

/// [`configure`], returning what was resolved and from where.
fn configure_with(
    cli: &mut Cli,
    matches: &ArgMatches,
) -> Result<(config::Loaded, Vec<config::Setting>), CliError> {
    let uses_config = matches!(
        cli.command,
        Command::Check(_)
            | Command::Fetch(_)
            | Command::Validate(_)
            | Command::Test(_)
            | Command::Review(_)
            | Command::Plan(_)
            | Command::Apply(_)
            | Command::Init(_)
            | Command::Render(_)
    );
    let Some((_, sub)) = matches.subcommand().filter(|_| uses_config) else {
        let loaded = config::Loaded {
            how: config::How::Disabled,
            file: None,
        };
        return Ok((loaded, Vec::new()));
    };
    let loaded = config::load(&cli.config)?;
    let mut layers = config::Layers::new(sub, &loaded);
    match &mut cli.command {
        Command::Check(args) => layers.check(args),
        Command::Fetch(args) => layers.connect(&mut args.connect),
        Command::Validate(args) => layers.policies(&mut args.policies),
        Command::Test(args) => layers.policies(&mut args.policies),
        Command::Review(args) => {
            layers.policies(&mut args.policies);
            layers.connect(&mut args.connect);
        }
        Command::Plan(args) => {
            layers.policies(&mut args.policies);
            layers.connect(&mut args.connect);
        }
        Command::Apply(args) => layers.connect(&mut args.connect),
        Command::Init(args) => layers.connect(&mut args.connect),
        Command::Render(args) => layers.policies(&mut args.policies),
        _ => {}
    }
    let settings = layers.into_settings();
    Ok((loaded, settings))
}

/// `scimdrift config [-- CHECK-FLAGS]`: resolves `scimdrift check` with
/// these flags exactly as `check` would, and prints the result.
fn show_config(
    flags: &config::ConfigFlags,
    args: &cmd::config::ConfigArgs,
) -> Result<Exit, CliError> {
    let mut argv: Vec<OsString> = vec!["scimdrift".into(), "check".into()];
    if let Some(file) = &flags.config {
        argv.push("--config".into());
        argv.push(file.into());
    }
    if flags.no_config {
        argv.push("--no-config".into());
    }
    argv.extend(args.check_flags.iter().map(OsString::from));
    let (mut check, matches) = match parse(argv) {
        Ok(parsed) => parsed,
        Err(code) => return Ok(code),
    };
    let (loaded, settings) = configure_with(&mut check, &matches)?;
    cmd::config::run(&loaded, &settings)
}

/// Runs the subcommand.
fn dispatch(cli: Cli) -> Result<Exit, CliError> {
    match cli.command {
        Command::Check(args) => cmd::check::run(args),
        Command::Fetch(args) => cmd::fetch::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Test(args) => cmd::test::run(args),
        Command::Review(args) => cmd::review::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Render(args) => cmd::render::run(args),
        Command::Filter(command) => cmd::filter::run(command),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Init(args) => cmd::init::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Apply(args) => cmd::apply::run(args),
        Command::Completions(args) => cmd::completions::run(args),
        Command::Config(_) => Err(CliError::failure(
            "internal error: `config` is not dispatched",
        )),
    }
}
