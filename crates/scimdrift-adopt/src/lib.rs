//! `scimdrift init`: today's live state written as a starting policy set
//! that checks clean.
//!
//! Phases: index the snapshot the way the engine does ([`live`]) → infer
//! declarations, rules and exceptions ([`infer`]) → write sorted, commented
//! YAML files ([`write`]), with every name escaped so it loads back as the
//! same literal ([`escape`]).
//!
//! Architecture invariant: this crate performs no IO and never reads the
//! clock (`now` is an option). Same snapshot and options, byte-identical
//! files. The round-trip tests hold its inferences to the engine's verdict:
//! `check(S, init(S))` has no finding that is not excused, except the
//! `member_dangling` warnings no policy can avoid.

mod escape;
mod infer;
mod live;
mod summary;
mod write;

pub use escape::{GroupRef, group_ref, yaml_scalar};
pub use infer::{BASELINE_RULE, ENTITY_RULE, EXCEPTION_REASON};
pub use summary::Summary;

use std::collections::BTreeSet;

/// Options of one init.
#[derive(Debug, Clone)]
pub struct Options {
    /// Groups with more members than this are declared `unmanaged`.
    pub max_exact_members: usize,
    /// Exceptions expire this many days after `now`.
    pub exception_days: u32,
    /// The time written into the files; exceptions expire relative to it.
    pub now: jiff::Timestamp,
    /// Where the data came from, as shown in the header: a base URL or a
    /// snapshot path (never an absolute local path).
    pub source: String,
    /// The snapshot's sha256.
    pub sha256: String,
    /// The tool version written into the header.
    pub tool_version: String,
}

/// Default of [`Options::max_exact_members`].
pub const DEFAULT_MAX_EXACT_MEMBERS: usize = 500;
/// Default of [`Options::exception_days`].
pub const DEFAULT_EXCEPTION_DAYS: u32 = 90;

impl Options {
    /// Options with the defaults.
    pub fn new(now: jiff::Timestamp, source: String, sha256: String) -> Self {
        Options {
            max_exact_members: DEFAULT_MAX_EXACT_MEMBERS,
            exception_days: DEFAULT_EXCEPTION_DAYS,
            now,
            source,
            sha256,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// The `expires` day of the generated exceptions: `now` (UTC) plus
    /// `exception_days`.
    pub fn expires(&self) -> jiff::civil::Date {
        let today = self.now.to_zoned(jiff::tz::TimeZone::UTC).date();
        today
            .checked_add(jiff::Span::new().days(i64::from(self.exception_days)))
            .unwrap_or(jiff::civil::Date::MAX)
    }
}

/// A policy file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    /// Its path relative to the output directory (`/` separators).
    pub path: String,
    /// Its text.
    pub contents: String,
}

/// What init produced.
#[derive(Debug, Clone)]
pub struct Adoption {
    /// The files, in path order.
    pub files: Vec<PolicyFile>,
    /// What was declared, inferred and not inferred.
    pub summary: Summary,
}

/// Why init wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdoptError {
    /// The snapshot is incomplete, or holds resources `check` could not read:
    /// policies written from it would not describe the instance.
    #[error("the data is incomplete: {}", .0.join("; "))]
    Incomplete(Vec<String>),
}

/// The whole policy set for `snapshot`: settings, every live group declared,
/// the embed-user rules that hold today and exceptions for their deviations.
pub fn init(snapshot: &scimdrift_proto::Snapshot, opts: &Options) -> Result<Adoption, AdoptError> {
    let live = live::Live::new(snapshot)?;
    let mut plan = infer::Plan::default();
    infer::declarations(&live, opts, None, &mut plan);
    infer::rules(&live, opts, &mut plan);
    if plan.summary.exceptions > 0 {
        plan.summary.exceptions_expire = Some(opts.expires());
    }
    let mut files = write::init_files(&plan, opts);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Adoption {
        files,
        summary: plan.summary,
    })
}

/// Declarations for the live groups named in `undeclared` only (those no
/// existing policy declares), in files `stem.yaml` (`stem-2.yaml`, … when
/// large). No settings, rules or exceptions: existing files stay as they are.
pub fn merge(
    snapshot: &scimdrift_proto::Snapshot,
    opts: &Options,
    undeclared: &BTreeSet<String>,
    stem: &str,
) -> Result<Adoption, AdoptError> {
    let live = live::Live::new(snapshot)?;
    let mut plan = infer::Plan::default();
    infer::declarations(&live, opts, Some(undeclared), &mut plan);
    let files = write::merge_files(&plan, opts, stem);
    Ok(Adoption {
        files,
        summary: plan.summary,
    })
}
