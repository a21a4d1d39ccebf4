//! The HTTP layer: one list page per call, with rate limiting, retries and
//! every defence against a misbehaving server.
//!
//! Only GET requests exist here. Redirects are never followed (the token must
//! not travel to an origin the user did not name), bodies are read with a size
//! limit after decompression (a gzip bomb fails cleanly), and every text that
//! came from the server is scrubbed of the token before it is kept.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::header::{ACCEPT, AUTHORIZATION, DATE, HeaderValue, LOCATION, RETRY_AFTER};
use scimdrift_proto::{ListResponse, Resource};
use serde_json::value::RawValue;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::error::{FetchError, server_detail};
use crate::options::FetchOptions;
use crate::plan::Page;
use crate::rate::RatePool;
use crate::retry::{Backoff, StatusClass, classify_status, parse_retry_after};
use crate::token::{Keys, REDACTED};

/// Why a page could not be read.
#[derive(Debug)]
pub(crate) enum PageError {
    /// Retrying cannot help; the whole fetch stops.
    Fatal(FetchError),
    /// Transient trouble outlasted the retries; the resource kind is
    /// incomplete for this reason.
    GaveUp(String),
}

/// What a request expects back.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// A list page asked at `start` for `count`.
    Page { start: u64, count: u32 },
    /// One resource by id; a 404 means it does not exist.
    One,
}

/// What a request got.
enum Got {
    Page(Page),
    One(Option<Resource>),
}

/// What one attempt ran into.
enum Attempt {
    Fatal(FetchError),
    RateLimited(Option<Duration>),
    /// 503, with the server's `Retry-After` if it sent one.
    Unavailable(Option<Duration>),
    /// 500.
    ServerError,
    Transient(String),
}

/// Counters shared by every request of a fetch.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub rate_limited: AtomicU64,
    pub pages: AtomicU64,
    /// The server sent the token back in a body.
    pub echoed_token: AtomicBool,
}

/// The shared HTTP state of one fetch.
#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    keys: Keys,
    /// One `Authorization` value per key, in the order of `keys`.
    auth: Vec<HeaderValue>,
    /// One rate limiter per key.
    limiter: RatePool,
    permits: Semaphore,
    backoff: Backoff,
    max_retries: u32,
    max_body: usize,
    request_timeout: Duration,
    rng: Mutex<StdRng>,
    pub counters: Counters,
}

impl Http {
    pub fn new(options: &FetchOptions, keys: Keys) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("scimdrift/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.request_timeout)
            .connect_timeout(options.connect_timeout)
            .build()
            .map_err(FetchError::Client)?;
        let auth = keys
            .tokens()
            .iter()
            .map(|token| {
                let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                    .map_err(|_| {
                        FetchError::Internal("the token cannot be sent in a header".into())
                    })?;
                // Keeps the value out of the HTTP stack's own debug output.
                auth.set_sensitive(true);
                Ok(auth)
            })
            .collect::<Result<Vec<_>, FetchError>>()?;
        let rng = match options.jitter_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Ok(Http {
            client,
            limiter: RatePool::new(keys.len(), options.rate_limit_per_min),
            keys,
            auth,
            permits: Semaphore::new(options.concurrency),
            backoff: Backoff {
                base: options.backoff_base,
                max: options.backoff_max,
            },
            max_retries: options.max_retries,
            max_body: options.max_body_bytes,
            request_timeout: options.request_timeout,
            rng: Mutex::new(rng),
            counters: Counters::default(),
        })
    }

    /// The current client-side rate over every key, in requests per minute.
    pub fn rate_per_minute(&self) -> f64 {
        self.limiter.per_minute()
    }

    /// Reads one list page, retrying what is worth retrying. `endpoint` may
    /// carry a query already (a `filter`).
    pub async fn get_page(
        &self,
        endpoint: &Url,
        start: u64,
        count: u32,
    ) -> Result<Page, PageError> {
        let mut url = endpoint.clone();
        url.query_pairs_mut()
            .append_pair("startIndex", &start.to_string())
            .append_pair("count", &count.to_string());
        match self.get(&url, Want::Page { start, count }).await? {
            Got::Page(page) => Ok(page),
            Got::One(_) => Err(PageError::Fatal(FetchError::Internal(
                "a list request answered as one resource".into(),
            ))),
        }
    }

