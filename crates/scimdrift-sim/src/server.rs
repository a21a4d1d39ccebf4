//! The HTTP side: routes, auth, rate limiting, paging, filters, error bodies
//! and where each fault is applied.

use crate::config::{Profile, RateLimit, SimConfig};
use crate::faults::{Draws, FaultKind, FaultSpec, Mutation};
use crate::store::{Entry, Kind, Store};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use scimdrift_proto::Filter;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The request log keeps this many records (the newest), so a long-running
/// simulator does not grow without bound.
pub const LOG_CAP: usize = 100_000;

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
}

/// A continuously refilled token bucket, starting full.
#[derive(Debug)]
struct Bucket {
    limit: RateLimit,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(limit: RateLimit, now: Instant) -> Self {
        Bucket {
            limit,
            tokens: f64::from(limit.requests),
            last: now,
        }
    }

    /// Takes one token, or says how long until one is available.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
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

/// Mutable per-run state besides the org.
#[derive(Debug)]
struct Runtime {
    rng: ChaCha8Rng,
    bucket: Option<Bucket>,
    storm_left: u32,
    mutations_done: u32,
}

#[derive(Debug)]
struct Settings {
    addr: SocketAddr,
    token: String,
    retry_after: bool,
    max_page_size: usize,
    default_page_size: usize,
    latency: Duration,
    faults: FaultSpec,
    profile: Profile,
}

/// State shared by every connection.
#[derive(Debug)]
pub(crate) struct Shared {
    store: RwLock<Store>,
    settings: Settings,
    runtime: Mutex<Runtime>,
    log: Mutex<VecDeque<RequestRecord>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these structures half-updated
    // in a way that matters to a test double; keep serving.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read(s: &RwLock<Store>) -> RwLockReadGuard<'_, Store> {
    s.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(s: &RwLock<Store>) -> RwLockWriteGuard<'_, Store> {
    s.write().unwrap_or_else(PoisonError::into_inner)
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
            token,
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
        let shared = Arc::new(Shared {
            store: RwLock::new(store),
            settings: Settings {
                addr,
                token,
                retry_after,
                max_page_size,
                default_page_size,
                latency,
                faults,
                profile,
            },
            runtime: Mutex::new(Runtime {
                rng: ChaCha8Rng::seed_from_u64(seed),
                bucket: rate_limit.map(|l| Bucket::new(l, Instant::now())),
                storm_left: 0,
                mutations_done: 0,
            }),
            log: Mutex::new(VecDeque::new()),
        });
        let app = axum::Router::new()
            .fallback(handle)
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

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    List(Kind),
    Get(Kind, String),
}

fn kind_segment(profile: Profile, seg: &str) -> Option<Kind> {
    match (profile, seg) {
        (Profile::Omni, "users" | "Users") | (Profile::Scim, "Users") => Some(Kind::Users),
        (Profile::Omni, "groups" | "Groups") | (Profile::Scim, "Groups") => Some(Kind::Groups),
        _ => None,
    }
}

fn route(profile: Profile, path: &str) -> Option<Route> {
    let rest = match profile {
        Profile::Omni => path.strip_prefix("/api/scim/v2/")?,
        Profile::Scim => path
            .strip_prefix("/scim/v2/")
            .or_else(|| path.strip_prefix('/'))?,
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').collect();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    match (profile, segs.as_slice()) {
        // `embed` is always lowercase; its `users` takes both spellings.
        (Profile::Omni, ["embed", "users" | "Users"]) => Some(Route::List(Kind::EmbedUsers)),
        (Profile::Omni, ["embed", "users" | "Users", id]) if !id.is_empty() => {
            Some(Route::Get(Kind::EmbedUsers, decode(id)))
        }
        (_, [seg]) => kind_segment(profile, seg).map(Route::List),
        (_, [seg, id]) if !id.is_empty() => {
            kind_segment(profile, seg).map(|k| Route::Get(k, decode(id)))
        }
        _ => None,
    }
}

/// A complete answer before body faults are applied.
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: String,
    retry_after: Option<Duration>,
}

impl Answer {
    fn json(status: StatusCode, body: String) -> Self {
        Answer {
            status,
            content_type: "application/json",
            body,
            retry_after: None,
        }
    }

    /// Omni-style `{error, message}` body.
    fn omni_error(status: StatusCode, error: &str, message: &str) -> Self {
        Answer::json(
            status,
            serde_json::json!({ "error": error, "message": message }).to_string(),
        )
    }

