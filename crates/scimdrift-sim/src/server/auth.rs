//! Authentication: `Authorization: Bearer <token>`, answered like Omni when
//! missing or wrong.

use super::reply::Answer;
use axum::http::{HeaderMap, StatusCode, header};

/// `Ok` when the request carries the configured bearer token (the scheme
/// name is case-insensitive); otherwise the 401 to send.
pub(super) fn authenticate(token: &str, headers: &HeaderMap) -> Result<(), Answer> {
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
    if given == Some(token) {
        Ok(())
    } else {
        Err(Answer::omni_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Invalid API key",
        ))
    }
}
