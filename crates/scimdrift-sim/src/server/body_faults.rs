//! Faults that break a good answer on the wire: a reset half-way, a body cut
//! off or made invalid, a body sent slowly, and one that never ends.

use super::reply::Answer;
use super::state::Settings;
use crate::config::Profile;
use crate::faults::{FaultKind, FaultSpec};
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use scimdrift_proto::scim::LIST_RESPONSE_URN;
use std::time::Duration;

/// The response for `answer` with `fault` applied, when it is a body fault;
/// the plain response otherwise.
pub(super) fn apply(answer: Answer, fault: Option<FaultKind>, s: &Settings) -> Response {
    match fault {
        Some(FaultKind::Reset | FaultKind::WriteThenReset) => reset(answer, s),
        Some(FaultKind::Truncated) => truncated(answer).finish(s.profile),
        Some(FaultKind::Malformed) => malformed(answer).finish(s.profile),
        Some(FaultKind::SlowBody) => slow(answer, s.profile, &s.faults),
        _ => answer.finish(s.profile),
    }
}

/// The start of a list envelope, then one space per pause, forever: only the
/// client's own limits end it (the stream stops when the client hangs up).
pub(super) fn endless(s: &Settings) -> Response {
    let pause = s.faults.slow_chunk_delay.max(Duration::from_millis(1));
    let head = Bytes::from(format!(
        r#"{{"schemas":["{LIST_RESPONSE_URN}"],"Resources":["#
    ));
    let stream = futures_util::stream::unfold(Some(head), move |first| async move {
        match first {
            Some(h) => Some((Ok::<Bytes, std::io::Error>(h), None)),
            None => {
                tokio::time::sleep(pause).await;
                Some((Ok(Bytes::from_static(b" ")), None))
            }
        }
    });
    Answer::json(StatusCode::OK, String::new()).finish_with(s.profile, Body::from_stream(stream))
}

/// Sends the first half of the body, then fails the stream: hyper drops the
/// connection and the client sees it closed before the message completed.
fn reset(mut a: Answer, s: &Settings) -> Response {
    let bytes = Bytes::from(std::mem::take(&mut a.body));
    let half = bytes.slice(..bytes.len() / 2);
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        )),
    ];
    a.finish_with(
        s.profile,
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
}

/// The body cut in half (at a character boundary, at least one byte kept).
fn truncated(mut a: Answer) -> Answer {
    let cut = a.body.len() / 2;
    let mut cut = cut.max(1).min(a.body.len());
    while !a.body.is_char_boundary(cut) {
        cut -= 1;
    }
    a.body.truncate(cut);
    a
}

/// A trailing comma before the final brace: almost JSON, never valid.
fn malformed(mut a: Answer) -> Answer {
    if a.body.ends_with('}') {
        a.body.pop();
    }
    a.body.push_str(",}");
    a
}

/// The body in `slow_chunks` chunks with `slow_chunk_delay` between them.
fn slow(mut a: Answer, profile: Profile, spec: &FaultSpec) -> Response {
    let bytes = Bytes::from(std::mem::take(&mut a.body));
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
    a.finish_with(profile, Body::from_stream(stream))
}
