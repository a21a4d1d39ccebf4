//! Simulator configuration: a builder over everything the server can vary.

use crate::faults::FaultSpec;
use crate::store::{Kind, Store};
use scimdrift_proto::Snapshot;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// Which kind of server the simulator pretends to be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Profile {
    /// Omni: `/api/scim/v2/{users,groups,embed/users}` (and the capitalised
    /// spellings `/Users`, `/Groups`, `/embed/Users`), documented filters only.
    #[default]
    Omni,
    /// A generic SCIM 2.0 server: `/Users` and `/Groups` at the root and under
    /// `/scim/v2`, no embed users, any filter the grammar accepts.
    Scim,
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "omni" => Ok(Profile::Omni),
            "scim" => Ok(Profile::Scim),
            other => Err(format!(
                "unknown profile `{other}`, expected `omni` or `scim`"
            )),
        }
    }
}

/// A request budget per API token: `requests` per `period`, refilled
/// continuously (a token bucket that starts full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period (the bucket size).
    pub requests: u32,
    /// The refill period.
    pub period: Duration,
}

impl RateLimit {
    /// `requests` per minute.
    pub fn per_minute(requests: u32) -> Self {
        RateLimit {
            requests,
            period: Duration::from_secs(60),
        }
    }
}

impl FromStr for RateLimit {
    type Err = String;
    /// Parses `N/min`, `N/s` or `N/h`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (n, unit) = s
            .split_once('/')
            .ok_or_else(|| format!("invalid rate limit `{s}`: expected `N/min`, `N/s` or `N/h`"))?;
        let requests: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("invalid rate limit `{s}`: `{n}` is not a whole number"))?;
        if requests == 0 {
            return Err(format!(
                "invalid rate limit `{s}`: must allow at least one request (use `off` to disable)"
            ));
        }
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "min" | "m" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            other => {
                return Err(format!(
                    "invalid rate limit `{s}`: unknown unit `{other}`, expected `s`, `min` or `h`"
                ));
            }
        };
        Ok(RateLimit { requests, period })
    }
}

/// One accepted API token and, when it differs from the shared per-token
/// limit, its own budget.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct TokenSpec {
    pub(crate) token: String,
    /// `None`: the configured per-token limit; `Some(limit)`: this token's own.
    pub(crate) rate_limit: Option<Option<RateLimit>>,
}

impl TokenSpec {
    fn new(token: impl Into<String>, rate_limit: Option<Option<RateLimit>>) -> Self {
        TokenSpec {
            token: token.into(),
            rate_limit,
        }
    }
}

/// Everything the simulator can vary. Build with [`SimConfig::new`] and the
/// chained setters.
#[derive(Clone)]
pub struct SimConfig {
    pub(crate) org: Store,
    pub(crate) tokens: Vec<TokenSpec>,
    pub(crate) listen: SocketAddr,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) retry_after: bool,
    pub(crate) max_page_size: usize,
    pub(crate) default_page_size: usize,
    pub(crate) latency: Duration,
    pub(crate) faults: FaultSpec,
    pub(crate) seed: u64,
    pub(crate) profile: Profile,
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a secret even in a simulator: never print it.
        f.debug_struct("SimConfig")
            .field("groups", &self.org.len(Kind::Groups))
            .field("users", &self.org.len(Kind::Users))
            .field("embed_users", &self.org.len(Kind::EmbedUsers))
            .field("tokens", &format_args!("<{} redacted>", self.tokens.len()))
            .field("listen", &self.listen)
            .field("rate_limit", &self.rate_limit)
            .field("retry_after", &self.retry_after)
            .field("max_page_size", &self.max_page_size)
            .field("default_page_size", &self.default_page_size)
            .field("latency", &self.latency)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .field("profile", &self.profile)
            .finish()
    }
}

/// The token the simulator accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "scimdrift-sim-token";

