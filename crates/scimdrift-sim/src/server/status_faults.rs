//! Faults that replace the whole answer, decided before the resource is read:
//! error statuses, a redirect to another origin, 200s that are not the
//! answer (an HTML page, JSON of the wrong shape), a body that never ends and
//! a gzip bomb.

use super::reply::Answer;
use super::state::Settings;
use super::{body_faults, gzip};
use crate::faults::FaultKind;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use std::net::SocketAddr;

/// The response that replaces the answer when `fault` is one of these faults;
/// `None` to serve the resource (no fault, a body fault, or a redirect of a
/// request that already followed one).
pub(super) fn replace(
    s: &Settings,
    fault: Option<FaultKind>,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Option<Response> {
    let a = match fault? {
        FaultKind::Status500 => Answer::omni_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "something went wrong",
        ),
        FaultKind::Status502 => Answer {
            status: StatusCode::BAD_GATEWAY,
            content_type: "text/html",
            body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                   <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
                .to_owned(),
            retry_after: None,
        },
        FaultKind::Status503 => Answer {
            retry_after: (s.faults.retry_after_503 > 0)
                .then(|| std::time::Duration::from_secs(s.faults.retry_after_503)),
            ..Answer::json(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"detail":"Service Unavailable","status":503}"#.to_owned(),
            )
        },
        FaultKind::Redirect if is_own_origin(&s.addr, headers) => {
            return Some(redirect(s, path, query));
        }
        FaultKind::Html200 => Answer {
            status: StatusCode::OK,
            content_type: "text/html; charset=utf-8",
            body: "<!DOCTYPE html>\n<html><head><title>Sign in · Omni</title></head>\n\
                   <body><form action=\"/login\"><h1>Sign in</h1></form></body></html>\n"
                .to_owned(),
            retry_after: None,
        },
        FaultKind::WrongShape => Answer::json(
            StatusCode::OK,
            r#"{"schemas":"ListResponse","totalResults":"many","itemsPerPage":null,"Resources":{"id":1}}"#
                .to_owned(),
        ),
        FaultKind::Endless => return Some(body_faults::endless(s)),
        FaultKind::GzipBomb => return Some(gzip::bomb(s)),
        _ => return None,
    };
    Some(a.finish(s.profile))
}

/// 302 to the same path and query on `localhost` instead of `127.0.0.1`.
fn redirect(s: &Settings, path: &str, query: Option<&str>) -> Response {
    let location = format!(
        "http://localhost:{}{path}{}",
        s.addr.port(),
        query.map(|q| format!("?{q}")).unwrap_or_default()
    );
    let mut r = Answer::omni_error(StatusCode::FOUND, "Found", "moved").finish(s.profile);
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Whether the request was addressed to the simulator's own origin (so a
/// redirected request, addressed to `localhost`, is not redirected again).
fn is_own_origin(addr: &SocketAddr, headers: &HeaderMap) -> bool {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_none_or(|h| h == addr.to_string())
}
