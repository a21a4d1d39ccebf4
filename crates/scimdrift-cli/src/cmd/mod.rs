//! One module per subcommand, each with its `*Args` struct and a `run`.

pub mod check;
pub mod connect;
pub mod diff;
pub mod fetch;
pub mod filter;
pub mod output;
pub mod policies;
pub mod render;
pub mod review;
pub mod schema;
pub mod validate;
