//! The fetch itself: scans every resource kind concurrently, settles
//! inconsistencies by re-reading, and builds the snapshot.
//!
//! A scan of one kind reads the first page (large with `--page-size auto`),
//! learns the total and the server's real page size, then fetches every other
//! window concurrently within the rate limit. The first inconsistency stops
//! the scan (no point paying for pages of a list that is moving) and the kind
//! is read again, up to `max_rescans` times. A kind whose reads never settle,
//! or whose pages could not be read despite the retries, makes the snapshot
//! incomplete with the reasons: it never claims completeness it cannot show.
//!
//! The announced total is not trusted to mark the end: unless the last page
//! came back short (the server ran out), or whenever the total differed
//! between scans, one more request at `startIndex = total + 1` must come back
//! empty (see [`crate::plan`]). That costs at most one request per kind and
//! scan, and none for the usual short last page.

use std::sync::atomic::Ordering;

use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use scimdrift_proto::{FetchStats, Resource, Snapshot, SnapshotSource};
use tokio::time::Instant;
use url::Url;

use crate::client::{Http, PageError};
use crate::error::FetchError;
use crate::options::{AUTO_FIRST_COUNT, FALLBACK_COUNT, FetchOptions, PageSize, ResourceKind};
use crate::plan::{Assembly, effective_page_size, windows};
use crate::token::Keys;

