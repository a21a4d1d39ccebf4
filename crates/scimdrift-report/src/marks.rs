//! How findings relate to another report: to the base policies' report in
//! PR mode ([`Change`]) and to the previous run's report with `--state-dir`
//! ([`Since`]). Both are set differences over finding fingerprints
//! ([`Finding::id`]); a finding found only in the other report is carried
//! over, marked resolved, and is then no longer [current](Finding::is_current).

use crate::model::{Change, Finding, Report, Since, Status};
use std::collections::BTreeSet;

impl Finding {
    /// Whether the finding is current: not a resolved one carried over for
    /// reference (resolved by the PR, or resolved since the last run).
    /// Renderers report resolved findings as such but never annotate or
    /// fail them.
    ///
    /// ```
    /// # use scimdrift_report::{Change, Finding, FindingKind, Severity, Since};
    /// # let mut finding = Finding {
    /// #     id: "f1".into(), kind: FindingKind::GroupMissing, rule: "group:Admins".into(),
    /// #     severity: Severity::Error, group: Some("Admins".into()), subject: None,
    /// #     message: "group `Admins` does not exist".into(), policy: None,
    /// #     exception: None, change: None, since_last_run: None,
    /// # };
    /// assert!(finding.is_current());
    /// finding.change = Some(Change::Unchanged);
    /// assert!(finding.is_current());
    /// finding.since_last_run = Some(Since::Resolved);
    /// assert!(!finding.is_current());
    /// ```
    pub fn is_current(&self) -> bool {
        self.change != Some(Change::Resolved) && self.since_last_run != Some(Since::Resolved)
    }
}

impl Report {
    /// PR mode: marks this report (the head policies') against `base` (the
    /// base policies' report on the same snapshot). Its findings become
    /// [`Change::Introduced`] or [`Change::Unchanged`]; findings only `base`
    /// has are appended as [`Change::Resolved`].
    ///
    /// The resolved findings' policy locations are the base's: with
    /// `base_dir_from_head` (the base policies directory relative to the
    /// head's, e.g. `../base/policies`) their files are made relative to the
    /// head policies directory, like every other location in the report.
    /// The summary and status are left as they are (see
    /// [`Report::fail_only_introduced`]).
    ///
    /// ```
    /// # use scimdrift_report::{Change, Finding, FindingKind, Report, Severity};
    /// # fn finding(id: &str) -> Finding {
    /// #     Finding {
    /// #         id: id.into(), kind: FindingKind::GroupMissing, rule: "group:Admins".into(),
    /// #         severity: Severity::Error, group: Some("Admins".into()), subject: None,
    /// #         message: "group `Admins` does not exist".into(), policy: None,
    /// #         exception: None, change: None, since_last_run: None,
    /// #     }
    /// # }
    /// # fn report(findings: Vec<Finding>) -> Report {
    /// #     use scimdrift_report::*;
    /// #     Report {
    /// #         schema: REPORT_SCHEMA.into(), status: Status::Drift,
    /// #         generated_at: "2026-01-01T00:00:00Z".into(),
    /// #         tool: ToolInfo { name: "scimdrift".into(), version: "0".into() },
    /// #         fail_on: Some(Severity::Error), source: ReportSource::default(),
    /// #         policies: vec![], policies_commit: None, summary: Summary::default(),
    /// #         evaluated: vec![], membership_diffs: vec![], findings,
    /// #         incomplete_reasons: vec![],
    /// #     }
    /// # }
    /// let mut head = report(vec![finding("kept"), finding("new")]);
    /// let base = report(vec![finding("kept"), finding("fixed")]);
    /// head.mark_against_base(&base, None);
    /// let marks: Vec<_> = head.findings.iter().map(|f| (f.id.as_str(), f.change)).collect();
    /// assert_eq!(marks, [
    ///     ("kept", Some(Change::Unchanged)),
    ///     ("new", Some(Change::Introduced)),
    ///     ("fixed", Some(Change::Resolved)),
    /// ]);
    /// ```
    pub fn mark_against_base(&mut self, base: &Report, base_dir_from_head: Option<&str>) {
        let base_ids: BTreeSet<&str> = base.findings.iter().map(|f| f.id.as_str()).collect();
        let head_ids: BTreeSet<String> = self.findings.iter().map(|f| f.id.clone()).collect();
        for f in &mut self.findings {
            f.change = Some(if base_ids.contains(f.id.as_str()) {
                Change::Unchanged
            } else {
                Change::Introduced
            });
        }
        for f in &base.findings {
            if head_ids.contains(&f.id) {
                continue;
            }
            let mut resolved = f.clone();
            resolved.change = Some(Change::Resolved);
            if let Some(dir) = base_dir_from_head {
                let locations = resolved
                    .policy
                    .iter_mut()
                    .chain(resolved.exception.iter_mut().map(|e| &mut e.policy));
                for location in locations {
                    location.file = format!("{dir}/{}", location.file);
                }
            }
            self.findings.push(resolved);
        }
    }

