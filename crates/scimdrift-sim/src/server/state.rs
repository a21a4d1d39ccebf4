//! State shared by every connection: the org, the settings fixed at start,
//! the seeded runtime and the request log.

use super::log::RequestRecord;
use super::rate::Bucket;
use crate::config::{Profile, RateLimit};
use crate::faults::FaultSpec;
use crate::store::Store;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;
use tokio::time::Instant;

/// State shared by every connection.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(super) store: RwLock<Store>,
    pub(super) settings: Settings,
    pub(super) runtime: Mutex<Runtime>,
    pub(super) log: Mutex<VecDeque<RequestRecord>>,
}

/// What the configuration fixed at start.
#[derive(Debug)]
pub(super) struct Settings {
    pub(super) addr: SocketAddr,
    /// The accepted tokens; a request is known by its token's position.
    pub(super) tokens: Vec<String>,
    pub(super) retry_after: bool,
    pub(super) max_page_size: usize,
    pub(super) default_page_size: usize,
    pub(super) latency: Duration,
    pub(super) faults: FaultSpec,
    pub(super) profile: Profile,
    /// When the simulator started (request log times count from here).
    pub(super) started: Instant,
}

/// Mutable per-run state besides the org.
#[derive(Debug)]
pub(super) struct Runtime {
    /// The one ChaCha stream every random choice comes from.
    pub(super) rng: ChaCha8Rng,
    /// One bucket per token (`None`: that token is not limited).
    pub(super) buckets: Vec<Option<Bucket>>,
    /// 429s still to send in the current storm.
    pub(super) storm_left: u32,
    pub(super) mutations_done: u32,
    /// List pages served so far, per kind (groups, users, embed users).
    pub(super) pages_served: [u64; 3],
    /// Middle pages cut short so far (the `short-pages` lie).
    pub(super) short_pages_done: u32,
    /// Groups made by `POST /groups` so far (their ids count up).
    pub(super) groups_created: u32,
}

impl Runtime {
    /// A fresh runtime with one bucket per token, `limits[i]` for token `i`.
    pub(super) fn new(seed: u64, limits: &[Option<RateLimit>]) -> Self {
        let now = Instant::now();
        Runtime {
            rng: ChaCha8Rng::seed_from_u64(seed),
            buckets: limits
                .iter()
                .map(|l| l.map(|l| Bucket::new(l, now)))
                .collect(),
            storm_left: 0,
            mutations_done: 0,
            pages_served: [0; 3],
            short_pages_done: 0,
            groups_created: 0,
        }
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these structures half-updated
    // in a way that matters to a test double; keep serving.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn read(s: &RwLock<Store>) -> RwLockReadGuard<'_, Store> {
    s.read().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn write(s: &RwLock<Store>) -> RwLockWriteGuard<'_, Store> {
    s.write().unwrap_or_else(PoisonError::into_inner)
}
