//! Admission: the rate limit (per token) and the seeded draws, taken together under the
//! runtime lock, so every authenticated request costs one slot of the budget
//! and exactly three draws (fault, storm, jitter), in that order, whatever
//! happens to it afterwards. That is what makes a seed replay.

use super::auth::Caller;
use super::state::{Shared, lock};
use crate::faults::Draws;
use std::time::Duration;
use tokio::time::Instant;

/// What admission decided for one request.
#[derive(Debug)]
pub(super) struct Admission {
    /// The request's three random numbers.
    pub(super) draws: Draws,
    /// `Err(wait)` when the bucket was empty: the answer is a 429.
    pub(super) rate: Result<(), Duration>,
    /// Whether the request is (or starts) part of a 429 storm.
    pub(super) storm: bool,
}

/// Takes a slot of the budget of the caller's token (its position among the
/// configured tokens) and the request's draws, and advances the storm.
pub(super) fn admit(shared: &Shared, caller: Caller) -> Admission {
    let faults = &shared.settings.faults;
    let mut rt = lock(&shared.runtime);
    let rate = match rt.buckets.get_mut(caller.0).and_then(Option::as_mut) {
        Some(b) => b.take(Instant::now()),
        None => Ok(()),
    };
    let draws = Draws::take(&mut rt.rng);
    // A rate-limited request neither starts nor continues a storm. The storm
    // is the server's, not one token's: it hits whoever asks next.
    let storm = if rate.is_err() {
        false
    } else if rt.storm_left > 0 {
        rt.storm_left -= 1;
        true
    } else if draws.storm < faults.storm {
        rt.storm_left = faults.storm_len.saturating_sub(1);
        true
    } else {
        false
    };
    Admission { draws, rate, storm }
}