    /// SCIM Error schema, with `status` as a string as RFC 7644 shows it.
    fn scim_error(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Self {
        let mut v = serde_json::json!({
            "schemas": [ERROR_URN],
            "detail": detail,
            "status": status.as_u16().to_string(),
        });
        if let (Some(t), Some(obj)) = (scim_type, v.as_object_mut()) {
            obj.insert("scimType".into(), t.into());
        }
        Answer::json(status, v.to_string())
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let authorization = req.headers().contains_key(header::AUTHORIZATION);
    let (response, fault, delay) =
        answer(&shared, &method, &path, query.as_deref(), req.headers()).await;
    let mut log = lock(&shared.log);
    if log.len() >= LOG_CAP {
        log.pop_front();
    }
    log.push_back(RequestRecord {
        method: method.to_string(),
        path,
        query,
        status: response.status().as_u16(),
        fault,
        delay,
        host,
        authorization,
    });
    response
}

async fn answer(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> (Response, Option<FaultKind>, Duration) {
    let s = &shared.settings;
    if let Some(a) = check_auth(&s.token, headers) {
        return (finish(a, s.profile), None, Duration::ZERO);
    }
    // Everything below costs the caller a slot of its budget, as at Omni.
    let (draws, rate, storm) = {
        let mut rt = lock(&shared.runtime);
        let rate = match rt.bucket.as_mut() {
            Some(b) => b.take(Instant::now()),
            None => Ok(()),
        };
        let draws = Draws::take(&mut rt.rng);
        let storm = if rate.is_err() {
            false
        } else if rt.storm_left > 0 {
            rt.storm_left -= 1;
            true
        } else if draws.storm < s.faults.storm {
            rt.storm_left = s.faults.storm_len.saturating_sub(1);
            true
        } else {
            false
        };
        (draws, rate, storm)
    };
    let delay = s.latency + s.faults.jitter.mul_f64(draws.jitter);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Err(wait) = rate {
        let mut a = Answer::json(
            StatusCode::TOO_MANY_REQUESTS,
            r#"{"detail":"Rate limit exceeded","status":429}"#.to_owned(),
        );
        a.retry_after = s.retry_after.then_some(wait);
        return (finish(a, s.profile), None, delay);
    }
    if storm {
        let mut a = Answer::json(
            StatusCode::TOO_MANY_REQUESTS,
            r#"{"detail":"Rate limit exceeded","status":429}"#.to_owned(),
        );
        a.retry_after = s.retry_after.then_some(Duration::from_secs(1));
        return (finish(a, s.profile), Some(FaultKind::Storm), delay);
    }
    if method != Method::GET {
        let a = Answer::omni_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "the simulator serves GET requests only",
        );
        return (finish(a, s.profile), None, delay);
    }
    let Some(route) = route(s.profile, path) else {
        let a = Answer::omni_error(StatusCode::NOT_FOUND, "Not Found", "no such endpoint");
        return (finish(a, s.profile), None, delay);
    };
    let fault = s.faults.pick(draws.fault);
    match fault {
        Some(FaultKind::Status500) => {
            let a = Answer::omni_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "something went wrong",
            );
            return (finish(a, s.profile), fault, delay);
        }
        Some(FaultKind::Status502) => {
            let a = Answer {
                status: StatusCode::BAD_GATEWAY,
                content_type: "text/html",
                body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                       <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
                    .to_owned(),
                retry_after: None,
            };
            return (finish(a, s.profile), fault, delay);
        }
        Some(FaultKind::Status503) => {
            let a = Answer::json(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"detail":"Service Unavailable","status":503}"#.to_owned(),
            );
            return (finish(a, s.profile), fault, delay);
        }
        Some(FaultKind::Redirect) if is_own_origin(&s.addr, headers) => {
            let location = format!(
                "http://localhost:{}{path}{}",
                s.addr.port(),
                query.map(|q| format!("?{q}")).unwrap_or_default()
            );
            let mut r = finish(
                Answer::omni_error(StatusCode::FOUND, "Found", "moved"),
                s.profile,
            );
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return (r, fault, delay);
        }
        Some(FaultKind::Html200) => {
            let a = Answer {
                status: StatusCode::OK,
                content_type: "text/html; charset=utf-8",
                body: "<!DOCTYPE html>\n<html><head><title>Sign in · Omni</title></head>\n\
                       <body><form action=\"/login\"><h1>Sign in</h1></form></body></html>\n"
                    .to_owned(),
                retry_after: None,
            };
            return (finish(a, s.profile), fault, delay);
        }
        Some(FaultKind::WrongShape) => {
            let a = Answer::json(
                StatusCode::OK,
                r#"{"schemas":"ListResponse","totalResults":"many","itemsPerPage":null,"Resources":{"id":1}}"#
                    .to_owned(),
            );
            return (finish(a, s.profile), fault, delay);
        }
        Some(FaultKind::Endless) => return (endless_body(s), fault, delay),
        Some(FaultKind::GzipBomb) => return (gzip_bomb(s), fault, delay),
        _ => {}
    }
    // A request that already followed a redirect is answered normally.
    let fault = fault.filter(|f| *f != FaultKind::Redirect);
    let params = Params::parse(query);
    let (answer, scan) = match &route {
        Route::List(kind) => list(shared, *kind, &params),
        Route::Get(kind, id) => (get(shared, *kind, id, &params), None),
    };
    let mut fault = fault;
    if fault.is_none()
        && s.faults.lies()
        && answer.status == StatusCode::OK
        && matches!(route, Route::List(_))
    {
        fault = Some(FaultKind::Lie);
    }
    if answer.status == StatusCode::OK
        && let Some((kind, more_pages)) = scan
        && more_pages
        && maybe_mutate(shared, kind)
        && fault.is_none()
    {
        fault = Some(FaultKind::MutatedAfter);
    }
    let response = match fault {
        Some(FaultKind::Reset) => reset_body(answer, s.profile),
        Some(FaultKind::Truncated) => {
            let mut a = answer;
            let cut = a.body.len() / 2;
            let mut cut = cut.max(1).min(a.body.len());
            while !a.body.is_char_boundary(cut) {
                cut -= 1;
            }
            a.body.truncate(cut);
            finish(a, s.profile)
        }
        Some(FaultKind::Malformed) => {
            let mut a = answer;
            // A trailing comma before the final brace: almost JSON, never valid.
            if a.body.ends_with('}') {
                a.body.pop();
                a.body.push_str(",}");
            } else {
                a.body.push_str(",}");
            }
            finish(a, s.profile)
        }
        Some(FaultKind::SlowBody) => slow_body(answer, s.profile, &s.faults),
        _ => finish(answer, s.profile),
    };
    (response, fault, delay)
}

