//! Client behaviour against a scripted loopback responder: paging, retries,
//! rate limiting, consistency checks and hostile answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use scimdrift_fetch::{FetchError, FetchOptions, NoProgress, PageSize, Token, fetch};
use scimdrift_proto::{Provider, Snapshot};
use serde_json::{Value, json};
use url::Url;

use crate::responder::{Reply, Req, Responder, page, users};

const SECRET: &str = "scim-secret-token-0123456789";

fn token() -> Token {
    Token::new(SECRET, "test").unwrap()
}

/// Fast options: no practical rate limit, millisecond backoff.
fn options(url: &str) -> FetchOptions {
    let mut o = FetchOptions::new(Url::parse(url).unwrap(), Provider::Scim);
    o.rate_limit_per_min = 600_000.0;
    o.backoff_base = Duration::from_millis(1);
    o.backoff_max = Duration::from_millis(20);
    o.max_retries = 3;
    o.jitter_seed = Some(7);
    o
}

/// Serves `items` as `/Users` and nothing as `/Groups`, capped at `max_page`.
fn serve_users(items: Vec<Value>, max_page: u64) -> impl Fn(&Req) -> Reply + Send + Sync {
    move |req: &Req| {
        if req.path.ends_with("/Users") {
            page(&items, req, max_page)
        } else {
            page(&[], req, max_page)
        }
    }
}

fn ids(snapshot: &Snapshot) -> Vec<String> {
    snapshot.users.iter().map(|r| r.id().to_owned()).collect()
}

fn all_messages(result: &Result<Snapshot, FetchError>) -> String {
    match result {
        Ok(s) => format!(
            "{:?} {}",
            s.incomplete_reasons,
            serde_json::to_string(s).unwrap()
        ),
        Err(e) => format!("{e} {e:?} {:?}", e.hint()),
    }
}

#[tokio::test]
async fn pages_follow_the_servers_cap_and_economise_requests() {
    let server = Responder::start(serve_users(users(250), 100)).await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    assert_eq!(
        ids(&snapshot),
        users(250)
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    );
    // Users: 10000 asked, 100 served → 2 more pages. Groups: one page.
    let mut asked: Vec<(String, u64, u64)> = server
        .requests()
        .into_iter()
        .map(|r| (r.path, r.start, r.count))
        .collect();
    asked.sort();
    assert_eq!(
        asked,
        [
            ("/Groups".to_owned(), 1, 10_000),
            ("/Users".to_owned(), 1, 10_000),
            ("/Users".to_owned(), 101, 100),
            // The window reaching the end asks for a whole page: the 50
            // that come back show the list really ends at 250.
            ("/Users".to_owned(), 201, 100),
        ]
    );
    assert_eq!(snapshot.stats.requests, 4);
    assert_eq!(snapshot.stats.pages, 4);
    assert_eq!(snapshot.stats.retries, 0);
    // Every request carried the token; nothing else did.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.auth.as_deref() == Some(&*format!("Bearer {SECRET}")))
    );
}

#[tokio::test]
async fn fixed_page_size_and_short_pages_fill_the_gaps() {
    // The server serves at most 30 although we ask for 50: the remaining
    // windows are planned at 30.
    let server = Responder::start(serve_users(users(95), 30)).await;
    let mut o = options(&server.url());
    o.page_size = PageSize::Fixed(50);
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    assert_eq!(snapshot.users.len(), 95);
    let user_requests = server
        .requests()
        .iter()
        .filter(|r| r.path == "/Users")
        .count();
    assert_eq!(user_requests, 4); // 30 + 30 + 30 + 5
}

