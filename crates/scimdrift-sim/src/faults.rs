//! Seeded fault injection.
//!
//! A [`FaultSpec`] says how often each fault happens; the server draws the
//! same three random numbers for every authenticated request (fault kind,
//! storm start, jitter) from a ChaCha stream seeded by the configured seed, so
//! the same seed and the same request sequence give the same faults.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Which fault hit one answer. Recorded in the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// HTTP 500 with a JSON error body.
    Status500,
    /// HTTP 502 with an HTML body, as a proxy would send it.
    Status502,
    /// HTTP 503 with a JSON error body.
    Status503,
    /// The connection is dropped before a complete answer is sent.
    Reset,
    /// Status 200, but the JSON body stops half-way.
    Truncated,
    /// Status 200 with a body that is not valid JSON.
    Malformed,
    /// The body is sent in small chunks with pauses in between.
    SlowBody,
    /// HTTP 429 as part of a storm of consecutive 429s.
    Storm,
    /// The org changed right after this list page was served.
    MutatedAfter,
    /// Status 200 with an HTML page (a login or proxy page) instead of JSON.
    Html200,
    /// Status 200 with valid JSON of the wrong shape.
    WrongShape,
    /// Status 200 and a body that never ends.
    Endless,
    /// A redirect to another origin (`localhost` instead of `127.0.0.1`).
    Redirect,
    /// `Content-Encoding: gzip` with a small body that inflates enormously.
    GzipBomb,
    /// A list page that lies (see the `FaultSpec` lie fields).
    Lie,
    /// A group write that took effect, answered with HTTP 500
    /// (processed, then failed).
    WriteThen500,
    /// A group write that took effect, whose connection is then dropped
    /// before the answer completes (processed, then failed).
    WriteThenReset,
}

impl FaultKind {
    /// The spec key that switches this fault on.
    pub fn key(self) -> &'static str {
        match self {
            FaultKind::Status500 => "500",
            FaultKind::Status502 => "502",
            FaultKind::Status503 => "503",
            FaultKind::Reset => "reset",
            FaultKind::Truncated => "truncate",
            FaultKind::Malformed => "malformed",
            FaultKind::SlowBody => "slow",
            FaultKind::Storm => "storm",
            FaultKind::MutatedAfter => "mutate",
            FaultKind::Html200 => "html200",
            FaultKind::WrongShape => "wrong-shape",
            FaultKind::Endless => "endless",
            FaultKind::Redirect => "redirect",
            FaultKind::GzipBomb => "gzip-bomb",
            FaultKind::Lie => "lie",
            FaultKind::WriteThen500 => "write-500",
            FaultKind::WriteThenReset => "write-reset",
        }
    }
}

/// How the org changes during a scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mutation {
    /// No change.
    #[default]
    None,
    /// Insert this many new resources at the front: later pages shift
    /// forward, so a naive paginator sees duplicates.
    InsertFront(usize),
    /// Delete this many resources at the front: later pages shift back, so a
    /// naive paginator silently skips resources.
    DeleteFront(usize),
}

