//! The writer: the one type in scimdrift that can change a SCIM server.
//!
//! It reads single groups (with retries, like the fetch), and sends a write
//! exactly once per call: whether and when a write is sent again is decided
//! by the caller from the live state ([`crate::execute`]), never here. Every
//! request waits for the same kind of per-key rate limiter as the fetch; a
//! 429 slows it down and a 503 with `Retry-After` pauses it. Redirects are
//! never followed, and every text that came from the server is scrubbed of
//! the token before it is kept.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::SeedableRng as _;
use rand::rngs::StdRng;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, HeaderValue, IF_MATCH, RETRY_AFTER,
};
use scimdrift_fetch::retry::{Backoff, StatusClass, classify_status, parse_retry_after};
use scimdrift_fetch::{FetchOptions, RateLimiter, ResourceKind, Token};
use serde_json::Value;
use url::Url;

use crate::error::ApplyError;

/// The largest answer read (a group with every member of a big org).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A group as the server shows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveGroup {
    /// Its id.
    pub id: String,
    /// Its display name.
    pub display_name: String,
    /// Its member ids.
    pub members: BTreeSet<String>,
    /// `meta.version`, when the server sends one.
    pub version: Option<String>,
}

impl LiveGroup {
    /// Reads a group resource.
    pub fn from_json(v: &Value) -> Option<LiveGroup> {
        let id = v.get("id")?.as_str()?.to_owned();
        let display_name = v
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let members = v
            .get("members")
            .and_then(Value::as_array)
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let version = v
            .get("meta")
            .and_then(|m| m.get("version"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Some(LiveGroup {
            id,
            display_name,
            members,
            version,
        })
    }
}

/// What one write attempt came back with.
#[derive(Debug)]
pub enum Sent {
    /// The server answered completely.
    Answered {
        /// The status.
        status: u16,
        /// The body (scrubbed of the token).
        body: String,
        /// `Retry-After`, when sent.
        retry_after: Option<Duration>,
    },
    /// The answer was lost after the request may have reached the server (a
    /// timeout, a reset, a body cut off): whether it took effect is unknown.
    Lost(String),
    /// The request never left (no connection could be made).
    NotSent(String),
}

/// Counters over one apply.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Requests sent (reads and writes).
    pub requests: AtomicU64,
    /// Writes sent.
    pub writes: AtomicU64,
    /// Answers that were 429.
    pub rate_limited: AtomicU64,
}

/// The request counters of one apply so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Requests sent (reads and writes).
    pub requests: u64,
    /// Writes sent.
    pub writes: u64,
    /// Answers that were 429.
    pub rate_limited: u64,
}

/// The HTTP writer of one apply.
#[derive(Debug)]
pub struct Writer {
    client: reqwest::Client,
    token: Token,
    auth: HeaderValue,
    groups: Url,
    limiter: RateLimiter,
    backoff: Backoff,
    max_retries: u32,
    request_timeout: Duration,
    rng: Mutex<StdRng>,
    counters: Counters,
}

