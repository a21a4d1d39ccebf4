//! The rate limit: a continuously refilled token bucket, and the bare 429
//! Omni answers with when it is empty.

use super::reply::Answer;
use crate::config::RateLimit;
use axum::http::StatusCode;
use std::time::Duration;
use tokio::time::Instant;

/// A continuously refilled token bucket, starting full.
#[derive(Debug)]
pub(super) struct Bucket {
    limit: RateLimit,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(super) fn new(limit: RateLimit, now: Instant) -> Self {
        Bucket {
            limit,
            tokens: f64::from(limit.requests),
            last: now,
        }
    }

    /// Takes one token, or says how long until one is available.
    pub(super) fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let cap = f64::from(self.limit.requests);
        let per_sec = cap / self.limit.period.as_secs_f64();
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_sec).min(cap);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / per_sec))
        }
    }
}

/// The 429 answer of an empty bucket or a storm, with `Retry-After` only
/// when the simulator was asked to send one.
pub(super) fn too_many_requests(retry_after: Option<Duration>) -> Answer {
    let mut a = Answer::json(
        StatusCode::TOO_MANY_REQUESTS,
        r#"{"detail":"Rate limit exceeded","status":429}"#.to_owned(),
    );
    a.retry_after = retry_after;
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills() {
        let t0 = Instant::now();
        let mut b = Bucket::new(RateLimit::per_minute(2), t0);
        assert!(b.take(t0).is_ok());
        assert!(b.take(t0).is_ok());
        let wait = b.take(t0).unwrap_err();
        assert_eq!(wait.as_secs(), 30);
        assert!(b.take(t0 + Duration::from_secs(30)).is_ok());
        assert!(b.take(t0 + Duration::from_secs(30)).is_err());
    }
}
