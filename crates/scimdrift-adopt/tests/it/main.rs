//! The round-trip invariant: for a snapshot S, the policies `init(S)` load
//! without errors or warnings, and `check(S, init(S))` has no finding that
//! is not excused (except `member_dangling`, which no policy can avoid), and
//! every generated exception excuses something.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on broken fixtures by design"
)]

mod hostile;
mod merge;
mod roundtrip;

use scimdrift_adopt::{Adoption, Options};
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::{
    CheckOptions, FailOn, FindingKind, PolicySource, Report, ReportSource, Status, check,
    load_policies, render_all,
};

pub const NOW: &str = "2026-12-01T10:30:00Z";

pub fn now() -> jiff::Timestamp {
    NOW.parse().unwrap()
}

pub fn options() -> Options {
    Options {
        tool_version: "0.0.0-test".to_owned(),
        ..Options::new(now(), "snapshot org.json".to_owned(), "0".repeat(64))
    }
}

pub fn sources(files: &[scimdrift_adopt::PolicyFile]) -> Vec<PolicySource> {
    files
        .iter()
        .map(|f| PolicySource {
            path: f.path.clone(),
            contents: f.contents.clone(),
        })
        .collect()
}

/// Loads `files` (no errors, no warnings) and checks `snapshot` against them.
#[track_caller]
pub fn check_files(snapshot: &Snapshot, files: &[PolicySource], at: jiff::Timestamp) -> Report {
    let loaded = match load_policies(files) {
        Ok(loaded) => loaded,
        Err(diags) => panic!(
            "the generated policies do not load:\n{}",
            render_all(&diags)
        ),
    };
    assert!(
        loaded.warnings.is_empty(),
        "warnings:\n{}",
        render_all(&loaded.warnings)
    );
    let mut opts = CheckOptions::new(at, ReportSource::default());
    opts.fail_on = FailOn::Note;
    check(snapshot, &loaded.policies, &opts)
}

/// Asserts the round-trip invariant for `snapshot` and returns what init wrote.
#[track_caller]
pub fn round_trip(snapshot: &Snapshot, opts: &Options) -> Adoption {
    let adoption = scimdrift_adopt::init(snapshot, opts).expect("init succeeds");
    let report = check_files(snapshot, &sources(&adoption.files), opts.now);
    assert_clean(&report, snapshot);
    let excused = report
        .findings
        .iter()
        .filter(|f| f.exception.is_some())
        .count();
    assert!(
        excused >= adoption.summary.exceptions,
        "every exception excuses at least one finding"
    );
    adoption
}

/// Dangling members of `snapshot` (ids matching no user or embed user).
pub fn dangling(snapshot: &Snapshot) -> usize {
    let ids: std::collections::HashSet<&str> = snapshot
        .users
        .iter()
        .chain(&snapshot.embed_users)
        .map(|r| r.id())
        .collect();
    snapshot
        .groups
        .iter()
        .map(|g| {
            g.core()
                .ok()
                .and_then(|c| c.members.as_ref())
                .map_or(0, |m| m.iter().filter(|id| !ids.contains(&***id)).count())
        })
        .sum()
}

#[track_caller]
pub fn assert_clean(report: &Report, snapshot: &Snapshot) {
    let open: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.exception.is_none() && f.kind != FindingKind::MemberDangling)
        .map(|f| format!("{:?} {} {:?}: {}", f.kind, f.rule, f.group, f.message))
        .collect();
    assert!(
        open.is_empty(),
        "findings not excused:\n{}",
        open.join("\n")
    );
    let dangling_found = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::MemberDangling)
        .count();
    assert_eq!(
        dangling_found,
        dangling(snapshot),
        "member_dangling findings"
    );
    assert!(
        report.incomplete_reasons.is_empty(),
        "{:?}",
        report.incomplete_reasons
    );
    if dangling_found == 0 {
        assert_eq!(report.status, Status::Clean);
    }
}
