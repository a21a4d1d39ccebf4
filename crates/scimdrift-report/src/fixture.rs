//! Small reports and findings for the unit tests.

use crate::model::{
    Coverage, ExceptionRef, Finding, FindingKind, PolicyLocation, REPORT_SCHEMA, Report,
    ReportSource, Severity, Status, Summary, ToolInfo,
};

/// An error finding with fingerprint `id`, declared at `p.yaml:1:1`.
pub(crate) fn finding(id: &str) -> Finding {
    Finding {
        id: id.to_owned(),
        kind: FindingKind::GroupSize,
        rule: "group:Admins".to_owned(),
        severity: Severity::Error,
        group: Some("Admins".to_owned()),
        subject: None,
        message: "m".to_owned(),
        policy: Some(location()),
        exception: None,
        change: None,
        since_last_run: None,
    }
}

/// An exception declared at `p.yaml:1:1`.
pub(crate) fn exception() -> ExceptionRef {
    ExceptionRef {
        rule: "group:Admins".to_owned(),
        subject: "s".to_owned(),
        group: None,
        reason: "why".to_owned(),
        ticket: None,
        owner: None,
        expires: "2030-01-01".to_owned(),
        policy: location(),
    }
}

fn location() -> PolicyLocation {
    PolicyLocation {
        file: "p.yaml".to_owned(),
        line: 1,
        column: 1,
    }
}

/// A report of `findings` failing on errors, its summary counted.
pub(crate) fn report(findings: Vec<Finding>) -> Report {
    let fail_on = Some(Severity::Error);
    let summary = Summary::count(&findings, fail_on, Coverage::default());
    Report {
        schema: REPORT_SCHEMA.to_owned(),
        status: Status::derive(false, summary.failing),
        generated_at: "2026-01-01T00:00:00Z".to_owned(),
        tool: ToolInfo {
            name: "scimdrift".to_owned(),
            version: "0.0.0".to_owned(),
        },
        fail_on,
        source: ReportSource::default(),
        policies: Vec::new(),
        policies_commit: None,
        summary,
        evaluated: Vec::new(),
        membership_diffs: Vec::new(),
        findings,
        incomplete_reasons: Vec::new(),
    }
}