/// Applies the configured mutation after the first page of a multi-page
/// scan, at most `mutation_times` times. Returns whether it did.
fn maybe_mutate(shared: &Shared, kind: Kind) -> bool {
    let spec = &shared.settings.faults;
    if spec.mutation == Mutation::None {
        return false;
    }
    {
        let mut rt = lock(&shared.runtime);
        if rt.mutations_done >= spec.mutation_times {
            return false;
        }
        rt.mutations_done += 1;
    }
    let mut store = write(&shared.store);
    match spec.mutation {
        Mutation::InsertFront(n) => store.insert_front_synthetic(kind, n),
        Mutation::DeleteFront(n) => {
            store.remove_front(kind, n);
        }
        Mutation::None => {}
    }
    true
}

/// Whether the request was addressed to the simulator's own origin (so a
/// redirected request, addressed to `localhost`, is not redirected again).
fn is_own_origin(addr: &SocketAddr, headers: &HeaderMap) -> bool {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_none_or(|h| h == addr.to_string())
}

/// The start of a list envelope, then one space per pause, forever: only the
/// client's own limits end it (the stream stops when the client hangs up).
fn endless_body(s: &Settings) -> Response {
    let pause = s.faults.slow_chunk_delay.max(Duration::from_millis(1));
    let head = Bytes::from_static(
        br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":["#,
    );
    let stream = futures_util::stream::unfold(Some(head), move |first| async move {
        match first {
            Some(h) => Some((Ok::<Bytes, std::io::Error>(h), None)),
            None => {
                tokio::time::sleep(pause).await;
                Some((Ok(Bytes::from_static(b" ")), None))
            }
        }
    });
    let mut r = finish(Answer::json(StatusCode::OK, String::new()), s.profile);
    *r.body_mut() = Body::from_stream(stream);
    r
}

/// A gzip member whose DEFLATE data (fixed Huffman codes: one literal zero,
/// then length-258 matches at distance 1) inflates to `bomb_mib` MiB of zero
/// bytes, about 1/160 of that on the wire. The trailer's CRC is not that of
/// the inflated data: a client that inflates everything still ends in an
/// error, after the damage is done.
fn gzip_bomb(s: &Settings) -> Response {
    let mut r = finish(Answer::json(StatusCode::OK, String::new()), s.profile);
    r.headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    *r.body_mut() = Body::from(gzip_zeros(s.faults.bomb_mib.saturating_mul(1 << 20)));
    r
}