/// Fault probabilities and parameters. Parse one from the `--faults` text
/// (see [`FaultSpec::HELP`]) or build it field by field.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Extra latency drawn uniformly from `0..=jitter` for every answer.
    pub jitter: Duration,
    /// Share of answers that are HTTP 500.
    pub status_500: f64,
    /// Share of answers that are HTTP 502.
    pub status_502: f64,
    /// Share of answers that are HTTP 503.
    pub status_503: f64,
    /// Share of answers cut off by a dropped connection.
    pub reset: f64,
    /// Share of answers whose JSON body is truncated.
    pub truncate: f64,
    /// Share of answers whose body is not valid JSON.
    pub malformed: f64,
    /// Share of answers sent slowly.
    pub slow: f64,
    /// Pause between the chunks of a slow body.
    pub slow_chunk_delay: Duration,
    /// Number of chunks a slow body is split into.
    pub slow_chunks: usize,
    /// Chance that a request starts a 429 storm.
    pub storm: f64,
    /// Number of consecutive 429 answers in a storm (the starting one included).
    pub storm_len: u32,
    /// How the org changes after the first page of a multi-page scan.
    pub mutation: Mutation,
    /// How many scans are mutated (each kind's first pages count).
    pub mutation_times: u32,
    /// Share of answers that are an HTML page with status 200.
    pub html_200: f64,
    /// Share of answers that are JSON of the wrong shape with status 200.
    pub wrong_shape: f64,
    /// Share of answers whose body never ends.
    pub endless: f64,
    /// Share of answers that redirect to another origin.
    pub redirect: f64,
    /// Share of answers that are a gzip bomb.
    pub gzip_bomb: f64,
    /// How far a gzip bomb inflates, in MiB.
    pub bomb_mib: u64,
    /// Added to every list page's `totalResults` (a lie when not 0).
    pub total_offset: i64,
    /// Added to the `totalResults` of every list page of a kind after the
    /// first one served (a proxy whose count drifts once a scan is under way;
    /// the data itself unchanged).
    pub total_drift: i64,
    /// The first this-many list pages in the middle of a list (past the first
    /// page, short of the end) lose their last resource.
    pub short_pages: u32,
    /// Added to every list page's `itemsPerPage`.
    pub items_per_page_offset: i64,
    /// Added to every list page's echoed `startIndex`.
    pub start_index_offset: i64,
    /// Extra items on every list page beyond `count` (and the cap).
    pub overfull: usize,
    /// Every list page repeats its first resource at its end.
    pub duplicate_ids: bool,
    /// The first group or embed user of every page carries the id of the
    /// first standard user.
    pub cross_type_ids: bool,
    /// Every group gets a member that points at no user.
    pub dangling_members: bool,
    /// The `Retry-After` (whole seconds) of the `503` fault's answers; 0 for
    /// none.
    pub retry_after_503: u64,
    /// Share of group writes that take effect and are then answered with
    /// HTTP 500 (reads drawing it are answered normally).
    pub write_500: f64,
    /// Share of group writes that take effect and then lose their answer to
    /// a dropped connection.
    pub write_reset: f64,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            jitter: Duration::ZERO,
            status_500: 0.0,
            status_502: 0.0,
            status_503: 0.0,
            reset: 0.0,
            truncate: 0.0,
            malformed: 0.0,
            slow: 0.0,
            slow_chunk_delay: Duration::from_millis(50),
            slow_chunks: 8,
            storm: 0.0,
            storm_len: 5,
            mutation: Mutation::None,
            mutation_times: 1,
            html_200: 0.0,
            wrong_shape: 0.0,
            endless: 0.0,
            redirect: 0.0,
            gzip_bomb: 0.0,
            bomb_mib: 1024,
            total_offset: 0,
            total_drift: 0,
            short_pages: 0,
            items_per_page_offset: 0,
            start_index_offset: 0,
            overfull: 0,
            duplicate_ids: false,
            cross_type_ids: false,
            dangling_members: false,
            retry_after_503: 0,
            write_500: 0.0,
            write_reset: 0.0,
        }
    }
}

/// A `--faults` text that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault spec item `{item}`: {reason}")]
pub struct FaultSpecError {
    item: String,
    reason: String,
}

impl FaultSpecError {
    fn new(item: &str, reason: impl Into<String>) -> Self {
        FaultSpecError {
            item: item.to_owned(),
            reason: reason.into(),
        }
    }
}

fn share(item: &str, v: &str) -> Result<f64, FaultSpecError> {
    let (num, scale) = match v.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (v, 1.0),
    };
    let x: f64 = num
        .trim()
        .parse()
        .map_err(|_| FaultSpecError::new(item, "expected a share such as `0.1` or `10%`"))?;
    let x = x / scale;
    if !(0.0..=1.0).contains(&x) {
        return Err(FaultSpecError::new(
            item,
            "a share must lie between 0 and 1 (0% and 100%)",
        ));
    }
    Ok(x)
}

fn millis(item: &str, v: &str) -> Result<Duration, FaultSpecError> {
    let n = v.trim().strip_suffix("ms").unwrap_or(v.trim());
    n.parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| FaultSpecError::new(item, "expected milliseconds such as `50` or `50ms`"))
}

fn switch(item: &str, v: &str) -> Result<bool, FaultSpecError> {
    match v.trim() {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        _ => Err(FaultSpecError::new(item, "expected `on` or `off`")),
    }
}

fn offset(item: &str, v: &str) -> Result<i64, FaultSpecError> {
    v.trim().trim_start_matches('+').parse().map_err(|_| {
        FaultSpecError::new(item, "expected a signed whole number such as `+5` or `-2`")
    })
}

fn count<T: FromStr>(item: &str, v: &str) -> Result<T, FaultSpecError> {
    v.trim()
        .parse()
        .map_err(|_| FaultSpecError::new(item, "expected a whole number"))
}

