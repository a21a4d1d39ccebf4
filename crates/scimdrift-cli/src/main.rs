//! The `scimdrift` binary: a thin wrapper around the library's
//! [`scimdrift_cli::run`], where the command line lives.

use std::process::ExitCode;

fn main() -> ExitCode {
    scimdrift_cli::run()
}
