//! The one request handler: every request runs through the stages in order.

use super::auth::Caller;
use super::log::{self, RequestRecord};
use super::reply::Answer;
use super::resources::{self, Params, Served};
use super::state::Shared;
use super::{admission, auth, body_faults, lies, mutation, rate, route, status_faults};
use crate::faults::FaultKind;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;

/// Request bodies (group writes) larger than this are refused with 413.
const MAX_BODY: usize = 1 << 20;

/// Answers a request and records it in the log.
pub(super) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let received = shared.settings.started.elapsed();
    let (parts, body) = req.into_parts();
    let method = parts.method;
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let authorization = parts.headers.contains_key(header::AUTHORIZATION);
    let body = axum::body::to_bytes(body, MAX_BODY).await.ok();
    let request = Incoming {
        method: &method,
        path: &path,
        query: query.as_deref(),
        headers: &parts.headers,
        body: body.as_deref(),
    };
    let Answered {
        response,
        fault,
        delay,
        caller,
    } = answer(&shared, &request).await;
    log::record(
        &shared,
        RequestRecord {
            method: method.to_string(),
            path,
            query,
            status: response.status().as_u16(),
            fault,
            delay,
            host,
            authorization,
            token: caller.map(|c| c.0),
            body: body
                .filter(|b| !b.is_empty())
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            received,
        },
    );
    response
}

/// A request as the pipeline sees it.
struct Incoming<'r> {
    method: &'r Method,
    path: &'r str,
    query: Option<&'r str>,
    headers: &'r HeaderMap,
    /// `None` when the body was larger than [`MAX_BODY`] or broke off.
    body: Option<&'r [u8]>,
}

/// What the pipeline decided, for the response and the log.
struct Answered {
    response: Response,
    fault: Option<FaultKind>,
    delay: Duration,
    caller: Option<Caller>,
}

/// auth → rate limit and seeded draws → latency → storm → route → status
/// faults → resource (page/filter, lies; or a group write, then the write
/// faults) → body faults → mutation.
async fn answer(shared: &Shared, req: &Incoming<'_>) -> Answered {
    let s = &shared.settings;
    let Incoming {
        method,
        path,
        query,
        headers,
        body,
    } = *req;
    let caller = match auth::authenticate(&s.tokens, headers) {
        Ok(caller) => caller,
        Err(a) => {
            return Answered {
                response: a.finish(s.profile),
                fault: None,
                delay: Duration::ZERO,
                caller: None,
            };
        }
    };
    // Everything below costs the caller a slot of its budget, as at Omni.
    let admission = admission::admit(shared, caller);
    let delay = s.latency + s.faults.jitter.mul_f64(admission.draws.jitter);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let done = |response: Response, fault: Option<FaultKind>| Answered {
        response,
        fault,
        delay,
        caller: Some(caller),
    };
    if let Err(wait) = admission.rate {
        let a = rate::too_many_requests(s.retry_after.then_some(wait));
        return done(a.finish(s.profile), None);
    }
    if admission.storm {
        let a = rate::too_many_requests(s.retry_after.then_some(Duration::from_secs(1)));
        return done(a.finish(s.profile), Some(FaultKind::Storm));
    }
    let route = match route::resolve(s.profile, method, path) {
        Ok(route) => route,
        Err(a) => return done(a.finish(s.profile), None),
    };
    // Reads ignore their body; a write's must have arrived whole.
    let body = match body {
        Some(body) => body,
        None if !route.is_write() => &[],
        None => {
            let a = Answer::omni_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
                "the request body is larger than 1 MiB",
            );
            return done(a.finish(s.profile), None);
        }
    };
    let fault = s.faults.pick(admission.draws.fault);
    if let Some(r) = status_faults::replace(s, fault, path, query, headers) {
        return done(r, fault);
    }
    // A request that already followed a redirect is answered normally.
    let fault = fault.filter(|f| *f != FaultKind::Redirect);
    // Write faults act on writes only, after the write took effect.
    let fault = fault.filter(|f| {
        route.is_write() || !matches!(f, FaultKind::WriteThen500 | FaultKind::WriteThenReset)
    });
    let Served { answer, page } = resources::serve(shared, &route, &Params::parse(query), body);
    let answer = match fault {
        Some(FaultKind::WriteThen500) => Answer::omni_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "something went wrong",
        ),
        _ => answer,
    };
    let fault = lies::label(&s.faults, fault, page.is_some());
    let response = body_faults::apply(answer, fault, s);
    let mutated = mutation::after_page(shared, page);
    done(
        response,
        fault.or(mutated.then_some(FaultKind::MutatedAfter)),
    )
}
