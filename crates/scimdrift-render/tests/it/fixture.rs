//! Hand-built reports covering every shape a renderer must handle.

use scimdrift_reconcile::*;
use std::collections::BTreeMap;

pub fn loc(file: &str, line: u32, column: u32) -> PolicyLocation {
    PolicyLocation {
        file: file.into(),
        line,
        column,
    }
}

pub fn embed(ext: &str, entity: &str) -> Subject {
    Subject {
        kind: SubjectType::EmbedUser,
        id: Some(format!("eu-{ext}")),
        user_name: Some(format!("{ext}@embed")),
        embed_external_id: Some(ext.into()),
        embed_entity: Some(entity.into()),
        display: None,
    }
}

pub fn user(name: &str) -> Subject {
    Subject {
        kind: SubjectType::User,
        id: Some(format!("u-{name}")),
        user_name: Some(name.into()),
        embed_external_id: None,
        embed_entity: None,
        display: None,
    }
}

pub fn group_subject(name: &str) -> Subject {
    Subject {
        kind: SubjectType::Group,
        id: Some(format!("g-{}", name.to_lowercase().replace(' ', "-"))),
        user_name: None,
        embed_external_id: None,
        embed_entity: None,
        display: Some(name.into()),
    }
}

#[expect(clippy::too_many_arguments, reason = "a flat test builder reads best")]
pub fn finding(
    id: &str,
    kind: FindingKind,
    rule: &str,
    severity: Severity,
    group: Option<&str>,
    subject: Option<Subject>,
    message: &str,
    policy: Option<PolicyLocation>,
) -> Finding {
    Finding {
        id: id.into(),
        kind,
        rule: rule.into(),
        severity,
        group: group.map(Into::into),
        subject,
        message: message.into(),
        policy,
        exception: None,
        change: None,
        since_last_run: None,
    }
}

/// A small report with a realistic mix: several kinds, an excused finding,
/// a group-less finding, a finding without a declaration.
pub fn sample() -> Report {
    use FindingKind as K;
    use Severity as S;
    let mut excused = finding(
        "f5",
        K::MembershipNotAllowed,
        "acme-isolation",
        S::Error,
        Some("Support Escalations"),
        Some(embed("acme-support-7", "acme")),
        "embed user `acme-support-7` (acme) is in `Support Escalations`, which no `only_in` entry allows",
        Some(loc("embed.yaml", 4, 5)),
    );
    excused.exception = Some(ExceptionRef {
        rule: "acme-isolation".into(),
        subject: "acme-support-7".into(),
        group: Some("Support Escalations".into()),
        reason: "Contractor on the support rota".into(),
        ticket: Some("SEC-123".into()),
        owner: Some("security@blobsrus.co".into()),
        expires: "2027-01-31".into(),
        policy: loc("exceptions.yaml", 3, 5),
    });
    let findings = vec![
        finding(
            "f1",
            K::MemberMissing,
            "group:Blob Sales",
            S::Error,
            Some("Blob Sales"),
            Some(user("blob.ross@blobsrus.co")),
            "`blob.ross@blobsrus.co` is declared in `Blob Sales` but is not a member",
            Some(loc("groups.yaml", 9, 7)),
        ),
        finding(
            "f2",
            K::MemberUnexpected,
            "group:Blob Sales",
            S::Error,
            Some("Blob Sales"),
            Some(user("=cmd|' /C calc'!A0")),
            "`=cmd|' /C calc'!A0` is a member of `Blob Sales` but is not declared",
            Some(loc("groups.yaml", 6, 5)),
        ),
        finding(
            "f3",
            K::GroupUnmanaged,
            "settings",
            S::Warning,
            Some("Temp, \"old\" group"),
            Some(group_subject("Temp, \"old\" group")),
            "live group `Temp, \"old\" group` is declared by no policy",
            None,
        ),
        finding(
            "f4",
            K::MemberDangling,
            "group:Blob Sales",
            S::Warning,
            Some("Blob Sales"),
            Some(Subject {
                kind: SubjectType::User,
                id: Some("gone-1".into()),
                user_name: None,
                embed_external_id: None,
                embed_entity: None,
                display: Some("ghost@blobsrus.co".into()),
            }),
            "member `gone-1` (ghost@blobsrus.co) of `Blob Sales` matches no user",
            None,
        ),
        excused,
        finding(
            "f6",
            K::SeparationOfDuties,
            "finance-not-sales",
            S::Error,
            None,
            Some(user("dana@blobsrus.co")),
            "`dana@blobsrus.co` is in `Finance` and `Sales`, which exclude each other",
            Some(loc("sod.yaml", 3, 5)),
        ),
        finding(
            "f7",
            K::ExceptionExpiring,
            "exception:acme-isolation",
            S::Warning,
            None,
            None,
            "exception for `acme-support-7` under `acme-isolation` expires on 2027-01-31 (in 10 days)\nrenew or remove it",
            Some(loc("exceptions.yaml", 3, 5)),
        ),
        finding(
            "f8",
            K::MembershipRequired,
            "deactivated-hold-nothing",
            S::Note,
            None,
            Some(user("carl@blobsrus.co")),
            "`carl@blobsrus.co` 100% needs <review>",
            Some(loc("users.yaml", 2, 5)),
        ),
    ];
    let evaluated = vec![
        EvaluatedRule {
            rule: "acme-isolation".into(),
            kind: RuleKind::EmbedUserRule,
            policy: loc("embed.yaml", 2, 5),
        },
        EvaluatedRule {
            rule: "beta-isolation".into(),
            kind: RuleKind::EmbedUserRule,
            policy: loc("embed.yaml", 9, 5),
        },
        EvaluatedRule {
            rule: "exception:acme-isolation".into(),
            kind: RuleKind::Exception,
            policy: loc("exceptions.yaml", 3, 5),
        },
        EvaluatedRule {
            rule: "finance-not-sales".into(),
            kind: RuleKind::SeparationOfDuties,
            policy: loc("sod.yaml", 3, 5),
        },
        EvaluatedRule {
            rule: "group:Admins".into(),
            kind: RuleKind::Group,
            policy: loc("groups.yaml", 12, 5),
        },
        EvaluatedRule {
            rule: "group:Blob Sales".into(),
            kind: RuleKind::Group,
            policy: loc("groups.yaml", 4, 5),
        },
        EvaluatedRule {
            rule: "settings".into(),
            kind: RuleKind::Settings,
            policy: loc("settings.yaml", 3, 3),
        },
    ];
    summarize(Report {
        schema: REPORT_SCHEMA.into(),
        status: Status::Drift,
        generated_at: "2026-11-20T09:00:00Z".into(),
        tool: ToolInfo {
            name: "scimdrift".into(),
            version: "0.1.0".into(),
        },
        fail_on: Some(Severity::Error),
        source: ReportSource {
            base_url: None,
            snapshot_path: Some("demo/org.json".into()),
            snapshot_sha256: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
                .into(),
            fetched_at: None,
            refresh: None,
        },
        policies: vec![PolicyFileRef {
            file: "groups.yaml".into(),
            sha256: "aa".repeat(32),
        }],
        policies_commit: None,
        summary: Summary::default(),
        evaluated,
        membership_diffs: Vec::new(),
        findings,
        incomplete_reasons: Vec::new(),
    })
}