    /// PR mode with only introduced findings failing: recounts
    /// [`Summary::failing`](crate::Summary::failing) over the
    /// [`Change::Introduced`] findings and re-derives the status from it, so
    /// the exit code and the text agree. An incomplete report stays as it is.
    pub fn fail_only_introduced(&mut self) {
        if self.status == Status::Incomplete {
            return;
        }
        let fail_on = self.fail_on;
        let failing = self
            .findings
            .iter()
            .filter(|f| f.change == Some(Change::Introduced) && f.fails(fail_on))
            .count() as u64;
        self.summary.failing = failing;
        self.status = Status::derive(false, failing);
    }

    /// With `--state-dir`: marks this report's current findings against the
    /// `previous` run's report ([`Since::New`] or [`Since::Persisting`]) and
    /// appends the previous run's current findings that are gone now as
    /// [`Since::Resolved`] (without a PR mode [`Change`]). With no previous
    /// run every current finding is new.
    ///
    /// ```
    /// # use scimdrift_report::{Finding, FindingKind, Report, Severity, Since};
    /// # fn finding(id: &str) -> Finding {
    /// #     Finding {
    /// #         id: id.into(), kind: FindingKind::GroupMissing, rule: "group:Admins".into(),
    /// #         severity: Severity::Error, group: Some("Admins".into()), subject: None,
    /// #         message: "group `Admins` does not exist".into(), policy: None,
    /// #         exception: None, change: None, since_last_run: None,
    /// #     }
    /// # }
    /// # fn report(findings: Vec<Finding>) -> Report {
    /// #     use scimdrift_report::*;
    /// #     Report {
    /// #         schema: REPORT_SCHEMA.into(), status: Status::Drift,
    /// #         generated_at: "2026-01-01T00:00:00Z".into(),
    /// #         tool: ToolInfo { name: "scimdrift".into(), version: "0".into() },
    /// #         fail_on: Some(Severity::Error), source: ReportSource::default(),
    /// #         policies: vec![], policies_commit: None, summary: Summary::default(),
    /// #         evaluated: vec![], membership_diffs: vec![], findings,
    /// #         incomplete_reasons: vec![],
    /// #     }
    /// # }
    /// let previous = report(vec![finding("kept"), finding("fixed")]);
    /// let mut now = report(vec![finding("kept"), finding("new")]);
    /// now.mark_since_last_run(Some(&previous));
    /// let marks: Vec<_> = now.findings.iter().map(|f| (f.id.as_str(), f.since_last_run)).collect();
    /// assert_eq!(marks, [
    ///     ("kept", Some(Since::Persisting)),
    ///     ("new", Some(Since::New)),
    ///     ("fixed", Some(Since::Resolved)),
    /// ]);
    /// ```
    pub fn mark_since_last_run(&mut self, previous: Option<&Report>) {
        let previous_findings = previous.map_or(&[][..], |p| p.findings.as_slice());
        let before: BTreeSet<&str> = previous_findings
            .iter()
            .filter(|f| f.is_current())
            .map(|f| f.id.as_str())
            .collect();
        let now: BTreeSet<String> = self
            .findings
            .iter()
            .filter(|f| f.is_current())
            .map(|f| f.id.clone())
            .collect();
        for f in self.findings.iter_mut().filter(|f| f.is_current()) {
            f.since_last_run = Some(if before.contains(f.id.as_str()) {
                Since::Persisting
            } else {
                Since::New
            });
        }
        for f in previous_findings.iter().filter(|f| f.is_current()) {
            if !now.contains(&f.id) {
                let mut gone = f.clone();
                gone.since_last_run = Some(Since::Resolved);
                gone.change = None;
                self.findings.push(gone);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::fixture::{exception, finding, report};
    use crate::model::{Change, Report, Since, Status};

    fn changes(report: &Report) -> Vec<(&str, Option<Change>)> {
        report
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.change))
            .collect()
    }

    fn since(report: &Report) -> Vec<(&str, Option<Since>)> {
        report
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.since_last_run))
            .collect()
    }

    #[test]
    fn currency_is_neither_resolved_mark() {
        let mut f = finding("a");
        assert!(f.is_current());
        for change in [Change::Introduced, Change::Unchanged] {
            f.change = Some(change);
            assert!(f.is_current());
        }
        for s in [Since::New, Since::Persisting] {
            f.since_last_run = Some(s);
            assert!(f.is_current());
        }
        f.since_last_run = Some(Since::Resolved);
        assert!(!f.is_current());
        f.since_last_run = None;
        f.change = Some(Change::Resolved);
        assert!(!f.is_current());
    }

    #[test]
    fn against_base_marks_introduced_unchanged_and_appends_resolved() {
        let mut head = report(vec![finding("both"), finding("head")]);
        let base = report(vec![finding("base"), finding("both")]);
        head.mark_against_base(&base, None);
        assert_eq!(
            changes(&head),
            [
                ("both", Some(Change::Unchanged)),
                ("head", Some(Change::Introduced)),
                ("base", Some(Change::Resolved)),
            ]
        );
        // Locations stay as they were without a base directory.
        assert_eq!(head.findings[2].policy.as_ref().unwrap().file, "p.yaml");
        // The summary and status are the head's.
        assert_eq!(head.summary.total, 2);
    }

    #[test]
    fn against_base_points_resolved_findings_at_the_base_directory() {
        let mut head = report(vec![]);
        let mut gone = finding("gone");
        gone.exception = Some(exception());
        let base = report(vec![gone]);
        head.mark_against_base(&base, Some("../base"));
        let f = &head.findings[0];
        assert_eq!(f.policy.as_ref().unwrap().file, "../base/p.yaml");
        assert_eq!(f.exception.as_ref().unwrap().policy.file, "../base/p.yaml");
    }

    #[test]
    fn only_introduced_findings_fail() {
        let mut head = report(vec![finding("both"), finding("head")]);
        let base = report(vec![finding("both")]);
        head.mark_against_base(&base, None);
        head.fail_only_introduced();
        assert_eq!((head.summary.failing, head.status), (1, Status::Drift));

        let mut head = report(vec![finding("both")]);
        head.mark_against_base(&base, None);
        assert_eq!(head.status, Status::Drift);
        head.fail_only_introduced();
        assert_eq!((head.summary.failing, head.status), (0, Status::Clean));

        // An excused introduced finding does not fail either.
        let mut excused = finding("head");
        excused.exception = Some(exception());
        let mut head = report(vec![excused]);
        head.mark_against_base(&base, None);
        head.fail_only_introduced();
        assert_eq!((head.summary.failing, head.status), (0, Status::Clean));
    }

    #[test]
    fn only_introduced_leaves_an_incomplete_report_alone() {
        let mut head = report(vec![finding("both")]);
        head.status = Status::Incomplete;
        head.mark_against_base(&report(vec![]), None);
        head.fail_only_introduced();
        assert_eq!((head.summary.failing, head.status), (1, Status::Incomplete));
    }

    #[test]
    fn since_last_run_without_a_previous_run_marks_everything_new() {
        let mut now = report(vec![finding("a"), finding("b")]);
        now.mark_since_last_run(None);
        assert_eq!(
            since(&now),
            [("a", Some(Since::New)), ("b", Some(Since::New))]
        );
    }

    #[test]
    fn since_last_run_marks_new_persisting_and_appends_resolved() {
        let previous = report(vec![finding("gone"), finding("kept")]);
        let mut now = report(vec![finding("kept"), finding("new")]);
        now.mark_since_last_run(Some(&previous));
        assert_eq!(
            since(&now),
            [
                ("kept", Some(Since::Persisting)),
                ("new", Some(Since::New)),
                ("gone", Some(Since::Resolved)),
            ]
        );
    }

    #[test]
    fn since_last_run_skips_findings_that_are_not_current() {
        // The previous run was a PR-mode run: its resolved finding was not
        // current then and is not carried over. This run resolves `pr` in
        // PR mode: it gets no history mark.
        let mut old = finding("old-resolved");
        old.change = Some(Change::Resolved);
        let mut carried = finding("carried");
        carried.change = Some(Change::Unchanged);
        let previous = report(vec![old, carried]);
        let mut pr = finding("pr");
        pr.change = Some(Change::Resolved);
        let mut now = report(vec![pr]);
        now.mark_since_last_run(Some(&previous));
        assert_eq!(
            since(&now),
            [("pr", None), ("carried", Some(Since::Resolved))]
        );
        // A finding resolved since the last run loses its PR mode mark.
        assert_eq!(now.findings[1].change, None);
    }
}
