//! The library half of `scimdrift-cli`: what the binary reads from disk in a
//! way the tests of other crates must reproduce exactly. Today that is the
//! policy-directory walk ([`read_policy_dir`]): the engine's fixture tests
//! read their policies with it, so they cannot drift from the binary.
//! Everything else of the command line lives in the binary (`main.rs`).

mod policy_dir;

pub use policy_dir::{MAX_DEPTH, MAX_FILES, PolicyDirError, read_policy_dir};
