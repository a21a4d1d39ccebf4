//! Everything that shapes a fetch, validated once up front.

use std::net::IpAddr;
use std::time::Duration;

use scimdrift_proto::Provider;
use url::Url;

use crate::error::OptionsError;

/// How Omni's resource paths are spelled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PathCase {
    /// `/users`, `/groups`, `/embed/users` (Omni's current documentation).
    #[default]
    Lower,
    /// `/Users`, `/Groups`, `/embed/Users` (Omni's own CLI).
    Capitalized,
}

/// The `count` asked for on each page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PageSize {
    /// Ask for [`AUTO_FIRST_COUNT`] on the first page, then use what the server
    /// actually returned; fall back to [`FALLBACK_COUNT`] if the large `count`
    /// is refused with a 4xx.
    #[default]
    Auto,
    /// Always ask for this many (at least 1).
    Fixed(u32),
}

/// The `count` asked for on the first page with [`PageSize::Auto`].
pub const AUTO_FIRST_COUNT: u32 = 10_000;
/// The `count` used when a server refuses [`AUTO_FIRST_COUNT`].
pub const FALLBACK_COUNT: u32 = 100;

/// The kinds of resource a snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    /// Groups.
    Groups,
    /// Standard users.
    Users,
    /// Embed users (Omni only).
    EmbedUsers,
}

impl ResourceKind {
    /// The kinds a provider serves, in snapshot order.
    pub fn for_provider(provider: Provider) -> &'static [ResourceKind] {
        match provider {
            Provider::Omni => &[
                ResourceKind::Groups,
                ResourceKind::Users,
                ResourceKind::EmbedUsers,
            ],
            Provider::Scim => &[ResourceKind::Groups, ResourceKind::Users],
        }
    }

    /// A short human name (`groups`, `users`, `embed users`).
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Groups => "groups",
            ResourceKind::Users => "users",
            ResourceKind::EmbedUsers => "embed users",
        }
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The options of one fetch. Build with [`FetchOptions::new`], then adjust
/// the public fields; [`FetchOptions::validate`] runs before any request.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The instance URL (`https://blobsrus.omniapp.co`) for Omni, or the SCIM
    /// base (`https://idp.example/scim/v2`) for a generic server.
    pub base_url: Url,
    /// Which server dialect to speak.
    pub provider: Provider,
    /// How Omni's paths are spelled (ignored for `scim`).
    pub path_case: PathCase,
    /// Page size strategy.
    pub page_size: PageSize,
    /// Most requests in flight at once.
    pub concurrency: usize,
    /// Client-side rate limit, in requests per minute.
    pub rate_limit_per_min: f64,
    /// Attempts per request after the first (transient failures and 429s).
    pub max_retries: u32,
    /// Full re-reads of a resource kind allowed to settle an inconsistency.
    pub max_rescans: u32,
    /// Timeout of one request, body included.
    pub request_timeout: Duration,
    /// Timeout of connection establishment.
    pub connect_timeout: Duration,
    /// First backoff delay; doubles on each attempt, with jitter.
    pub backoff_base: Duration,
    /// Longest single backoff delay (and the cap on a server's `Retry-After`).
    pub backoff_max: Duration,
    /// Largest accepted response body, after decompression.
    pub max_body_bytes: usize,
    /// Most pages read per resource kind per scan (a lying server cannot
    /// keep us paging forever).
    pub max_pages: u64,
    /// Largest plausible `totalResults`.
    pub max_total_results: u64,
    /// Allow plain `http://` to non-loopback hosts (the token then travels in
    /// clear text).
    pub allow_insecure_http: bool,
    /// Seed of the backoff jitter (reproducible tests); `None` seeds from the OS.
    pub jitter_seed: Option<u64>,
}

/// Omni's documented limit is 60 requests/minute per key; stay below it.
pub const DEFAULT_RATE_LIMIT_PER_MIN: f64 = 50.0;

impl FetchOptions {
    /// Defaults for a base URL and provider.
    pub fn new(base_url: Url, provider: Provider) -> Self {
        FetchOptions {
            base_url,
            provider,
            path_case: PathCase::Lower,
            page_size: PageSize::Auto,
            concurrency: 4,
            rate_limit_per_min: DEFAULT_RATE_LIMIT_PER_MIN,
            max_retries: 6,
            max_rescans: 2,
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            max_body_bytes: 256 * 1024 * 1024,
            max_pages: 100_000,
            max_total_results: 50_000_000,
            allow_insecure_http: false,
            jitter_seed: None,
        }
    }

