//! SARIF 2.1.0 for code scanning.
//!
//! One SARIF rule per (policy rule, finding kind) pair: findings from a named
//! rule (`acme-isolation`) get `acme-isolation/membership_required`; findings
//! from group declarations, settings and exceptions, whose "rule" is an
//! instance rather than a rule, get the finding kind alone
//! (`member_missing`), so code scanning groups alerts sensibly.
//!
//! Each result is located at the policy line that declared the violated
//! expectation. A finding without a declaration of its own (an unmanaged
//! group, a dangling member) is located at the declaration of its group when
//! there is one, else at the `settings` section that asked for it to be
//! reported; failing both it carries only a logical location (the SCIM
//! resource), never an invented line. Every result also names the SCIM
//! resource as a logical location. `partialFingerprints` carry the finding
//! id; excused findings carry an accepted external suppression located at the
//! exception; PR mode and `--state-dir` map onto `baselineState` (`new`,
//! `unchanged`); resolved findings are left out and counted in the run's
//! properties.

use crate::RenderOptions;
use crate::text::{kind_description, subject_label};
use scimdrift_report::{
    Change, Finding, FindingKind, PolicyLocation, Report, RuleKind, Severity, Since, Status,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The `$schema` written into every log.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where scimdrift's documentation lives, for `helpUri`-less rules.
const INFORMATION_URI: &str = "https://example.invalid/scimdrift";

/// The SARIF rule id of a finding.
pub fn rule_id(finding: &Finding) -> String {
    if is_instance_rule(&finding.rule) {
        finding.kind.as_str().to_owned()
    } else {
        format!("{}/{}", finding.rule, finding.kind.as_str())
    }
}

fn is_instance_rule(rule: &str) -> bool {
    rule.starts_with("group:") || rule.starts_with("exception:") || rule == "settings"
}

/// Renders the report as a SARIF 2.1.0 log (pretty JSON, trailing newline).
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut text = serde_json::to_string_pretty(&log(report, opts))
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

/// The SARIF log as a JSON value.
pub fn to_value(report: &Report, opts: &RenderOptions) -> Value {
    serde_json::to_value(log(report, opts)).unwrap_or(Value::Null)
}

// The log is typed where it is large (one result per finding) so that
// rendering does not build a `Value` tree per finding; fields are declared in
// the byte order of their names, the order `Value` objects are written in, so
// both ways give the same text.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    invocations: [Value; 1],
    properties: Value,
    results: Vec<SarifResult<'a>>,
    tool: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    kind: &'static str,
    level: &'static str,
    locations: Vec<Location>,
    message: Text<'a>,
    partial_fingerprints: Fingerprints<'a>,
    properties: ResultProperties<'a>,
    rule_id: String,
    rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression; 1]>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "scimdriftFindingId/v1")]
    finding_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    finding_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    kind: &'static str,
    policy_rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[Logical; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<Physical>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical {
    #[serde(skip_serializing_if = "Option::is_none")]
    fully_qualified_name: Option<String>,
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Uri,
    region: Region,
}

#[derive(Serialize)]
struct Uri {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_column: u32,
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Suppression {
    justification: String,
    kind: &'static str,
    location: PhysicalOnly,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalOnly {
    physical_location: Physical,
}

fn log<'a>(report: &'a Report, opts: &RenderOptions) -> Log<'a> {
    // Rules: one per distinct rule id, sorted; the rule's level is the most
    // severe level any of its findings has.
    // Resolved findings (PR mode, `--state-dir`) are not results: code
    // scanning would show them as open alerts. The run counts them instead.
    let current: Vec<&Finding> = report.findings.iter().filter(|f| f.is_current()).collect();
    let mut rules: BTreeMap<String, (&Finding, Severity)> = BTreeMap::new();
    for f in &current {
        let entry = rules.entry(rule_id(f)).or_insert((f, f.severity));
        entry.1 = entry.1.max(f.severity);
    }
    let index: BTreeMap<&str, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let rule_values: Vec<Value> = rules
        .iter()
        .map(|(id, (f, sev))| rule_descriptor(id, f, *sev))
        .collect();

    let results: Vec<SarifResult<'a>> = current
        .iter()
        .map(|f| {
            let id = rule_id(f);
            let rule_index = index.get(id.as_str()).copied().unwrap_or(0);
            result(report, f, id, rule_index, opts)
        })
        .collect();

    let notifications: Vec<Value> = report
        .incomplete_reasons
        .iter()
        .map(|reason| json!({"level": "error", "message": {"text": reason}}))
        .collect();
    let mut invocation = json!({
        "executionSuccessful": report.status != Status::Incomplete,
    });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let mut properties = json!({
        "status": report.status.as_str(),
        "generatedAt": report.generated_at,
        "snapshotSha256": report.source.snapshot_sha256,
        "failOn": report.fail_on.map_or("never", Severity::as_str),
        "resolved": report.findings.len() - current.len(),
    });
    if let Some(commit) = &report.policies_commit {
        properties["policiesCommit"] = json!(commit);
    }
    Log {
        schema: SARIF_SCHEMA_URI,
        runs: [Run {
            invocations: [invocation],
            properties,
            results,
            tool: json!({
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": INFORMATION_URI,
                    "rules": rule_values,
                }
            }),
        }],
        version: "2.1.0",
    }
}