/// Bits written least-significant first, as DEFLATE packs them.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, value: u64, bits: u32) {
        self.acc |= value << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code: its bits go most-significant first.
    fn code(&mut self, code: u64, bits: u32) {
        let mut rev = 0;
        for i in 0..bits {
            rev |= ((code >> i) & 1) << (bits - 1 - i);
        }
        self.put(rev, bits);
    }
}

fn gzip_zeros(total: u64) -> Vec<u8> {
    let mut w = BitWriter {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255],
        acc: 0,
        n: 0,
    };
    w.put(1, 1); // BFINAL
    w.put(1, 2); // BTYPE = fixed Huffman
    let mut left = total;
    if left > 0 {
        w.code(0b0011_0000, 8); // literal 0
        left -= 1;
    }
    while left >= 258 {
        w.code(0b1100_0101, 8); // length code 285 = 258
        w.code(0, 5); // distance code 0 = 1
        left -= 258;
    }
    while left > 0 {
        w.code(0b0011_0000, 8);
        left -= 1;
    }
    w.code(0, 7); // end of block (256)
    if w.n > 0 {
        w.put(0, 8 - w.n);
    }
    let mut out = w.out;
    out.extend_from_slice(&0u32.to_le_bytes()); // CRC32 (deliberately not computed)
    out.extend_from_slice(&((total & 0xffff_ffff) as u32).to_le_bytes());
    out
}

fn check_auth(token: &str, headers: &HeaderMap) -> Option<Answer> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Some(Answer::omni_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Missing API key: send `Authorization: Bearer <Organization API key>`",
        ));
    };
    let given = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    if given == Some(token) {
        None
    } else {
        Some(Answer::omni_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Invalid API key",
        ))
    }
}

fn finish(a: Answer, profile: Profile) -> Response {
    let content_type = match (profile, a.content_type) {
        (Profile::Scim, "application/json") => "application/scim+json",
        (_, ct) => ct,
    };
    let mut r = Response::new(Body::from(a.body));
    *r.status_mut() = a.status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(wait) = a.retry_after {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    }
    r
}

/// Sends the first half of the body, then fails the stream: hyper drops the
/// connection and the client sees it closed before the message completed.
fn reset_body(a: Answer, profile: Profile) -> Response {
    let bytes = Bytes::from(a.body);
    let half = bytes.slice(..bytes.len() / 2);
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        )),
    ];
    let mut r = finish(
        Answer {
            body: String::new(),
            ..a
        },
        profile,
    );
    *r.body_mut() = Body::from_stream(futures_util::stream::iter(chunks));
    r
}

fn slow_body(a: Answer, profile: Profile, spec: &FaultSpec) -> Response {
    let bytes = Bytes::from(a.body);
    let n = spec.slow_chunks.max(1);
    let size = bytes.len().div_ceil(n).max(1);
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(size)
        .map(|i| bytes.slice(i..(i + size).min(bytes.len())))
        .collect();
    let pause = spec.slow_chunk_delay;
    let stream = futures_util::stream::unfold(
        (chunks.into_iter(), true),
        move |(mut it, first)| async move {
            let chunk = it.next()?;
            if !first {
                tokio::time::sleep(pause).await;
            }
            Some((Ok::<Bytes, std::io::Error>(chunk), (it, false)))
        },
    );
    let mut r = finish(
        Answer {
            body: String::new(),
            ..a
        },
        profile,
    );
    *r.body_mut() = Body::from_stream(stream);
    r
}

/// The query parameters the simulator understands.
#[derive(Debug, Default)]
struct Params {
    start_index: Option<String>,
    count: Option<String>,
    filter: Option<String>,
    excluded: Option<String>,
}

impl Params {
    fn parse(query: Option<&str>) -> Self {
        let mut p = Params::default();
        // `+` decodes to a space, as in most web stacks: a client that does not
        // percent-encode `+` in `userName eq "a+b@x"` gets a surprise.
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match k.as_ref() {
                "startIndex" => &mut p.start_index,
                "count" => &mut p.count,
                "filter" => &mut p.filter,
                "excludedAttributes" => &mut p.excluded,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v.into_owned());
            }
        }
        p
    }

    fn excludes_members(&self) -> bool {
        self.excluded.as_deref().is_some_and(|e| {
            e.split(',')
                .any(|a| a.trim().eq_ignore_ascii_case("members"))
        })
    }
}