impl FaultSpec {
    /// The `--faults` grammar, for `--help` texts.
    pub const HELP: &'static str = "\
Comma-separated KEY=VALUE items (shares are `0.1` or `10%`):
  500=SHARE, 502=SHARE, 503=SHARE   answer with that status (502 has an HTML body)
  503-retry-after=SECONDS           the 503 answers carry this Retry-After (none)
  reset=SHARE                       drop the connection before the answer completes
  truncate=SHARE                    status 200, JSON body cut off half-way
  malformed=SHARE                   status 200, body that is not valid JSON
  slow=SHARE                        send the body in chunks with pauses
  slow-chunk-ms=MS, slow-chunks=N   pause between chunks (50), number of chunks (8)
  jitter=MS                         extra latency drawn from 0..=MS per answer
  storm=SHARE, storm-len=N          chance a request starts a 429 storm of N answers (5)
  mutate=insert:N | delete:N        after the first page of a multi-page list, insert
                                    (or delete) N resources at the front of that list
  mutate-times=N                    how many scans to mutate (1)
Hostile servers (status 200 answers that lie or hurt):
  html200=SHARE                     an HTML sign-in page with status 200
  wrong-shape=SHARE                 valid JSON of the wrong shape
  endless=SHARE                     a body that never ends (one chunk per slow-chunk-ms)
  redirect=SHARE                    302 to the same path on another origin (localhost)
  gzip-bomb=SHARE, bomb-mib=N       gzip body inflating to N MiB of zeros (1024)
  total-results=+N|-N               every list page lies about totalResults
  total-drift=+N|-N                 ... every page of a list after its first one does
  short-pages=N                     the first N pages in the middle of a list lose
                                    their last resource
  items-per-page=+N|-N              ... about itemsPerPage
  start-index=+N|-N                 ... echoes a startIndex that was not asked for
  overfull=N                        ... carries N more items than count
  duplicate-ids=on                  ... repeats its first resource at its end
  cross-type-ids=on                 the first group/embed user of a page reuses a user id
  dangling-members=on               every group gets a member pointing at nobody
Group writes (PATCH, POST) that are processed, then fail:
  write-500=SHARE                   the write takes effect, the answer is HTTP 500
  write-reset=SHARE                 the write takes effect, the connection drops
The shares of 500 .. slow, html200 .. gzip-bomb and the write faults must add
up to at most 1.
Example: --faults '503=5%,reset=2%,jitter=100,storm=1%,storm-len=4'";

    /// Whether any list-page lie is switched on.
    pub fn lies(&self) -> bool {
        self.total_offset != 0
            || self.total_drift != 0
            || self.short_pages != 0
            || self.items_per_page_offset != 0
            || self.start_index_offset != 0
            || self.overfull != 0
            || self.duplicate_ids
            || self.cross_type_ids
            || self.dangling_members
    }

    /// Whether no fault is switched on.
    pub fn is_off(&self) -> bool {
        *self == FaultSpec::default()
    }

    /// The status/body faults in draw order with their shares.
    fn table(&self) -> [(FaultKind, f64); 14] {
        [
            (FaultKind::Status500, self.status_500),
            (FaultKind::Status502, self.status_502),
            (FaultKind::Status503, self.status_503),
            (FaultKind::Reset, self.reset),
            (FaultKind::Truncated, self.truncate),
            (FaultKind::Malformed, self.malformed),
            (FaultKind::SlowBody, self.slow),
            // Appended after the original seven, so old seeds replay unchanged.
            (FaultKind::Html200, self.html_200),
            (FaultKind::WrongShape, self.wrong_shape),
            (FaultKind::Endless, self.endless),
            (FaultKind::Redirect, self.redirect),
            (FaultKind::GzipBomb, self.gzip_bomb),
            // Appended last, so old seeds replay unchanged. Only writes act
            // on them.
            (FaultKind::WriteThen500, self.write_500),
            (FaultKind::WriteThenReset, self.write_reset),
        ]
    }