    /// Reads one resource (`GET {endpoint}/{id}`), retrying what is worth
    /// retrying; `Ok(None)` when the server answers 404.
    pub async fn get_one(&self, url: &Url) -> Result<Option<Resource>, PageError> {
        match self.get(url, Want::One).await? {
            Got::One(resource) => Ok(resource),
            Got::Page(_) => Err(PageError::Fatal(FetchError::Internal(
                "a resource request answered as a list page".into(),
            ))),
        }
    }

    async fn get(&self, url: &Url, want: Want) -> Result<Got, PageError> {
        let url = url.clone();
        // The semaphore is never closed, so this only fails on a logic error.
        let _permit =
            self.permits.acquire().await.map_err(|_| {
                PageError::Fatal(FetchError::Internal("request permits closed".into()))
            })?;
        let mut last_problem = String::new();
        let mut server_errors = 0u32;
        for attempt in 0..=self.max_retries {
            if attempt > 0 {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
            }
            let key = self.limiter.acquire().await;
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = Instant::now();
            match self.attempt(&url, key, want).await {
                Ok(Got::Page(page)) => {
                    self.counters.pages.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(
                        url = %url,
                        key = key + 1,
                        elapsed_ms = sent.elapsed().as_millis(),
                        resources = page.resources.len(),
                        total = page.total,
                        "page"
                    );
                    return Ok(Got::Page(page));
                }
                Ok(Got::One(resource)) => {
                    tracing::debug!(
                        url = %url,
                        key = key + 1,
                        elapsed_ms = sent.elapsed().as_millis(),
                        found = resource.is_some(),
                        "resource"
                    );
                    return Ok(Got::One(resource));
                }
                Err(Attempt::Fatal(e)) => {
                    tracing::debug!(url = %url, error = %e, "fatal answer");
                    return Err(PageError::Fatal(e));
                }
                Err(Attempt::RateLimited(retry_after)) => {
                    self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    let wait = {
                        let mut rng = self.rng();
                        self.backoff
                            .rate_limited_delay(attempt, retry_after, &mut *rng)
                    };
                    // Only the refused key pauses and slows down: the limit is
                    // per key, the others still have their budgets.
                    let limiter = self.limiter.key(key);
                    limiter.rate_limited(wait);
                    last_problem = "HTTP 429 (rate limited)".to_owned();
                    tracing::info!(
                        url = %url,
                        key = key + 1,
                        wait_ms = wait.as_millis(),
                        rate_per_min = format!("{:.1}", limiter.per_minute()),
                        "rate limited; pausing this key and slowing it down"
                    );
                }
                Err(Attempt::Unavailable(retry_after)) => {
                    let wait = {
                        let mut rng = self.rng();
                        self.backoff
                            .rate_limited_delay(attempt, retry_after, &mut *rng)
                    };
                    if retry_after.is_some() {
                        // Planned maintenance: nobody gets through before
                        // then, whatever the key.
                        for k in 0..self.keys.len() {
                            self.limiter.key(k).pause(wait);
                        }
                    }
                    tracing::info!(url = %url, wait_ms = wait.as_millis(), attempt, "HTTP 503; retrying");
                    last_problem = "HTTP 503".to_owned();
                    if attempt < self.max_retries {
                        tokio::time::sleep(wait).await;
                    }
                }
                Err(Attempt::ServerError) => {
                    server_errors += 1;
                    if server_errors > 1 {
                        tracing::info!(url = %url, "HTTP 500 again; not retrying");
                        return Err(PageError::GaveUp(format!(
                            "`{url}` answered HTTP 500 twice; a 500 that repeats is a server problem to report, not to retry"
                        )));
                    }
                    let wait = {
                        let mut rng = self.rng();
                        self.backoff.delay(attempt, &mut *rng)
                    };
                    tracing::info!(url = %url, wait_ms = wait.as_millis(), "HTTP 500; retrying once");
                    last_problem = "HTTP 500".to_owned();
                    if attempt < self.max_retries {
                        tokio::time::sleep(wait).await;
                    }
                }
                Err(Attempt::Transient(problem)) => {
                    let wait = {
                        let mut rng = self.rng();
                        self.backoff.delay(attempt, &mut *rng)
                    };
                    tracing::info!(url = %url, problem = %problem, wait_ms = wait.as_millis(), attempt, "retrying");
                    last_problem = problem;
                    if attempt < self.max_retries {
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
        Err(PageError::GaveUp(format!(
            "gave up on `{url}` after {} attempts (last: {last_problem})",
            self.max_retries + 1
        )))
    }

    async fn attempt(&self, url: &Url, key: usize, want: Want) -> Result<Got, Attempt> {
        let auth = self.auth.get(key).unwrap_or(&self.auth[0]).clone();
        let response = self
            .client
            .get(url.clone())
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, "application/scim+json, application/json")
            .send()
            .await
            .map_err(|e| self.transport(&e))?;
        let status = response.status().as_u16();
        match classify_status(status) {
            StatusClass::Success => {}
            StatusClass::Redirect => {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(|l| safe_location(url, l, &self.keys))
                    .unwrap_or_else(|| "(no Location header)".to_owned());
                return Err(Attempt::Fatal(FetchError::Redirect {
                    status,
                    url: url.to_string(),
                    location,
                }));
            }
            StatusClass::RateLimited | StatusClass::Unavailable => {
                let header = |name| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v: &HeaderValue| v.to_str().ok())
                };
                let retry_after =
                    header(RETRY_AFTER).and_then(|v| parse_retry_after(v, header(DATE)));
                return Err(if status == 429 {
                    Attempt::RateLimited(retry_after)
                } else {
                    Attempt::Unavailable(retry_after)
                });
            }
            StatusClass::ServerError => return Err(Attempt::ServerError),
            StatusClass::Transient => return Err(Attempt::Transient(format!("HTTP {status}"))),
            // A resource that does not exist is an answer, not a failure.
            StatusClass::NotFound if matches!(want, Want::One) => return Ok(Got::One(None)),
            class @ (StatusClass::Unauthorized | StatusClass::NotFound | StatusClass::Fatal) => {
                // A short error body is worth reading for its message; never a
                // large one.
                let body = self
                    .read_body(response, 64 * 1024, url)
                    .await
                    .unwrap_or_default();
                let detail = server_detail(&body, &self.keys);
                let url = url.to_string();
                return Err(Attempt::Fatal(match class {
                    StatusClass::Unauthorized => FetchError::Unauthorized {
                        status,
                        key: self.keys.describe(key),
                        url,
                        detail,
                    },
                    StatusClass::NotFound => FetchError::NotFound { url, detail },
                    _ => FetchError::Refused {
                        status,
                        url,
                        detail,
                    },
                }));
            }
        }
        let body = self
            .read_body(response, self.max_body, url)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge => Attempt::Fatal(FetchError::TooLarge {
                    url: url.to_string(),
                    limit: self.max_body,
                }),
                BodyError::Transport(problem) => Attempt::Transient(problem),
            })?;
        match want {
            Want::Page { start, count } => self
                .decode(body, start, count)
                .map(Got::Page)
                .map_err(Attempt::Transient),
            Want::One => self
                .decode_one(body)
                .map(|r| Got::One(Some(r)))
                .map_err(Attempt::Transient),
        }
    }

    /// Decodes one resource. Errors are transient, as for pages.
    fn decode_one(&self, body: Vec<u8>) -> Result<Resource, String> {
        let text = self.scrub(body)?;
        Resource::from_json(&text).map_err(|e| {
            format!(
                "the body is not a SCIM resource ({})",
                self.keys.redact(&e.to_string())
            )
        })
    }

    /// The body as text, with any key the server echoed redacted (and
    /// flagged: the data is then not exactly as served).
    fn scrub(&self, body: Vec<u8>) -> Result<String, String> {
        let mut text = String::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
        for token in self.keys.tokens() {
            if text.contains(token.expose()) {
                // A hostile or broken server echoed the credentials: keep them
                // out of the snapshot, and say so.
                self.counters.echoed_token.store(true, Ordering::Relaxed);
                text = text.replace(token.expose(), REDACTED);
            }
        }
        Ok(text)
    }

    /// Decodes a list page. Errors are transient: a truncated or garbled body
    /// is re-read.
    fn decode(&self, body: Vec<u8>, start: u64, asked: u32) -> Result<Page, String> {
        let text = self.scrub(body)?;
        let list: ListResponse<Box<RawValue>> = serde_json::from_str(&text).map_err(|e| {
            format!(
                "the body is not a SCIM list response ({})",
                self.keys.redact(&e.to_string())
            )
        })?;
        let total = list
            .total_results
            .ok_or_else(|| "the list response has no totalResults".to_owned())?;
        if let Some(echo) = list.start_index
            && echo != start
            && !list.resources.is_empty()
        {
            return Err(format!(
                "asked for startIndex {start}, the server answered startIndex {echo}"
            ));
        }
        let resources = list
            .resources
            .into_iter()
            .map(Resource::from_raw)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("a resource on the page is unusable: {e}"))?;
        Ok(Page {
            start,
            total,
            resources,
            asked,
            items_per_page: list.items_per_page,
        })
    }

    async fn read_body(
        &self,
        mut response: reqwest::Response,
        limit: usize,
        url: &Url,
    ) -> Result<Vec<u8>, BodyError> {
        if let Some(length) = response.content_length()
            && usize::try_from(length).map_or(true, |l| l > limit)
        {
            return Err(BodyError::TooLarge);
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(BodyError::TooLarge);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => {
                    tracing::debug!(url = %url, "body cut off");
                    return Err(BodyError::Transport(self.describe(&e)));
                }
            }
        }
    }

    fn transport(&self, e: &reqwest::Error) -> Attempt {
        if e.is_builder() {
            return Attempt::Fatal(FetchError::Internal(self.describe(e)));
        }
        Attempt::Transient(self.describe(e))
    }

    /// A one-line description of a transport error, with its causes, the
    /// URL left out (callers name it) and the token scrubbed.
    fn describe(&self, e: &reqwest::Error) -> String {
        let kind = if e.is_timeout() {
            format!("timed out (limit {} s)", self.request_timeout.as_secs_f64())
        } else if e.is_connect() {
            "cannot connect".to_owned()
        } else if e.is_body() || e.is_decode() {
            "the body was cut off".to_owned()
        } else if e.is_request() {
            "the connection broke".to_owned()
        } else {
            "request failed".to_owned()
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
        self.keys.redact(&text)
    }

    fn rng(&self) -> std::sync::MutexGuard<'_, StdRng> {
        self.rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

enum BodyError {
    TooLarge,
    Transport(String),
}

/// A redirect target fit for a message: resolved, without credentials or query.
fn safe_location(base: &Url, location: &str, keys: &Keys) -> String {
    match base.join(location) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            keys.redact(url.as_str())
        }
        Err(_) => "(an unparseable Location header)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Token;

    #[test]
    fn locations_are_sanitised() {
        let token = Keys::from(Token::new("tok", "t").unwrap());
        let base = Url::parse("https://a.example/api/scim/v2/users?startIndex=1").unwrap();
        assert_eq!(
            safe_location(&base, "https://u:p@evil.example/x?tok=tok#f", &token),
            "https://evil.example/x"
        );
        assert_eq!(
            safe_location(&base, "/other", &token),
            "https://a.example/other"
        );
        assert_eq!(
            safe_location(&base, "/tok", &token),
            "https://a.example/[redacted]"
        );
    }
}