fn parse_int(name: &str, v: Option<&str>) -> Result<Option<i64>, Answer> {
    match v {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            Answer::scim_error(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                &format!("{name} must be an integer, got `{v}`"),
            )
        }),
    }
}

/// Whether a filter is one Omni documents for this collection: `userName eq`
/// (users), `userName`/`embedExternalId` with `eq`/`co` (embed users),
/// `displayName eq` (groups). Attribute and operator names are
/// case-insensitive.
fn documented_filter(kind: Kind, text: &str) -> bool {
    let text = text.trim();
    let Some((attr, rest)) = text.split_once(char::is_whitespace) else {
        return false;
    };
    let rest = rest.trim_start();
    let Some((op, value)) = rest.split_once(char::is_whitespace) else {
        return false;
    };
    if serde_json::from_str::<String>(value.trim()).is_err() {
        return false;
    }
    let attr = attr.to_ascii_lowercase();
    let op = op.to_ascii_lowercase();
    match kind {
        Kind::Users => attr == "username" && op == "eq",
        Kind::EmbedUsers => {
            (attr == "username" || attr == "embedexternalid") && (op == "eq" || op == "co")
        }
        Kind::Groups => attr == "displayname" && op == "eq",
    }
}

fn list(shared: &Shared, kind: Kind, params: &Params) -> (Answer, Option<(Kind, bool)>) {
    match list_inner(shared, kind, params) {
        Ok((a, more)) => (a, Some((kind, more))),
        Err(a) => (a, None),
    }
}

