//! A run's outcome: which findings fail it, the counts in its [`Summary`]
//! and its [`Status`].
//!
//! The engine derives a report's summary and status here, and PR mode
//! re-derives the status here when only introduced findings fail, so the
//! two can never disagree about what "failing" means.

use crate::model::{Coverage, Finding, Severity, Status, Summary};

impl Finding {
    /// Whether this finding fails a run whose threshold is `fail_on`: it is
    /// not excused and its severity is at or above the threshold. With no
    /// threshold (`--fail-on never`) nothing fails.
    ///
    /// ```
    /// # use scimdrift_report::{Finding, FindingKind, Severity};
    /// # let finding = Finding {
    /// #     id: "f1".into(), kind: FindingKind::GroupMissing, rule: "group:Admins".into(),
    /// #     severity: Severity::Warning, group: Some("Admins".into()), subject: None,
    /// #     message: "group `Admins` does not exist".into(), policy: None,
    /// #     exception: None, change: None, since_last_run: None,
    /// # };
    /// // `finding` is a warning that no exception excuses.
    /// assert!(finding.fails(Some(Severity::Warning)));
    /// assert!(!finding.fails(Some(Severity::Error)));
    /// assert!(!finding.fails(None));
    /// ```
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        self.exception.is_none() && fail_on.is_some_and(|threshold| self.severity >= threshold)
    }
}

impl Summary {
    /// Counts `findings`: all of them, the excused ones, those that fail
    /// against `fail_on` (see [`Finding::fails`]), per kind (excused
    /// included) and per severity (excused excluded). `coverage` is taken as
    /// given.
    ///
    /// ```
    /// # use scimdrift_report::{Coverage, Finding, FindingKind, Severity, Summary};
    /// # let finding = |severity| Finding {
    /// #     id: "f".into(), kind: FindingKind::GroupMissing, rule: "group:Admins".into(),
    /// #     severity, group: Some("Admins".into()), subject: None,
    /// #     message: "group `Admins` does not exist".into(), policy: None,
    /// #     exception: None, change: None, since_last_run: None,
    /// # };
    /// let findings = [finding(Severity::Error), finding(Severity::Note)];
    /// let summary = Summary::count(&findings, Some(Severity::Warning), Coverage::default());
    /// assert_eq!((summary.total, summary.failing, summary.excused), (2, 1, 0));
    /// assert_eq!(summary.by_kind[&FindingKind::GroupMissing], 2);
    /// ```
    pub fn count(findings: &[Finding], fail_on: Option<Severity>, coverage: Coverage) -> Summary {
        let mut summary = Summary {
            total: findings.len() as u64,
            coverage,
            ..Summary::default()
        };
        for f in findings {
            *summary.by_kind.entry(f.kind).or_default() += 1;
            if f.exception.is_some() {
                summary.excused += 1;
                continue;
            }
            *summary.by_severity.entry(f.severity).or_default() += 1;
            if f.fails(fail_on) {
                summary.failing += 1;
            }
        }
        summary
    }
}

impl Status {
    /// The outcome of a run: [`Status::Incomplete`] when the live data is
    /// not trustworthy (`incomplete`), whatever fails; otherwise
    /// [`Status::Drift`] when at least one finding fails, else
    /// [`Status::Clean`].
    ///
    /// ```
    /// use scimdrift_report::Status;
    /// assert_eq!(Status::derive(false, 0), Status::Clean);
    /// assert_eq!(Status::derive(false, 3), Status::Drift);
    /// assert_eq!(Status::derive(true, 3), Status::Incomplete);
    /// ```
    pub fn derive(incomplete: bool, failing: u64) -> Status {
        if incomplete {
            Status::Incomplete
        } else if failing > 0 {
            Status::Drift
        } else {
            Status::Clean
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ExceptionRef, FindingKind, PolicyLocation};

    fn finding(kind: FindingKind, severity: Severity, excused: bool) -> Finding {
        Finding {
            id: format!("{kind:?}-{severity:?}-{excused}"),
            kind,
            rule: "r".to_owned(),
            severity,
            group: None,
            subject: None,
            message: "m".to_owned(),
            policy: None,
            exception: excused.then(|| ExceptionRef {
                rule: "r".to_owned(),
                subject: "s".to_owned(),
                group: None,
                reason: "why".to_owned(),
                ticket: None,
                owner: None,
                expires: "2030-01-01".to_owned(),
                policy: PolicyLocation {
                    file: "p.yaml".to_owned(),
                    line: 1,
                    column: 1,
                },
            }),
            change: None,
            since_last_run: None,
        }
    }

    #[track_caller]
    fn check_fails(severity: Severity, excused: bool, fail_on: Option<Severity>, expected: bool) {
        let f = finding(FindingKind::GroupSize, severity, excused);
        assert_eq!(f.fails(fail_on), expected);
    }

    #[test]
    fn fails_at_or_above_the_threshold_unless_excused() {
        use Severity::{Error, Note, Warning};
        check_fails(Error, false, Some(Error), true);
        check_fails(Warning, false, Some(Error), false);
        check_fails(Warning, false, Some(Warning), true);
        check_fails(Note, false, Some(Note), true);
        check_fails(Error, false, Some(Note), true);
        check_fails(Error, true, Some(Note), false);
        check_fails(Error, false, None, false);
    }

    #[test]
    fn summary_counts_excused_by_kind_but_not_by_severity() {
        let findings = [
            finding(FindingKind::GroupSize, Severity::Error, false),
            finding(FindingKind::GroupSize, Severity::Error, true),
            finding(FindingKind::MemberMissing, Severity::Warning, false),
            finding(FindingKind::MemberMissing, Severity::Note, false),
        ];
        let coverage = Coverage {
            groups_live: 7,
            ..Coverage::default()
        };
        let s = Summary::count(&findings, Some(Severity::Warning), coverage.clone());
        assert_eq!((s.total, s.excused, s.failing), (4, 1, 2));
        assert_eq!(
            s.by_kind.into_iter().collect::<Vec<_>>(),
            [(FindingKind::GroupSize, 2), (FindingKind::MemberMissing, 2)]
        );
        assert_eq!(
            s.by_severity.into_iter().collect::<Vec<_>>(),
            [
                (Severity::Note, 1),
                (Severity::Warning, 1),
                (Severity::Error, 1)
            ]
        );
        assert_eq!(s.coverage, coverage);
    }

    #[test]
    fn summary_of_nothing_is_empty() {
        let s = Summary::count(&[], Some(Severity::Note), Coverage::default());
        assert_eq!(s, Summary::default());
    }

    #[test]
    fn status_incomplete_wins_then_drift_then_clean() {
        assert_eq!(Status::derive(true, 0), Status::Incomplete);
        assert_eq!(Status::derive(true, 1), Status::Incomplete);
        assert_eq!(Status::derive(false, 1), Status::Drift);
        assert_eq!(Status::derive(false, 0), Status::Clean);
    }
}
