//! The read-only SCIM client: fetches every group, user and embed user into a
//! [`scimdrift_proto::Snapshot`], never handing on a partial picture dressed as
//! a whole one.
//!
//! Architecture invariant: this is the only crate that talks HTTP, and it only
//! sends GET requests.
