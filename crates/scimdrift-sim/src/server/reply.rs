//! An answer before it goes on the wire, and the one place it becomes an HTTP
//! response (content type per profile, `Retry-After` in whole seconds).

use crate::config::Profile;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use scimdrift_proto::scim::ERROR_URN;
use std::time::Duration;

/// A complete answer before body faults are applied.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) content_type: &'static str,
    pub(super) body: String,
    pub(super) retry_after: Option<Duration>,
}

impl Answer {
    pub(super) fn json(status: StatusCode, body: String) -> Self {
        Answer {
            status,
            content_type: "application/json",
            body,
            retry_after: None,
        }
    }

    /// Omni-style `{error, message}` body.
    pub(super) fn omni_error(status: StatusCode, error: &str, message: &str) -> Self {
        Answer::json(
            status,
            serde_json::json!({ "error": error, "message": message }).to_string(),
        )
    }

    /// SCIM Error schema, with `status` as a string as RFC 7644 shows it.
    pub(super) fn scim_error(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Self {
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

    /// The HTTP response. The generic SCIM profile says
    /// `application/scim+json` where Omni says `application/json`.
    pub(super) fn finish(self, profile: Profile) -> Response {
        let content_type = match (profile, self.content_type) {
            (Profile::Scim, "application/json") => "application/scim+json",
            (_, ct) => ct,
        };
        let mut r = Response::new(Body::from(self.body));
        *r.status_mut() = self.status;
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(wait) = self.retry_after {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        r
    }

    /// The response with this answer's status and headers and `body` instead
    /// of its own (a stream for the body faults).
    pub(super) fn finish_with(self, profile: Profile, body: Body) -> Response {
        let mut r = Answer {
            body: String::new(),
            ..self
        }
        .finish(profile);
        *r.body_mut() = body;
        r
    }
}
