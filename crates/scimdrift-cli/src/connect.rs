//! Connection flags shared by every command that reads a live instance
//! (`fetch`, and `check` in live mode), and the fetch that uses them.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;
use scimdrift_fetch::{
    FetchOptions, Keys, PageSize, PathCase, Progress, ResourceKind, TOKEN_ENV, Token, TokenError,
};
use scimdrift_proto::{Provider, Snapshot};

use crate::error::{CliError, Context as _};
use crate::exit::Exit;

/// The environment variable holding the base URL.
pub const BASE_URL_ENV: &str = "OMNI_BASE_URL";

/// How to reach the SCIM API.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectArgs {
    /// The instance URL, e.g. https://blobsrus.omniapp.co (`/api/scim/v2` is
    /// appended for `--provider omni`); for `--provider scim`, the SCIM base URL.
    #[arg(long, env = BASE_URL_ENV, value_name = "URL")]
    pub base_url: Option<String>,

    /// Read API tokens (Omni Organization API keys) from this file: one per
    /// line, blank lines and `#` comments ignored. Repeat it to add files.
    /// Each key has its own rate limit, and requests are spread over them
    /// (`apply` takes exactly one key). Default: the OMNI_API_TOKEN
    /// environment variable (one token).
    #[arg(long, value_name = "FILE", conflicts_with = "token")]
    pub token_file: Vec<PathBuf>,

    /// The API token itself. Other local users can see it in the process
    /// list: prefer OMNI_API_TOKEN or --token-file.
    #[arg(long, value_name = "TOKEN", value_parser = parse_token)]
    pub token: Option<Token>,

    /// The server dialect: Omni (users, groups, embed users) or a generic
    /// SCIM 2.0 server (/Users and /Groups).
    #[arg(long, value_enum, default_value_t = ProviderArg::Omni)]
    pub provider: ProviderArg,

    /// How Omni's resource paths are spelled.
    #[arg(long, value_enum, default_value_t = PathCaseArg::Lower)]
    pub path_case: PathCaseArg,

    /// Resources asked for per page: `auto` (one large page first, then the
    /// size the server actually serves) or a number.
    #[arg(long, value_name = "N|auto", default_value = "auto", value_parser = parse_page_size)]
    pub page_size: PageSize,

    /// Most requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Client-side rate limit per API key, e.g. `50/min` (the default, below
    /// Omni's 60/min per key) or `500/min` for raised instances; with N keys
    /// the fetch runs at up to N times this rate.
    #[arg(long, value_name = "N/min", default_value = "50/min", value_parser = parse_rate)]
    pub rate_limit: f64,

    /// Retries per request for 429, 503 (waiting out `Retry-After`), other
    /// 5xx, timeouts and resets. A 500 is retried once only: a second one
    /// marks the data incomplete.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub retries: u32,

    /// Timeout of one request (body included), in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// Allow plain http:// to hosts other than loopback (the token then
    /// travels in clear text).
    #[arg(long)]
    pub allow_insecure_http: bool,

    /// No progress bar or summary; errors and incompleteness reasons only.
    #[arg(short, long)]
    pub quiet: bool,

    /// Log requests to stderr (-v info, -vv debug, -vvv trace). The token is
    /// never logged.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `--provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    /// Omni: /api/scim/v2/{groups,users,embed/users}.
    Omni,
    /// A generic SCIM 2.0 server: /Groups and /Users.
    Scim,
}

/// `--path-case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PathCaseArg {
    /// /users, /groups, /embed/users (Omni's documentation).
    Lower,
    /// /Users, /Groups, /embed/Users (Omni's own CLI).
    Capitalized,
}

fn parse_token(value: &str) -> Result<Token, String> {
    Token::new(value, "--token").map_err(|e| e.to_string())
}

pub(crate) fn parse_page_size(value: &str) -> Result<PageSize, String> {
    if value.eq_ignore_ascii_case("auto") {
        return Ok(PageSize::Auto);
    }
    match value.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(PageSize::Fixed(n)),
        _ => Err("expected `auto` or a whole number of at least 1".to_owned()),
    }
}

pub(crate) fn parse_rate(value: &str) -> Result<f64, String> {
    let number = value
        .strip_suffix("/min")
        .or_else(|| value.strip_suffix("/m"))
        .unwrap_or(value)
        .trim();
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.1 => Ok(n),
        _ => Err("expected requests per minute, e.g. `50/min` or `500/min`".to_owned()),
    }
}

