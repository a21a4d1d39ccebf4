//! Client-side rate limiting shared by every request of a fetch.
//!
//! Omni allows 60 requests per minute per key and answers 429 above it, without
//! documenting a `Retry-After`. The cheapest request is the one never refused,
//! so the client spaces each key's requests evenly at the configured rate (a
//! token bucket holding one token: no bursts, which also keeps a
//! sliding-window server happy) and, on a 429, pauses that key and slows it
//! down. With several keys ([`RatePool`]) every request takes the key whose
//! next slot comes first, so pages spread over the keys and a key that was
//! refused is simply used less until it recovers; the others keep their pace.
//!
//! Slots are reserved under a lock and then awaited, so concurrent workers
//! never get the same slot. A pause issued after a slot was reserved sends the
//! holder back to reserve a later one.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The slowest the limiter adapts down to: one request every two minutes,
/// or 64 times the configured interval if that is sooner (a storm of 429s
/// must not turn a fast scan into an hours-long one).
const MAX_INTERVAL: Duration = Duration::from_secs(120);
/// How far below the configured rate the limiter may adapt.
const MAX_SLOWDOWN: u32 = 64;
/// How much the interval grows on each 429.
const SLOWDOWN: f64 = 1.5;

/// A shared, adaptive request spacer.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    interval: Duration,
    max_interval: Duration,
    next: Instant,
    paused_until: Instant,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` requests per minute (at least 0.1).
    pub fn new(per_minute: f64) -> Self {
        let now = Instant::now();
        let interval = interval_for(per_minute);
        RateLimiter {
            state: Mutex::new(State {
                interval,
                max_interval: interval.saturating_mul(MAX_SLOWDOWN).min(MAX_INTERVAL),
                next: now,
                paused_until: now,
            }),
        }
    }

    /// Waits for the next free slot.
    pub async fn acquire(&self) {
        // Each round waits for a reserved slot; a new round only happens when
        // a 429 paused everyone meanwhile, so this ends after a bounded number
        // of pauses (and the cap guards against a logic error).
        for _ in 0..10_000 {
            let slot = self.reserve(Instant::now());
            tokio::time::sleep_until(slot).await;
            if !self.is_paused(Instant::now()) {
                return;
            }
        }
    }

    /// The first slot free at or after `now`, without taking it, and the
    /// limiter's own next slot (how long ago it was last used, for ties).
    fn peek(&self, now: Instant) -> (Instant, Instant) {
        let s = self.lock();
        (now.max(s.next).max(s.paused_until), s.next)
    }

    /// Takes the first slot free at or after `now`.
    fn reserve(&self, now: Instant) -> Instant {
        let mut s = self.lock();
        let slot = now.max(s.next).max(s.paused_until);
        s.next = slot + s.interval;
        slot
    }

    fn is_paused(&self, now: Instant) -> bool {
        now < self.lock().paused_until
    }

    /// A 429 came back: nobody sends for `wait`, and the rate goes down.
    pub fn rate_limited(&self, wait: Duration) {
        let mut s = self.lock();
        let until = Instant::now() + wait;
        s.paused_until = s.paused_until.max(until);
        s.next = s.next.max(s.paused_until);
        s.interval = s.interval.mul_f64(SLOWDOWN).min(s.max_interval);
    }

    /// Nobody sends for `wait` (a 503 with `Retry-After`: maintenance), and
    /// the rate stays as it is.
    pub fn pause(&self, wait: Duration) {
        let mut s = self.lock();
        let until = Instant::now() + wait;
        s.paused_until = s.paused_until.max(until);
        s.next = s.next.max(s.paused_until);
    }

    /// The current rate, in requests per minute.
    pub fn per_minute(&self) -> f64 {
        60.0 / self.lock().interval.as_secs_f64()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another worker panicked mid-update; the
        // state is still a pair of instants, always usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One [`RateLimiter`] per API key, each at the configured (per-key) rate.
#[derive(Debug)]
pub struct RatePool {
    limiters: Vec<RateLimiter>,
    /// Held while choosing and reserving, so two workers never pick their
    /// slots from the same stale view.
    choose: Mutex<()>,
}

impl RatePool {
    /// `keys` limiters (at least one) allowing `per_minute` requests each.
    pub fn new(keys: usize, per_minute: f64) -> Self {
        RatePool {
            limiters: (0..keys.max(1))
                .map(|_| RateLimiter::new(per_minute))
                .collect(),
            choose: Mutex::new(()),
        }
    }

    /// Waits for the earliest free slot over every key and returns the key's
    /// index. Among keys free at the same instant, the one used longest ago
    /// wins (then the lowest index), so a fast rate still spreads requests.
    pub async fn acquire(&self) -> usize {
        let mut key = 0;
        // As in `RateLimiter::acquire`: a new round only follows a pause of
        // the chosen key issued while waiting.
        for _ in 0..10_000 {
            let slot = {
                let _guard = self
                    .choose
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = Instant::now();
                let mut best = (0, self.limiters[0].peek(now));
                for (i, limiter) in self.limiters.iter().enumerate().skip(1) {
                    let slot = limiter.peek(now);
                    if slot < best.1 {
                        best = (i, slot);
                    }
                }
                key = best.0;
                self.limiters[key].reserve(now)
            };
            tokio::time::sleep_until(slot).await;
            if !self.limiters[key].is_paused(Instant::now()) {
                return key;
            }
        }
        key
    }

    /// The limiter of key `index` (0-based).
    pub fn key(&self, index: usize) -> &RateLimiter {
        self.limiters.get(index).unwrap_or(&self.limiters[0])
    }

    /// The sum of every key's current rate, in requests per minute.
    pub fn per_minute(&self) -> f64 {
        self.limiters.iter().map(RateLimiter::per_minute).sum()
    }
}

fn interval_for(per_minute: f64) -> Duration {
    let per_minute = if per_minute.is_finite() && per_minute >= 0.1 {
        per_minute
    } else {
        0.1
    };
    Duration::from_secs_f64(60.0 / per_minute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_evenly() {
        let limiter = RateLimiter::new(60.0);
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..5 {
            limiter.acquire().await;
            at.push((Instant::now() - start).as_millis());
        }
        assert_eq!(at, [0, 1000, 2000, 3000, 4000]);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_workers_get_distinct_slots() {
        let limiter = Arc::new(RateLimiter::new(600.0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let l = Arc::clone(&limiter);
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                (Instant::now() - start).as_millis()
            }));
        }
        let mut at = Vec::new();
        for t in tasks {
            at.push(t.await.unwrap());
        }
        at.sort_unstable();
        assert_eq!(at, [0, 100, 200, 300, 400, 500, 600, 700]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_everyone_and_slows_down() {
        let limiter = Arc::new(RateLimiter::new(60.0));
        let start = Instant::now();
        limiter.acquire().await;
        // A worker reserves the slot at 1 s, then a 429 pauses for 5 s.
        let l = Arc::clone(&limiter);
        let waiter = tokio::spawn(async move {
            l.acquire().await;
            (Instant::now() - start).as_millis()
        });
        tokio::task::yield_now().await;
        limiter.rate_limited(Duration::from_secs(5));
        assert_eq!(waiter.await.unwrap(), 5000);
        assert!((limiter.per_minute() - 40.0).abs() < 1e-9);
        limiter.acquire().await;
        assert_eq!((Instant::now() - start).as_millis(), 6500);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pool_spreads_requests_over_its_keys() {
        let pool = RatePool::new(3, 60.0);
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..7 {
            let key = pool.acquire().await;
            at.push((key, (Instant::now() - start).as_millis()));
        }
        assert_eq!(
            at,
            [
                (0, 0),
                (1, 0),
                (2, 0),
                (0, 1000),
                (1, 1000),
                (2, 1000),
                (0, 2000)
            ]
        );
        assert!((pool.per_minute() - 180.0).abs() < 1e-9);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_on_one_key_slows_that_key_only() {
        let pool = RatePool::new(2, 60.0);
        let start = Instant::now();
        assert_eq!(pool.acquire().await, 0);
        assert_eq!(pool.acquire().await, 1);
        // Key 0 is refused: it pauses for 10 s and slows to 40/min.
        pool.key(0).rate_limited(Duration::from_secs(10));
        let mut at = Vec::new();
        for _ in 0..9 {
            let key = pool.acquire().await;
            at.push((key, (Instant::now() - start).as_millis()));
        }
        // Key 1 keeps its one request a second; key 0 comes back at 10 s.
        assert_eq!(
            at,
            [
                (1, 1000),
                (1, 2000),
                (1, 3000),
                (1, 4000),
                (1, 5000),
                (1, 6000),
                (1, 7000),
                (1, 8000),
                (1, 9000)
            ]
        );
        assert_eq!(pool.acquire().await, 0);
        assert_eq!((Instant::now() - start).as_millis(), 10_000);
        assert!((pool.key(0).per_minute() - 40.0).abs() < 1e-9);
        assert!((pool.key(1).per_minute() - 60.0).abs() < 1e-9);
    }

    #[test]
    fn adapts_down_to_a_floor() {
        // 60/min: at most 64 times slower (one request every 64 s).
        let limiter = RateLimiter::new(60.0);
        for _ in 0..100 {
            limiter.rate_limited(Duration::ZERO);
        }
        assert!((limiter.per_minute() - 60.0 / 64.0).abs() < 1e-9);
        // 6/min: never slower than one request every two minutes.
        let limiter = RateLimiter::new(6.0);
        for _ in 0..100 {
            limiter.rate_limited(Duration::ZERO);
        }
        assert!((limiter.per_minute() - 0.5).abs() < 1e-9);
    }
}
