//! The HTTP side: the [`Simulator`] handle and the request pipeline.
//!
//! Every request goes through one fallback handler ([`pipeline`]), which runs
//! the stages in this order, each in its own module:
//!
//! 1. [`auth`]: the bearer token, one of several (a request without a valid
//!    one costs nothing);
//! 2. [`admission`]: the rate limit (the token's own bucket, see [`rate`]) and the seeded
//!    draws (always three per authenticated request), then latency and the
//!    429 storm;
//! 3. [`route`]: method and path to a [`route::Route`] (405, 404);
//! 4. [`status_faults`]: faults that replace the whole answer (500, 502, 503,
//!    redirect, HTML or wrong-shaped 200, endless body, [`gzip`] bomb);
//! 5. [`resources`]: the answer itself, list pages with their paging and
//!    filters in [`list`] and the list-page lies of hostile servers in
//!    [`lies`], Omni's group writes in [`writes`] (and the write faults:
//!    processed, then answered 500 or cut off);
//! 6. [`body_faults`]: faults that break a good answer on the wire (reset,
//!    truncated, malformed, slow);
//! 7. [`mutation`]: the org changing after the first page of a scan;
//! 8. [`log`]: every request recorded, the newest [`LOG_CAP`] kept.
//!
//! Shared state (the org, the settings, the seeded runtime, the log) lives in
//! [`state`]; [`reply`] turns an answer into an HTTP response.

mod admission;
mod auth;
mod body_faults;
mod gzip;
mod lies;
mod list;
mod log;
mod mutation;
mod pipeline;
mod rate;
mod reply;
mod resources;
mod route;
mod state;
mod status_faults;
mod writes;

pub use log::{LOG_CAP, RequestRecord};

use crate::config::{Profile, SimConfig};
use crate::store::{Kind, Store};
use state::{Runtime, Settings, Shared, lock, read, write};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on `{addr}`")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A running simulator. Shuts down when dropped.
#[derive(Debug)]
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds the configured address and starts serving in the background.
    pub async fn start(config: SimConfig) -> Result<Simulator, SimError> {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
        let SimConfig {
            org,
            tokens,
            listen: _,
            rate_limit,
            retry_after,
            max_page_size,
            default_page_size,
            latency,
            faults,
            seed,
            profile,
        } = config;
        let mut store = org;
        if profile == Profile::Scim {
            // A generic SCIM server has no embed users.
            store.remove_front(Kind::EmbedUsers, usize::MAX);
        }
        // Omni limits each API key on its own: one bucket per token.
        let limits: Vec<_> = tokens
            .iter()
            .map(|t| t.rate_limit.unwrap_or(rate_limit))
            .collect();
        let shared = Arc::new(Shared {
            store: RwLock::new(store),
            settings: Settings {
                addr,
                tokens: tokens.into_iter().map(|t| t.token).collect(),
                retry_after,
                max_page_size,
                default_page_size,
                latency,
                faults,
                profile,
                started: tokio::time::Instant::now(),
            },
            runtime: std::sync::Mutex::new(Runtime::new(seed, &limits)),
            log: std::sync::Mutex::default(),
        });
        let app = axum::Router::new()
            .fallback(pipeline::handle)
            .with_state(Arc::clone(&shared));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "simulator stopped");
            }
        });
        Ok(Simulator {
            addr,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The instance URL, e.g. `http://127.0.0.1:PORT` (what `OMNI_BASE_URL`
    /// holds for a real instance).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The SCIM base the resource paths hang off: `…/api/scim/v2` for Omni,
    /// `…/scim/v2` for the generic SCIM profile.
    pub fn scim_base_url(&self) -> String {
        match self.shared.settings.profile {
            Profile::Omni => format!("http://{}/api/scim/v2", self.addr),
            Profile::Scim => format!("http://{}/scim/v2", self.addr),
        }
    }

    /// Every request served so far (the newest [`LOG_CAP`](crate::LOG_CAP)), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Changes the org between requests (the in-process mutation API).
    pub fn mutate<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut write(&self.shared.store))
    }

    /// Edits a group between requests, the way someone in Omni's UI would
    /// (a concurrent change between `plan` and `apply`): `patch` is a SCIM
    /// PatchOp body applied exactly as `PATCH /groups/{id}` applies it (both
    /// sides of each membership kept in step), but neither logged nor
    /// subject to faults. Returns the status the PATCH would have had.
    pub fn edit_group(&self, id: &str, patch: &serde_json::Value) -> u16 {
        writes::patch_group(&self.shared, id, patch.to_string().as_bytes())
            .status
            .as_u16()
    }

    /// Reads the org.
    pub fn with_store<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(&read(&self.shared.store))
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
