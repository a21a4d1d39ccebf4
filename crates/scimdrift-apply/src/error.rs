//! Errors that stop an apply as a whole (a failure of one group is an
//! outcome of that group instead, see [`crate::Outcome`]).

/// Why an apply stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The server rejected the token: every later request would fail too.
    #[error(
        "the server rejected the token (HTTP {status} from `{url}`){}",
        colon(detail)
    )]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// The URL.
        url: String,
        /// The server's message, scrubbed.
        detail: String,
    },
    /// The server answered with a redirect, which is never followed.
    #[error("`{url}` answered HTTP {status} (a redirect); redirects are never followed")]
    Redirect {
        /// The status.
        status: u16,
        /// The URL.
        url: String,
    },
    /// The server refused a read.
    #[error("`{url}` answered HTTP {status}{}", colon(detail))]
    Refused {
        /// The status.
        status: u16,
        /// The URL.
        url: String,
        /// The server's message, scrubbed.
        detail: String,
    },
    /// A read kept failing.
    #[error("gave up reading `{url}` (last: {last})")]
    GaveUp {
        /// The URL.
        url: String,
        /// The last problem.
        last: String,
    },
    /// The server's answer is not what SCIM says.
    #[error("`{url}` answered something unexpected: {detail}")]
    Unexpected {
        /// The URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// The journal cannot be written: nothing more is sent.
    #[error("cannot write the journal `{path}`")]
    Journal {
        /// The journal file.
        path: String,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A bug or a broken environment.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApplyError {
    /// What to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ApplyError::Unauthorized { .. } => Some(
                "SCIM needs an Organization API key; personal access tokens are rejected (Omni: Settings → API keys → create an Organization API key)",
            ),
            ApplyError::Journal { .. } => {
                Some("pass --journal FILE in a directory you can write to")
            }
            _ => None,
        }
    }
}

fn colon(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}