    /// Checks the options; the error says what to change.
    pub fn validate(&self) -> Result<(), OptionsError> {
        let url = &self.base_url;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OptionsError::CredentialsInUrl);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(OptionsError::QueryInUrl(self.redacted_base_url()));
        }
        match url.scheme() {
            "https" => {}
            "http" => {
                if !self.allow_insecure_http && !is_loopback(url) {
                    return Err(OptionsError::InsecureHttp(self.redacted_base_url()));
                }
            }
            other => return Err(OptionsError::Scheme(other.to_owned())),
        }
        if url.host().is_none() {
            return Err(OptionsError::NoHost(self.redacted_base_url()));
        }
        if let PageSize::Fixed(0) = self.page_size {
            return Err(OptionsError::PageSize);
        }
        if self.concurrency == 0 {
            return Err(OptionsError::Concurrency);
        }
        if !(self.rate_limit_per_min.is_finite() && self.rate_limit_per_min >= 0.1) {
            return Err(OptionsError::RateLimit(self.rate_limit_per_min));
        }
        Ok(())
    }

    /// The base URL as it may be shown and stored: no credentials, query or
    /// fragment.
    pub fn redacted_base_url(&self) -> String {
        let mut url = self.base_url.clone();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url.set_query(None);
        url.set_fragment(None);
        url.as_str().trim_end_matches('/').to_owned()
    }

    /// The list endpoint of a resource kind.
    pub fn endpoint(&self, kind: ResourceKind) -> Url {
        let mut url = self.base_url.clone();
        url.set_query(None);
        url.set_fragment(None);
        let base = url.path().trim_end_matches('/').to_owned();
        let prefix = match self.provider {
            // Accept an instance URL, `.../api` or the full SCIM base alike.
            Provider::Omni if base.ends_with("/api/scim/v2") => base,
            Provider::Omni if base.ends_with("/api") => format!("{base}/scim/v2"),
            Provider::Omni => format!("{base}/api/scim/v2"),
            Provider::Scim => base,
        };
        let suffix = match (self.provider, self.path_case, kind) {
            (Provider::Omni, PathCase::Lower, ResourceKind::Groups) => "/groups",
            (Provider::Omni, PathCase::Lower, ResourceKind::Users) => "/users",
            (Provider::Omni, PathCase::Lower, ResourceKind::EmbedUsers) => "/embed/users",
            (Provider::Omni, PathCase::Capitalized, ResourceKind::Groups) => "/Groups",
            (Provider::Omni, PathCase::Capitalized, ResourceKind::Users) => "/Users",
            (Provider::Omni, PathCase::Capitalized, ResourceKind::EmbedUsers) => "/embed/Users",
            (Provider::Scim, _, ResourceKind::Groups) => "/Groups",
            (Provider::Scim, _, ResourceKind::Users) => "/Users",
            // Generic SCIM servers have no embed users; never planned.
            (Provider::Scim, _, ResourceKind::EmbedUsers) => "/embed/Users",
        };
        url.set_path(&format!("{prefix}{suffix}"));
        url
    }
}

/// Whether the URL's host is a loopback address (`127.0.0.0/8`, `::1`,
/// `localhost`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(url: &str, provider: Provider) -> FetchOptions {
        FetchOptions::new(Url::parse(url).unwrap(), provider)
    }

    #[track_caller]
    fn check_endpoint(
        base: &str,
        provider: Provider,
        case: PathCase,
        kind: ResourceKind,
        want: &str,
    ) {
        let mut o = opts(base, provider);
        o.path_case = case;
        assert_eq!(o.endpoint(kind).as_str(), want);
    }

    #[test]
    fn endpoints() {
        use PathCase::*;
        use Provider::*;
        use ResourceKind::*;
        check_endpoint(
            "https://x.omniapp.co",
            Omni,
            Lower,
            Users,
            "https://x.omniapp.co/api/scim/v2/users",
        );
        check_endpoint(
            "https://x.omniapp.co/",
            Omni,
            Lower,
            EmbedUsers,
            "https://x.omniapp.co/api/scim/v2/embed/users",
        );
        check_endpoint(
            "https://x.omniapp.co/api",
            Omni,
            Lower,
            Groups,
            "https://x.omniapp.co/api/scim/v2/groups",
        );
        check_endpoint(
            "https://x.omniapp.co/api/scim/v2/",
            Omni,
            Capitalized,
            EmbedUsers,
            "https://x.omniapp.co/api/scim/v2/embed/Users",
        );
        check_endpoint(
            "https://x.omniapp.co",
            Omni,
            Capitalized,
            Groups,
            "https://x.omniapp.co/api/scim/v2/Groups",
        );
        check_endpoint(
            "http://127.0.0.1:8080",
            Scim,
            Lower,
            Users,
            "http://127.0.0.1:8080/Users",
        );
        check_endpoint(
            "https://idp.example/scim/v2/",
            Scim,
            Lower,
            Groups,
            "https://idp.example/scim/v2/Groups",
        );
    }

    #[track_caller]
    fn check_valid(url: &str, insecure: bool, want: Result<(), &str>) {
        let mut o = opts(url, Provider::Omni);
        o.allow_insecure_http = insecure;
        let got = o.validate().map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_owned), "{url}");
    }

    #[test]
    fn validation() {
        check_valid("https://x.omniapp.co", false, Ok(()));
        check_valid("http://127.0.0.1:9", false, Ok(()));
        check_valid("http://[::1]:9", false, Ok(()));
        check_valid("http://localhost:9", false, Ok(()));
        check_valid("http://x.omniapp.co", true, Ok(()));
        check_valid(
            "http://x.omniapp.co",
            false,
            Err(
                "refusing plain http to `http://x.omniapp.co`: the token would travel in clear text",
            ),
        );
        check_valid(
            "https://user:pw@x.omniapp.co",
            false,
            Err("the base URL must not contain credentials"),
        );
        check_valid(
            "ftp://x",
            false,
            Err("unsupported URL scheme `ftp` (expected https)"),
        );
        check_valid(
            "https://x.omniapp.co/?a=b",
            false,
            Err("the base URL `https://x.omniapp.co` must not have a query or fragment"),
        );
    }

    #[test]
    fn redacted_base_url_strips_credentials() {
        let o = opts("https://u:p@x.omniapp.co/api/?q=1#f", Provider::Omni);
        assert_eq!(o.redacted_base_url(), "https://x.omniapp.co/api");
    }
}
