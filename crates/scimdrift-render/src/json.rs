//! The report contract itself as JSON: pretty, stable, with a trailing newline.

use scimdrift_report::Report;

/// Renders a report as pretty JSON. Field order follows the contract types
/// and every list is already sorted by the engine, so the same report always
/// gives the same bytes.
pub fn render(report: &Report) -> String {
    // Serialising plain data structs to a string cannot fail; keep a
    // parseable fallback rather than panic.
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|err| format!("{{\"error\": {:?}}}", err.to_string()));
    text.push('\n');
    text
}
