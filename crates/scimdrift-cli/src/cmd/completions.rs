//! `scimdrift completions SHELL`: print a shell completion script, generated
//! from the same command-line definition the binary parses.

use crate::error::CliError;
use crate::exit::Exit;
use clap_complete::Shell;
use std::io::Write as _;

/// Arguments of `scimdrift completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Install, e.g.:
  bash:       scimdrift completions bash > ~/.local/share/bash-completion/completions/scimdrift
  zsh:        scimdrift completions zsh > ~/.zfunc/_scimdrift  (fpath+=~/.zfunc in .zshrc)
  fish:       scimdrift completions fish > ~/.config/fish/completions/scimdrift.fish
  powershell: scimdrift completions powershell >> $PROFILE
  elvish:     scimdrift completions elvish >> ~/.config/elvish/rc.elv")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script for `args.shell` to stdout.
pub fn run(args: CompletionsArgs) -> Result<Exit, CliError> {
    let mut command = crate::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "scimdrift", &mut script);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script)?;
    stdout.flush()?;
    Ok(Exit::Clean)
}