fn list_inner(shared: &Shared, kind: Kind, params: &Params) -> Result<(Answer, bool), Answer> {
    let s = &shared.settings;
    let start = parse_int("startIndex", params.start_index.as_deref())?
        .unwrap_or(1)
        .max(1);
    let count = parse_int("count", params.count.as_deref())?
        .map_or(s.default_page_size, |c| {
            usize::try_from(c.max(0)).unwrap_or(usize::MAX)
        })
        .min(s.max_page_size)
        // A lying server may stuff more than was asked for into a page.
        .saturating_add(s.faults.overfull);
    let filter = match params.filter.as_deref() {
        None => None,
        Some(text) => {
            if s.profile == Profile::Omni && !documented_filter(kind, text) {
                return Err(Answer::scim_error(
                    StatusCode::BAD_REQUEST,
                    Some("invalidFilter"),
                    &format!("Unsupported filter: {text}"),
                ));
            }
            Some(Filter::parse(text).map_err(|e| {
                Answer::scim_error(
                    StatusCode::BAD_REQUEST,
                    Some("invalidFilter"),
                    &format!("Invalid filter: {e}"),
                )
            })?)
        }
    };
    let store = read(&shared.store);
    let all = store.list(kind);
    let from = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let (total, page): (usize, Vec<&Entry>) = match &filter {
        None => {
            let lo = from.min(all.len());
            let hi = from.saturating_add(count).min(all.len());
            (all.len(), all[lo..hi].iter().collect())
        }
        Some(f) => {
            let mut matched = Vec::new();
            for r in all {
                let keep = f.evaluate(&r.to_value()).map_err(|e| {
                    Answer::scim_error(
                        StatusCode::BAD_REQUEST,
                        Some("invalidFilter"),
                        &format!("Invalid filter: {e}"),
                    )
                })?;
                if keep {
                    matched.push(r);
                }
            }
            let total = matched.len();
            let page = matched.into_iter().skip(from).take(count).collect();
            (total, page)
        }
    };
    let strip = kind == Kind::Groups && params.excludes_members();
    let lies = &s.faults;
    let mut items: Vec<String> = page
        .iter()
        .map(|r| {
            if strip {
                without_members(r)
            } else {
                r.json().to_owned()
            }
        })
        .collect();
    if lies.dangling_members && kind == Kind::Groups && !strip {
        for item in &mut items {
            *item = with_dangling_member(item);
        }
    }
    if lies.cross_type_ids
        && kind != Kind::Users
        && let (Some(first), Some(user)) = (items.first_mut(), store.list(Kind::Users).first())
    {
        *first = with_id(first, user.id());
    }
    if lies.duplicate_ids
        && let Some(first) = items.first().cloned()
    {
        items.push(first);
    }
    let shown_total = offset_by(total, lies.total_offset);
    let shown_start = offset_by(
        usize::try_from(start).unwrap_or(usize::MAX),
        lies.start_index_offset,
    );
    let shown_items = offset_by(items.len(), lies.items_per_page_offset);
    let mut body = String::with_capacity(128 + items.iter().map(|r| r.len() + 1).sum::<usize>());
    body.push_str(r#"{"schemas":[""#);
    body.push_str(LIST_RESPONSE_URN);
    body.push_str(&format!(
        r#""],"totalResults":{shown_total},"startIndex":{shown_start},"itemsPerPage":{shown_items}"#
    ));
    // Omni leaves `Resources` out of an empty page.
    if !items.is_empty() {
        body.push_str(r#","Resources":["#);
        body.push_str(&items.join(","));
        body.push(']');
    }
    body.push('}');
    let more = filter.is_none() && start == 1 && page.len() < total;
    Ok((Answer::json(StatusCode::OK, body), more))
}

fn offset_by(n: usize, by: i64) -> i64 {
    i64::try_from(n)
        .unwrap_or(i64::MAX)
        .saturating_add(by)
        .max(0)
}

fn with_id(json: &str, id: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("id".into(), id.into());
    }
    v.to_string()
}

fn with_dangling_member(json: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let gid = v["id"].as_str().unwrap_or("").to_owned();
    if let Some(obj) = v.as_object_mut() {
        let members = obj
            .entry("members")
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if let Some(list) = members.as_array_mut() {
            list.push(serde_json::json!({
                "value": format!("sim-dangling-{gid}"),
                "display": "ghost@sim.invalid",
            }));
        }
    }
    v.to_string()
}

fn without_members(r: &Entry) -> String {
    let mut v = r.to_value();
    if let Some(obj) = v.as_object_mut() {
        obj.retain(|k, _| !k.eq_ignore_ascii_case("members"));
    }
    v.to_string()
}

fn get(shared: &Shared, kind: Kind, id: &str, params: &Params) -> Answer {
    let store = read(&shared.store);
    match store.get(kind, id) {
        Some(r) if kind == Kind::Groups && params.excludes_members() => {
            Answer::json(StatusCode::OK, without_members(r))
        }
        Some(r) => Answer::json(StatusCode::OK, r.json().to_owned()),
        None => Answer::scim_error(
            StatusCode::NOT_FOUND,
            None,
            &format!("Resource {id} not found"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        use Kind::*;
        let omni = |p: &str| route(Profile::Omni, p);
        assert_eq!(omni("/api/scim/v2/users"), Some(Route::List(Users)));
        assert_eq!(omni("/api/scim/v2/Users/"), Some(Route::List(Users)));
        assert_eq!(
            omni("/api/scim/v2/Groups/ab_c-1"),
            Some(Route::Get(Groups, "ab_c-1".into()))
        );
        assert_eq!(
            omni("/api/scim/v2/embed/Users"),
            Some(Route::List(EmbedUsers))
        );
        assert_eq!(
            omni("/api/scim/v2/embed/users/x%20y"),
            Some(Route::Get(EmbedUsers, "x y".into()))
        );
        assert_eq!(omni("/api/scim/v2/Embed/Users"), None);
        assert_eq!(omni("/api/scim/v2/USERS"), None);
        assert_eq!(omni("/Users"), None);
        assert_eq!(omni("/api/scim/v2/users/a/b"), None);
        let scim = |p: &str| route(Profile::Scim, p);
        assert_eq!(scim("/Users"), Some(Route::List(Users)));
        assert_eq!(
            scim("/scim/v2/Groups/g"),
            Some(Route::Get(Groups, "g".into()))
        );
        assert_eq!(scim("/users"), None);
        assert_eq!(scim("/embed/Users"), None);
    }

    #[test]
    fn documented_filters() {
        use Kind::*;
        assert!(documented_filter(Users, r#"userName eq "a@b.c""#));
        assert!(documented_filter(Users, r#"USERNAME EQ "a b""#));
        assert!(!documented_filter(Users, r#"userName co "a""#));
        assert!(documented_filter(EmbedUsers, r#"embedExternalId co "x""#));
        assert!(!documented_filter(EmbedUsers, r#"embedEntity eq "x""#));
        assert!(documented_filter(Groups, r#"displayName eq "Eng""#));
        assert!(!documented_filter(
            Groups,
            r#"displayName eq "a" and displayName eq "b""#
        ));
        assert!(!documented_filter(Users, r#"active eq true"#));
        assert!(!documented_filter(Users, r#"userName pr"#));
    }

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