    /// Picks the fault for a uniform draw `u` in `[0, 1)`, if any.
    pub(crate) fn pick(&self, u: f64) -> Option<FaultKind> {
        let mut acc = 0.0;
        for (kind, p) in self.table() {
            acc += p;
            if u < acc {
                return Some(kind);
            }
        }
        None
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| FaultSpecError::new(item, "expected KEY=VALUE"))?;
            let value = value.trim();
            match key.trim() {
                "500" => spec.status_500 = share(item, value)?,
                "502" => spec.status_502 = share(item, value)?,
                "503" => spec.status_503 = share(item, value)?,
                "reset" => spec.reset = share(item, value)?,
                "truncate" => spec.truncate = share(item, value)?,
                "malformed" => spec.malformed = share(item, value)?,
                "slow" => spec.slow = share(item, value)?,
                "slow-chunk-ms" => spec.slow_chunk_delay = millis(item, value)?,
                "slow-chunks" => {
                    spec.slow_chunks = count::<usize>(item, value)?.max(1);
                }
                "jitter" => spec.jitter = millis(item, value)?,
                "storm" => spec.storm = share(item, value)?,
                "storm-len" => spec.storm_len = count::<u32>(item, value)?.max(1),
                "mutate" => {
                    let (how, n) = value.split_once(':').ok_or_else(|| {
                        FaultSpecError::new(item, "expected `insert:N` or `delete:N`")
                    })?;
                    let n: usize = count(item, n)?;
                    spec.mutation = match how {
                        "insert" => Mutation::InsertFront(n),
                        "delete" => Mutation::DeleteFront(n),
                        _ => {
                            return Err(FaultSpecError::new(
                                item,
                                "expected `insert:N` or `delete:N`",
                            ));
                        }
                    };
                }
                "mutate-times" => spec.mutation_times = count(item, value)?,
                "html200" => spec.html_200 = share(item, value)?,
                "wrong-shape" => spec.wrong_shape = share(item, value)?,
                "endless" => spec.endless = share(item, value)?,
                "redirect" => spec.redirect = share(item, value)?,
                "gzip-bomb" => spec.gzip_bomb = share(item, value)?,
                "bomb-mib" => spec.bomb_mib = count::<u64>(item, value)?.max(1),
                "total-results" => spec.total_offset = offset(item, value)?,
                "total-drift" => spec.total_drift = offset(item, value)?,
                "short-pages" => spec.short_pages = count(item, value)?,
                "items-per-page" => spec.items_per_page_offset = offset(item, value)?,
                "start-index" => spec.start_index_offset = offset(item, value)?,
                "overfull" => spec.overfull = count(item, value)?,
                "duplicate-ids" => spec.duplicate_ids = switch(item, value)?,
                "cross-type-ids" => spec.cross_type_ids = switch(item, value)?,
                "dangling-members" => spec.dangling_members = switch(item, value)?,
                "503-retry-after" => spec.retry_after_503 = count(item, value)?,
                "write-500" => spec.write_500 = share(item, value)?,
                "write-reset" => spec.write_reset = share(item, value)?,
                other => {
                    return Err(FaultSpecError::new(
                        item,
                        format!("unknown fault `{other}`; `scimdrift-sim --help` lists them all"),
                    ));
                }
            }
        }
        let total: f64 = spec.table().iter().map(|(_, p)| p).sum();
        if total > 1.0 + 1e-9 {
            return Err(FaultSpecError::new(
                text,
                format!("the status faults' shares add up to {total}, more than 1"),
            ));
        }
        Ok(spec)
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Per-request random draws, taken in a fixed order so a seed replays.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draws {
    pub fault: f64,
    pub storm: f64,
    pub jitter: f64,
}

impl Draws {
    pub(crate) fn take(rng: &mut ChaCha8Rng) -> Self {
        Draws {
            fault: rng.random::<f64>(),
            storm: rng.random::<f64>(),
            jitter: rng.random::<f64>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_key() {
        let spec: FaultSpec =
            "500=0.1, 502=5%, 503=0.05, reset=0.01, truncate=0.01, malformed=0.02, \
             slow=0.1, slow-chunk-ms=20, slow-chunks=4, jitter=30ms, storm=0.5, storm-len=3, \
             mutate=delete:2, mutate-times=2, total-drift=-10, short-pages=3"
                .parse()
                .unwrap();
        assert_eq!(spec.total_drift, -10);
        assert_eq!(spec.short_pages, 3);
        assert!(spec.lies());
        assert_eq!(spec.status_502, 0.05);
        assert_eq!(spec.slow_chunk_delay, Duration::from_millis(20));
        assert_eq!(spec.jitter, Duration::from_millis(30));
        assert_eq!(spec.storm_len, 3);
        assert_eq!(spec.mutation, Mutation::DeleteFront(2));
        assert_eq!(spec.mutation_times, 2);
        assert!("".parse::<FaultSpec>().unwrap().is_off());
    }

    #[test]
    fn rejects_bad_items() {
        let err = |s: &str| s.parse::<FaultSpec>().unwrap_err().to_string();
        assert_eq!(
            err("500=2"),
            "invalid fault spec item `500=2`: a share must lie between 0 and 1 (0% and 100%)"
        );
        assert!(err("teapot=0.1").contains("unknown fault `teapot`"));
        assert!(err("reset").contains("expected KEY=VALUE"));
        assert!(err("mutate=shuffle:2").contains("insert:N"));
        assert!(err("500=0.6,503=0.6").contains("more than 1"));
    }

    #[test]
    fn pick_follows_the_shares() {
        let spec: FaultSpec = "500=0.25,reset=0.25".parse().unwrap();
        assert_eq!(spec.pick(0.1), Some(FaultKind::Status500));
        assert_eq!(spec.pick(0.3), Some(FaultKind::Reset));
        assert_eq!(spec.pick(0.6), None);
        let spec: FaultSpec = "write-500=0.5,write-reset=50%".parse().unwrap();
        assert_eq!(spec.pick(0.2), Some(FaultKind::WriteThen500));
        assert_eq!(spec.pick(0.7), Some(FaultKind::WriteThenReset));
    }
}
