//! CSV: one row per finding (RFC 4180, CRLF line ends, a header row).
//!
//! Cells a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
//! `@`, a tab or a carriage return) are prefixed with `'`, so a group or user
//! name cannot run code when a reviewer opens the file.

use crate::RenderOptions;
use scimdrift_report::{Change, Finding, Report, Since};

/// The header row.
pub const HEADER: [&str; 22] = [
    "id",
    "severity",
    "kind",
    "rule",
    "group",
    "subject_type",
    "subject_id",
    "user_name",
    "embed_external_id",
    "embed_entity",
    "subject_display",
    "message",
    "policy_file",
    "policy_line",
    "excused",
    "exception_reason",
    "exception_ticket",
    "exception_owner",
    "exception_expires",
    "change",
    "since_last_run",
    "exception_file",
];

/// Renders one row per finding.
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    write_row(&mut out, HEADER.iter().map(|h| (*h).to_owned()));
    for f in &report.findings {
        write_row(&mut out, row(f, opts));
    }
    out
}

fn row(f: &Finding, opts: &RenderOptions) -> Vec<String> {
    let subject = f.subject.as_ref();
    let s = |get: fn(&scimdrift_report::Subject) -> Option<&String>| {
        subject.and_then(get).cloned().unwrap_or_default()
    };
    let e = f.exception.as_ref();
    vec![
        f.id.clone(),
        f.severity.as_str().to_owned(),
        f.kind.as_str().to_owned(),
        f.rule.clone(),
        f.group.clone().unwrap_or_default(),
        subject
            .map(|s| s.kind.as_str().to_owned())
            .unwrap_or_default(),
        s(|s| s.id.as_ref()),
        s(|s| s.user_name.as_ref()),
        s(|s| s.embed_external_id.as_ref()),
        s(|s| s.embed_entity.as_ref()),
        s(|s| s.display.as_ref()),
        f.message.clone(),
        f.policy
            .as_ref()
            .map(|p| opts.policy_path(&p.file))
            .unwrap_or_default(),
        f.policy
            .as_ref()
            .map(|p| p.line.to_string())
            .unwrap_or_default(),
        if e.is_some() { "true" } else { "false" }.to_owned(),
        e.map(|e| e.reason.clone()).unwrap_or_default(),
        e.and_then(|e| e.ticket.clone()).unwrap_or_default(),
        e.and_then(|e| e.owner.clone()).unwrap_or_default(),
        e.map(|e| e.expires.clone()).unwrap_or_default(),
        f.change
            .map(|c| match c {
                Change::Introduced => "introduced",
                Change::Resolved => "resolved",
                Change::Unchanged => "unchanged",
            })
            .unwrap_or_default()
            .to_owned(),
        f.since_last_run
            .map(|s| match s {
                Since::New => "new",
                Since::Persisting => "persisting",
                Since::Resolved => "resolved",
            })
            .unwrap_or_default()
            .to_owned(),
        e.map(|e| format!("{}:{}", opts.policy_path(&e.policy.file), e.policy.line))
            .unwrap_or_default(),
    ]
}

/// Writes one CSV record with CRLF.
pub fn write_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let mut first = true;
    for cell in cells {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&cell_text(&cell));
    }
    out.push_str("\r\n");
}

/// One cell, guarded against formula injection and quoted when needed.
pub fn cell_text(cell: &str) -> String {
    let guarded = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::cell_text;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(cell_text(input), expected);
    }

    #[test]
    fn cells() {
        check("plain", "plain");
        check("", "");
        check("a,b", "\"a,b\"");
        check("say \"hi\"", "\"say \"\"hi\"\"\"");
        check("two\nlines", "\"two\nlines\"");
        check("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
        check("+1", "'+1");
        check("-1", "'-1");
        check("@SUM(A1)", "'@SUM(A1)");
        check("\tx", "'\tx");
        check("a=b", "a=b");
    }
}
