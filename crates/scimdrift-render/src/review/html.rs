//! The review as one self-contained HTML page.

use super::REVIEW_SCHEMA;
use super::model::{Review, ReviewFinding, ReviewedUser};
use super::svg::bar_chart;
use scimdrift_report::short_sha;
use std::fmt::Write as _;

/// The page's style sheet, inline (the page fetches nothing).
const CSS: &str = concat!("\n", include_str!("review.css"));

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
            list(&u.group_labels()),
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

/// Escapes text for HTML content and attribute values.
pub(super) fn html(text: &str) -> String {
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