fn rule_descriptor(id: &str, f: &Finding, severity: Severity) -> Value {
    let description = kind_description(f.kind);
    let (name, full) = if is_instance_rule(&f.rule) {
        (camel(f.kind.as_str()), description.to_owned())
    } else {
        (
            camel(id),
            format!("Policy rule `{}`: {}", f.rule, description),
        )
    };
    json!({
        "id": id,
        "name": name,
        "shortDescription": {"text": description},
        "fullDescription": {"text": full},
        "help": {
            "text": format!("{full} See the policy language reference (docs/policy-language.md), finding kind `{}`.", f.kind.as_str()),
        },
        "defaultConfiguration": {"level": level(severity)},
        "properties": {
            "tags": ["identity", "scim", "drift"],
            "kind": f.kind.as_str(),
        }
    })
}

fn camel(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

fn result<'a>(
    report: &'a Report,
    f: &'a Finding,
    rule_id: String,
    rule_index: usize,
    opts: &RenderOptions,
) -> SarifResult<'a> {
    let location = Location {
        logical_locations: logical(f).map(|l| [l]),
        physical_location: locate(report, f).map(|loc| physical(loc, opts)),
    };
    let locations = if location.logical_locations.is_none() && location.physical_location.is_none()
    {
        Vec::new()
    } else {
        vec![location]
    };
    let baseline_state = match (f.change, f.since_last_run) {
        (Some(Change::Introduced), _) | (None, Some(Since::New)) => Some("new"),
        (Some(Change::Unchanged), _) | (None, Some(Since::Persisting)) => Some("unchanged"),
        // Resolved findings never become results.
        (Some(Change::Resolved), _) | (None, Some(Since::Resolved) | None) => None,
    };
    let suppressions = f.exception.as_ref().map(|e| {
        let mut justification = e.reason.clone();
        if let Some(ticket) = &e.ticket {
            justification.push_str(&format!(" (ticket {ticket})"));
        }
        justification.push_str(&format!("; expires {}", e.expires));
        if let Some(owner) = &e.owner {
            justification.push_str(&format!("; owner {owner}"));
        }
        [Suppression {
            justification,
            kind: "external",
            location: PhysicalOnly {
                physical_location: physical(&e.policy, opts),
            },
            status: "accepted",
        }]
    });
    SarifResult {
        baseline_state,
        kind: "fail",
        level: level(f.severity),
        locations,
        message: Text { text: &f.message },
        partial_fingerprints: Fingerprints { finding_id: &f.id },
        properties: ResultProperties {
            finding_id: &f.id,
            group: f.group.as_deref(),
            kind: f.kind.as_str(),
            policy_rule: &f.rule,
            subject: f.subject.as_ref().map(subject_label),
        },
        rule_id,
        rule_index,
        suppressions,
    }
}

/// The declaration a finding is best shown at (see the module docs).
fn locate<'a>(report: &'a Report, f: &'a Finding) -> Option<&'a PolicyLocation> {
    if let Some(policy) = &f.policy {
        return Some(policy);
    }
    if let Some(group) = &f.group {
        let rule = format!("group:{group}");
        if let Some(e) = report.evaluated.iter().find(|e| e.rule == rule) {
            return Some(&e.policy);
        }
    }
    if matches!(
        f.kind,
        FindingKind::GroupUnmanaged | FindingKind::GroupNameInvalid
    ) {
        return report
            .evaluated
            .iter()
            .find(|e| e.kind == RuleKind::Settings)
            .map(|e| &e.policy);
    }
    None
}

fn physical(loc: &PolicyLocation, opts: &RenderOptions) -> Physical {
    Physical {
        artifact_location: Uri {
            uri: opts.policy_path(&loc.file),
        },
        region: Region {
            start_column: loc.column.max(1),
            start_line: loc.line.max(1),
        },
    }
}

fn logical(f: &Finding) -> Option<Logical> {
    let Some(subject) = f.subject.as_ref() else {
        return f.group.as_ref().map(|group| Logical {
            fully_qualified_name: None,
            kind: "object",
            name: group.clone(),
        });
    };
    let collection = match subject.kind.as_str() {
        "user" => "Users",
        "embed_user" => "EmbedUsers",
        _ => "Groups",
    };
    Some(Logical {
        fully_qualified_name: subject.id.as_ref().map(|id| format!("{collection}/{id}")),
        kind: "object",
        name: subject_label(subject),
    })
}