impl ConnectArgs {
    /// The fetch options these flags describe (the token is separate).
    pub fn to_options(&self) -> Result<FetchOptions, CliError> {
        let Some(base) = self.base_url.as_deref() else {
            return Err(CliError::invalid("no base URL").with_hint(format!(
                "set {BASE_URL_ENV} or pass --base-url (the instance URL, e.g. https://blobsrus.omniapp.co)"
            )));
        };
        let base_url = url::Url::parse(base).map_err(|e| {
            CliError::caused_by(Exit::Invalid, "invalid base URL", e)
                .with_hint("pass the instance URL, e.g. https://blobsrus.omniapp.co")
        })?;
        let provider = match self.provider {
            ProviderArg::Omni => Provider::Omni,
            ProviderArg::Scim => Provider::Scim,
        };
        let mut options = FetchOptions::new(base_url, provider);
        options.path_case = match self.path_case {
            PathCaseArg::Lower => PathCase::Lower,
            PathCaseArg::Capitalized => PathCase::Capitalized,
        };
        options.page_size = self.page_size;
        options.concurrency = usize::from(self.concurrency);
        options.rate_limit_per_min = self.rate_limit;
        options.max_retries = self.retries;
        options.request_timeout = Duration::from_secs(self.timeout);
        options.allow_insecure_http = self.allow_insecure_http;
        if let Err(e) = options.validate() {
            let hint = e.hint().map(str::to_owned);
            return Err(CliError::from_error(Exit::Invalid, e).with_hint_opt(hint));
        }
        Ok(options)
    }

    /// Exactly one API key, for commands that use one (`apply`, whose writes
    /// are not spread over keys): several are refused.
    pub fn token(&self) -> Result<Token, CliError> {
        let keys = self.keys()?;
        match keys.tokens() {
            [one] => Ok(one.clone()),
            many => Err(CliError::invalid(format!(
                "{} API keys given; this command uses exactly one",
                many.len()
            ))
            .with_hint("pass one --token-file holding one key, or set OMNI_API_TOKEN")),
        }
    }

    /// The API keys: every `--token-file` (in order, each line a key), else
    /// `--token` (with a warning), else `OMNI_API_TOKEN`.
    pub fn keys(&self) -> Result<Keys, CliError> {
        let invalid = |e: TokenError| {
            let hint = match e {
                TokenError::Missing => Some(format!(
                    "export {TOKEN_ENV}=<Organization API key>, or put it in a file readable only by you and pass --token-file"
                )),
                _ => None,
            };
            CliError::from_error(Exit::Invalid, e).with_hint_opt(hint)
        };
        if !self.token_file.is_empty() {
            let mut tokens = Vec::new();
            for path in &self.token_file {
                warn_if_shared(path);
                tokens.extend(Token::from_file(path).map_err(invalid)?);
            }
            return Keys::new(tokens).map_err(|e| {
                CliError::from_error(Exit::Invalid, e).with_hint(
                    "each key has its own rate limit: give every key once (`scimdrift` names keys by position across the token files, in order)",
                )
            });
        }
        if let Some(token) = &self.token {
            if !self.quiet {
                let _ = writeln!(
                    anstream::stderr(),
                    "warning: a token given with --token is visible to other local users (process list, shell history); prefer {TOKEN_ENV} or --token-file"
                );
            }
            return Ok(Keys::from(token));
        }
        match Token::from_env() {
            Some(result) => result.map(Keys::from).map_err(invalid),
            None => Err(invalid(TokenError::Missing)),
        }
    }
}

