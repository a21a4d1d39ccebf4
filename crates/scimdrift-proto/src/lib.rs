//! SCIM 2.0 protocol types for scimdrift: the wire types Omni serves, the
//! versioned snapshot format, and the complete RFC 7644 filter grammar.
//!
//! This crate does no IO, reads no clock and has no async code. Everything in it
//! is a pure function of its input, so every other crate can lean on it freely.
//!
//! - [`scim`]: serde types mirroring SCIM resources (lenient on input, exact on output).
//! - [`snapshot`]: the `scimdrift.snapshot/v1` file format; resources are kept as raw JSON.
//! - [`filter`]: lex → parse (span-carrying AST) → evaluate, plus a safe escaper.
//! - [`projection`]: decode only the attributes some filters read.

pub mod filter;
pub mod projection;
pub mod scim;
pub mod snapshot;

pub use filter::{EvalError, Filter, ParseError};
pub use projection::Projection;
pub use scim::{
    Email, EmbedUser, Group, GroupRef, ListResponse, Member, Meta, OmniUserExtension, PatchOp,
    PatchOperation, ScimError, User,
};
pub use snapshot::{
    Core, DEFAULT_MAX_SNAPSHOT_MB, FetchStats, Provider, Resource, ResourceError, SNAPSHOT_SCHEMA,
    Snapshot, SnapshotLoadError, SnapshotSource,
};