/// Receives progress notifications (for a progress bar). Every method has a
/// no-op default.
pub trait Progress: Send + Sync {
    /// The first page of `kind` announced `total` resources.
    fn total(&self, kind: ResourceKind, total: u64) {
        let _ = (kind, total);
    }
    /// `count` more resources of `kind` were read.
    fn advanced(&self, kind: ResourceKind, count: u64) {
        let _ = (kind, count);
    }
    /// `kind` is being read again to settle an inconsistency.
    fn rescan(&self, kind: ResourceKind, reason: &str) {
        let _ = (kind, reason);
    }
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Most rounds of gap-filling within one scan (a round re-asks for whatever
/// short pages left uncovered; a consistent server needs one).
const MAX_ROUNDS: usize = 4;

/// Reads every resource the provider serves into a snapshot.
///
/// Returns `Err` only when no trustworthy snapshot can be produced at all
/// (bad options, rejected token, wrong URL, redirects, oversized answers).
/// Transient trouble that outlasts the retries and inconsistencies that
/// re-reads cannot settle yield `Ok` with `complete: false` and the reasons.
/// `fetched_at` and the wall-clock times in `stats` are left for the caller,
/// which owns the clock.
///
/// `keys` is one [`crate::Token`] or several [`Keys`]: each key gets its own
/// rate limiter at `options.rate_limit_per_min`, and requests go to the key
/// whose next slot comes first. A key the server rejects (401/403) is an
/// `Err` naming the key by position and fingerprint.
pub async fn fetch(
    options: &FetchOptions,
    keys: impl Into<Keys>,
    progress: &dyn Progress,
) -> Result<Snapshot, FetchError> {
    options.validate()?;
    let keys = keys.into();
    let key_count = keys.len();
    let http = Http::new(options, keys)?;
    let started = Instant::now();
    let kinds = ResourceKind::for_provider(options.provider);
    tracing::info!(
        base_url = %options.redacted_base_url(),
        provider = ?options.provider,
        rate_per_min_per_key = options.rate_limit_per_min,
        keys = key_count,
        concurrency = options.concurrency,
        "fetch starts"
    );
    let results = futures_util::future::try_join_all(
        kinds
            .iter()
            .map(|&kind| scan_kind(&http, options, kind, progress)),
    )
    .await?;

    let mut snapshot = Snapshot::new(SnapshotSource {
        provider: options.provider,
        base_url: Some(options.redacted_base_url()),
    });
    for (&kind, outcome) in kinds.iter().zip(results) {
        for reason in outcome.reasons {
            snapshot.mark_incomplete(format!("{kind}: {reason}"));
        }
        match kind {
            ResourceKind::Groups => snapshot.groups = outcome.resources,
            ResourceKind::Users => snapshot.users = outcome.resources,
            ResourceKind::EmbedUsers => snapshot.embed_users = outcome.resources,
        }
    }
    let counters = &http.counters;
    if counters.echoed_token.load(Ordering::Relaxed) {
        snapshot.mark_incomplete(
            "the server sent the API token back inside an answer; it was redacted, so the data is not exactly as served",
        );
    }
    snapshot.stats = FetchStats {
        requests: counters.requests.load(Ordering::Relaxed),
        retries: counters.retries.load(Ordering::Relaxed),
        rate_limited: counters.rate_limited.load(Ordering::Relaxed),
        pages: counters.pages.load(Ordering::Relaxed),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        started_at: None,
        finished_at: None,
    };
    snapshot.sort();
    tracing::info!(
        requests = snapshot.stats.requests,
        retries = snapshot.stats.retries,
        rate_limited = snapshot.stats.rate_limited,
        final_rate_per_min = format!("{:.1}", http.rate_per_minute()),
        complete = snapshot.complete,
        "fetch done"
    );
    Ok(snapshot)
}

/// What reading one kind produced.
pub(crate) struct KindOutcome {
    pub(crate) resources: Vec<Resource>,
    /// Empty when the kind was read completely and consistently.
    pub(crate) reasons: Vec<String>,
}

enum ScanOutcome {
    Settled(Assembly),
    Inconsistent(Assembly),
    GaveUp(Option<Assembly>, String),
}

pub(crate) async fn scan_kind(
    http: &Http,
    options: &FetchOptions,
    kind: ResourceKind,
    progress: &dyn Progress,
) -> Result<KindOutcome, FetchError> {
    let endpoint = options.endpoint(kind);
    let mut last = None;
    let mut totals = Vec::new();
    for scan in 0..=options.max_rescans {
        match scan_once(http, options, &endpoint, kind, progress, &mut totals).await? {
            ScanOutcome::Settled(assembly) => {
                return Ok(KindOutcome {
                    resources: assembly.into_resources(),
                    reasons: Vec::new(),
                });
            }
            ScanOutcome::GaveUp(assembly, reason) => {
                return Ok(KindOutcome {
                    resources: assembly.map(Assembly::into_resources).unwrap_or_default(),
                    reasons: vec![reason],
                });
            }
            ScanOutcome::Inconsistent(assembly) => {
                let why = assembly.anomalies().join("; ");
                if scan < options.max_rescans {
                    tracing::info!(kind = %kind, reason = %why, "inconsistent scan; reading again");
                    progress.rescan(kind, &why);
                }
                last = Some(assembly);
            }
        }
    }
    let mut reasons = Vec::new();
    let mut resources = Vec::new();
    if let Some(assembly) = last {
        reasons = assembly.anomalies();
        if reasons.is_empty() {
            reasons.push(format!(
                "read {} of the {} announced",
                assembly.len(),
                assembly.total()
            ));
        }
        resources = assembly.into_resources();
    }
    reasons.push(format!(
        "still inconsistent after {} re-read(s)",
        options.max_rescans
    ));
    Ok(KindOutcome { resources, reasons })
}

/// One scan of `kind`. `totals` holds the totals announced by earlier scans'
/// first pages (this scan's is added): a total that moved between scans
/// means the end must be confirmed, whatever the last page looked like.
async fn scan_once(
    http: &Http,
    options: &FetchOptions,
    endpoint: &Url,
    kind: ResourceKind,
    progress: &dyn Progress,
    totals: &mut Vec<u64>,
) -> Result<ScanOutcome, FetchError> {
    let asked = match options.page_size {
        PageSize::Auto => AUTO_FIRST_COUNT,
        PageSize::Fixed(n) => n.max(1),
    };
    let (first, asked) = match http.get_page(endpoint, 1, asked).await {
        Ok(page) => (page, asked),
        // A server may refuse a large `count` outright: ask for the usual size.
        Err(PageError::Fatal(FetchError::Refused { status, .. }))
            if options.page_size == PageSize::Auto =>
        {
            tracing::info!(kind = %kind, status, "large first page refused; falling back to {FALLBACK_COUNT}");
            match http.get_page(endpoint, 1, FALLBACK_COUNT).await {
                Ok(page) => (page, FALLBACK_COUNT),
                Err(PageError::Fatal(e)) => return Err(e),
                Err(PageError::GaveUp(reason)) => return Ok(ScanOutcome::GaveUp(None, reason)),
            }
        }
        Err(PageError::Fatal(e)) => return Err(e),
        Err(PageError::GaveUp(reason)) => return Ok(ScanOutcome::GaveUp(None, reason)),
    };
    if first.total > options.max_total_results {
        return Ok(ScanOutcome::GaveUp(
            None,
            format!(
                "totalResults {} is implausible (more than {})",
                first.total, options.max_total_results
            ),
        ));
    }
    let page_size = effective_page_size(asked, first.resources.len(), first.total);
    let total_moved = totals.iter().any(|&t| t != first.total);
    totals.push(first.total);
    let mut assembly = Assembly::new(first.total);
    progress.total(kind, first.total);
    let added = assembly.add(first);
    progress.advanced(kind, added as u64);
    let mut pages_used = 1u64;

    for _round in 0..MAX_ROUNDS {
        if !assembly.anomalies().is_empty() {
            return Ok(ScanOutcome::Inconsistent(assembly));
        }
        let gaps = assembly.gaps();
        if gaps.is_empty() {
            break;
        }
        let planned = windows(&gaps, page_size, assembly.total());
        pages_used += planned.len() as u64;
        if pages_used > options.max_pages {
            return Ok(ScanOutcome::GaveUp(
                Some(assembly),
                format!(
                    "reading {} resources would take more than {} pages",
                    assembly_total(&gaps),
                    options.max_pages
                ),
            ));
        }
        let mut in_flight: FuturesUnordered<_> = planned
            .into_iter()
            .map(|w| http.get_page(endpoint, w.start, w.count))
            .collect();
        let mut progressed = 0usize;
        while let Some(result) = in_flight.next().await {
            match result {
                Ok(page) => {
                    let added = assembly.add(page);
                    progressed += added;
                    progress.advanced(kind, added as u64);
                    if !assembly.anomalies().is_empty() {
                        // Dropping the rest cancels requests into a moving list.
                        break;
                    }
                }
                Err(PageError::Fatal(e)) => return Err(e),
                Err(PageError::GaveUp(reason)) => {
                    return Ok(ScanOutcome::GaveUp(Some(assembly), reason));
                }
            }
        }
        if progressed == 0 && assembly.anomalies().is_empty() {
            // Asked for the gaps and got nothing new: the count lies.
            break;
        }
    }
    if !assembly.gaps().is_empty() && assembly.anomalies().is_empty() {
        let text = format!(
            "the server announced totalResults {} but only {} could be read",
            assembly.total(),
            assembly.len()
        );
        assembly.anomaly(text);
    }
    if assembly.is_settled() && (total_moved || !assembly.end_confirmed()) {
        // Every position up to the total is read, but nothing showed the list
        // ending there: ask past it.
        let past = assembly.total().saturating_add(1);
        match http.get_page(endpoint, past, 1).await {
            Ok(page) => {
                // Resources here lie past the total, a changed total is one
                // more inconsistency: `add` records both.
                let empty = page.resources.is_empty();
                assembly.add(page);
                if empty {
                    assembly.confirm_end();
                }
            }
            Err(PageError::Fatal(e)) => return Err(e),
            Err(PageError::GaveUp(reason)) => {
                return Ok(ScanOutcome::GaveUp(Some(assembly), reason));
            }
        }
    }
    Ok(if assembly.is_settled() {
        ScanOutcome::Settled(assembly)
    } else {
        ScanOutcome::Inconsistent(assembly)
    })
}

fn assembly_total(gaps: &[(u64, u64)]) -> u64 {
    gaps.iter().map(|(a, b)| b - a + 1).sum()
}
