//! The review as Markdown.

use super::model::{Review, exception_text, finding_text};
use std::fmt::Write as _;

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
            md_cell(&u.group_labels().join(", ")),
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

/// Escapes text for Markdown table cells.
fn md_cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