impl Writer {
    /// A writer for the connection `options` describe. The options must
    /// have been validated (https, or http to loopback).
    pub fn new(options: &FetchOptions, token: Token) -> Result<Writer, ApplyError> {
        options
            .validate()
            .map_err(|e| ApplyError::Internal(e.to_string()))?;
        let client = reqwest::Client::builder()
            .user_agent(concat!("scimdrift/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.request_timeout)
            .connect_timeout(options.connect_timeout)
            .build()
            .map_err(|e| ApplyError::Internal(token.redact(&e.to_string())))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| ApplyError::Internal("the token cannot be sent in a header".into()))?;
        auth.set_sensitive(true);
        let rng = match options.jitter_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Ok(Writer {
            client,
            token,
            auth,
            groups: options.endpoint(ResourceKind::Groups),
            limiter: RateLimiter::new(options.rate_limit_per_min),
            backoff: Backoff {
                base: options.backoff_base,
                max: options.backoff_max,
            },
            max_retries: options.max_retries,
            request_timeout: options.request_timeout,
            rng: Mutex::new(rng),
            counters: Counters::default(),
        })
    }

    /// How many times a request is tried after the first.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The counters so far.
    pub fn counts(&self) -> Counts {
        Counts {
            requests: self.counters.requests.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
            rate_limited: self.counters.rate_limited.load(Ordering::Relaxed),
        }
    }

    /// The URL of one group.
    pub fn group_url(&self, id: &str) -> Url {
        let mut url = self.groups.clone();
        if let Ok(mut segs) = url.path_segments_mut() {
            segs.push(id);
        }
        url
    }

    /// The groups collection's URL.
    pub fn groups_url(&self) -> &Url {
        &self.groups
    }

    /// Reads one group; `Ok(None)` when it does not exist (404).
    pub async fn read_group(&self, id: &str) -> Result<Option<LiveGroup>, ApplyError> {
        let url = self.group_url(id);
        let Some(v) = self.get_json(&url).await? else {
            return Ok(None);
        };
        LiveGroup::from_json(&v)
            .map(Some)
            .ok_or_else(|| ApplyError::Unexpected {
                url: url.to_string(),
                detail: "the answer is not a group".into(),
            })
    }

    /// The groups named exactly `name` (`filter=displayName eq "…"`).
    pub async fn find_groups(&self, name: &str) -> Result<Vec<LiveGroup>, ApplyError> {
        let mut url = self.groups.clone();
        url.query_pairs_mut().append_pair(
            "filter",
            &format!("displayName eq {}", scimdrift_proto::filter::quote(name)),
        );
        let Some(v) = self.get_json(&url).await? else {
            return Err(ApplyError::Unexpected {
                url: url.to_string(),
                detail: "the groups collection answered 404".into(),
            });
        };
        let resources = v
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // A server that ignores the filter still gives the right answer.
        Ok(resources
            .iter()
            .filter_map(LiveGroup::from_json)
            .filter(|g| g.display_name == name)
            .collect())
    }

    /// A GET with retries: `Ok(None)` for 404.
    async fn get_json(&self, url: &Url) -> Result<Option<Value>, ApplyError> {
        let mut last = String::new();
        let mut server_errors = 0u32;
        for attempt in 0..=self.max_retries {
            let sent = self
                .send_once(reqwest::Method::GET, url, None, None, false)
                .await;
            let wait = match sent {
                Sent::Answered { status, body, .. } if (200..300).contains(&status) => {
                    match serde_json::from_str(&body) {
                        Ok(v) => return Ok(Some(v)),
                        // A garbled or cut-off body is read again.
                        Err(_) => {
                            last = format!("HTTP {status} with a body that is not JSON");
                            self.backoff_delay(attempt)
                        }
                    }
                }
                Sent::Answered { status: 404, .. } => return Ok(None),
                Sent::Answered {
                    status,
                    body,
                    retry_after,
                } => match self.after_error(status, &body, retry_after, attempt, url)? {
                    Some(wait) => {
                        if status == 500 {
                            server_errors += 1;
                            if server_errors > 1 {
                                return Err(ApplyError::GaveUp {
                                    url: url.to_string(),
                                    last: "HTTP 500 twice".into(),
                                });
                            }
                        }
                        last = format!("HTTP {status}");
                        wait
                    }
                    None => Duration::ZERO,
                },
                Sent::Lost(problem) | Sent::NotSent(problem) => {
                    last = problem;
                    self.backoff_delay(attempt)
                }
            };
            if attempt < self.max_retries {
                tokio::time::sleep(wait).await;
            }
        }
        Err(ApplyError::GaveUp {
            url: url.to_string(),
            last,
        })
    }

    /// What an error status means for a request that may be tried again:
    /// `Ok(Some(wait))` to wait and retry, `Err` when retrying cannot help.
    /// 429 and 503 pause the limiter (a 429 also slows it down).
    pub fn after_error(
        &self,
        status: u16,
        body: &str,
        retry_after: Option<Duration>,
        attempt: u32,
        url: &Url,
    ) -> Result<Option<Duration>, ApplyError> {
        match classify_status(status) {
            StatusClass::RateLimited => {
                self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                let wait = self.rate_limited_delay(attempt, retry_after);
                self.limiter.rate_limited(wait);
                tracing::info!(url = %url, wait_ms = wait.as_millis(), "rate limited; pausing and slowing down");
                // The limiter itself holds the request back until then.
                Ok(Some(Duration::ZERO))
            }
            StatusClass::Unavailable => {
                let wait = self.rate_limited_delay(attempt, retry_after);
                if retry_after.is_some() {
                    self.limiter.pause(wait);
                }
                tracing::info!(url = %url, wait_ms = wait.as_millis(), "HTTP 503; waiting");
                Ok(Some(wait))
            }
            StatusClass::ServerError | StatusClass::Transient => {
                Ok(Some(self.backoff_delay(attempt)))
            }
            StatusClass::Unauthorized => Err(ApplyError::Unauthorized {
                status,
                url: url.to_string(),
                detail: self.detail(body),
            }),
            StatusClass::Redirect => Err(ApplyError::Redirect {
                status,
                url: url.to_string(),
            }),
            StatusClass::Success | StatusClass::NotFound | StatusClass::Fatal => {
                Err(ApplyError::Refused {
                    status,
                    url: url.to_string(),
                    detail: self.detail(body),
                })
            }
        }
    }

    /// The wait before retrying a 429 or 503.
    fn rate_limited_delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let mut rng = self.rng();
        self.backoff
            .rate_limited_delay(attempt, retry_after, &mut *rng)
    }

