//! A hostile or broken server never gets the token elsewhere, never makes
//! the client hang or exhaust memory, and never yields a clean snapshot.

use std::io::Write as _;
use std::time::Duration;

use axum::body::Body;
use axum::http::Response;
use scimdrift_fetch::{FetchError, FetchOptions, NoProgress, Token, fetch};
use scimdrift_proto::Provider;
use serde_json::json;
use url::Url;

use crate::responder::{Reply, Req, Responder, page};

const SECRET: &str = "hostile-test-secret-41d2";

fn options(url: &str) -> FetchOptions {
    let mut o = FetchOptions::new(Url::parse(url).unwrap(), Provider::Scim);
    o.rate_limit_per_min = 600_000.0;
    o.backoff_base = Duration::from_millis(1);
    o.backoff_max = Duration::from_millis(10);
    o.max_retries = 1;
    o.jitter_seed = Some(5);
    o
}

fn token() -> Token {
    Token::new(SECRET, "test").unwrap()
}

/// Serves `app` on loopback until the returned handle is dropped.
async fn serve(app: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, task)
}

#[tokio::test]
async fn absolute_meta_locations_are_never_followed() {
    let elsewhere = Responder::start(|req: &Req| page(&[], req, 100)).await;
    let location = format!("{}/Users/u1", elsewhere.url());
    let server = Responder::start(move |req: &Req| {
        let user = json!({"id": "u1", "meta": {"location": location}});
        if req.path == "/Users" {
            page(&[user], req, 100)
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(snapshot.complete);
    assert_eq!(snapshot.users.len(), 1);
    assert!(
        elsewhere.requests().is_empty(),
        "the client followed meta.location"
    );
    // Only list endpoints of the configured origin were asked.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path == "/Users" || r.path == "/Groups")
    );
}

#[tokio::test]
async fn gzip_bombs_hit_the_size_limit() {
    // 8 MiB of JSON compressed to a few KiB, against a 1 MiB limit.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(br#"{"schemas":[],"totalResults":1,"Resources":[{"id":"a","pad":""#)
        .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..8 {
        encoder.write_all(&chunk).unwrap();
    }
    encoder.write_all(br#""}]}"#).unwrap();
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 1 << 17, "{}", bomb.len());
    let app = axum::Router::new().fallback(move || {
        let bomb = bomb.clone();
        async move {
            Response::builder()
                .header("content-type", "application/scim+json")
                .header("content-encoding", "gzip")
                .body(Body::from(bomb))
                .unwrap()
        }
    });
    let (url, _task) = serve(app).await;
    let mut o = options(&url);
    o.max_body_bytes = 1 << 20;
    let err = fetch(&o, &token(), &NoProgress).await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit, .. } if limit == 1 << 20),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with("is larger than the limit of 1048576 bytes"),
        "{err}"
    );
}

#[tokio::test]
async fn endless_bodies_end_at_the_timeout() {
    let app = axum::Router::new().fallback(|| async {
        let stream = futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Some((Ok::<_, std::io::Error>(bytes_chunk()), ()))
        });
        Response::builder()
            .header("content-type", "application/scim+json")
            .body(Body::from_stream(stream))
            .unwrap()
    });
    let (url, _task) = serve(app).await;
    let mut o = options(&url);
    o.request_timeout = Duration::from_millis(300);
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(!snapshot.complete);
    assert!(
        snapshot
            .incomplete_reasons
            .iter()
            .all(|r| r.contains("timed out")),
        "{:?}",
        snapshot.incomplete_reasons
    );
}

fn bytes_chunk() -> String {
    "[".repeat(64)
}

#[tokio::test]
async fn redirects_to_the_same_origin_are_not_followed_either() {
    let server = Responder::start(|req: &Req| {
        if req.path == "/Users" {
            Reply::text(301, "moved").header("location", "/v2/Users")
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let err = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap_err();
    let shown = err.to_string().replace(&server.url(), "http://SERVER");
    insta::assert_snapshot!(shown, @"`http://SERVER/Users?startIndex=1&count=10000` redirected (HTTP 301) to `http://SERVER/v2/Users`; redirects are not followed");
    assert!(server.requests().iter().all(|r| r.path != "/v2/Users"));
}

#[tokio::test]
async fn implausible_totals_are_refused() {
    let server = Responder::start(|req: &Req| {
        Reply::json(200, &json!({"totalResults": 9_000_000_000u64, "Resources": [{"id": "a"}], "startIndex": req.start}))
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(!snapshot.complete);
    assert!(
        snapshot
            .incomplete_reasons
            .iter()
            .all(|r| r.contains("is implausible"))
    );
}

#[tokio::test]
async fn a_server_ignoring_start_index_is_caught() {
    // Always serves the first page, whatever was asked: a naive paginator
    // would loop or duplicate.
    let items: Vec<_> = (0..5).map(|i| json!({"id": format!("u{i}")})).collect();
    let server = Responder::start(move |req: &Req| {
        let mut first = req.clone();
        first.start = 1;
        if req.path == "/Users" {
            page(&items, &first, 2)
        } else {
            page(&[], req, 2)
        }
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(!snapshot.complete);
    assert!(
        snapshot
            .incomplete_reasons
            .iter()
            .any(|r| r.contains("the server answered startIndex 1")),
        "{:?}",
        snapshot.incomplete_reasons
    );
}
