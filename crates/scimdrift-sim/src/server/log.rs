//! The request log: what tests inspect after a run.

use super::state::{Shared, lock};
use crate::faults::FaultKind;
use std::time::Duration;

/// The request log keeps this many records (the newest), so a long-running
/// simulator does not grow without bound.
pub const LOG_CAP: usize = 100_000;

/// One request as the simulator saw it, for tests to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The HTTP method.
    pub method: String,
    /// The path, as sent (not decoded).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The status sent (200 also for answers a body fault then broke).
    pub status: u16,
    /// The fault injected into this answer, if any.
    pub fault: Option<FaultKind>,
    /// Latency added before answering (fixed plus jitter).
    pub delay: Duration,
    /// The `Host` header, if any (a request that followed a redirect to
    /// another origin shows it here).
    pub host: Option<String>,
    /// Whether the request carried an `Authorization` header (valid or not).
    pub authorization: bool,
    /// The position (0-based, in configuration order) of the accepted token
    /// the request carried; `None` when it was rejected with 401.
    pub token: Option<usize>,
    /// The request body (lossy UTF-8), when there was one: what a write sent.
    pub body: Option<String>,
    /// When the request arrived, counted from the simulator's start (for
    /// tests of client pacing).
    pub received: Duration,
}

/// Appends a record, dropping the oldest beyond [`LOG_CAP`].
pub(super) fn record(shared: &Shared, record: RequestRecord) {
    let mut log = lock(&shared.log);
    if log.len() >= LOG_CAP {
        log.pop_front();
    }
    log.push_back(record);
}
