//! The policy model and the drift engine.
//!
//! Phases: load (parse and validate policy files handed in as text) → index
//! (groups and identities from a snapshot, once) → evaluate (declarations,
//! rules, separation of duties, exceptions) → a [`Report`].
//!
//! Architecture invariant: this crate performs no IO and never reads the
//! clock. The evaluation time is passed in; policy files are passed in as
//! contents. Same inputs, byte-identical report.

pub mod report;

pub use report::*;
