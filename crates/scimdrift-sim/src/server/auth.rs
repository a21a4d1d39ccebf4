//! Authentication: `Authorization: Bearer <token>`, answered like Omni when
//! missing or wrong.

use super::reply::Answer;
use axum::http::{HeaderMap, StatusCode, header};

/// Who sent a request: the position of its token among the configured ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Caller(pub(super) usize);

/// The caller when the request carries one of the configured bearer tokens
/// (the scheme name is case-insensitive); otherwise the 401 to send.
pub(super) fn authenticate(tokens: &[String], headers: &HeaderMap) -> Result<Caller, Answer> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Answer::omni_error(
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
    given
        .and_then(|g| tokens.iter().position(|t| t == g))
        .map(Caller)
        .ok_or_else(|| {
            Answer::omni_error(StatusCode::UNAUTHORIZED, "Unauthorized", "Invalid API key")
        })
}