impl SimConfig {
    /// A configuration serving `org` with Omni's defaults: token
    /// [`DEFAULT_TOKEN`], 60 requests/min without `Retry-After`, page size 100
    /// by default and at most 1000, no latency, no faults, seed 0, loopback on
    /// an ephemeral port.
    pub fn new(org: Snapshot) -> Self {
        SimConfig::from_store(Store::from_snapshot(&org))
    }

    /// Like [`SimConfig::new`], for an org already loaded (for example with
    /// [`Store::from_json`], the fast path for big org files).
    pub fn from_store(org: Store) -> Self {
        SimConfig {
            org,
            tokens: vec![TokenSpec::new(DEFAULT_TOKEN, None)],
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            rate_limit: Some(RateLimit::per_minute(60)),
            retry_after: false,
            max_page_size: 1000,
            default_page_size: 100,
            latency: Duration::ZERO,
            faults: FaultSpec::default(),
            seed: 0,
            profile: Profile::Omni,
        }
    }

    /// The bearer token requests must carry (the only one accepted: it
    /// replaces any tokens set before).
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.tokens = vec![TokenSpec::new(token, None)];
        self
    }

    /// The tokens accepted, replacing any set before. Each has its own
    /// budget of [`SimConfig::rate_limit`] (Omni limits per API key), and the
    /// request log names the one a request carried by its position here. An
    /// empty list rejects every request.
    #[must_use]
    pub fn tokens<T: Into<String>>(mut self, tokens: impl IntoIterator<Item = T>) -> Self {
        self.tokens = tokens
            .into_iter()
            .map(|t| TokenSpec::new(t, None))
            .collect();
        self
    }

    /// Accepts one more token, with its own budget `limit` instead of the
    /// shared per-token [`SimConfig::rate_limit`] (`None`: unlimited), e.g. a
    /// key another application already spends.
    #[must_use]
    pub fn add_token_with_rate_limit(
        mut self,
        token: impl Into<String>,
        limit: Option<RateLimit>,
    ) -> Self {
        self.tokens.push(TokenSpec::new(token, Some(limit)));
        self
    }

    /// The address to listen on (default `127.0.0.1:0`).
    #[must_use]
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The request budget of each token (every token has a bucket of its
    /// own); `None` disables rate limiting.
    #[must_use]
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Whether 429 answers carry a `Retry-After` header (Omni documents none).
    #[must_use]
    pub fn retry_after(mut self, on: bool) -> Self {
        self.retry_after = on;
        self
    }

    /// The largest page served; larger `count`s are capped to it.
    #[must_use]
    pub fn max_page_size(mut self, n: usize) -> Self {
        self.max_page_size = n.max(1);
        self
    }

    /// The page size when a request gives no `count` (Omni: 100).
    #[must_use]
    pub fn default_page_size(mut self, n: usize) -> Self {
        self.default_page_size = n;
        self
    }

    /// Fixed latency added before every answer.
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Fault injection.
    #[must_use]
    pub fn faults(mut self, faults: FaultSpec) -> Self {
        self.faults = faults;
        self
    }

    /// The seed of every random choice (faults, jitter).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Omni or generic SCIM.
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_parse() {
        assert_eq!("60/min".parse::<RateLimit>(), Ok(RateLimit::per_minute(60)));
        assert_eq!(
            "5/s".parse::<RateLimit>().map(|r| r.period),
            Ok(Duration::from_secs(1))
        );
        assert!("0/min".parse::<RateLimit>().is_err());
        assert!("60".parse::<RateLimit>().is_err());
        assert!("x/min".parse::<RateLimit>().is_err());
        assert!("6/week".parse::<RateLimit>().is_err());
    }

    #[test]
    fn debug_redacts_token() {
        let config = SimConfig::new(Snapshot::new(Default::default()))
            .tokens(["s3cret-key", "0ther-key"])
            .add_token_with_rate_limit("th1rd-key", None);
        let text = format!("{config:?}");
        for secret in ["s3cret-key", "0ther-key", "th1rd-key"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("<3 redacted>"), "{text}");
    }
}
