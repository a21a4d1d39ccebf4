//! The compliance access review: every embed user with their groups, the
//! rules that applied to them, their findings and the exceptions that excused
//! them, plus an evidence block (when, from where, hashes, tool version).
//!
//! [`build`] derives a [`Review`] from a snapshot, the report the engine made
//! of it, and the embed-user rules (id and `where` filter) the policies hold;
//! [`render_csv`], [`render_markdown`], [`render_json`] and [`render_html`]
//! print it. The HTML page is self-contained: inline CSS and inline SVG
//! charts, no script, no network fetch.

use crate::csv::write_row;
use scimdrift_proto::{EmbedUser, Filter, Group, Snapshot};
use scimdrift_report::{
    ExceptionRef, FindingKind, PolicyFileRef, Report, Severity, Status, SubjectType, ToolInfo,
    short_sha,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The `schema` value of a review's JSON.
pub const REVIEW_SCHEMA: &str = "scimdrift.review/v1";

/// Why a review cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// A snapshot resource is not what its list says.
    #[error("{list} resource `{id}` is malformed")]
    Malformed {
        /// `groups` or `embed_users`.
        list: &'static str,
        /// The resource id.
        id: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// `--where` cannot be evaluated on a resource.
    #[error("the filter cannot be evaluated on embed user `{id}`: {message}")]
    Filter {
        /// The resource id.
        id: String,
        /// The evaluation error.
        message: String,
    },
}

/// An embed-user rule: what decides whether it applies to a subject.
#[derive(Debug, Clone, Copy)]
pub struct ReviewRule<'a> {
    /// The rule id.
    pub id: &'a str,
    /// Its `where` selector; `None` applies it to every embed user.
    pub filter: Option<&'a Filter>,
}

/// A group declaration that names embed users.
#[derive(Debug, Clone)]
pub struct ReviewDeclaration {
    /// `group:<name>`.
    pub rule: String,
    /// The declared `embedExternalId`s.
    pub embed_users: Vec<String>,
}

/// Which embed users to review.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter<'a> {
    /// Only these `embedEntity` values (all when empty).
    pub entities: Vec<String>,
    /// Only embed users this SCIM filter matches.
    pub filter: Option<&'a Filter>,
    /// The filter's text, for the evidence block.
    pub filter_text: Option<String>,
}

/// Where the review's data came from and what produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The evaluation time (`--now`).
    pub generated_at: String,
    /// The API base URL (live) or the snapshot path (as given, relative).
    pub source: String,
    /// sha256 of the snapshot.
    pub snapshot_sha256: String,
    /// When the snapshot was fetched, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// Each policy file and its sha256.
    pub policies: Vec<PolicyFileRef>,
    /// The policies' git commit, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies_commit: Option<String>,
    /// The tool.
    pub tool: ToolInfo,
    /// The check's status (`incomplete` makes the review untrustworthy).
    pub status: String,
    /// Why the data is incomplete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete_reasons: Vec<String>,
    /// `--entity` values applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<String>,
    /// `--where` applied.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
}

/// One finding about a reviewed user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewFinding {
    /// Finding id.
    pub id: String,
    /// Kind.
    pub kind: FindingKind,
    /// Rule.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Group involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Message.
    pub message: String,
    /// The exception that excused it.
    pub exception: Option<ExceptionRef>,
}

/// One embed user under review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewedUser {
    /// Live id.
    pub id: String,
    /// `embedExternalId`.
    pub external_id: String,
    /// `embedEntity`.
    pub entity: String,
    /// `userName`.
    pub user_name: String,
    /// `active`.
    pub active: bool,
    /// Group names, sorted.
    pub groups: Vec<String>,
    /// Rules and declarations that applied, sorted.
    pub rules: Vec<String>,
    /// Findings about this user.
    pub findings: Vec<ReviewFinding>,
}

/// Counts for the summary and the charts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewSummary {
    /// Embed users reviewed.
    pub users: u64,
    /// Users with at least one finding not excused.
    pub users_with_open_findings: u64,
    /// Findings about reviewed users.
    pub findings: u64,
    /// Of which excused.
    pub excused: u64,
    /// Findings by rule.
    pub findings_by_rule: BTreeMap<String, u64>,
    /// Findings by entity.
    pub findings_by_entity: BTreeMap<String, u64>,
}

