//! The HTML page's charts: inline SVG, deterministic and script-free.

use super::html::html;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// An inline SVG horizontal bar chart; deterministic and script-free.
pub(super) fn bar_chart(title: &str, data: &BTreeMap<String, u64>) -> String {
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
