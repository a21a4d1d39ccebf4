//! A loopback server that behaves like Omni's SCIM API, seeded from a snapshot
//! file, with reproducible fault injection. Used by tests, benchmarks and the demo.
//!
//! - [`SimConfig`]: what to serve and how (token, rate limit, page sizes,
//!   latency, [`FaultSpec`], seed, [`Profile`]).
//! - [`Simulator::start`]: binds (loopback by default) and serves in the
//!   background until dropped; keeps a log of every request and offers an
//!   in-process mutation API ([`Simulator::mutate`]) over the [`Store`].
//! - [`orggen`]: a deterministic generator of realistic orgs, from a handful of
//!   users to a million embed users (`cargo xtask gen-org`).
//!
//! Omni's documented quirks are followed: 1-based `startIndex`, `count`
//! defaulting to 100 (capped at the configured maximum), creation-time order,
//! `Resources` absent from empty pages, only the documented filters
//! (`userName eq` on users; `userName`/`embedExternalId` with `eq`/`co` on embed
//! users; `displayName eq` on groups), `excludedAttributes=members` on groups,
//! lowercase and capitalised paths, 60 requests per minute per token (each of
//! several tokens has its own budget) answered with a bare 429 (no
//! `Retry-After` unless asked for). The only writes are Omni's documented group
//! writes: `PATCH /groups/{id}` (add, remove and replace `members`, replace
//! `displayName`) and `POST /groups` (409 on a duplicate name).

mod config;
mod faults;
pub mod orggen;
mod server;
mod store;

pub use config::{DEFAULT_TOKEN, Profile, RateLimit, SimConfig};
pub use faults::{FaultKind, FaultSpec, FaultSpecError, Mutation};
pub use server::{LOG_CAP, RequestRecord, SimError, Simulator};
pub use store::{Entry, Kind, LoadError, Store};
