//! One module per subcommand, each with its `*Args` struct and a `run`.

pub mod check;
pub mod connect;
pub mod diff;
pub mod fetch;
pub mod filter;
pub mod init;
pub mod input;
pub mod output;
pub mod policies;
pub mod pr;
pub mod render;
pub mod review;
pub mod schema;
pub mod state;
pub mod validate;
