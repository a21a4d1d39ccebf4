//! The read-only SCIM client: fetches every group, user and embed user into a
//! [`scimdrift_proto::Snapshot`], never handing on a partial picture dressed as
//! a whole one.
//!
//! Phases: [`FetchOptions`] are validated (https, or plain http to loopback
//! only); each resource kind is scanned concurrently — a first page (large
//! with [`PageSize::Auto`]) tells the total and the server's real page size,
//! the remaining pages are fetched concurrently within a client-side rate
//! limit per API key ([`RatePool`]: several [`Keys`] multiply the throughput); transient failures are retried with
//! exponential backoff and jitter ([`retry`]); pages are assembled position by
//! position so a list shifting mid-scan is caught and re-read ([`plan`]);
//! finally the snapshot is sorted by id and encoded ([`snapshot_json`]; the
//! binary writes the file).
//!
//! Architecture invariant: this is the only crate that talks HTTP, and it only
//! sends GET requests. The [`Token`] never appears in any output.

mod client;
mod encode;
mod error;
mod fetch;
mod options;
pub mod plan;
mod rate;
mod refresh;
pub mod retry;
mod token;

pub use encode::snapshot_json;
pub use error::{FetchError, OptionsError};
pub use fetch::{NoProgress, Progress, fetch};
pub use options::{
    AUTO_FIRST_COUNT, DEFAULT_RATE_LIMIT_PER_MIN, FALLBACK_COUNT, FetchOptions, PageSize, PathCase,
    ResourceKind, is_loopback,
};
pub use rate::{RateLimiter, RatePool};
pub use refresh::{GroupSelection, Refreshed, refresh};
pub use token::{Keys, REDACTED, TOKEN_ENV, Token, TokenError};