    /// The backoff before retry number `attempt`.
    pub fn backoff_delay(&self, attempt: u32) -> Duration {
        let mut rng = self.rng();
        self.backoff.delay(attempt, &mut *rng)
    }

    /// `PATCH` a group: one attempt.
    pub async fn patch(&self, id: &str, body: &Value, if_match: Option<&str>) -> Sent {
        let url = self.group_url(id);
        self.send_once(reqwest::Method::PATCH, &url, Some(body), if_match, true)
            .await
    }

    /// `POST` a group: one attempt.
    pub async fn create(&self, body: &Value) -> Sent {
        let url = self.groups.clone();
        self.send_once(reqwest::Method::POST, &url, Some(body), None, true)
            .await
    }

    /// One request, after waiting for the limiter.
    async fn send_once(
        &self,
        method: reqwest::Method,
        url: &Url,
        body: Option<&Value>,
        if_match: Option<&str>,
        write: bool,
    ) -> Sent {
        self.limiter.acquire().await;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        if write {
            self.counters.writes.fetch_add(1, Ordering::Relaxed);
        }
        let mut request = self
            .client
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, "application/scim+json, application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/scim+json")
                .body(body.to_string());
        }
        if let Some(version) = if_match
            && let Ok(v) = HeaderValue::from_str(version)
        {
            request = request.header(IF_MATCH, v);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let problem = self.describe(&e);
                tracing::debug!(%method, url = %url, problem = %problem, "no answer");
                // A failed connect never reached the server; anything after
                // it may have.
                return if e.is_connect() {
                    Sent::NotSent(problem)
                } else {
                    Sent::Lost(problem)
                };
            }
        };
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after =
            header(RETRY_AFTER).and_then(|v| parse_retry_after(&v, header(DATE).as_deref()));
        match self.read_body(response).await {
            Ok(bytes) => {
                let body = self.token.redact(&String::from_utf8_lossy(&bytes));
                tracing::debug!(%method, url = %url, status, "answer");
                Sent::Answered {
                    status,
                    body,
                    retry_after,
                }
            }
            Err(problem) => {
                tracing::debug!(%method, url = %url, status, problem = %problem, "answer cut off");
                Sent::Lost(problem)
            }
        }
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY {
                        return Err(format!("the answer is larger than {MAX_BODY} bytes"));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => return Err(self.describe(&e)),
            }
        }
    }

    /// A short, scrubbed detail from an error body.
    pub fn detail(&self, body: &str) -> String {
        let picked = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| {
                ["detail", "message", "error"]
                    .iter()
                    .find_map(|k| v.get(k).and_then(Value::as_str).map(str::to_owned))
            })
            .unwrap_or_else(|| body.to_owned());
        let cleaned: String = picked
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        self.token.redact(cleaned.trim())
    }

    fn describe(&self, e: &reqwest::Error) -> String {
        let kind = if e.is_timeout() {
            format!("timed out (limit {} s)", self.request_timeout.as_secs_f64())
        } else if e.is_connect() {
            "cannot connect".to_owned()
        } else if e.is_body() || e.is_decode() {
            "the answer was cut off".to_owned()
        } else {
            "the connection broke".to_owned()
        };
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        let text = if causes.is_empty() {
            kind
        } else {
            format!("{kind}: {}", causes.join(": "))
        };
        self.token.redact(&text)
    }

    fn rng(&self) -> std::sync::MutexGuard<'_, StdRng> {
        self.rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
