//! One module per subcommand, each with its `*Args` struct and a `run`
//! returning `Result<Exit, CliError>`. What several commands share lives
//! beside `cmd/`: reading ([`crate::input`]), writing ([`crate::output`]),
//! the live connection ([`crate::connect`]), PR mode's base policies
//! ([`crate::pr`]) and `--state-dir` ([`crate::state`]).

pub mod apply;
pub mod check;
pub mod completions;
pub mod config;
pub mod diff;
pub mod fetch;
pub mod filter;
pub mod init;
pub mod plan;
pub mod render;
pub mod review;
pub mod schema;
pub mod test;
pub mod validate;
