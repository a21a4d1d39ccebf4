//! Which failures are worth another attempt, and how long to wait before it.
//!
//! Classification is a pure function of what came back, so it is tested
//! without a server. The policy follows Omni's error page ("retry only 429
//! and 503"; planned maintenance answers 503 with `Retry-After`; "a 500 that
//! repeats is a problem to report"): 429 → wait (`Retry-After` if the server
//! sent one, else exponential backoff) and slow that key down; 503 → wait
//! (`Retry-After` if sent, else the backoff) and retry; 500 → retry once, and
//! a second 500 for the same request gives up on it, naming it; other 5xx (but
//! 501, a proxy's 502 or 504), 408, timeouts, connection failures and resets,
//! truncated or undecodable bodies → retry with exponential backoff and
//! jitter; every other 4xx → fatal at once (retrying cannot fix our request
//! or our credentials).

use std::time::Duration;

use rand::Rng;

/// What to do about an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 2xx: read the body.
    Success,
    /// 3xx: never followed (the token must stay with the origin the user named).
    Redirect,
    /// 429: back off, slow down, retry.
    RateLimited,
    /// 500: retry once; a repeated 500 is reported, not retried again.
    ServerError,
    /// 503: unavailable (planned maintenance): wait `Retry-After`, retry.
    Unavailable,
    /// 408, other 5xx except 501: retry.
    Transient,
    /// 401, 403: the credentials are wrong.
    Unauthorized,
    /// 404: the URL is wrong.
    NotFound,
    /// Any other 4xx (and 501, 1xx): our request is wrong.
    Fatal,
}

/// Classifies an HTTP status code.
pub fn classify_status(status: u16) -> StatusClass {
    match status {
        200..=299 => StatusClass::Success,
        300..=399 => StatusClass::Redirect,
        429 => StatusClass::RateLimited,
        401 | 403 => StatusClass::Unauthorized,
        404 => StatusClass::NotFound,
        408 => StatusClass::Transient,
        500 => StatusClass::ServerError,
        501 => StatusClass::Fatal,
        503 => StatusClass::Unavailable,
        502 | 504..=599 => StatusClass::Transient,
        _ => StatusClass::Fatal,
    }
}

/// Backoff settings: attempt `n` (0-based) waits a random time in
/// `[d/2, d]` where `d = min(base · 2ⁿ, max)` ("equal jitter": never zero,
/// never synchronised across workers).
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(30));
        let full = self.base.saturating_mul(factor).min(self.max);
        let half = full / 2;
        let jitter_nanos = rng.random_range(0..=u64::try_from(half.as_nanos()).unwrap_or(u64::MAX));
        half + Duration::from_nanos(jitter_nanos)
    }

    /// The delay before retrying a 429 or a 503: the server's `Retry-After`
    /// when it sent one (capped at `max`), else the backoff.
    pub fn rate_limited_delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max),
            None => self.delay(attempt, rng),
        }
    }
}

/// Parses a `Retry-After` header: delta-seconds, or an HTTP-date measured
/// against the same response's `Date` header (the client never reads the
/// wall clock, and the server's clock is the one that counts here).
pub fn parse_retry_after(value: &str, date: Option<&str>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    let now = parse_http_date(date?.trim())?;
    let secs = at.as_second().checked_sub(now.as_second())?;
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

fn parse_http_date(value: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::parse(value)
        .ok()
        .map(|zoned| zoned.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[track_caller]
    fn check(status: u16, want: StatusClass) {
        assert_eq!(classify_status(status), want, "status {status}");
    }

    #[test]
    fn classification() {
        use StatusClass::*;
        check(200, Success);
        check(204, Success);
        check(301, Redirect);
        check(307, Redirect);
        check(400, Fatal);
        check(401, Unauthorized);
        check(403, Unauthorized);
        check(404, NotFound);
        check(408, Transient);
        check(409, Fatal);
        check(413, Fatal);
        check(429, RateLimited);
        check(500, ServerError);
        check(501, Fatal);
        check(502, Transient);
        check(503, Unavailable);
        check(504, Transient);
        check(599, Transient);
        check(101, Fatal);
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for attempt in 0..40 {
            let full = Duration::from_millis(100)
                .saturating_mul(2u32.saturating_pow(attempt.min(30)))
                .min(Duration::from_secs(1));
            for _ in 0..20 {
                let d = b.delay(attempt, &mut rng);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
            }
        }
        // Jitter actually varies.
        let a: Vec<_> = (0..10).map(|_| b.delay(3, &mut rng)).collect();
        assert!(a.iter().any(|d| *d != a[0]));
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(30),
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(
            b.rate_limited_delay(0, Some(Duration::from_secs(7)), &mut rng),
            Duration::from_secs(7)
        );
        assert_eq!(
            b.rate_limited_delay(0, Some(Duration::from_secs(3600)), &mut rng),
            Duration::from_secs(30)
        );
        assert!(b.rate_limited_delay(0, None, &mut rng) <= Duration::from_millis(100));
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after("5", None), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after(" 0 ", None), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(
                "Wed, 21 Oct 2015 07:28:30 GMT",
                Some("Wed, 21 Oct 2015 07:28:00 GMT")
            ),
            Some(Duration::from_secs(30))
        );
        // A date in the past: retry now.
        assert_eq!(
            parse_retry_after(
                "Wed, 21 Oct 2015 07:27:00 GMT",
                Some("Wed, 21 Oct 2015 07:28:00 GMT")
            ),
            Some(Duration::ZERO)
        );
        // A date without the server's Date: unknown, use the backoff.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", None),
            None
        );
        assert_eq!(parse_retry_after("soon", None), None);
        assert_eq!(parse_retry_after("-3", None), None);
    }
}
