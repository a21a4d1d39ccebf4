//! The review as JSON.

use super::model::Review;

/// The review as pretty JSON with a trailing newline.
pub fn render_json(review: &Review) -> String {
    let mut text = serde_json::to_string_pretty(review).unwrap_or_else(|err| format!("\"{err}\""));
    text.push('\n');
    text
}
