//! The review as CSV.

use super::model::{Review, exception_text, finding_text};
use crate::csv::write_row;
use std::fmt::Write as _;

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
                u.group_labels().join("; "),
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