/// Recomputes the summary counts from the findings (fail threshold `error`).
pub fn summarize(mut report: Report) -> Report {
    let mut by_kind = BTreeMap::new();
    let mut by_severity = BTreeMap::new();
    let mut excused = 0;
    let mut failing = 0;
    for f in &report.findings {
        *by_kind.entry(f.kind).or_insert(0) += 1;
        if f.exception.is_some() {
            excused += 1;
            continue;
        }
        *by_severity.entry(f.severity).or_insert(0) += 1;
        if report.fail_on.is_some_and(|t| f.severity >= t) {
            failing += 1;
        }
    }
    report.summary = Summary {
        total: report.findings.len() as u64,
        excused,
        failing,
        by_kind,
        by_severity,
        coverage: Coverage {
            groups_live: 15,
            groups_declared: 12,
            groups_ignored: 1,
            groups_unmanaged: 2,
            users_live: 34,
            users_governed: 30,
            embed_users_live: 60,
            embed_users_governed: 58,
        },
    };
    report
}

/// A report with `n` findings of mixed severities over many groups.
pub fn big(n: usize) -> Report {
    let mut report = sample();
    report.findings = (0..n)
        .map(|i| {
            let severity = match i % 3 {
                0 => Severity::Error,
                1 => Severity::Warning,
                _ => Severity::Note,
            };
            let group = format!("Group {:03}", i % 200);
            finding(
                &format!("{i:016x}"),
                FindingKind::MemberUnexpected,
                &format!("group:{group}"),
                severity,
                Some(&group),
                Some(embed(&format!("ext-{i:05}"), "acme")),
                &format!("embed user `ext-{i:05}` is a member of `{group}` but is not declared"),
                Some(loc("groups.yaml", 10 + (i % 200) as u32, 5)),
            )
        })
        .collect();
    summarize(report)
}

/// The sample in PR mode: one introduced, one resolved, the rest unchanged.
pub fn pr_mode() -> Report {
    let mut report = sample();
    for (i, f) in report.findings.iter_mut().enumerate() {
        f.change = Some(match i {
            0 => Change::Introduced,
            5 => Change::Resolved,
            _ => Change::Unchanged,
        });
    }
    report
}
