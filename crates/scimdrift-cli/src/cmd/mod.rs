//! One module per subcommand, each with its `*Args` struct and a `run`
//! returning `Result<Exit, CliError>`. What several commands share lives
//! beside `cmd/`: reading ([`crate::input`]), writing ([`crate::output`]),
//! the live connection ([`crate::connect`]).

pub mod check;
pub mod diff;
pub mod fetch;
pub mod filter;
pub mod init;
pub mod pr;
pub mod render;
pub mod review;
pub mod schema;
pub mod state;
pub mod validate;