#[cfg(unix)]
fn warn_if_shared(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        let _ = writeln!(
            anstream::stderr(),
            "warning: the token file `{}` is readable by other users; run `chmod 600` on it",
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &std::path::Path) {}

/// Sets up `-v` logging on stderr. Only scimdrift's own targets log below
/// `warn` until `-vvv`; the `Authorization` header is marked sensitive, so
/// the HTTP stack never prints it either.
pub fn init_logging(verbose: u8) {
    if verbose == 0 {
        return;
    }
    let filter = match verbose {
        1 => "warn,scimdrift_fetch=info,scimdrift=info",
        2 => "warn,scimdrift_fetch=debug,scimdrift=debug",
        _ => "debug,scimdrift_fetch=trace,scimdrift=trace",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
}

/// A tokio runtime for the async fetch.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Fetches a snapshot with these flags. An incomplete snapshot is `Ok`
/// with `complete: false` (callers exit 3 for it).
pub async fn fetch_snapshot(args: &ConnectArgs) -> Result<Snapshot, CliError> {
    init_logging(args.verbose);
    let options = args.to_options()?;
    let keys = args.keys()?;
    let bar = ProgressBar::new(args.quiet);
    #[expect(
        clippy::disallowed_methods,
        reason = "the CLI edge owns the clock: it stamps the snapshot"
    )]
    let started_at = jiff::Timestamp::now();
    let result = scimdrift_fetch::fetch(&options, &keys, &bar).await;
    #[expect(
        clippy::disallowed_methods,
        reason = "the CLI edge owns the clock: it stamps the snapshot"
    )]
    let finished_at = jiff::Timestamp::now();
    bar.finish();
    match result {
        Ok(mut snapshot) => {
            let finished = finished_at
                .round(jiff::Unit::Millisecond)
                .unwrap_or(finished_at);
            let started = started_at
                .round(jiff::Unit::Millisecond)
                .unwrap_or(started_at);
            snapshot.fetched_at = Some(finished.to_string());
            snapshot.stats.started_at = Some(started.to_string());
            snapshot.stats.finished_at = Some(finished.to_string());
            Ok(snapshot)
        }
        Err(err) => Err(err.into()),
    }
}

/// Reads the `selection` of groups live, and the members `snapshot` does not
/// know by id, with these flags; returns the refresh and when it finished.
pub async fn refresh_groups(
    args: &ConnectArgs,
    selection: &scimdrift_fetch::GroupSelection,
    snapshot: &Snapshot,
) -> Result<(scimdrift_fetch::Refreshed, jiff::Timestamp), CliError> {
    init_logging(args.verbose);
    let options = args.to_options()?;
    let keys = args.keys()?;
    let bar = ProgressBar::new(args.quiet);
    let result = scimdrift_fetch::refresh(&options, &keys, selection, snapshot, &bar).await;
    bar.finish();
    #[expect(
        clippy::disallowed_methods,
        reason = "the CLI edge owns the clock: it stamps the refresh"
    )]
    let finished_at = jiff::Timestamp::now();
    let finished = finished_at
        .round(jiff::Unit::Millisecond)
        .unwrap_or(finished_at);
    Ok((result?, finished))
}

/// Prints why a snapshot is incomplete (always, even with `--quiet`: it
/// explains exit code 3).
pub fn report_incomplete(snapshot: &Snapshot) {
    let mut stderr = anstream::stderr();
    let _ = writeln!(
        stderr,
        "error: the snapshot is incomplete; results built on it are not trustworthy:"
    );
    for reason in &snapshot.incomplete_reasons {
        let _ = writeln!(stderr, "  - {reason}");
    }
}

/// A progress bar on stderr when it is a terminal (and not `--quiet`).
struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressBar {
    fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} fetching {msg} [{bar:30}] {pos}/{len} resources ({elapsed})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        ProgressBar { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for ProgressBar {
    fn total(&self, kind: ResourceKind, total: u64) {
        if let Some(bar) = &self.bar {
            bar.inc_length(total);
            bar.set_message(kind.label());
        }
    }

    fn advanced(&self, kind: ResourceKind, count: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(count);
            bar.set_message(kind.label());
        }
    }

    fn rescan(&self, kind: ResourceKind, reason: &str) {
        if let Some(bar) = &self.bar {
            bar.println(format!("re-reading {kind}: {reason}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("50/min"), Ok(50.0));
        assert_eq!(parse_rate("500"), Ok(500.0));
        assert_eq!(parse_rate("2.5/m"), Ok(2.5));
        assert!(parse_rate("0/min").is_err());
        assert!(parse_rate("fast").is_err());
        // The flag's default text matches the library's default.
        assert_eq!(
            parse_rate("50/min"),
            Ok(scimdrift_fetch::DEFAULT_RATE_LIMIT_PER_MIN)
        );
    }

    #[test]
    fn page_sizes() {
        assert_eq!(parse_page_size("auto"), Ok(PageSize::Auto));
        assert_eq!(parse_page_size("250"), Ok(PageSize::Fixed(250)));
        assert!(parse_page_size("0").is_err());
        assert!(parse_page_size("-1").is_err());
    }
}