#[tokio::test]
async fn large_count_refused_falls_back_to_100() {
    let items = users(150);
    let server = Responder::start(move |req: &Req| {
        if req.count > 1000 {
            return Reply::json(400, &json!({"detail": "count too large", "status": "400"}));
        }
        if req.path == "/Users" {
            page(&items, req, 1000)
        } else {
            page(&[], req, 1000)
        }
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(snapshot.complete);
    assert_eq!(snapshot.users.len(), 150);
    let users_asked: Vec<(u64, u64)> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/Users")
        .map(|r| (r.start, r.count))
        .collect();
    assert_eq!(users_asked, [(1, 10_000), (1, 100), (101, 100)]);
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let items = users(10);
    let failures = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&failures);
    let server = Responder::start(move |req: &Req| {
        if req.path == "/Users" && f.fetch_add(1, Ordering::SeqCst) < 2 {
            return Reply::text(503, "try later");
        }
        if req.path == "/Users" {
            page(&items, req, 100)
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(snapshot.complete);
    assert_eq!(snapshot.users.len(), 10);
    assert_eq!(snapshot.stats.retries, 2);
    assert_eq!(snapshot.stats.requests, 4);
}

#[tokio::test]
async fn rate_limited_answers_pause_and_honour_retry_after() {
    let items = users(3);
    let server = Responder::start(move |req: &Req| {
        if req.path == "/Users" && req.n < 2 {
            return Reply::json(429, &json!({"detail": "slow down"})).header("retry-after", "0");
        }
        if req.path == "/Users" {
            page(&items, req, 100)
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let mut o = options(&server.url());
    o.concurrency = 1;
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(snapshot.complete);
    assert!(snapshot.stats.rate_limited >= 1, "{:?}", snapshot.stats);
    assert_eq!(snapshot.stats.rate_limited, snapshot.stats.retries);
}

#[tokio::test]
async fn a_repeated_500_is_retried_once_then_reported() {
    let server = Responder::start(|req: &Req| {
        if req.path == "/Users" {
            Reply::json(500, &json!({"detail": "something went wrong"}))
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(!snapshot.complete);
    insta::assert_snapshot!(snapshot.incomplete_reasons.join("\n").replace(&server.url(), "http://SERVER"), @"users: `http://SERVER/Users?startIndex=1&count=10000` answered HTTP 500 twice; a 500 that repeats is a server problem to report, not to retry");
    // Two attempts, not 1 + max_retries (3).
    let users_asked = server
        .requests()
        .iter()
        .filter(|r| r.path == "/Users")
        .count();
    assert_eq!(users_asked, 2);
    assert_eq!(snapshot.stats.retries, 1);

    // A single 500 is retried and forgotten.
    let items = users(3);
    let failures = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&failures);
    let server = Responder::start(move |req: &Req| {
        if req.path == "/Users" && f.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::json(500, &json!({"detail": "hiccup"}));
        }
        if req.path == "/Users" {
            page(&items, req, 100)
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    assert_eq!(snapshot.users.len(), 3);
    assert_eq!(snapshot.stats.retries, 1);
}

#[tokio::test]
async fn a_503_with_retry_after_is_waited_for() {
    // Planned maintenance: the first two users requests get 503 with
    // `Retry-After: 1`; the client waits a second each time (far longer than
    // its millisecond backoff), then reads everything.
    let items = users(3);
    let failures = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&failures);
    let server = Responder::start(move |req: &Req| {
        if req.path == "/Users" && f.fetch_add(1, Ordering::SeqCst) < 2 {
            return Reply::json(503, &json!({"detail": "maintenance"})).header("retry-after", "1");
        }
        if req.path == "/Users" {
            page(&items, req, 100)
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let mut o = options(&server.url());
    o.backoff_max = Duration::from_secs(5);
    let started = std::time::Instant::now();
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    let took = started.elapsed();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    assert_eq!(snapshot.users.len(), 3);
    assert_eq!(snapshot.stats.retries, 2);
    assert!(took >= Duration::from_secs(2), "waited only {took:?}");
    assert!(took < Duration::from_secs(4), "waited {took:?}");
}

#[tokio::test]
async fn persistent_5xx_makes_the_snapshot_incomplete_not_an_error() {
    let server = Responder::start(|req: &Req| {
        if req.path == "/Users" {
            Reply::text(502, "bad gateway")
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(!snapshot.complete);
    insta::assert_snapshot!(snapshot.incomplete_reasons.join("\n").replace(&server.url(), "http://SERVER"), @"users: gave up on `http://SERVER/Users?startIndex=1&count=10000` after 4 attempts (last: HTTP 502)");
}

#[tokio::test]
async fn unauthorized_is_fatal_with_a_helpful_message() {
    let server = Responder::start(|_req: &Req| {
        Reply::json(
            401,
            &json!({"detail": format!("bad token Bearer {SECRET}"), "status": "401"}),
        )
    })
    .await;
    let result = fetch(&options(&server.url()), &token(), &NoProgress).await;
    let text = all_messages(&result);
    assert!(!text.contains(SECRET), "{text}");
    let err = result.unwrap_err();
    assert!(matches!(err, FetchError::Unauthorized { status: 401, .. }));
    let shown = err.to_string().replace(&server.url(), "http://SERVER");
    assert!(
        shown.starts_with("the server rejected API key 1 of 1 (sha256 fingerprint "),
        "{shown}"
    );
    assert!(shown.ends_with("): bad token Bearer [redacted]"), "{shown}");
    assert!(
        err.hint()
            .unwrap()
            .contains("SCIM needs an Organization API key; personal access tokens are rejected")
    );
}

#[tokio::test]
async fn list_shifting_mid_scan_is_re_read_until_settled() {
    // The first scan sees a deletion at the front between pages; the re-read
    // sees the settled list.
    let before = users(5);
    let after: Vec<Value> = users(5).into_iter().skip(1).collect();
    let server = Responder::start(move |req: &Req| {
        if req.path != "/Users" {
            return page(&[], req, 2);
        }
        // Requests 0..=1 might be groups/users first pages; use the users-only count.
        if req.n <= 1 {
            page(&before, req, 2)
        } else {
            page(&after, req, 2)
        }
    })
    .await;
    let mut o = options(&server.url());
    o.concurrency = 1;
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    assert_eq!(ids(&snapshot), ["u0001", "u0002", "u0003", "u0004"]);
}

#[tokio::test]
async fn a_list_that_never_settles_is_incomplete_with_reasons() {
    let counter = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&counter);
    let server = Responder::start(move |req: &Req| {
        if req.path != "/Users" {
            return page(&[], req, 2);
        }
        // Every users request sees one more user: the total keeps moving.
        let n = c.fetch_add(1, Ordering::SeqCst);
        page(&users(4 + n), req, 2)
    })
    .await;
    let mut o = options(&server.url());
    o.concurrency = 1;
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(!snapshot.complete);
    insta::assert_snapshot!(snapshot.incomplete_reasons.join("\n"), @r"
    users: totalResults changed from 8 to 9 during the scan (resources were created or deleted meanwhile)
    users: still inconsistent after 2 re-read(s)
    ");
}

#[tokio::test]
async fn a_server_whose_count_lies_is_incomplete() {
    let items = users(3);
    let server = Responder::start(move |req: &Req| {
        if req.path != "/Users" {
            return page(&[], req, 100);
        }
        // Claims 5 but only ever serves 3.
        let mut reply = page(&items, req, 100);
        let mut v: Value = serde_json::from_slice(&reply.body).unwrap();
        v["totalResults"] = json!(5);
        reply.body = serde_json::to_vec(&v).unwrap();
        reply
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    assert!(!snapshot.complete);
    insta::assert_snapshot!(snapshot.incomplete_reasons.join("\n"), @r"
    users: the server announced totalResults 5 but only 3 could be read
    users: still inconsistent after 2 re-read(s)
    ");
}

#[tokio::test]
async fn html_and_wrong_shape_answers_are_never_a_clean_snapshot() {
    for body in [
        "<html><body>Sign in</body></html>",
        r#"{"Resources": "nope", "totalResults": 1}"#,
        r#"{"Resources": [{"userName": "no id"}], "totalResults": 1}"#,
        r#"{"Resources": []}"#,
        r#"{"totalResults": 3, "Resources": [{"id": "a"}"#,
    ] {
        let server = Responder::start(move |req: &Req| {
            if req.path == "/Users" {
                Reply::text(200, body)
            } else {
                page(&[], req, 100)
            }
        })
        .await;
        let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
            .await
            .unwrap();
        assert!(!snapshot.complete, "{body}");
        assert!(snapshot.users.is_empty());
        assert_eq!(
            snapshot.incomplete_reasons.len(),
            1,
            "{body}: {:?}",
            snapshot.incomplete_reasons
        );
        assert!(
            snapshot.incomplete_reasons[0].starts_with("users: gave up on `"),
            "{:?}",
            snapshot.incomplete_reasons
        );
    }
}

#[tokio::test]
async fn redirects_are_not_followed_and_the_token_stays_home() {
    let elsewhere = Responder::start(|req: &Req| page(&[], req, 100)).await;
    let target = format!("{}/Users", elsewhere.url());
    let server =
        Responder::start(move |_req: &Req| Reply::text(302, "moved").header("location", &target))
            .await;
    let err = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Redirect { status: 302, .. }),
        "{err}"
    );
    assert!(elsewhere.requests().is_empty());
    assert!(err.to_string().contains("redirects are not followed"));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let server = Responder::start(|req: &Req| {
        let padding = "x".repeat(4096);
        page(&[json!({"id": "a", "pad": padding})], req, 100)
    })
    .await;
    let mut o = options(&server.url());
    o.max_body_bytes = 1024;
    let err = fetch(&o, &token(), &NoProgress).await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit: 1024, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn an_echoed_token_is_redacted_and_flagged() {
    let server = Responder::start(|req: &Req| {
        let auth = req.auth.clone().unwrap_or_default();
        if req.path == "/Users" {
            page(&[json!({"id": "a", "note": auth})], req, 100)
        } else {
            page(&[], req, 100)
        }
    })
    .await;
    let snapshot = fetch(&options(&server.url()), &token(), &NoProgress)
        .await
        .unwrap();
    let text = serde_json::to_string(&snapshot).unwrap();
    assert!(!text.contains(SECRET));
    assert!(text.contains("Bearer [redacted]"));
    assert!(!snapshot.complete);
}

#[tokio::test]
async fn plain_http_elsewhere_is_refused_before_any_request() {
    let o = options("http://scim.example.com");
    let err = fetch(&o, &token(), &NoProgress).await.unwrap_err();
    assert!(err.is_invalid_input());
    insta::assert_snapshot!(err, @"refusing plain http to `http://scim.example.com`: the token would travel in clear text");
}

#[tokio::test]
async fn a_refresh_failing_mid_way_is_incomplete_naming_what_failed() {
    use scimdrift_fetch::{GroupSelection, refresh};
    // The group reads fine; its new member's by-id read answers 500 twice.
    let server = Responder::start(|req: &Req| {
        if req.path.ends_with("/Groups") {
            Reply::json(
                200,
                &json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                    "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
                    "Resources": [{"id": "g1", "displayName": "Eng", "members": [{"value": "u-known"}, {"value": "u-new"}]}],
                }),
            )
        } else {
            Reply::json(500, &json!({"detail": "boom"}))
        }
    })
    .await;
    let mut snapshot = Snapshot::new(Default::default());
    snapshot.users.push(
        scimdrift_proto::Resource::from_value(&json!({"id": "u-known", "userName": "k"})).unwrap(),
    );
    let selection = GroupSelection::Named(["Eng".to_owned()].into_iter().collect());
    let refreshed = refresh(
        &options(&server.url()),
        &token(),
        &selection,
        &snapshot,
        &NoProgress,
    )
    .await
    .unwrap();
    assert_eq!(refreshed.groups.len(), 1);
    assert!(!refreshed.complete());
    let reasons = refreshed
        .incomplete_reasons
        .join("\n")
        .replace(&server.url(), "http://SERVER");
    insta::assert_snapshot!(reasons, @"member `u-new`: `http://SERVER/Users/u-new` answered HTTP 500 twice; a 500 that repeats is a server problem to report, not to retry");
    // One group read, two attempts at the unknown member; the known one is
    // never asked for.
    let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("u-known")), "{paths:?}");
    refreshed.overlay(&mut snapshot);
    assert!(!snapshot.complete);
}
