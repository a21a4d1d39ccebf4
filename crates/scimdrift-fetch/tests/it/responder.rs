//! A tiny loopback HTTP responder for behaviour the simulator does not offer:
//! each test decides, request by request, what the server answers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use serde_json::{Value, json};

/// What the client asked.
#[derive(Debug, Clone)]
pub struct Req {
    /// The path, e.g. `/api/scim/v2/users`.
    pub path: String,
    /// `startIndex`, default 1.
    pub start: u64,
    /// `count`, default 100.
    pub count: u64,
    /// The `Authorization` header, if any.
    pub auth: Option<String>,
    /// 0-based number of this request on this server.
    pub n: usize,
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/scim+json".into())],
            body: serde_json::to_vec(value).unwrap(),
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

/// A running responder; stops when dropped.
pub struct Responder {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<Req>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Responder {
    pub async fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Responder {
        let handler: Arc<Handler> = Arc::new(handler);
        let log = Arc::new(Mutex::new(Vec::new()));
        let counter = Arc::new(AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = {
            let log = Arc::clone(&log);
            axum::Router::new().fallback(move |request: Request<Body>| {
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    let req = parse(&request, n);
                    log.lock().unwrap().push(req.clone());
                    let reply = handler(&req);
                    let mut response = Response::new(Body::from(reply.body));
                    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
                    let headers: &mut HeaderMap = response.headers_mut();
                    for (name, value) in reply.headers {
                        headers.append(
                            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                            value.parse().unwrap(),
                        );
                    }
                    response
                }
            })
        };
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Responder { addr, log, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }
}

fn parse(request: &Request<Body>, n: usize) -> Req {
    let mut start = 1;
    let mut count = 100;
    for pair in request.uri().query().unwrap_or("").split('&') {
        match pair.split_once('=') {
            Some(("startIndex", v)) => start = v.parse().unwrap_or(1),
            Some(("count", v)) => count = v.parse().unwrap_or(100),
            _ => {}
        }
    }
    Req {
        path: request.uri().path().to_owned(),
        start,
        count,
        auth: request
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned()),
        n,
    }
}

/// A list response page over `items`, capped at `max_page`, as SCIM serves it.
pub fn page(items: &[Value], req: &Req, max_page: u64) -> Reply {
    let total = items.len() as u64;
    let count = req.count.min(max_page);
    let first = usize::try_from(req.start.max(1) - 1).unwrap();
    let taken: Vec<Value> = items
        .iter()
        .skip(first)
        .take(usize::try_from(count).unwrap())
        .cloned()
        .collect();
    Reply::json(
        200,
        &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": total,
            "startIndex": req.start,
            "itemsPerPage": taken.len(),
            "Resources": taken,
        }),
    )
}

/// `n` users with ids `u0000`, `u0001`, ...
pub fn users(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"id": format!("u{i:04}"), "userName": format!("user{i}@example.com"), "active": true}))
        .collect()
}
