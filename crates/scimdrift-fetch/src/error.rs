//! Errors of the fetch crate.
//!
//! A [`FetchError`] means the fetch could not produce a snapshot at all (bad
//! options, rejected credentials, a wrong URL, a hostile answer). Transient
//! trouble that outlasts the retries does not end up here: it marks the
//! snapshot incomplete with a reason instead, so callers exit 3, not 1.
//!
//! No message in this module can contain the token: server-provided text is
//! passed through [`crate::Token::redact`] before it is stored.

/// Invalid [`crate::FetchOptions`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionsError {
    /// `https://user:pass@host`.
    #[error("the base URL must not contain credentials")]
    CredentialsInUrl,
    /// `https://host/?x=y`.
    #[error("the base URL `{0}` must not have a query or fragment")]
    QueryInUrl(String),
    /// `http://` to a non-loopback host without `--allow-insecure-http`.
    #[error("refusing plain http to `{0}`: the token would travel in clear text")]
    InsecureHttp(String),
    /// `ftp://host`.
    #[error("unsupported URL scheme `{0}` (expected https)")]
    Scheme(String),
    /// `https:///path` or similar.
    #[error("the base URL `{0}` has no host")]
    NoHost(String),
    /// `--page-size 0`.
    #[error("the page size must be at least 1")]
    PageSize,
    /// `--concurrency 0`.
    #[error("the concurrency must be at least 1")]
    Concurrency,
    /// `--rate-limit 0/min`.
    #[error("the rate limit must be at least 0.1 requests per minute, not `{0}`")]
    RateLimit(f64),
}

impl OptionsError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            OptionsError::CredentialsInUrl => {
                Some("pass the token with OMNI_API_TOKEN or --token-file, never in the URL")
            }
            OptionsError::InsecureHttp(_) => Some(
                "use https, or pass --allow-insecure-http if you really mean it (plain http is accepted for loopback addresses only)",
            ),
            OptionsError::QueryInUrl(_) | OptionsError::NoHost(_) | OptionsError::Scheme(_) => {
                Some("pass the instance URL, e.g. https://blobsrus.omniapp.co")
            }
            _ => None,
        }
    }
}

/// A fetch that could not produce a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Invalid options.
    #[error(transparent)]
    Options(#[from] OptionsError),
    /// The HTTP client could not be built (TLS backend setup).
    #[error("cannot set up the HTTP client")]
    Client(#[source] reqwest::Error),
    /// 401 or 403.
    #[error("the server rejected API {key} (HTTP {status} from `{url}`){detail}")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// Which key: `key 2 of 3 (sha256 fingerprint 1a2b3c4d)`, never the
        /// key itself.
        key: String,
        /// The request URL (no credentials in it).
        url: String,
        /// `: <server message>` or empty.
        detail: String,
    },
    /// 404 on a list endpoint.
    #[error("`{url}` does not exist (HTTP 404){detail}")]
    NotFound {
        /// The request URL.
        url: String,
        /// `: <server message>` or empty.
        detail: String,
    },
    /// Any other 4xx: our request is wrong and retrying will not help.
    #[error("the server refused `{url}` (HTTP {status}){detail}")]
    Refused {
        /// The status code.
        status: u16,
        /// The request URL.
        url: String,
        /// `: <server message>` or empty.
        detail: String,
    },
    /// A 3xx answer. Redirects are never followed: the token must not travel
    /// to an origin the user did not name.
    #[error("`{url}` redirected (HTTP {status}) to `{location}`; redirects are not followed")]
    Redirect {
        /// The status code.
        status: u16,
        /// The request URL.
        url: String,
        /// The `Location` header (credentials and query stripped).
        location: String,
    },
    /// The body exceeded the size limit (after decompression).
    #[error("the answer from `{url}` is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The request URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// The fetch task panicked or was cancelled (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl FetchError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            FetchError::Options(e) => e.hint(),
            FetchError::Unauthorized { .. } => Some(
                "SCIM needs an Organization API key; personal access tokens are rejected (Omni: Settings → API keys → create an Organization API key)",
            ),
            FetchError::NotFound { .. } => Some(
                "check --base-url (the instance URL, e.g. https://blobsrus.omniapp.co), --provider and --path-case",
            ),
            FetchError::Redirect { .. } => {
                Some("pass the final URL as --base-url (e.g. https rather than http)")
            }
            FetchError::TooLarge { .. } => Some(
                "ask for smaller pages with --page-size, or check that the server is the one you meant",
            ),
            FetchError::Refused { .. } => Some(
                "check --base-url, --provider and --page-size; the server message above says more",
            ),
            FetchError::Client(_) | FetchError::Internal(_) => None,
        }
    }

    /// Whether the user's input is at fault (exit 4) rather than the run (exit 1).
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, FetchError::Options(_))
    }
}

/// The server's own words from an error body, trimmed for a message:
/// `detail`, `message` or `error` from JSON, else the start of the text.
/// Returns `": <text>"` or an empty string. The token is redacted.
pub(crate) fn server_detail(body: &[u8], keys: &crate::Keys) -> String {
    let text = String::from_utf8_lossy(body);
    let picked = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            ["detail", "message", "error", "error_description"]
                .iter()
                .find_map(|k| v.get(k).and_then(|d| d.as_str()).map(str::to_owned))
        })
        .unwrap_or_else(|| text.into_owned());
    let cleaned: String = picked
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = keys.redact(cleaned.trim());
    if cleaned.is_empty() {
        return String::new();
    }
    const MAX: usize = 200;
    if cleaned.chars().count() > MAX {
        let cut: String = cleaned.chars().take(MAX).collect();
        format!(": {cut}…")
    } else {
        format!(": {cleaned}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keys, Token};

    #[track_caller]
    fn check(body: &str, want: &str) {
        let keys = Keys::new(vec![
            Token::new("sekret", "t").unwrap(),
            Token::new("other", "t").unwrap(),
        ])
        .unwrap();
        assert_eq!(server_detail(body.as_bytes(), &keys), want);
    }

    #[test]
    fn details() {
        check(
            r#"{"detail":"Invalid token","status":"401"}"#,
            ": Invalid token",
        );
        check(r#"{"error":"nope","message":"m"}"#, ": m");
        check(r#"{"error":"nope"}"#, ": nope");
        check("plain\ntext", ": plain text");
        check("", "");
        check(
            "Bearer sekret was rejected",
            ": Bearer [redacted] was rejected",
        );
        check(
            "neither sekret nor other",
            ": neither [redacted] nor [redacted]",
        );
        check(&"x".repeat(300), &format!(": {}…", "x".repeat(200)));
    }

    #[test]
    fn unauthorized_message() {
        let e = FetchError::Unauthorized {
            status: 401,
            key: "key 2 of 3 (sha256 fingerprint e0c7e0c8)".into(),
            url: "https://x/api/scim/v2/users".into(),
            detail: ": Invalid API key".into(),
        };
        insta::assert_snapshot!(e, @"the server rejected API key 2 of 3 (sha256 fingerprint e0c7e0c8) (HTTP 401 from `https://x/api/scim/v2/users`): Invalid API key");
        insta::assert_snapshot!(e.hint().unwrap(), @"SCIM needs an Organization API key; personal access tokens are rejected (Omni: Settings → API keys → create an Organization API key)");
    }
}
