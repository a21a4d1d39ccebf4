//! The one request handler: every request runs through the stages in order.

use super::log::{self, RequestRecord};
use super::resources::{self, Params, Served};
use super::state::Shared;
use super::{admission, auth, body_faults, lies, mutation, rate, route, status_faults};
use crate::faults::FaultKind;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;

/// Answers a request and records it in the log.
pub(super) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
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
        },
    );
    response
}

/// auth → rate limit and seeded draws → latency → storm → route → status
/// faults → resource (page/filter, lies) → body faults → mutation.
async fn answer(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> (Response, Option<FaultKind>, Duration) {
    let s = &shared.settings;
    if let Err(a) = auth::authenticate(&s.token, headers) {
        return (a.finish(s.profile), None, Duration::ZERO);
    }
    // Everything below costs the caller a slot of its budget, as at Omni.
    let admission = admission::admit(shared);
    let delay = s.latency + s.faults.jitter.mul_f64(admission.draws.jitter);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Err(wait) = admission.rate {
        let a = rate::too_many_requests(s.retry_after.then_some(wait));
        return (a.finish(s.profile), None, delay);
    }
    if admission.storm {
        let a = rate::too_many_requests(s.retry_after.then_some(Duration::from_secs(1)));
        return (a.finish(s.profile), Some(FaultKind::Storm), delay);
    }
    let route = match route::resolve(s.profile, method, path) {
        Ok(route) => route,
        Err(a) => return (a.finish(s.profile), None, delay),
    };
    let fault = s.faults.pick(admission.draws.fault);
    if let Some(r) = status_faults::replace(s, fault, path, query, headers) {
        return (r, fault, delay);
    }
    // A request that already followed a redirect is answered normally.
    let fault = fault.filter(|f| *f != FaultKind::Redirect);
    let Served { answer, page } = resources::serve(shared, &route, &Params::parse(query));
    let fault = lies::label(&s.faults, fault, page.is_some());
    let response = body_faults::apply(answer, fault, s);
    let mutated = mutation::after_page(shared, page);
    let fault = fault.or(mutated.then_some(FaultKind::MutatedAfter));
    (response, fault, delay)
}