/// A whole review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Always [`REVIEW_SCHEMA`].
    pub schema: &'static str,
    /// The evidence block.
    pub evidence: Evidence,
    /// Counts.
    pub summary: ReviewSummary,
    /// Users, sorted by entity then external id then id.
    pub users: Vec<ReviewedUser>,
}

/// Builds the review. `source` names where the data came from as it should
/// appear in the evidence (a base URL or a relative snapshot path).
pub fn build(
    snapshot: &Snapshot,
    report: &Report,
    rules: &[ReviewRule<'_>],
    declarations: &[ReviewDeclaration],
    select: &ReviewFilter<'_>,
) -> Result<Review, ReviewError> {
    let mut groups_of: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let groups: Vec<Group> = snapshot
        .groups
        .iter()
        .map(|r| {
            r.decode().map_err(|source| ReviewError::Malformed {
                list: "groups",
                id: r.id().to_owned(),
                source,
            })
        })
        .collect::<Result<_, _>>()?;
    for g in &groups {
        for m in &g.members {
            groups_of
                .entry(m.value.as_str())
                .or_default()
                .insert(g.display_name.clone());
        }
    }
    let mut findings_of: BTreeMap<&str, Vec<ReviewFinding>> = BTreeMap::new();
    for f in &report.findings {
        let Some(subject) = &f.subject else { continue };
        if subject.kind != SubjectType::EmbedUser {
            continue;
        }
        let Some(id) = subject.id.as_deref() else {
            continue;
        };
        findings_of.entry(id).or_default().push(ReviewFinding {
            id: f.id.clone(),
            kind: f.kind,
            rule: f.rule.clone(),
            severity: f.severity,
            group: f.group.clone(),
            message: f.message.clone(),
            exception: f.exception.clone(),
        });
    }

    let mut users = Vec::new();
    for r in &snapshot.embed_users {
        let u: EmbedUser = r.decode().map_err(|source| ReviewError::Malformed {
            list: "embed_users",
            id: r.id().to_owned(),
            source,
        })?;
        let entity = u.embed_entity.clone().unwrap_or_default();
        if !select.entities.is_empty() && !select.entities.contains(&entity) {
            continue;
        }
        let needs_value = select.filter.is_some() || rules.iter().any(|r| r.filter.is_some());
        let value = if needs_value {
            r.to_value()
        } else {
            serde_json::Value::Null
        };
        let matches = |filter: &Filter| {
            filter.evaluate(&value).map_err(|err| ReviewError::Filter {
                id: u.id.clone(),
                message: err.to_string(),
            })
        };
        if let Some(filter) = select.filter
            && !matches(filter)?
        {
            continue;
        }
        let external_id = u.embed_external_id.clone().unwrap_or_default();
        let mut applied = BTreeSet::new();
        for rule in rules {
            let applies = match rule.filter {
                None => true,
                Some(filter) => matches(filter)?,
            };
            if applies {
                applied.insert(rule.id.to_owned());
            }
        }
        for d in declarations {
            if d.embed_users.contains(&external_id) {
                applied.insert(d.rule.clone());
            }
        }
        // A finding's rule applied, whatever the selectors say (e.g. an
        // exception's or a declaration's finding).
        let findings = findings_of.remove(u.id.as_str()).unwrap_or_default();
        for f in &findings {
            applied.insert(f.rule.clone());
        }
        users.push(ReviewedUser {
            groups: groups_of
                .get(u.id.as_str())
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            id: u.id,
            external_id,
            entity,
            user_name: u.user_name,
            active: u.active.unwrap_or(true),
            rules: applied.into_iter().collect(),
            findings,
        });
    }
    users.sort_by(|a, b| {
        (&a.entity, &a.external_id, &a.id).cmp(&(&b.entity, &b.external_id, &b.id))
    });

    let mut summary = ReviewSummary {
        users: users.len() as u64,
        ..ReviewSummary::default()
    };
    for u in &users {
        if u.findings.iter().any(|f| f.exception.is_none()) {
            summary.users_with_open_findings += 1;
        }
        for f in &u.findings {
            summary.findings += 1;
            if f.exception.is_some() {
                summary.excused += 1;
            }
            *summary.findings_by_rule.entry(f.rule.clone()).or_default() += 1;
            let entity = if u.entity.is_empty() {
                "(no entity)".to_owned()
            } else {
                u.entity.clone()
            };
            *summary.findings_by_entity.entry(entity).or_default() += 1;
        }
    }

    let source = report
        .source
        .base_url
        .clone()
        .or_else(|| report.source.snapshot_path.clone())
        .unwrap_or_default();
    Ok(Review {
        schema: REVIEW_SCHEMA,
        evidence: Evidence {
            generated_at: report.generated_at.clone(),
            source,
            snapshot_sha256: report.source.snapshot_sha256.clone(),
            fetched_at: report.source.fetched_at.clone(),
            policies: report.policies.clone(),
            policies_commit: report.policies_commit.clone(),
            tool: report.tool.clone(),
            status: report.status.as_str().to_owned(),
            incomplete_reasons: report.incomplete_reasons.clone(),
            entities: select.entities.clone(),
            where_: select.filter_text.clone(),
        },
        summary,
        users,
    })
}

impl Review {
    /// Whether the underlying data was incomplete.
    pub fn incomplete(&self) -> bool {
        self.evidence.status == Status::Incomplete.as_str()
    }

    fn evidence_pairs(&self) -> Vec<(&'static str, String)> {
        let e = &self.evidence;
        let mut pairs = vec![
            ("generated_at", e.generated_at.clone()),
            ("source", e.source.clone()),
            ("snapshot_sha256", e.snapshot_sha256.clone()),
        ];
        if let Some(at) = &e.fetched_at {
            pairs.push(("fetched_at", at.clone()));
        }
        for p in &e.policies {
            pairs.push(("policy_sha256", format!("{} {}", p.sha256, p.file)));
        }
        pairs.push((
            "policies_commit",
            e.policies_commit
                .clone()
                .unwrap_or_else(|| "unknown (not a git checkout)".to_owned()),
        ));
        pairs.push(("tool", format!("{} {}", e.tool.name, e.tool.version)));
        pairs.push(("status", e.status.clone()));
        for r in &e.incomplete_reasons {
            pairs.push(("incomplete_reason", r.clone()));
        }
        if !e.entities.is_empty() {
            pairs.push(("entity_filter", e.entities.join(", ")));
        }
        if let Some(w) = &e.where_ {
            pairs.push(("where_filter", w.clone()));
        }
        pairs
    }
}

/// The review as pretty JSON with a trailing newline.
pub fn render_json(review: &Review) -> String {
    let mut text = serde_json::to_string_pretty(review).unwrap_or_else(|err| format!("\"{err}\""));
    text.push('\n');
    text
}

fn finding_text(f: &ReviewFinding) -> String {
    let mut text = format!(
        "{} {} [{}]: {}",
        f.severity.as_str(),
        f.kind.as_str(),
        f.rule,
        f.message
    );
    if let Some(e) = &f.exception {
        let _ = write!(text, " (excused: {})", exception_text(e));
    }
    text
}

fn exception_text(e: &ExceptionRef) -> String {
    format!(
        "{}; owner {}; ticket {}; expires {}",
        e.reason,
        e.owner.as_deref().unwrap_or("-"),
        e.ticket.as_deref().unwrap_or("-"),
        e.expires
    )
}

/// The review as CSV: `#` evidence lines, then one row per embed user.
pub fn render_csv(review: &Review) -> String {
    let mut out = String::new();
    for (key, value) in review.evidence_pairs() {
        let _ = write!(out, "# {key}: {}\r\n", value.replace(['\r', '\n'], " "));
    }
    write_row(
        &mut out,
        [
            "id",
            "embed_external_id",
            "embed_entity",
            "user_name",
            "active",
            "groups",
            "rules_applied",
            "open_findings",
            "excused_findings",
            "findings",
            "exceptions",
        ]
        .map(str::to_owned),
    );
    for u in &review.users {
        let open = u.findings.iter().filter(|f| f.exception.is_none()).count();
        let exceptions: Vec<String> = u
            .findings
            .iter()
            .filter_map(|f| f.exception.as_ref().map(exception_text))
            .collect();
        write_row(
            &mut out,
            [
                u.id.clone(),
                u.external_id.clone(),
                u.entity.clone(),
                u.user_name.clone(),
                u.active.to_string(),
                u.groups.join("; "),
                u.rules.join("; "),
                open.to_string(),
                (u.findings.len() - open).to_string(),
                u.findings
                    .iter()
                    .map(finding_text)
                    .collect::<Vec<_>>()
                    .join(" | "),
                exceptions.join(" | "),
            ],
        );
    }
    out
}

/// Escapes text for Markdown table cells.
fn md_cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The review as Markdown: evidence, summary, then a table of users.
pub fn render_markdown(review: &Review) -> String {
    let mut out = String::new();
    let s = &review.summary;
    let _ = writeln!(out, "# Embed user access review\n");
    if review.incomplete() {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> The live data was incomplete: this review cannot be relied on.\n"
        );
    }
    let _ = writeln!(out, "## Evidence\n\n| | |\n|---|---|");
    for (key, value) in review.evidence_pairs() {
        let _ = writeln!(out, "| {key} | `{}` |", md_cell(&value));
    }
    let _ = writeln!(
        out,
        "\n## Summary\n\n{} embed users reviewed; {} with open findings; {} findings, {} excused.\n",
        s.users, s.users_with_open_findings, s.findings, s.excused
    );
    if !s.findings_by_rule.is_empty() {
        let _ = writeln!(out, "| rule | findings |\n|---|---:|");
        for (rule, n) in &s.findings_by_rule {
            let _ = writeln!(out, "| `{}` | {n} |", md_cell(rule));
        }
        let _ = writeln!(out, "\n| entity | findings |\n|---|---:|");
        for (entity, n) in &s.findings_by_entity {
            let _ = writeln!(out, "| `{}` | {n} |", md_cell(entity));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "## Embed users\n\n| embedExternalId | entity | userName | id | active | groups | rules applied | findings | exceptions |\n|---|---|---|---|---|---|---|---|---|"
    );
    for u in &review.users {
        let findings: Vec<String> = u
            .findings
            .iter()
            .map(|f| md_cell(&finding_text(f)))
            .collect();
        let exceptions: Vec<String> = u
            .findings
            .iter()
            .filter_map(|f| f.exception.as_ref().map(|e| md_cell(&exception_text(e))))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | `{}` | {} | {} | {} | {} | {} |",
            md_cell(&u.external_id),
            md_cell(&u.entity),
            md_cell(&u.user_name),
            md_cell(&u.id),
            if u.active { "yes" } else { "no" },
            md_cell(&u.groups.join(", ")),
            md_cell(&u.rules.join(", ")),
            if findings.is_empty() {
                "—".to_owned()
            } else {
                findings.join("<br>")
            },
            if exceptions.is_empty() {
                "—".to_owned()
            } else {
                exceptions.join("<br>")
            },
        );
    }
    out
}

/// Escapes text for HTML content and attribute values.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#f6f7fa; --card:#fff;
  --err:#c62828; --warn:#b26a00; --note:#1565c0; --ok:#2e7d32; --bar:#3f51b5; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:var(--fg); background:var(--bg); }
header { background:#1d2330; color:#fff; padding:20px 32px; }
header h1 { margin:0; font-size:22px; font-weight:600; }
header p { margin:4px 0 0; color:#c5cbd8; }
main { padding:24px 32px 48px; max-width:1400px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin-bottom:20px; }
h2 { font-size:16px; margin:0 0 12px; }
.caution { border-color:var(--err); background:#fdecea; color:#7f1d1d; font-weight:600; }
.cards { display:flex; flex-wrap:wrap; gap:12px; }
.card { flex:1 1 160px; border:1px solid var(--line); border-radius:8px; padding:12px 16px; background:#fbfcfe; }
.card b { display:block; font-size:24px; }
.card span { color:var(--muted); }
.charts { display:flex; flex-wrap:wrap; gap:20px; }
.chart { flex:1 1 420px; min-width:0; }
.chart h3 { font-size:14px; margin:0 0 8px; }
.chart svg { width:100%; height:auto; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; vertical-align:top; padding:6px 8px; border-bottom:1px solid var(--line); }
th { background:#eef1f6; font-weight:600; position:sticky; top:0; }
td.mono, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12px; word-break:break-all; }
dl.evidence { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:0; }
dl.evidence dt { color:var(--muted); }
dl.evidence dd { margin:0; }
ul.plain { margin:0; padding-left:16px; }
ul.inline { margin:0; padding:0; list-style:none; }
ul.inline li { display:inline-block; white-space:nowrap; margin-right:4px; }
ul.inline li:not(:last-child)::after { content:","; }
.sub { display:block; word-break:break-all; color:var(--muted); font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:11px; }
.badge { display:inline-block; padding:2px 10px; border-radius:12px; font-size:13px; font-weight:600; margin-left:10px; vertical-align:middle; }
.badge.drift { background:#c62828; color:#fff; } .badge.clean { background:#2e7d32; color:#fff; } .badge.incomplete { background:#b26a00; color:#fff; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12px; background:#eef1f6; padding:0 3px; border-radius:3px; }
.sev-error { color:var(--err); font-weight:600; }
.sev-warning { color:var(--warn); font-weight:600; }
.sev-note { color:var(--note); font-weight:600; }
.excused { color:var(--muted); }
.exc { display:block; margin-top:2px; font-size:12px; color:var(--muted); }
tr.open td:first-child { border-left:3px solid var(--err); }
.none { color:var(--muted); }
footer { color:var(--muted); font-size:12px; }
"#;

/// An inline SVG horizontal bar chart; deterministic and script-free.
fn bar_chart(title: &str, data: &BTreeMap<String, u64>) -> String {
    let mut rows: Vec<(&String, &u64)> = data.iter().collect();
    // Largest first, then by name, so the chart reads top-down.
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let label_w = 220u64;
    let bar_w = 360u64;
    let row_h = 24u64;
    let height = (rows.len() as u64).max(1) * row_h + 8;
    let width = label_w + bar_w + 60;
    let max = rows.iter().map(|r| *r.1).max().unwrap_or(0).max(1);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{}">"#,
        html(title)
    );
    if rows.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="0" y="18" fill="#5b6475" font-size="13">No findings.</text>"##
        );
    }
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = i as u64 * row_h + 4;
        let w = (**n * bar_w / max).max(2);
        let shown: String = if label.chars().count() > 30 {
            label.chars().take(29).collect::<String>() + "…"
        } else {
            (*label).clone()
        };
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#1d2330"><title>{}</title>{}</text><rect x="{label_w}" y="{y}" width="{w}" height="{}" rx="3" fill="#3f51b5"/><text x="{}" y="{}" font-size="12" fill="#1d2330">{n}</text>"##,
            label_w - 8,
            y + 15,
            html(label),
            html(&shown),
            row_h - 6,
            label_w + w + 6,
            y + 15,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The review as one self-contained HTML page.
pub fn render_html(review: &Review) -> String {
    let s = &review.summary;
    let e = &review.evidence;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <title>Embed user access review — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        html(&e.generated_at)
    );
    let _ = write!(
        out,
        "<header><h1>Embed user access review<span class=\"badge {status}\">{status}</span></h1><p>{} · generated {} · {} {} · snapshot sha256 {}</p></header>\n<main>\n",
        html(&e.source),
        html(&e.generated_at),
        html(&e.tool.name),
        html(&e.tool.version),
        html(short_sha(&e.snapshot_sha256)),
        status = html(&e.status),
    );
    if review.incomplete() {
        let _ = write!(
            out,
            "<section class=\"caution\">The live data was incomplete: this review cannot be relied on.<ul class=\"plain\">"
        );
        for r in &e.incomplete_reasons {
            let _ = write!(out, "<li>{}</li>", html(r));
        }
        out.push_str("</ul></section>\n");
    }
    let _ = writeln!(
        out,
        "<section><h2>Summary</h2><div class=\"cards\">\
         <div class=\"card\"><b>{}</b><span>embed users reviewed</span></div>\
         <div class=\"card\"><b>{}</b><span>with open findings</span></div>\
         <div class=\"card\"><b>{}</b><span>findings</span></div>\
         <div class=\"card\"><b>{}</b><span>excused by an exception</span></div>\
         </div></section>",
        s.users, s.users_with_open_findings, s.findings, s.excused
    );
    let _ = writeln!(
        out,
        "<section><h2>Findings</h2><div class=\"charts\"><div class=\"chart\"><h3>By rule</h3>{}</div>\
         <div class=\"chart\"><h3>By entity</h3>{}</div></div></section>",
        bar_chart("Findings by rule", &s.findings_by_rule),
        bar_chart("Findings by entity", &s.findings_by_entity)
    );
    let _ = write!(
        out,
        "<section><h2>Embed users ({})</h2><p class=\"sub\">Users with open findings first, then users whose findings are all excused, then the rest; each group by entity and embedExternalId.</p><table>\n<thead><tr><th>embedExternalId</th><th>entity</th>\
         <th>userName / id</th><th>active</th><th>groups</th><th>rules applied</th><th>findings and exceptions</th></tr></thead>\n<tbody>\n",
        review.users.len()
    );
    // Attention first: a reviewer reads from the top.
    let mut ordered: Vec<&ReviewedUser> = review.users.iter().collect();
    ordered.sort_by_key(|u| {
        if u.findings.iter().any(|f| f.exception.is_none()) {
            0
        } else if u.findings.is_empty() {
            2
        } else {
            1
        }
    });
    for u in ordered {
        let open = u.findings.iter().any(|f| f.exception.is_none());
        let _ = writeln!(
            out,
            "<tr{}><td class=\"mono\">{}</td><td>{}</td><td>{}<span class=\"sub\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if open { " class=\"open\"" } else { "" },
            html(&u.external_id),
            if u.entity.is_empty() {
                "<span class=\"none\">—</span>".to_owned()
            } else {
                html(&u.entity)
            },
            html(&u.user_name),
            html(&u.id),
            if u.active { "yes" } else { "no" },
            list(&u.groups),
            list(&u.rules),
            findings_html(&u.findings),
        );
    }
    out.push_str("</tbody></table></section>\n");
    out.push_str("<section><h2>Evidence</h2><dl class=\"evidence\">");
    for (key, value) in review.evidence_pairs() {
        let _ = write!(
            out,
            "<dt>{}</dt><dd class=\"mono\">{}</dd>",
            html(key),
            html(&value)
        );
    }
    out.push_str("</dl></section>\n");
    let _ = write!(
        out,
        "<footer>Self-contained page: no scripts, no network requests. Schema {}.</footer>\n</main>\n</body>\n</html>\n",
        REVIEW_SCHEMA
    );
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "<span class=\"none\">—</span>".to_owned();
    }
    let mut out = String::from("<ul class=\"inline\">");
    for i in items {
        let _ = write!(out, "<li>{}</li>", html(i));
    }
    out.push_str("</ul>");
    out
}

/// Escapes a message and turns its `backtick` spans into `<code>`.
fn with_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // Unbalanced backticks: show the text as it is.
        return html(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if !i.is_multiple_of(2) {
                format!("<code>{}</code>", html(p))
            } else {
                html(p)
            }
        })
        .collect()
}

fn findings_html(findings: &[ReviewFinding]) -> String {
    if findings.is_empty() {
        return "<span class=\"none\">none</span>".to_owned();
    }
    let mut out = String::from("<ul class=\"plain\">");
    for f in findings {
        let sev = f.severity.as_str();
        let class = if f.exception.is_some() {
            " class=\"excused\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<li{class}><span class=\"sev-{sev}\">{sev}</span> <code>{}</code> {}",
            html(f.kind.as_str()),
            with_code(&f.message)
        );
        if let Some(e) = &f.exception {
            let _ = write!(
                out,
                "<span class=\"exc\">excused: {} — owner {}, ticket {}, expires {}</span>",
                html(&e.reason),
                html(e.owner.as_deref().unwrap_or("-")),
                html(e.ticket.as_deref().unwrap_or("-")),
                html(&e.expires)
            );
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
    out
}
